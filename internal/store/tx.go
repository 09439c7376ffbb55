package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// txItem is one write of a transaction and what its failed condition means. onFail receives
// the item as it was (nil when absent), since every conditional write asks for ALL_OLD.
type txItem struct {
	write  types.TransactWriteItem
	onFail func(old map[string]types.AttributeValue) error
}

// transact runs the writes as one transaction. A cancellation whose only causes are
// TransactionConflict (which the SDK's retryer does not retry) is retried with jitter a
// bounded number of times; a failed condition is mapped, by position, to its item's error.
func (s *Store) transact(ctx context.Context, op string, items []txItem) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: make([]types.TransactWriteItem, len(items))}
	for i, it := range items {
		in.TransactItems[i] = it.write
	}
	for attempt := 0; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return fail(op, err)
		}
		reasons := tce.CancellationReasons
		for i, r := range reasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" && i < len(items) && items[i].onFail != nil {
				return items[i].onFail(r.Item)
			}
		}
		if !onlyConflicts(reasons) {
			return fail(op, err)
		}
		if attempt >= s.txRetries {
			return &backendError{op: op, kind: ErrBusy, msg: "transaction conflicts outlasted the retries"}
		}
		if err := backoff(ctx, attempt); err != nil {
			return fail(op, err)
		}
	}
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

// appActiveCheck conditions a transaction on the app being ACTIVE.
func (s *Store) appActiveCheck(appID string) txItem {
	return txItem{
		write: types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName:                           aws.String(s.table),
			Key:                                 itemKey(appPK(appID), metaSK),
			ConditionExpression:                 aws.String("#status = :active"),
			ExpressionAttributeNames:            map[string]string{"#status": "status"},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":active": str(string(appActive))},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: appFailure,
	}
}

// appCounter adds delta to the app's customer count, on the condition that it is ACTIVE.
func (s *Store) appCounter(appID string, delta int64) txItem {
	return condUpdate(s.table, itemKey(appPK(appID), metaSK),
		"ADD customer_count :delta", "#status = :active",
		expr{
			names:  map[string]string{"#status": "status"},
			values: map[string]types.AttributeValue{":delta": num(delta), ":active": str(string(appActive))},
		},
		appFailure)
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
