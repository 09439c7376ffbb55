package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/telemetry"
)

// failure explains a failed condition from the item as it was (nil when absent).
type failure = func(old map[string]types.AttributeValue) error

// txItem is one write of a transaction and what its failed condition means. onFail receives
// the item as it was (nil when absent), since every conditional write asks for ALL_OLD.
type txItem struct {
	write  types.TransactWriteItem
	onFail func(old map[string]types.AttributeValue) error
	// For a shard's write: the app and the shard, which is made when it fails with errNoShards.
	app   string
	shard int
	// claim marks an idempotency record (Store.recordWrite): its outcome decides before the
	// others', and committed runs once the transaction has been written.
	claim     bool
	committed func()
	appCheck  bool // the item checks #META's status
}

// transact runs the writes as one transaction (see transactFn).
func (s *Store) transact(ctx context.Context, op string, items []txItem) error {
	return s.transactFn(ctx, op, func(int) ([]txItem, error) { return items, nil })
}

// transactFn runs the writes build returns, for the shard it is given, as one transaction.
// A cancellation whose only causes are TransactionConflict (which the SDK's retryer does not
// retry) is retried with jitter a bounded number of times, with the writes built again, on
// another shard; a failed condition is mapped, by position, to its item's error, a deleted
// app's before a replay's. A shard found missing is made and the transaction tried again on it.
func (s *Store) transactFn(ctx context.Context, op string, build func(shard int) ([]txItem, error)) error {
	madeShards, shardConflicts := 0, 0
	shard := s.nextShard()
	for attempt := 0; ; attempt++ {
		items, err := build(shard)
		if err != nil {
			return err
		}
		if len(items) > maxTransactItems {
			return fmt.Errorf("store: %s: %d items in one transaction: %w", op, len(items), errTooManyItems)
		}
		in := &dynamodb.TransactWriteItemsInput{TransactItems: make([]types.TransactWriteItem, len(items))}
		for i, it := range items {
			in.TransactItems[i] = it.write
		}
		_, err = s.db.TransactWriteItems(ctx, in)
		if err == nil {
			for _, it := range items {
				if it.committed != nil {
					it.committed()
				}
			}
			return nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return fail(op, err)
		}
		reasons := tce.CancellationReasons
		if err := appOutcome(items, reasons); err != nil {
			return err
		}
		if err := claimOutcome(items, reasons); err != nil {
			return err
		}
		retry := false
		for i, r := range reasons {
			if aws.ToString(r.Code) != "ConditionalCheckFailed" || i >= len(items) || items[i].onFail == nil {
				continue
			}
			ferr := items[i].onFail(r.Item)
			if !errors.Is(ferr, errNoShards) || madeShards >= maxShardsMade {
				return ferr
			}
			if err := s.ensureShard(ctx, items[i].app, items[i].shard); err != nil {
				return err
			}
			madeShards, shard = madeShards+1, items[i].shard
			retry = true
			break
		}
		if retry {
			continue
		}
		if !onlyConflicts(reasons) {
			return fail(op, err)
		}
		if s.shards > 1 && onlyShards(items, reasons) {
			// Another write holds the shard, not this write's data: the next try, on another
			// shard, waits little, and such tries are counted apart.
			shardConflicts, shard = shardConflicts+1, s.nextShard()
			telemetry.Count(ctx, "ConflictsRetried", telemetry.Dim{Name: "Item", Value: "shard"})
			if shardConflicts > maxShardConflicts {
				return &backendError{op: op, kind: ErrBusy, msg: "shard conflicts outlasted the retries"}
			}
			if err := backoff(ctx, 0); err != nil {
				return fail(op, err)
			}
			attempt--
			continue
		}
		if attempt >= s.txRetries {
			return &backendError{op: op, kind: ErrBusy, msg: "transaction conflicts outlasted the retries"}
		}
		shard = s.nextShard()
		telemetry.Count(ctx, "ConflictsRetried", telemetry.Dim{Name: "Item", Value: "data"})
		if err := backoff(ctx, attempt); err != nil {
			return fail(op, err)
		}
	}
}

// claimOutcome is the error of a cancelled transaction whose idempotency record failed: the
// record of a request done before (its replay, or ErrKeyReused), whatever else failed with
// it; or idempotency.ErrKeyInUse when a transaction of another request held the record.
func claimOutcome(items []txItem, reasons []types.CancellationReason) error {
	for i, r := range reasons {
		if i >= len(items) || !items[i].claim {
			continue
		}
		switch aws.ToString(r.Code) {
		case "ConditionalCheckFailed":
			return items[i].onFail(r.Item)
		case "TransactionConflict":
			return idempotency.ErrKeyInUse
		}
	}
	return nil
}

// Bounds of a transaction's tries: after conflicts on shards alone, after making missing
// shards; and DynamoDB's items in one transaction.
const (
	maxShardConflicts = 32
	maxShardsMade     = 4
	maxTransactItems  = 100
)

// errTooManyItems is a transaction past DynamoDB's 100 items: a bug, since every write is
// sized to fit before it is built.
var errTooManyItems = errors.New("too many items for one transaction")

