package store

import (
	"context"
	"errors"

	"github.com/clientele/clientele/internal/dynamo"
)

// txItem is one write of a transaction and what its failed condition means. onFail receives
// the item as it was (nil when absent), since every conditional write asks for ALL_OLD.
type txItem struct {
	write  dynamo.TransactWriteItem
	onFail func(old map[string]dynamo.AttributeValue) error
}

// transact runs the writes as one transaction. A cancellation whose only causes are
// TransactionConflict (which the SDK's retryer does not retry) is retried with jitter a
// bounded number of times; a failed condition is mapped, by position, to its item's error.
func (s *Store) transact(ctx context.Context, op string, items []txItem) error {
	in := &dynamo.TransactWriteItemsInput{TransactItems: make([]dynamo.TransactWriteItem, len(items))}
	for i, it := range items {
		in.TransactItems[i] = it.write
	}
	for attempt := 0; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		var tce *dynamo.TransactionCanceledException
		if !errors.As(err, &tce) {
			return fail(op, err)
		}
		reasons := tce.CancellationReasons
		for i, r := range reasons {
			if r.Code == "ConditionalCheckFailed" && i < len(items) && items[i].onFail != nil {
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
func onlyConflicts(reasons []dynamo.CancellationReason) bool {
	conflict := false
	for _, r := range reasons {
		switch r.Code {
		case "TransactionConflict":
			conflict = true
		case "", "None":
		default:
			return false
		}
	}
	return conflict
}

func condPut(table string, item map[string]dynamo.AttributeValue, onFail func(map[string]dynamo.AttributeValue) error) txItem {
	return txItem{
		write: dynamo.TransactWriteItem{Put: &dynamo.Put{
			TableName:                           table,
			Item:                                item,
			ConditionExpression:                 "attribute_not_exists(pk)",
			ReturnValuesOnConditionCheckFailure: dynamo.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: onFail,
	}
}

// expr carries a condition or update expression with its names and values.
type expr struct {
	names  map[string]string
	values map[string]dynamo.AttributeValue
}

func (e expr) namesOrNil() map[string]string {
	if len(e.names) == 0 {
		return nil
	}
	return e.names
}

func (e expr) valuesOrNil() map[string]dynamo.AttributeValue {
	if len(e.values) == 0 {
		return nil
	}
	return e.values
}

func condDelete(table string, k key, cond string, e expr, onFail func(map[string]dynamo.AttributeValue) error) txItem {
	return txItem{
		write: dynamo.TransactWriteItem{Delete: &dynamo.Delete{
			TableName:                           table,
			Key:                                 k,
			ConditionExpression:                 cond,
			ExpressionAttributeNames:            e.namesOrNil(),
			ExpressionAttributeValues:           e.valuesOrNil(),
			ReturnValuesOnConditionCheckFailure: dynamo.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: onFail,
	}
}

func condUpdate(table string, k key, update, cond string, e expr, onFail func(map[string]dynamo.AttributeValue) error) txItem {
	return txItem{
		write: dynamo.TransactWriteItem{Update: &dynamo.Update{
			TableName:                           table,
			Key:                                 k,
			UpdateExpression:                    update,
			ConditionExpression:                 cond,
			ExpressionAttributeNames:            e.namesOrNil(),
			ExpressionAttributeValues:           e.valuesOrNil(),
			ReturnValuesOnConditionCheckFailure: dynamo.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: onFail,
	}
}

// appActiveCheck conditions a transaction on the app being ACTIVE.
func (s *Store) appActiveCheck(appID string) txItem {
	return txItem{
		write: dynamo.TransactWriteItem{ConditionCheck: &dynamo.ConditionCheck{
			TableName:                           s.table,
			Key:                                 itemKey(appPK(appID), metaSK),
			ConditionExpression:                 "#status = :active",
			ExpressionAttributeNames:            map[string]string{"#status": "status"},
			ExpressionAttributeValues:           map[string]dynamo.AttributeValue{":active": str(string(appActive))},
			ReturnValuesOnConditionCheckFailure: dynamo.ReturnValuesOnConditionCheckFailureAllOld,
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
			values: map[string]dynamo.AttributeValue{":delta": num(delta), ":active": str(string(appActive))},
		},
		appFailure)
}

// appFailure explains a failed app condition from the app item as it was.
func appFailure(old map[string]dynamo.AttributeValue) error {
	if old == nil {
		return ErrAppNotFound
	}
	return ErrAppNotActive
}

// getMany reads items by key with strong consistency, in one BatchGetItem where it can;
// the result is aligned with keys, nil where an item does not exist.
func (s *Store) getMany(ctx context.Context, op string, keys ...key) ([]map[string]dynamo.AttributeValue, error) {
	pending := make([]key, len(keys))
	copy(pending, keys)
	found := make(map[[2]string]map[string]dynamo.AttributeValue, len(keys))
	for attempt := 0; len(pending) > 0; attempt++ {
		out, err := s.db.BatchGetItem(ctx, &dynamo.BatchGetItemInput{
			RequestItems: map[string]dynamo.KeysAndAttributes{
				s.table: {Keys: pending, ConsistentRead: true},
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
	res := make([]map[string]dynamo.AttributeValue, len(keys))
	for i, k := range keys {
		res[i] = found[keyID(k)]
	}
	return res, nil
}

// getOne reads one item with strong consistency; nil when it does not exist.
func (s *Store) getOne(ctx context.Context, op string, k key) (map[string]dynamo.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamo.GetItemInput{
		TableName: s.table, Key: k, ConsistentRead: true,
	})
	if err != nil {
		return nil, fail(op, err)
	}
	return out.Item, nil
}

func keyID(m map[string]dynamo.AttributeValue) [2]string {
	return [2]string{attrS(m, "pk"), attrS(m, "sk")}
}

// attrS returns a string attribute, or "" when absent or of another type.
func attrS(m map[string]dynamo.AttributeValue, name string) string {
	if v, ok := m[name].(*dynamo.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
