package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/tenant"
)

// An app's customer counter and its ACTIVE status are spread over shard items in its
// partition, so that no item is touched by every write of an app: DynamoDB cancels a
// transaction that touches an item another in-flight one holds (TransactionConflict), so one
// such item would let an app make one transaction at a time. A create adds one to a shard;
// the customer records which, so that its delete takes one from the same; every other write
// checks a shard's status. Deleting an app turns #META DELETING, then every shard, before it
// answers. Reads of the total sum the shards in the BatchGetItems that read #META.
//
// A shard is made when it is first needed (ensureShard), on the condition that #META is
// ACTIVE: so apps made before the shards, or with fewer of them, get theirs with no manual
// step, and an app's creation does not have to write them all in one transaction.
const (
	// Shards per app: docs/performance.md has the model (at 40 to 100 transactions a second
	// on one item, 256 shards carry 10,000 to 25,000 creates a second).
	Shards = 256

	typeShard = "APP_SHARD"
)

func shardSK(n int) string { return fmt.Sprintf("#SHARD#%02d", n) }

type shardItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	Type          string `dynamodbav:"type"`
	Status        string `dynamodbav:"status"`
	CustomerCount int64  `dynamodbav:"customer_count"`
}

// nextShard chooses the shard of a write at random. A write that meets a conflict on its
// shard alone tries again on another one (transactFn).
func (s *Store) nextShard() int { return rand.IntN(s.shards) }

// errNoShards says the shard does not exist yet.
var errNoShards = errors.New("app shard missing")

// shardFailure explains a failed shard condition from the shard as it was.
func shardFailure(old map[string]types.AttributeValue) error {
	if old == nil {
		return errNoShards
	}
	return ErrAppNotActive
}

var activeExpr = expr{
	names:  map[string]string{"#status": "status"},
	values: map[string]types.AttributeValue{":active": str(string(appActive))},
}

// shardCounter adds delta to a shard's customer count, on the condition that the app is
// ACTIVE.
func (s *Store) shardCounter(appID string, shard int, delta int64) txItem {
	it := condUpdate(s.table, itemKey(appPK(appID), shardSK(shard)), "ADD customer_count :delta", "#status = :active",
		countBy(delta), shardFailure)
	it.app, it.shard = appID, shard
	return it
}

// seqEpoch is the time sequential ids count milliseconds from.
var seqEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// seqsPerMillisecond is how many sequential ids a shard has in one millisecond.
const seqsPerMillisecond = 16

// nextSeq is the sequential id a create at t on shard hands out: the milliseconds since
// seqEpoch times the ids of a millisecond, plus the shard, so that each shard hands out its own
// residue class, and above least (what the shard handed out last, when a create lost to it).
func (s *Store) nextSeq(t time.Time, shard int, least int64) int64 {
	seq := t.Sub(seqEpoch).Milliseconds()*int64(s.shards)*seqsPerMillisecond + int64(shard)
	for seq <= least {
		seq += int64(s.shards)
	}
	return seq
}

// legacySeq is the sequential id of a customer created before them: its creation's
// milliseconds and a residue from its id, the order of creation kept.
func legacySeq(created time.Time, id string) int64 {
	return created.Sub(seqEpoch).Milliseconds()*Shards*seqsPerMillisecond + int64(bucketOf(id, Shards))
}

// seqTaken is a create's failure on its shard because the shard handed out a sequential id
// as large or larger (another create in the same millisecond, or a clock behind): the create
// is tried again above it.
type seqTaken struct {
	shard int
	last  int64
}

func (e *seqTaken) Error() string {
	return fmt.Sprintf("shard %d handed out sequential id %d", e.shard, e.last)
}

// createCounter adds a created customer to a shard's count and records its sequential id as
// the shard's last, on the conditions that the app is ACTIVE and that the shard handed out
// no larger one.
func (s *Store) createCounter(appID string, shard int, seq int64) txItem {
	e := expr{names: map[string]string{"#status": "status", "#seq": "last_seq"}, values: map[string]types.AttributeValue{
		":active": str(string(appActive)), ":one": num(1), ":seq": num(seq),
	}}
	it := condUpdate(s.table, itemKey(appPK(appID), shardSK(shard)), "ADD customer_count :one SET #seq = :seq",
		"#status = :active AND (attribute_not_exists(#seq) OR #seq < :seq)", e,
		func(old map[string]types.AttributeValue) error {
			if old == nil || attrS(old, "status") != string(appActive) {
				return shardFailure(old)
			}
			last, _ := strconv.ParseInt(attrN(old, "last_seq"), 10, 64)
			return &seqTaken{shard: shard, last: last}
		})
	it.app, it.shard = appID, shard
	return it
}

