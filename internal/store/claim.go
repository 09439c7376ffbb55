package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/idempotency"
)

func recordSK(key string) string { return "IDEM#" + key }

// recordItem is a request's record: its fingerprint and its answer, kept until ttl (epoch
// seconds, the table's time-to-live attribute; DynamoDB deletes expired items within days,
// so readers also compare it with the clock).
type recordItem struct {
	PK          string            `dynamodbav:"pk"`
	SK          string            `dynamodbav:"sk"`
	Type        string            `dynamodbav:"type"`
	Fingerprint string            `dynamodbav:"fingerprint"`
	Status      int               `dynamodbav:"status"`
	Header      map[string]string `dynamodbav:"header,omitempty"`
	Body        []byte            `dynamodbav:"body,omitempty"`
	CreatedAt   string            `dynamodbav:"created_at"`
	TTL         int64             `dynamodbav:"ttl"`
}

// recordWrite returns the record of the claim in ctx, as the one more write of the
// transaction that does res; none without a claim.
func (s *Store) recordWrite(ctx context.Context, appID string, res idempotency.Result) ([]txItem, error) {
	c := idempotency.FromContext(ctx)
	if c == nil {
		return nil, nil
	}
	ans := c.Render(res)
	now := s.now()
	m, err := marshal("idempotency record", recordItem{
		PK: appPK(appID), SK: recordSK(c.Key), Type: typeRecord, Fingerprint: c.Fingerprint,
		Status: ans.Status, Header: ans.Header, Body: ans.Body,
		CreatedAt: formatTime(now), TTL: now.Add(idempotency.TTL).Unix(),
	})
	if err != nil {
		return nil, err
	}
	return []txItem{{
		write: types.TransactWriteItem{Put: &types.Put{
			TableName:                           aws.String(s.table),
			Item:                                m,
			ConditionExpression:                 aws.String("attribute_not_exists(pk) OR #ttl <= :now"),
			ExpressionAttributeNames:            map[string]string{"#ttl": "ttl"},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":now": num(now.Unix())},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: func(old map[string]types.AttributeValue) error {
			if err := checkRecord(c, old, now); err != nil {
				return err
			}
			return idempotency.ErrKeyInUse // expired since the condition: never, but a retry is safe
		},
		claim:     true,
		committed: func() { c.Keep(ans) },
	}}, nil
}

// checkRecord is the error of a claim whose record exists: the replay of the same request,
// or ErrKeyReused for another; nil when m is nil or has expired.
func checkRecord(c *idempotency.Claim, m map[string]types.AttributeValue, now time.Time) error {
	if m == nil {
		return nil
	}
	rec, err := unmarshal[recordItem]("idempotency record", m)
	if err != nil {
		return err
	}
	if rec.TTL <= now.Unix() {
		return nil
	}
	if rec.Fingerprint != c.Fingerprint {
		return idempotency.ErrKeyReused
	}
	kept := idempotency.Answer{Status: rec.Status, Header: rec.Header, Body: rec.Body}
	return &idempotency.ReplayError{Answer: kept}
}

// appItems reads items of an app with its #META (checked ACTIVE) and any claim's record, in one BatchGetItem.
func (s *Store) appItems(
	ctx context.Context, op, appID string, keys ...key,
) ([]map[string]types.AttributeValue, error) {
	all := append([]key{itemKey(appPK(appID), metaSK)}, keys...)
	c := idempotency.FromContext(ctx)
	if c != nil {
		all = append(all, itemKey(appPK(appID), recordSK(c.Key)))
	}
	got, err := s.getMany(ctx, op, all...)
	if err != nil {
		return nil, err
	}
	if err := checkActive(got[0]); err != nil {
		return nil, err
	}
	if c != nil {
		if err := checkRecord(c, got[len(got)-1], s.now()); err != nil {
			return nil, err
		}
	}
	return got[1 : 1+len(keys)], nil
}
