package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/telemetry"
)

// txItem is one write of a transaction and what its failed condition means. onFail receives
// the item as it was (nil when absent), since every conditional write asks for ALL_OLD.
type txItem struct {
	write  types.TransactWriteItem
	onFail func(old map[string]types.AttributeValue) error
	app    string // for a shard's condition: the app whose shards are missing when it fails with errNoShards
	// claim marks an idempotency record (Store.recordWrite): its outcome decides before the
	// others', and committed runs once the transaction has been written.
	claim     bool
	committed func()
}

// transact runs the writes as one transaction (see transactFn).
func (s *Store) transact(ctx context.Context, op string, items []txItem) error {
	return s.transactFn(ctx, op, func() ([]txItem, error) { return items, nil })
}

// transactFn runs the writes build returns as one transaction. A cancellation whose only
// causes are TransactionConflict (which the SDK's retryer does not retry) is retried with
// jitter a bounded number of times, with the writes built again, so that a write on a
// shard moves to another one; a failed condition is mapped, by position, to its item's
// error. A shard found missing (an app made before the shards) has the app's shards made,
// once, and the transaction tried again.
func (s *Store) transactFn(ctx context.Context, op string, build func() ([]txItem, error)) error {
	madeShards, shardConflicts := false, 0
	for attempt := 0; ; attempt++ {
		items, err := build()
		if err != nil {
			return err
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
		if err := claimOutcome(items, reasons); err != nil {
			return err
		}
		failed := false
		for i, r := range reasons {
			if aws.ToString(r.Code) != "ConditionalCheckFailed" || i >= len(items) || items[i].onFail == nil {
				continue
			}
			ferr := items[i].onFail(r.Item)
			if !errors.Is(ferr, errNoShards) || madeShards {
				return ferr
			}
			if err := s.ensureShards(ctx, items[i].app); err != nil {
				return err
			}
			madeShards, failed = true, true
			break
		}
		if failed {
			continue
		}
		if !onlyConflicts(reasons) {
			return fail(op, err)
		}
		if s.shards > 1 && onlyShards(items, reasons) {
			// Another write holds the shard, not this write's data: the next try, on another
			// shard, waits little, and such tries are counted apart.
			shardConflicts++
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

// maxShardConflicts bounds the tries of a write whose only conflicts were on shards.
const maxShardConflicts = 32

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

func condPut(table string, item map[string]types.AttributeValue, onFail func(map[string]types.AttributeValue) error) txItem {
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

func condUpdate(table string, k key, update, cond string, e expr, onFail func(map[string]types.AttributeValue) error) txItem {
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

// getMany reads items by key with strong consistency, in one BatchGetItem where it can;
// the result is aligned with keys, nil where an item does not exist.
func (s *Store) getMany(ctx context.Context, op string, keys ...key) ([]map[string]types.AttributeValue, error) {
	pending := make([]key, len(keys))
	copy(pending, keys)
	found := make(map[[2]string]map[string]types.AttributeValue, len(keys))
	for attempt := 0; len(pending) > 0; attempt++ {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{
				s.table: {Keys: pending, ConsistentRead: aws.Bool(true)},
			},
		})
		if err != nil {
			return nil, fail(op, err)
		}
		for _, it := range out.Responses[s.table] {
			found[keyID(it)] = it
		}
		pending = out.UnprocessedKeys[s.table].Keys
		if len(pending) > 0 {
			if attempt >= s.txRetries {
				return nil, &backendError{op: op, kind: ErrBusy, msg: "unprocessed keys outlasted the retries"}
			}
			if err := backoff(ctx, attempt); err != nil {
				return nil, fail(op, err)
			}
		}
	}
	res := make([]map[string]types.AttributeValue, len(keys))
	for i, k := range keys {
		res[i] = found[keyID(k)]
	}
	return res, nil
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

// attrS returns a string attribute, or "" when absent or of another type.
func attrS(m map[string]types.AttributeValue, name string) string {
	if v, ok := m[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
