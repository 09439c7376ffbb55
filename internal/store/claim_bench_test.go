package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
)

// BenchmarkIdempotencyCost measures, for each write, the DynamoDB calls it costs without a
// key, with one, and replayed under it (reads: of those calls, how many are reads). The
// record rides in the write's own transaction and in the read a write already makes
// first, so a key adds no call; a replay of a write that reads first ends at that one
// read, and one of a create (which reads nothing first, so that a first write costs no
// read) ends at its cancelled transaction, whose condition failure returns the record.
func BenchmarkIdempotencyCost(b *testing.B) {
	ctx := context.Background()
	var calls counter
	s, _ := newStore(b, calls.install)
	app := newApp(b, s, "bench")
	owner := mustCreate(b, s, app, customer.Customer{Email: "owner@bench.example.com", ExternalID: "owner"})

	n := 0
	fresh := func() customer.Customer {
		n++
		return mustCreate(b, s, app, customer.Customer{
			Email:      fmt.Sprintf("c%d@bench.example.com", n),
			ExternalID: fmt.Sprint("ext-", n),
		})
	}
	license := func() customer.License {
		l, err := s.CreateLicense(ctx, app, customer.License{CustomerID: fresh().ID})
		if err != nil {
			b.Fatal(err)
		}
		return l
	}
	writes := []struct {
		name string
		prep func() any // what the write acts on, made before the calls are counted
		op   func(ctx context.Context, v any) error
	}{
		{"Create", func() any { n++; return fmt.Sprintf("new%d@bench.example.com", n) },
			func(ctx context.Context, v any) error {
				_, err := s.CreateCustomer(ctx, app, customer.Customer{Email: v.(string)})
				return err
			}},
		{"GetOrCreate", func() any { n++; return fmt.Sprintf("goc%d@bench.example.com", n) },
			func(ctx context.Context, v any) error {
				_, _, err := s.GetOrCreateByEmail(ctx, app, customer.Customer{Email: v.(string)})
				return err
			}},
		{"Upsert", func() any { n++; return fmt.Sprint("name ", n) }, func(ctx context.Context, v any) error {
			_, _, err := s.UpsertByExternalID(ctx, app, owner.ExternalID, customer.Patch{Name: customer.Some(v.(string))}, "")
			return err
		}},
		{"Update", func() any { n++; return fmt.Sprint("phone ", n) }, func(ctx context.Context, v any) error {
			_, _, err := s.UpdateCustomer(ctx, app, owner.ID, customer.Patch{Phone: customer.Some(v.(string))}, 0)
			return err
		}},
		{"Delete", func() any { return fresh().ID }, func(ctx context.Context, v any) error {
			_, err := s.DeleteCustomer(ctx, app, v.(string))
			return err
		}},
		{"CreateLicense", func() any { return fresh().ID }, func(ctx context.Context, v any) error {
			_, err := s.CreateLicense(ctx, app, customer.License{CustomerID: v.(string)})
			return err
		}},
		{"DeleteLicense", func() any { return license().ID }, func(ctx context.Context, v any) error {
			_, err := s.DeleteLicense(ctx, app, v.(string))
			return err
		}},
	}
	for _, w := range writes {
		b.Run(w.name, func(b *testing.B) {
			var plain, keyed, replay, replayReads int
			count := func(ctx context.Context, v any, wantReplay bool) (total, reads int) {
				calls.reset()
				err := w.op(ctx, v)
				var re *idempotency.ReplayError
				if wantReplay != errors.As(err, &re) || (!wantReplay && err != nil) {
					b.Fatalf("%s (replay %v): %v", w.name, wantReplay, err)
				}
				calls.mu.Lock()
				defer calls.mu.Unlock()
				for op, c := range calls.calls {
					total += c
					if op == "GetItem" || op == "BatchGetItem" || op == "Query" {
						reads += c
					}
				}
				return total, reads
			}
			for i := 0; b.Loop(); i++ {
				c, _ := count(ctx, w.prep(), false)
				plain += c
				claim := &idempotency.Claim{Key: fmt.Sprint("bench-", w.name, i), Fingerprint: "f",
					Render: func(idempotency.Result) idempotency.Answer {
						return idempotency.Answer{Status: 200, Body: []byte("{}")}
					}}
				v := w.prep()
				c, _ = count(claim.Context(ctx), v, false)
				keyed += c
				c, r := count(claim.Context(ctx), v, true)
				replay, replayReads = replay+c, replayReads+r
			}
			per := func(n int) float64 { return float64(n) / float64(b.N) }
			b.ReportMetric(per(plain), "calls/write")
			b.ReportMetric(per(keyed), "calls/keyed")
			b.ReportMetric(per(replay), "calls/replay")
			b.ReportMetric(per(replayReads), "reads/replay")
		})
	}
}
