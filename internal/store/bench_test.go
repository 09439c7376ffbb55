package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/clientele/clientele/internal/customer"
)

// Benchmarks of each store operation against DynamoDB Local. Besides time, each reports
// calls/op: the DynamoDB requests one operation costs, counted by an SDK middleware.
// DynamoDB Local's latency is not DynamoDB's; calls/op is what carries over.

func benchStore(b *testing.B, customers int) (*Store, *counter, string) {
	b.Helper()
	var calls counter
	s, _ := newStore(b, calls.install)
	app := newApp(b, s, "bench")
	seed(b, s, app, customers, "bench.example.com")
	return s, &calls, app
}

func report(b *testing.B, calls *counter) {
	b.ReportMetric(float64(calls.total())/float64(b.N), "calls/op")
}

func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	s, calls, app := benchStore(b, 300)
	existing, err := s.FindByEmail(ctx, app, "user0001@bench.example.com")
	if err != nil {
		b.Fatal(err)
	}
	first, err := s.ListCustomers(ctx, app, ListQuery{Limit: 20})
	if err != nil {
		b.Fatal(err)
	}
	ops := []struct {
		name string
		op   func(i int) error
	}{
		{"Get", func(int) error { _, err := s.GetCustomer(ctx, app, existing.ID); return err }},
		{"Create", func(i int) error {
			_, err := s.CreateCustomer(ctx, app, customer.Customer{Email: fmt.Sprintf("new%d-%d@bench.example.com", b.N, i)})
			return err
		}},
		{"GetOrCreateExisting", func(int) error {
			_, _, err := s.GetOrCreateByEmail(ctx, app, customer.Customer{Email: existing.Email})
			return err
		}},
		{"FindByEmail", func(int) error { _, err := s.FindByEmail(ctx, app, existing.Email); return err }},
		{"FindByExternalID", func(int) error { _, err := s.FindByExternalID(ctx, app, existing.ExternalID); return err }},
		{"UpsertByExternalID", func(i int) error {
			patch := customer.Patch{Name: customer.Some(fmt.Sprint("n", i))}
			_, _, err := s.UpsertByExternalID(ctx, app, existing.ExternalID, patch, "")
			return err
		}},
		{"Update", func(i int) error {
			_, _, err := s.UpdateCustomer(ctx, app, existing.ID, customer.Patch{Phone: customer.Some(fmt.Sprint(i))}, 0)
			return err
		}},
		{"CreateAndDelete", func(i int) error {
			c, err := s.CreateCustomer(ctx, app, customer.Customer{Email: fmt.Sprintf("tmp%d-%d@bench.example.com", b.N, i)})
			if err != nil {
				return err
			}
			_, err = s.DeleteCustomer(ctx, app, c.ID)
			return err
		}},
		{"ListFirstPage", func(int) error { _, err := s.ListCustomers(ctx, app, ListQuery{Limit: 20}); return err }},
		{"ListCursorPage", func(int) error {
			_, err := s.ListCustomers(ctx, app, ListQuery{Limit: 20, Cursor: first.NextCursor})
			return err
		}},
		{"ListPage5", func(int) error { _, err := s.ListCustomers(ctx, app, ListQuery{Limit: 20, Page: 5}); return err }},
		{"ListEmailFilter", func(int) error {
			_, err := s.ListCustomers(ctx, app, ListQuery{Limit: 20, EmailContains: "user00"})
			return err
		}},
	}
	for _, o := range ops {
		b.Run(o.name, func(b *testing.B) {
			calls.reset()
			for i := 0; b.Loop(); i++ {
				if err := o.op(i); err != nil {
					b.Fatal(err)
				}
			}
			report(b, calls)
		})
	}
}
