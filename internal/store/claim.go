package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
)

func recordSK(key string) string { return "IDEM#" + key }

// recordItem is a request's record: its fingerprint and its answer, kept until ttl (epoch
// seconds, the table's time-to-live attribute; DynamoDB deletes expired items within days,
// so readers also compare it with the clock).
type recordItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	Type        string `dynamodbav:"type"`
	Fingerprint string `dynamodbav:"fingerprint"`
	// FingerprintVersion is the rule of Fingerprint; records of before it have none (1).
	FingerprintVersion int               `dynamodbav:"fingerprint_version,omitempty"`
	Status             int               `dynamodbav:"status"`
	Header             map[string]string `dynamodbav:"header,omitempty"`
	Body               []byte            `dynamodbav:"body,omitempty"`
	CreatedAt          string            `dynamodbav:"created_at"`
	TTL                int64             `dynamodbav:"ttl"`
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
	m, err := s.recordItem(appID, c, ans, now)
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

// recordItem is the item of a claim's record that keeps ans.
func (s *Store) recordItem(appID string, c *idempotency.Claim, ans idempotency.Answer, now time.Time) (
	map[string]types.AttributeValue, error) {
	return marshal("idempotency record", recordItem{
		PK: appPK(appID), SK: recordSK(c.Key), Type: typeRecord, Fingerprint: c.Fingerprint,
		FingerprintVersion: idempotency.FingerprintVersion, Status: ans.Status, Header: ans.Header, Body: ans.Body,
		CreatedAt: formatTime(now), TTL: now.Add(idempotency.TTL).Unix(),
	})
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
	want := c.Fingerprint
	if rec.FingerprintVersion < idempotency.FingerprintVersion {
		want = c.LegacyFingerprint
	}
	if rec.Fingerprint != want {
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

// keep keeps, under the claim in ctx, the outcome of a keyed write that executed and wrote
// nothing (Stripe's rule, docs/apps-api.md): res when err is nil (found, unchanged), else err
// when the app's data caused it (a 404, a 409, a license limit). The record goes alone, with
// a conditional put; the request then answers what it keeps. A record that a twin wrote first
// makes it a replay of that twin.
func (s *Store) keep(ctx context.Context, appID string, res idempotency.Result, err error) error {
	c := idempotency.FromContext(ctx)
	if c == nil || (err != nil && !keepable(err)) {
		return err
	}
	var ans idempotency.Answer
	switch {
	case err == nil:
		ans = c.Render(res)
	case c.RenderError != nil:
		ans = c.RenderError(err)
	default:
		return err
	}
	if ans.Status >= 500 {
		return err // an answer a retry may change is not kept
	}
	now := s.now()
	m, merr := s.recordItem(appID, c, ans, now)
	if merr != nil {
		return merr
	}
	_, perr := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                m,
		ConditionExpression:                 aws.String("attribute_not_exists(pk) OR #ttl <= :now"),
		ExpressionAttributeNames:            map[string]string{"#ttl": "ttl"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": num(now.Unix())},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	var held *types.TransactionConflictException
	switch {
	case perr == nil:
	case errors.As(perr, &ccf):
		if rerr := checkRecord(c, ccf.Item, now); rerr != nil {
			return rerr
		}
		return idempotency.ErrKeyInUse
	case errors.As(perr, &held):
		return idempotency.ErrKeyInUse
	default:
		return fail("idempotency record", perr)
	}
	if err != nil {
		return &idempotency.KeptError{Err: err, Answer: ans}
	}
	c.Keep(ans)
	return nil
}

// keepable reports whether err is an outcome of the app's data, which a key keeps.
func keepable(err error) bool {
	var ce *ConflictError
	return errors.As(err, &ce) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrVersionConflict) ||
		errors.Is(err, ErrLicenseLimit)
}

// Replay reads the record of the claim in ctx: a ReplayError (or ErrKeyReused) when the
// request was done before, nil when not. A dialect asks it before refusing a keyed request
// for a check that depends on time, which a replay answers first.
func (s *Store) Replay(ctx context.Context, appID string) error {
	c := idempotency.FromContext(ctx)
	if c == nil {
		return nil
	}
	if _, ok := customer.ParseID(appID); !ok {
		return ErrAppNotFound
	}
	_, err := s.appItems(ctx, "idempotency record", appID)
	return err
}
