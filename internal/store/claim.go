package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
)

// Errors of a write under an idempotency key.
var (
	// ErrKeyReused: the key's record is of another request (method, route or body).
	ErrKeyReused = errors.New("store: the idempotency key was used for another request")
	// ErrKeyInUse: a transaction of another request with the key was in flight.
	ErrKeyInUse = errors.New("store: the idempotency key is held by a request in flight")
)

// ReplayError is the error of a write whose key's record holds the same request: it was
// done before, and nothing was written now. Answer is what it answered then.
type ReplayError struct {
	Answer idempotency.Answer
}

func (e *ReplayError) Error() string {
	return "store: the request was done before under its idempotency key"
}

// Written is what a write did, for a claim to render its answer from.
type Written struct {
	Customer customer.Customer // the customer written, or deleted as it was
	License  customer.License  // the license written or deleted
	Outcome  Outcome
}

// Claim is a write's idempotency key. In the context of a write (Context), it puts the
// request's record into the transaction that writes, so that the write and its record exist
// together or not at all; every read the write makes first reads the record too, so that a
// replay costs that read alone.
//
// The claim travels in the context, not as a parameter, because it concerns the one
// transaction that writes, deep under every write method, and the methods that compose
// others (get-or-create, upsert) pass it down unchanged.
type Claim struct {
	Key         string // "" for a request without one: Context then adds nothing
	Fingerprint string // idempotency.Fingerprint of the request
	// Render is the answer of a write: it is kept in the record, and Answer returns it.
	Render func(Written) idempotency.Answer

	kept *idempotency.Answer // the answer of the record that was written
}

type claimKey struct{}

// Context returns ctx carrying the claim, when it has a key.
func (c *Claim) Context(ctx context.Context) context.Context {
	if c == nil || c.Key == "" {
		return ctx
	}
	return context.WithValue(ctx, claimKey{}, c)
}

// Answer is the answer to a write that succeeded: the one its record keeps when one was
// written (rendered once, so that a replay gives the same bytes), else Render's.
func (c *Claim) Answer(w Written) idempotency.Answer {
	if c.kept != nil {
		return *c.kept
	}
	return c.Render(w)
}

func claimOf(ctx context.Context) *Claim {
	c, _ := ctx.Value(claimKey{}).(*Claim)
	return c
}

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

// claimed returns the record of the claim in ctx, as the one more write of the transaction
// that does w; none without a claim.
func (s *Store) claimed(ctx context.Context, appID string, w Written) ([]txItem, error) {
	c := claimOf(ctx)
	if c == nil {
		return nil, nil
	}
	ans := c.Render(w)
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
			if err := recorded(c, old, now); err != nil {
				return err
			}
			return ErrKeyInUse // expired between the condition and now: never, but a retry is safe
		},
		claim:     true,
		committed: func() { c.kept = &ans },
	}}, nil
}

// recorded is the error of a claim whose record exists (nil when m is nil or has expired).
func recorded(c *Claim, m map[string]types.AttributeValue, now time.Time) error {
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
		return ErrKeyReused
	}
	return &ReplayError{Answer: idempotency.Answer{Status: rec.Status, Header: rec.Header, Body: rec.Body}}
}

// appItems reads items of an app's partition with its #META item in one strongly
// consistent BatchGetItem, and checks that the app is ACTIVE. Under a claim the claim's
// record is read in the same call, and a request done before (or another under the key)
// ends there, before any write.
func (s *Store) appItems(ctx context.Context, op, appID string, keys ...key) ([]map[string]types.AttributeValue, error) {
	all := append([]key{itemKey(appPK(appID), metaSK)}, keys...)
	c := claimOf(ctx)
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
		if err := recorded(c, got[len(got)-1], s.now()); err != nil {
			return nil, err
		}
	}
	return got[1 : 1+len(keys)], nil
}
