package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/ingest"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
)

// setup makes a table with the app "acme" holding two customers, and points the command's
// environment at it.
func setup(tb testing.TB, optFns ...func(*dynamodb.Options)) (*store.Store, string) {
	tb.Helper()
	tbl := dynamotest.New(tb, optFns...)
	tb.Setenv("TABLE_NAME", tbl.Name)
	s := store.New(tbl.Client, tbl.Name)
	ctx := context.Background()
	app, err := s.CreateApp(ctx, tenant.App{Slug: "acme", Name: "Acme"})
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range []customer.Customer{
		{ExternalID: "seed", Email: "taken@example.com", Name: "Seed"},
		{ExternalID: "seed2", Name: "Same"},
	} {
		if _, err := s.CreateCustomer(ctx, app.ID, c); err != nil {
			tb.Fatal(err)
		}
	}
	return s, app.ID
}

func writeFile(tb testing.TB, lines ...string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "customers.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func runImport(args ...string) (code int, stdout, stderr string) {
	var out, errs bytes.Buffer
	code = run(context.Background(), args, &out, &errs)
	return code, out.String(), errs.String()
}

func TestImport(t *testing.T) {
	s, appID := setup(t)
	good := []string{
		`{"external_id":"c-1","email":"c1@example.com","name":"One"}`,
		`{"external_id":"seed","name":"Renamed"}`,
		`{"external_id":"seed2","name":"Same"}`,
		`{"external_id":"c-10","metadata":{"k":"v"},"address":{"country":"fr"}}`,
	}
	path := writeFile(t,
		good[0],                                // 1 created
		good[1],                                // 2 updated
		``,                                     // 3 blank: skipped
		`{"external_id":"c-4","email":"nope"}`, // 4 invalid email
		`{"external_id":"c-5",`,                // 5 not JSON
		`{"email":"c6@example.com"}`,           // 6 no external_id
		`{"external_id":"c-7","email":"TAKEN@example.com"}`, // 7 email held by another customer
		good[2], // 8 unchanged
		`[1,2]`, // 9 not an object
		good[3], // 10 created
	)

	code, stdout, stderr := runImport("-app", "acme", "-workers", "2", "-batch", "3", path)
	if code != 1 {
		t.Errorf("exit code = %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"9 lines in ",
		"  created    2\n  updated    1\n  unchanged  1\n  failed     5\n",
		"line 4: invalid_customer: email is not a valid email address\n",
		"line 5: the line is not a JSON object\n",
		"line 6: invalid_customer: external_id is required for upsert\n",
		"line 7: conflict: email belongs to customer cus_",
		"line 9: the line is not a JSON object\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Index(stdout, "line 4:") > strings.Index(stdout, "line 9:") {
		t.Errorf("failures are not in line order:\n%s", stdout)
	}
	if !strings.Contains(stderr, "\r[") || !strings.Contains(stderr, "9/9 100.0%") {
		t.Errorf("no finished progress bar on stderr: %q", stderr)
	}
	c, err := s.FindByExternalID(context.Background(), appID, "c-10")
	if err != nil || c.Address.Country != "FR" || len(c.Metadata) != 1 || c.CreatedBy != ingest.CreatedBy {
		t.Errorf("imported customer = %+v, %v", c, err)
	}

	// The good lines alone succeed; imported twice, they change nothing.
	goodPath := writeFile(t, good...)
	code, stdout, _ = runImport("-app", "app_"+appID, goodPath)
	if code != 0 || !strings.Contains(stdout, "  created    0\n  updated    0\n  unchanged  4\n  failed     0\n") {
		t.Errorf("second import: exit %d\n%s", code, stdout)
	}

	// get_or_create keys on email.
	path = writeFile(t, `{"email":"c1@example.com","name":"ignored"}`, `{"email":"new@example.com"}`)
	code, stdout, _ = runImport("-app", "acme", "-action", "get_or_create", path)
	if code != 0 || !strings.Contains(stdout, "  created    1\n  updated    0\n  unchanged  1\n") {
		t.Errorf("get_or_create import: exit %d\n%s", code, stdout)
	}

	// An unknown app fails every line.
	code, stdout, _ = runImport("-app", "nope", goodPath)
	if code != 1 || !strings.Contains(stdout, "  failed     4\n") || !strings.Contains(stdout, "line 1: unknown_app") {
		t.Errorf("import to an unknown app: exit %d\n%s", code, stdout)
	}
}

func TestUsage(t *testing.T) {
	path := writeFile(t, `{}`)
	for _, args := range [][]string{
		{path},
		{"-app", "acme"},
		{"-app", "acme", "-action", "delete", path},
		{"-app", "acme", "-batch", "11", path},
		{"-app", "acme", "-workers", "0", path},
		{"-app", "acme", path, path},
		{"-nope"},
	} {
		if code, _, stderr := runImport(args...); code != 2 || !strings.Contains(stderr, "usage: import") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and the usage", args, code, stderr)
		}
	}
	if code, _, _ := runImport("-h"); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
}

