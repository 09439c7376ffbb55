package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/tenant"
)

// An app's customer counter and its ACTIVE status are spread over shard items in its
// partition, so that no item is touched by every write of an app: DynamoDB cancels a
// transaction that touches an item another in-flight one holds (TransactionConflict), so one
// such item would let an app make one transaction at a time. A create adds one to a shard;
// the customer records which, so that its delete takes one from the same; every other write
// checks a shard's status. Deleting an app flips #META and every shard in one transaction.
// Reads of the total sum the shards in the BatchGetItem that reads #META.
//
// Apps made before the shards keep their counter in #META (customers without a shard take
// one from it on delete), and get their shards on their first write after the change (see
// ensureShards): made lazily, idempotently, with no manual step.
const (
	// Shards per app. 64 keeps the create and delete of an app within one transaction (100
	// items) and the total within one BatchGetItem (100 keys), and a shard's share of an
	// app's writes at 1/64.
	Shards = 64

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

// errNoShards says the app has no shard items yet (it was made before them).
var errNoShards = errors.New("app has no shards")

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
	e := expr{names: activeExpr.names, values: map[string]types.AttributeValue{":active": str(string(appActive)), ":delta": num(delta)}}
	it := condUpdate(s.table, itemKey(appPK(appID), shardSK(shard)), "ADD customer_count :delta", "#status = :active", e, shardFailure)
	it.app = appID
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
	}
}

// transactActive runs the writes as one transaction on the condition that the app is ACTIVE,
// as the next shard tells.
func (s *Store) transactActive(ctx context.Context, op, appID string, items []txItem) error {
	return s.transactFn(ctx, op, func() ([]txItem, error) {
		return append([]txItem{s.shardActiveCheck(appID, s.nextShard())}, items...), nil
	})
}

// legacyCounter adds delta to the counter an app made before the shards keeps in #META: the
// delete of a customer created then, which records no shard.
func (s *Store) legacyCounter(appID string, delta int64) txItem {
	e := expr{names: activeExpr.names, values: map[string]types.AttributeValue{":active": str(string(appActive)), ":delta": num(delta)}}
	return condUpdate(s.table, itemKey(appPK(appID), metaSK), "ADD customer_count :delta", "#status = :active", e, appFailure)
}

// shardPuts are the puts of an app's shards, each on the condition that it does not exist.
func (s *Store) shardPuts(appID string, status tenant.Status) ([]txItem, error) {
	items := make([]txItem, s.shards)
	for n := range items {
		m, err := marshal("shard", shardItem{PK: appPK(appID), SK: shardSK(n), Type: typeShard, Status: string(status)})
		if err != nil {
			return nil, err
		}
		items[n] = condPut(s.table, m, func(map[string]types.AttributeValue) error { return errShardsExist })
	}
	return items, nil
}

var errShardsExist = errors.New("shards exist")

// ensureShards makes the shards of an app made before them, on the condition that its #META
// is ACTIVE. It is idempotent: shards made meanwhile by another writer, or by DeleteApp
// (DELETING), are left as they are.
func (s *Store) ensureShards(ctx context.Context, appID string) error {
	puts, err := s.shardPuts(appID, appActive)
	if err != nil {
		return err
	}
	err = s.transact(ctx, "make shards", append([]txItem{{
		write: types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName:                           aws.String(s.table),
			Key:                                 itemKey(appPK(appID), metaSK),
			ConditionExpression:                 aws.String("#status = :active"),
			ExpressionAttributeNames:            activeExpr.names,
			ExpressionAttributeValues:           activeExpr.values,
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: appFailure,
	}}, puts...))
	if errors.Is(err, errShardsExist) {
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

// appWithTotal reads an app's #META and its shards in one BatchGetItem: the app, with its
// customer count the sum of the shards' and the counter #META kept before them.
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

// addShardTotals adds to each app's count what its shards hold, reading the shards of all
// the apps in BatchGetItems of at most 100 keys.
func (s *Store) addShardTotals(ctx context.Context, op string, apps []appItem) error {
	var keys []key
	for _, a := range apps {
		keys = append(keys, s.shardKeys(a.ID)[1:]...)
	}
	counts := map[string]int64{}
	for len(keys) > 0 {
		n := min(len(keys), 100)
		got, err := s.getMany(ctx, op, keys[:n]...)
		if err != nil {
			return err
		}
		keys = keys[n:]
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
	}
	for i := range apps {
		apps[i].CustomerCount += counts[appPK(apps[i].ID)]
	}
	return nil
}
