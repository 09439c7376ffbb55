package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
)

// keyed is ctx with an idempotency claim whose answers are their outcome's name.
func keyed(ctx context.Context, key string) context.Context {
	c := &idempotency.Claim{Key: key, Fingerprint: "f-" + key, LegacyFingerprint: "f-" + key,
		Render: func(r idempotency.Result) idempotency.Answer {
			return idempotency.Answer{Status: 200, Body: []byte(r.Outcome.String())}
		},
		RenderError: func(err error) idempotency.Answer { return idempotency.Answer{Status: 404, Body: []byte(err.Error())} },
	}
	return c.Context(ctx)
}

// largest is a customer with an email, an external id and n licenses.
func largest(t *testing.T, s *Store, app string, n int) customer.Customer {
	t.Helper()
	c := mustCreate(t, s, app, customer.Customer{
		Email:      fmt.Sprintf("big%d@example.com", n),
		ExternalID: fmt.Sprint("big-", n),
	})
	for range n {
		if _, err := s.CreateLicense(context.Background(), app, customer.License{CustomerID: c.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestTheLargestCustomerIsDeletedInOneTransaction: a customer with an email, an external id
// and the most licenses the store allows is deleted with its record in one transaction of at
// most 100 items; one more license is refused.
func TestTheLargestCustomerIsDeletedInOneTransaction(t *testing.T) {
	rec := &txSizes{}
	s, _ := newStore(t, rec.install)
	ctx := context.Background()
	app := newApp(t, s, "largest")
	c := largest(t, s, app, MaxLicensesPerCustomer)
	if _, err := s.CreateLicense(ctx, app, customer.License{CustomerID: c.ID}); err == nil {
		t.Fatal("a license past the limit was created")
	}
	rec.reset()
	if _, err := s.DeleteCustomer(keyed(ctx, "delete-largest"), app, c.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if got := rec.sizes(); len(got) != 1 || got[0] != 99 {
		t.Errorf("the delete's transactions hold %v items, want one of 99", got)
	}
	checkInvariants(t, s, app)
}

// TestACustomerOverTheLimitIsDeletedInSteps: a customer of before the limit was lowered, with
// one more license than one transaction can delete with it and its record, sheds licenses
// first; its delete succeeds, keyed or not, and leaves nothing of it.
func TestACustomerOverTheLimitIsDeletedInSteps(t *testing.T) {
	rec := &txSizes{}
	s, _ := newStore(t, rec.install)
	ctx := context.Background()
	app := newApp(t, s, "over-limit")
	for _, key := range []string{"", "delete-over"} {
		c := largest(t, s, app, MaxLicensesPerCustomer)
		addLicense(t, s, app, c.ID) // as the limit of before allowed
		rec.reset()
		dctx := ctx
		if key != "" {
			dctx = keyed(ctx, key)
		}
		if _, err := s.DeleteCustomer(dctx, app, c.ID); err != nil {
			t.Fatalf("delete (key %q): %v", key, err)
		}
		for _, n := range rec.sizes() {
			if n > maxTransactItems {
				t.Errorf("a transaction of %d items", n)
			}
		}
		t.Logf("key %q: transactions of %v items", key, rec.sizes())
		if _, err := s.GetCustomer(ctx, app, c.ID); err == nil {
			t.Error("the customer is still there")
		}
	}
	if n := partitionSize(t, s, app); n != 1+Shards+1 {
		t.Errorf("%d items left in the partition, want #META, the shards and the keyed delete's record", n)
	}
	checkInvariants(t, s, app)
}

// addLicense writes one more license of a customer, as the store of before wrote them.
func addLicense(t *testing.T, s *Store, app, customerID string) {
	t.Helper()
	id := customer.NewID()
	for _, sk := range []struct{ sk, typ string }{
		{licenseSK(customerID, id), typeLicense},
		{licenseIndexSK(id), typeLicenseIndex},
	} {
		item, err := marshal("license", licenseItem{PK: appPK(app), SK: sk.sk, Type: sk.typ, ID: id, CustomerID: customerID,
			Status: string(customer.LicenseActive), CreatedAt: formatTime(s.now())})
		if err != nil {
			t.Fatal(err)
		}
		in := &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}
		if _, err := s.db.PutItem(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: itemKey(appPK(app), customerSK(customerID)),
		UpdateExpression:          aws.String("ADD license_count :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// txSizes records the number of items of every TransactWriteItems.
type txSizes struct {
	mu sync.Mutex
	n  []int
}

func (r *txSizes) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("tx-sizes",
			func(
				ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
			) (middleware.InitializeOutput, middleware.Metadata, error) {
				if p, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok {
					r.mu.Lock()
					r.n = append(r.n, len(p.TransactItems))
					r.mu.Unlock()
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

func (r *txSizes) reset() { r.mu.Lock(); r.n = nil; r.mu.Unlock() }

func (r *txSizes) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.n)
}
