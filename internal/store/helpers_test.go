package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/tenant"
)

// newStore returns a store over a fresh table in DynamoDB Local.
func newStore(tb testing.TB, optFns ...func(*dynamodb.Options)) (*Store, *dynamotest.Table) {
	tb.Helper()
	tbl := dynamotest.New(tb, optFns...)
	return New(tbl.Client, tbl.Name), tbl
}

func newApp(tb testing.TB, s *Store, slug string) string {
	tb.Helper()
	a, err := s.CreateApp(context.Background(), tenant.App{Slug: slug, Name: "App " + slug})
	if err != nil {
		tb.Fatalf("create app %s: %v", slug, err)
	}
	return a.ID
}

func mustCreate(tb testing.TB, s *Store, appID string, c customer.Customer) customer.Customer {
	tb.Helper()
	got, err := s.CreateCustomer(context.Background(), appID, c)
	if err != nil {
		tb.Fatalf("create customer %+v: %v", c, err)
	}
	return got
}

// counter counts DynamoDB calls by operation name.
type counter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *counter) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("count",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.mu.Lock()
				if c.calls == nil {
					c.calls = map[string]int{}
				}
				c.calls[middleware.GetOperationName(ctx)]++
				c.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

func (c *counter) reset() {
	c.mu.Lock()
	c.calls = map[string]int{}
	c.mu.Unlock()
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.calls {
		n += v
	}
	return n
}

func (c *counter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprint(c.calls)
}

// faults makes the next n calls of one operation fail with err, before they reach DynamoDB.
type faults struct {
	mu  sync.Mutex
	op  string
	n   int
	err error
}

func (f *faults) set(op string, n int, err error) {
	f.mu.Lock()
	f.op, f.n, f.err = op, n, err
	f.mu.Unlock()
}

func (f *faults) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("fault",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				f.mu.Lock()
				hit := f.n > 0 && middleware.GetOperationName(ctx) == f.op
				if hit {
					f.n--
				}
				err := f.err
				f.mu.Unlock()
				if hit {
					return middleware.InitializeOutput{}, middleware.Metadata{}, err
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

func conflictCancel(n int) error {
	reasons := make([]types.CancellationReason, n)
	for i := range reasons {
		reasons[i] = types.CancellationReason{Code: aws.String("None")}
	}
	reasons[0].Code = aws.String("TransactionConflict")
	return &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
}

// checkInvariants reads an app's whole partition and checks what the transactions promise:
// every guard points to a live customer holding that value, every customer has its guards,
// the app's counter equals its customers, every license has its customer and its index item,
// and every customer's license counter equals its licenses.
func checkInvariants(tb testing.TB, s *Store, appID string) {
	tb.Helper()
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(appPK(appID))},
		ConsistentRead:            aws.Bool(true),
	}
	var all []map[string]types.AttributeValue
	for {
		out, err := s.db.Query(context.Background(), in)
		if err != nil {
			tb.Fatalf("read partition: %v", err)
		}
		all = append(all, out.Items...)
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	var (
		app       appItem
		customers = map[string]customerItem{}
		emails    = map[string]string{} // email key -> customer id
		exts      = map[string]string{}
		licenses  = map[string]licenseItem{} // license id -> owned item
		indexes   = map[string]licenseItem{}
	)
	for _, m := range all {
		sk := attrS(m, "sk")
		switch t := attrS(m, "type"); t {
		case typeApp:
			app, _ = unmarshal[appItem]("check", m)
		case typeCustomer:
			it, err := unmarshal[customerItem]("check", m)
			if err != nil {
				tb.Fatal(err)
			}
			customers[it.ID] = it
		case typeEmailGuard:
			emails[strings.TrimPrefix(sk, "EMAIL#")] = attrS(m, "customer_id")
		case typeExtGuard:
			exts[strings.TrimPrefix(sk, "EXT#")] = attrS(m, "customer_id")
		case typeLicense:
			it, _ := unmarshal[licenseItem]("check", m)
			licenses[it.ID] = it
		case typeKeyRef:
		case typeLicenseIndex:
			it, _ := unmarshal[licenseItem]("check", m)
			indexes[it.ID] = it
		default:
			tb.Errorf("unexpected item type %q at %s", t, sk)
		}
	}
	if app.ID != appID {
		tb.Fatalf("app %s has no META item", appID)
	}
	if app.CustomerCount != int64(len(customers)) {
		tb.Errorf("app counter = %d, customers = %d", app.CustomerCount, len(customers))
	}
	for email, id := range emails {
		c, ok := customers[id]
		if !ok || customer.EmailKey(c.Email) != email {
			tb.Errorf("email guard %q points to %s, which does not hold it (exists=%v, email=%q)", email, id, ok, c.Email)
		}
	}
	for ext, id := range exts {
		c, ok := customers[id]
		if !ok || c.ExternalID != ext {
			tb.Errorf("external id guard %q points to %s, which does not hold it (exists=%v)", ext, id, ok)
		}
	}
	owned := map[string]int64{}
	for id, l := range licenses {
		if _, ok := customers[l.CustomerID]; !ok {
			tb.Errorf("license %s has no customer %s", id, l.CustomerID)
		}
		if _, ok := indexes[id]; !ok {
			tb.Errorf("license %s has no index item", id)
		}
		owned[l.CustomerID]++
	}
	for id := range indexes {
		if _, ok := licenses[id]; !ok {
			tb.Errorf("license index %s has no license", id)
		}
	}
	for id, c := range customers {
		if c.Email != "" && emails[customer.EmailKey(c.Email)] != id {
			tb.Errorf("customer %s has no guard for email %q", id, c.Email)
		}
		if c.ExternalID != "" && exts[c.ExternalID] != id {
			tb.Errorf("customer %s has no guard for external id %q", id, c.ExternalID)
		}
		if c.LicenseCount != owned[id] {
			tb.Errorf("customer %s license counter = %d, licenses = %d", id, c.LicenseCount, owned[id])
		}
	}
}

// run starts n goroutines and waits for them.
func run(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

func isConflict(err error, want error) (string, bool) {
	var ce *ConflictError
	if errors.As(err, &ce) && errors.Is(err, want) {
		return ce.ExistingID, true
	}
	return "", false
}

func appNamed(slug string) tenant.App { return tenant.App{Slug: slug, Name: slug} }