// appOutcome is the error of a cancelled transaction whose check of the app's status (on
// #META or a shard) found it being deleted: a deleted app's answer wins over a replay's.
func appOutcome(items []txItem, reasons []types.CancellationReason) error {
	for i, r := range reasons {
		if i >= len(items) || aws.ToString(r.Code) != "ConditionalCheckFailed" || items[i].onFail == nil {
			continue
		}
		if items[i].app != "" || items[i].appCheck {
			if err := items[i].onFail(r.Item); errors.Is(err, ErrAppNotActive) || errors.Is(err, ErrAppNotFound) {
				return err
			}
		}
	}
	return nil
}

// onlyShards reports whether the items a cancellation names as in conflict are all shards.
func onlyShards(items []txItem, reasons []types.CancellationReason) bool {
	for i, r := range reasons {
		if aws.ToString(r.Code) == "TransactionConflict" && (i >= len(items) || items[i].app == "") {
			return false
		}
	}
	return true
}

// onlyConflicts reports whether a cancellation was caused by concurrent transactions alone.
func onlyConflicts(reasons []types.CancellationReason) bool {
	conflict := false
	for _, r := range reasons {
		switch aws.ToString(r.Code) {
		case "TransactionConflict":
			conflict = true
		case "", "None":
		default:
			return false
		}
	}
	return conflict
}

func condPut(table string, item map[string]types.AttributeValue, onFail failure) txItem {
	return txItem{
		write: types.TransactWriteItem{Put: &types.Put{
			TableName:                           aws.String(table),
			Item:                                item,
			ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: onFail,
	}
}

// expr carries a condition or update expression with its names and values.
type expr struct {
	names  map[string]string
	values map[string]types.AttributeValue
}

func (e expr) namesOrNil() map[string]string {
	if len(e.names) == 0 {
		return nil
	}
	return e.names
}

func (e expr) valuesOrNil() map[string]types.AttributeValue {
	if len(e.values) == 0 {
		return nil
	}
	return e.values
}

func condDelete(table string, k key, cond string, e expr, onFail func(map[string]types.AttributeValue) error) txItem {
	return txItem{
		write: types.TransactWriteItem{Delete: &types.Delete{
			TableName:                           aws.String(table),
			Key:                                 k,
			ConditionExpression:                 aws.String(cond),
			ExpressionAttributeNames:            e.namesOrNil(),
			ExpressionAttributeValues:           e.valuesOrNil(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: onFail,
	}
}

func condUpdate(table string, k key, update, cond string, e expr, onFail failure) txItem {
	return txItem{
		write: types.TransactWriteItem{Update: &types.Update{
			TableName:                           aws.String(table),
			Key:                                 k,
			UpdateExpression:                    aws.String(update),
			ConditionExpression:                 aws.String(cond),
			ExpressionAttributeNames:            e.namesOrNil(),
			ExpressionAttributeValues:           e.valuesOrNil(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: onFail,
	}
}

// appFailure explains a failed app condition from the app item as it was.
func appFailure(old map[string]types.AttributeValue) error {
	if old == nil {
		return ErrAppNotFound
	}
	return ErrAppNotActive
}

// getMany reads items by key with strong consistency, in BatchGetItems of at most
// maxBatchGet keys, a few at a time; the result is aligned with keys, nil where an item does
// not exist.
func (s *Store) getMany(ctx context.Context, op string, keys ...key) ([]map[string]types.AttributeValue, error) {
	res := make([]map[string]types.AttributeValue, len(keys))
	parts := (len(keys) + maxBatchGet - 1) / maxBatchGet
	errs := make([]error, parts)
	sem := make(chan struct{}, maxParallelBatches)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*maxBatchGet, min((p+1)*maxBatchGet, len(keys))
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[p] = s.batchGet(ctx, op, keys[lo:hi], res[lo:hi])
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return res, nil
}

// DynamoDB's keys of one BatchGetItem, and how many of them a read sends at once.
const (
	maxBatchGet        = 100
	maxParallelBatches = 8
)

// batchGet reads at most maxBatchGet keys into res, aligned with them.
func (s *Store) batchGet(ctx context.Context, op string, keys []key, res []map[string]types.AttributeValue) error {
	pending := slices.Clone(keys)
	found := make(map[[2]string]map[string]types.AttributeValue, len(keys))
	for attempt := 0; len(pending) > 0; attempt++ {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{
				s.table: {Keys: pending, ConsistentRead: aws.Bool(true)},
			},
		})
		if err != nil {
			return fail(op, err)
		}
		for _, it := range out.Responses[s.table] {
			found[keyID(it)] = it
		}
		pending = out.UnprocessedKeys[s.table].Keys
		if len(pending) > 0 {
			if attempt >= s.txRetries {
				return &backendError{op: op, kind: ErrBusy, msg: "unprocessed keys outlasted the retries"}
			}
			if err := backoff(ctx, attempt); err != nil {
				return fail(op, err)
			}
		}
	}
	for i, k := range keys {
		res[i] = found[keyID(k)]
	}
	return nil
}

// getOne reads one item with strong consistency; nil when it does not exist.
func (s *Store) getOne(ctx context.Context, op string, k key) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: k, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fail(op, err)
	}
	return out.Item, nil
}

func keyID(m map[string]types.AttributeValue) [2]string {
	return [2]string{attrS(m, "pk"), attrS(m, "sk")}
}

// attrN returns a number attribute's text, or "" when absent or of another type.
func attrN(m map[string]types.AttributeValue, name string) string {
	if v, ok := m[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

// attrS returns a string attribute, or "" when absent or of another type.
func attrS(m map[string]types.AttributeValue, name string) string {
	if v, ok := m[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