// TestTransientFailuresAreRetried: as the queue would, the import delivers a message that
// failed transiently again; one that keeps failing is reported with its reason.
func TestTransientFailuresAreRetried(t *testing.T) {
	var budget atomic.Int64 // TransactWriteItems calls still to fail
	s, _ := setup(t, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("throttle",
				func(
					ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
				) (middleware.InitializeOutput, middleware.Metadata, error) {
					if middleware.GetOperationName(ctx) == "TransactWriteItems" && budget.Add(-1) >= 0 {
						return middleware.InitializeOutput{}, middleware.Metadata{},
							&smithy.GenericAPIError{Code: "ThrottlingException", Message: "injected"}
					}
					return next.HandleInitialize(ctx, in)
				}), middleware.Before)
		})
	})
	imp := func() Summary {
		im := &importer{in: ingest.New(s, slog.New(slog.DiscardHandler)), app: "acme", action: ingest.Upsert,
			batch: 10, workers: 1, retries: 5, backoff: time.Millisecond}
		sum, err := im.run(context.Background(), strings.NewReader(`{"external_id":"t-1"}`+"\n"+`{"external_id":"t-2"}`))
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	budget.Store(3)
	if sum := imp(); sum.Created != 2 || len(sum.Failures) != 0 {
		t.Errorf("with 3 throttled writes: %+v", sum)
	}
	budget.Store(1 << 30)
	if sum := imp(); sum.Unchanged != 2 || len(sum.Failures) != 0 {
		t.Errorf("unchanged lines need no write: %+v", sum)
	}
	sum := func() Summary {
		im := &importer{in: ingest.New(s, slog.New(slog.DiscardHandler)), app: "acme", action: ingest.Upsert,
			batch: 10, workers: 1, retries: 5, backoff: time.Millisecond}
		sum, _ := im.run(context.Background(), strings.NewReader(`{"external_id":"t-3"}`))
		return sum
	}()
	if len(sum.Failures) != 1 || !strings.HasPrefix(sum.Failures[0].Reason, "store busy after 5 deliveries: ") {
		t.Errorf("always throttled: %+v, want one failure saying the store is busy", sum)
	}
}

func TestCountLines(t *testing.T) {
	long := strings.Repeat("x", 200*1024)
	for in, want := range map[string]int{
		"":                 0,
		"\n\n  \n":         0,
		"a":                1,
		"a\nb\n":           2,
		"a\r\n\r\n b":      2,
		long + "\n" + long: 2,
	} {
		if got, err := countLines(strings.NewReader(in)); got != want || err != nil {
			t.Errorf("countLines(%.20q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// BenchmarkImport10000 imports 10,000 new customers through the command (its defaults: 4
// workers, batches of 10) into DynamoDB Local and reports the throughput.
func BenchmarkImport10000(b *testing.B) {
	const n = 10000
	s, _ := setup(b)
	var lines []string
	for i := range n {
		lines = append(lines, fmt.Sprintf(
			`{"external_id":"crm-%05d","email":"user%05d@example.com","name":"User %d",`+
				`"address":{"city":"Berlin","country":"DE"},"metadata":{"plan":"pro","seats":%d}}`,
			i, i, i, i%50))
	}
	path := writeFile(b, lines...)
	var imported time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		slug := fmt.Sprintf("bench-%d", i)
		if _, err := s.CreateApp(context.Background(), tenant.App{Slug: slug, Name: slug}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		var out bytes.Buffer
		if code := run(context.Background(), []string{"-app", slug, path}, &out, io.Discard); code != 0 {
			b.Fatalf("exit %d:\n%s", code, out.String())
		}
		imported += time.Since(start)
		if !strings.Contains(out.String(), fmt.Sprintf("  created    %d\n", n)) {
			b.Fatalf("not every customer was created:\n%s", out.String())
		}
	}
	b.ReportMetric(float64(n*b.N)/imported.Seconds(), "customers/s")
}