// shardActiveCheck conditions a transaction on the app being ACTIVE, as one shard tells.
func (s *Store) shardActiveCheck(appID string, shard int) txItem {
	return txItem{
		write: types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName:                           aws.String(s.table),
			Key:                                 itemKey(appPK(appID), shardSK(shard)),
			ConditionExpression:                 aws.String("#status = :active"),
			ExpressionAttributeNames:            activeExpr.names,
			ExpressionAttributeValues:           activeExpr.values,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: shardFailure,
		app:    appID,
		shard:  shard,
	}
}

// transactActive runs the writes as one transaction on the condition that the app is ACTIVE,
// as the next shard tells.
func (s *Store) transactActive(ctx context.Context, op, appID string, items []txItem) error {
	return s.transactFn(ctx, op, func(shard int) ([]txItem, error) {
		return append([]txItem{s.shardActiveCheck(appID, shard)}, items...), nil
	})
}

// legacyCounter adds delta to the counter an app made before the shards keeps in #META: the
// delete of a customer created then, which records no shard.
func (s *Store) legacyCounter(appID string, delta int64) txItem {
	return condUpdate(s.table, itemKey(appPK(appID), metaSK), "ADD customer_count :delta", "#status = :active",
		countBy(delta), appFailure)
}

// countBy is the expression of a counter's update by delta, on the app being ACTIVE.
func countBy(delta int64) expr {
	return expr{names: activeExpr.names, values: map[string]types.AttributeValue{
		":active": str(string(appActive)), ":delta": num(delta),
	}}
}

// shardPut is the put of an app's shard, on the condition that it does not exist.
func (s *Store) shardPut(appID string, n int, status tenant.Status) (txItem, error) {
	m, err := marshal("shard", shardItem{PK: appPK(appID), SK: shardSK(n), Type: typeShard, Status: string(status)})
	if err != nil {
		return txItem{}, err
	}
	return condPut(s.table, m, func(map[string]types.AttributeValue) error { return errShardExists }), nil
}

var errShardExists = errors.New("shard exists")

// metaActiveCheck conditions a transaction on #META being ACTIVE.
func (s *Store) metaActiveCheck(appID string) txItem {
	return txItem{
		write: types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName:                           aws.String(s.table),
			Key:                                 itemKey(appPK(appID), metaSK),
			ConditionExpression:                 aws.String("#status = :active"),
			ExpressionAttributeNames:            activeExpr.names,
			ExpressionAttributeValues:           activeExpr.values,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail:   appFailure,
		appCheck: true,
	}
}

// ensureShard makes one shard of an app, ACTIVE, on the condition that #META is ACTIVE. It
// is idempotent: a shard made meanwhile, by another writer or by DeleteApp (DELETING), is
// left as it is.
func (s *Store) ensureShard(ctx context.Context, appID string, n int) error {
	put, err := s.shardPut(appID, n, appActive)
	if err != nil {
		return err
	}
	err = s.transact(ctx, "make shard", []txItem{s.metaActiveCheck(appID), put})
	if errors.Is(err, errShardExists) {
		return nil
	}
	return err
}

// shardKeys are the keys of #META and every shard of an app, in that order.
func (s *Store) shardKeys(appID string) []key {
	keys := make([]key, 0, s.shards+1)
	keys = append(keys, itemKey(appPK(appID), metaSK))
	for n := range s.shards {
		keys = append(keys, itemKey(appPK(appID), shardSK(n)))
	}
	return keys
}

// appWithTotal reads an app's #META and its shards (in BatchGetItems sent together): the
// app, with its customer count the sum of the shards' and the counter #META kept before them.
func (s *Store) appWithTotal(ctx context.Context, op, appID string) (appItem, error) {
	got, err := s.getMany(ctx, op, s.shardKeys(appID)...)
	if err != nil {
		return appItem{}, err
	}
	app, err := decodeApp(got[0])
	if err != nil {
		return appItem{}, err
	}
	for _, m := range got[1:] {
		if m == nil {
			continue
		}
		sh, err := unmarshal[shardItem](op, m)
		if err != nil {
			return appItem{}, err
		}
		app.CustomerCount += sh.CustomerCount
	}
	return app, nil
}

// addShardTotals adds to each app's count what its shards hold.
func (s *Store) addShardTotals(ctx context.Context, op string, apps []appItem) error {
	var keys []key
	for _, a := range apps {
		keys = append(keys, s.shardKeys(a.ID)[1:]...)
	}
	counts := map[string]int64{}
	got, err := s.getMany(ctx, op, keys...)
	if err != nil {
		return err
	}
	for _, m := range got {
		if m == nil {
			continue
		}
		sh, err := unmarshal[shardItem](op, m)
		if err != nil {
			return err
		}
		counts[sh.PK] += sh.CustomerCount
	}
	for i := range apps {
		apps[i].CustomerCount += counts[appPK(apps[i].ID)]
	}
	return nil
}
