package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
)

// mixedCase spells s with the letters at positions selected by the bits of i upper-cased.
func mixedCase(s string, i int) string {
	b := []byte(s)
	for j := range b {
		if i&(1<<(j%8)) != 0 {
			b[j] = strings.ToUpper(string(b[j]))[0]
		}
	}
	return string(b)
}

func TestConcurrentCreatesOfOneEmailLetOneWin(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "race")

	const n = 50
	ids := make([]string, n)
	errs := make([]error, n)
	run(n, func(i int) {
		c, err := s.CreateCustomer(ctx, app, customer.Customer{
			Email: mixedCase("jane.doe@example.com", i),
			Name:  fmt.Sprint("racer ", i),
		})
		ids[i], errs[i] = c.ID, err
	})
	var winner string
	for i, err := range errs {
		if err == nil {
			if winner != "" {
				t.Fatalf("two creates of one email succeeded: %s and %s", winner, ids[i])
			}
			winner = ids[i]
		}
	}
	if winner == "" {
		t.Fatal("no create succeeded")
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		existing, ok := isConflict(err, ErrEmailTaken)
		if !ok {
			t.Errorf("create %d: got %v, want email taken", i, err)
		} else if existing != winner {
			t.Errorf("create %d: email taken by %s, want the winner %s", i, existing, winner)
		}
	}
	checkInvariants(t, s, app)

	other := newApp(t, s, "other")
	if _, err := s.CreateCustomer(ctx, other, customer.Customer{Email: "JANE.DOE@example.com"}); err != nil {
		t.Fatalf("the same email in another app: %v", err)
	}
	checkInvariants(t, s, other)
}

func TestConcurrentGetOrCreateReturnsOneCustomer(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "goc")

	const n = 50
	ids := make([]string, n)
	var created atomic.Int32
	run(n, func(i int) {
		c, made, err := s.GetOrCreateByEmail(ctx, app, customer.Customer{Email: mixedCase("sam@example.com", i), Name: "Sam"})
		if err != nil {
			t.Errorf("get-or-create %d: %v", i, err)
			return
		}
		ids[i] = c.ID
		if made {
			created.Add(1)
		}
	})
	for i, id := range ids {
		if id != ids[0] {
			t.Errorf("get-or-create %d returned %s, want %s", i, id, ids[0])
		}
	}
	if got := created.Load(); got != 1 {
		t.Errorf("%d calls reported created, want exactly 1", got)
	}
	checkInvariants(t, s, app)
}

func TestConcurrentUpsertsOfOneExternalIDConverge(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "upsert")

	const n = 50
	payload := func(i int) customer.Patch {
		return customer.Patch{
			Name:     customer.Some(fmt.Sprintf("Payload %d", i)),
			Phone:    customer.Some(fmt.Sprintf("+1-555-%04d", i)),
			Email:    customer.Some(fmt.Sprintf("payload%d@example.com", i)),
			Metadata: customer.Some([]customer.Metadata{{Key: "i", Value: json.RawMessage(fmt.Sprint(i))}}),
			Address:  customer.AddressPatch{City: customer.Some(fmt.Sprintf("City %d", i))},
		}
	}
	var writes atomic.Int64
	var mu sync.Mutex
	ids := map[string]bool{}
	run(n, func(i int) {
		c, outcome, err := s.UpsertByExternalID(ctx, app, "ext-42", payload(i), "")
		if err != nil {
			t.Errorf("upsert %d: %v", i, err)
			return
		}
		if outcome != idempotency.Unchanged {
			writes.Add(1)
		}
		mu.Lock()
		ids[c.ID] = true
		mu.Unlock()
	})
	if len(ids) != 1 {
		t.Fatalf("upserts of one external id returned %d customers", len(ids))
	}
	final, err := s.FindByExternalID(ctx, app, "ext-42")
	if err != nil {
		t.Fatal(err)
	}
	matches := 0
	for i := range n {
		want := payload(i).Apply(customer.Customer{ExternalID: "ext-42"})
		if final.Equal(want) {
			matches++
		}
	}
	if matches != 1 {
		t.Errorf("final state %+v equals %d payloads, want exactly 1", final, matches)
	}
	if final.Version != writes.Load() {
		t.Errorf("version = %d, successful writes = %d", final.Version, writes.Load())
	}
	checkInvariants(t, s, app)
}

func TestEmailChangeRacingCreateLeavesOneHolder(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "move")

	for round := range 10 {
		target := fmt.Sprintf("target%d@example.com", round)
		mover := mustCreate(t, s, app, customer.Customer{Email: fmt.Sprintf("mover%d@example.com", round)})
		var moveErr, createErr error
		run(2, func(i int) {
			if i == 0 {
				_, _, moveErr = s.UpdateCustomer(ctx, app, mover.ID, customer.Patch{Email: customer.Some(target)}, 0)
			} else {
				_, createErr = s.CreateCustomer(ctx, app, customer.Customer{Email: strings.ToUpper(target)})
			}
		})
		if (moveErr == nil) == (createErr == nil) {
			t.Fatalf("round %d: move err %v, create err %v: want exactly one to succeed", round, moveErr, createErr)
		}
		for _, err := range []error{moveErr, createErr} {
			if _, ok := isConflict(err, ErrEmailTaken); err != nil && !ok {
				t.Errorf("round %d: loser got %v, want email taken", round, err)
			}
		}
		holder, err := s.FindByEmail(ctx, app, target)
		if err != nil {
			t.Fatalf("round %d: find the holder: %v", round, err)
		}
		if moveErr == nil && holder.ID != mover.ID {
			t.Errorf("round %d: the move won but %s holds the email", round, holder.ID)
		}
	}
	checkInvariants(t, s, app)
}

func TestSwappingEmailsConcurrentlyNeverDuplicates(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "swap")

	for round := range 10 {
		a := mustCreate(t, s, app, customer.Customer{Email: fmt.Sprintf("a%d@example.com", round)})
		b := mustCreate(t, s, app, customer.Customer{Email: fmt.Sprintf("b%d@example.com", round)})
		errs := make([]error, 2)
		run(2, func(i int) {
			if i == 0 {
				_, _, errs[0] = s.UpdateCustomer(ctx, app, a.ID, customer.Patch{Email: customer.Some(b.Email)}, 0)
			} else {
				_, _, errs[1] = s.UpdateCustomer(ctx, app, b.ID, customer.Patch{Email: customer.Some(a.Email)}, 0)
			}
		})
		for i, err := range errs {
			if _, ok := isConflict(err, ErrEmailTaken); err != nil && !ok {
				t.Errorf("round %d swap %d: %v, want success or email taken", round, i, err)
			}
		}
		ga, _ := s.GetCustomer(ctx, app, a.ID)
		gb, _ := s.GetCustomer(ctx, app, b.ID)
		if customer.EmailKey(ga.Email) == customer.EmailKey(gb.Email) {
			t.Fatalf("round %d: both customers hold %q", round, ga.Email)
		}
	}
	checkInvariants(t, s, app)
}

func TestUpdateWithStaleVersionConflicts(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "stale")
	c := mustCreate(t, s, app, customer.Customer{Email: "v@example.com", Name: "One"})

	next, outcome, err := s.UpdateCustomer(ctx, app, c.ID, customer.Patch{Name: customer.Some("Two")}, c.Version)
	if err != nil || outcome != idempotency.Updated || next.Version != c.Version+1 {
		t.Fatalf("update at the current version: %v, %v, version %d", err, outcome, next.Version)
	}
	_, _, err = s.UpdateCustomer(ctx, app, c.ID, customer.Patch{Name: customer.Some("Three")}, c.Version)
	if !errors.Is(err, ErrVersionConflict) {
		t.Fatalf("update at a stale version: %v, want version conflict", err)
	}
	got, _ := s.GetCustomer(ctx, app, c.ID)
	if got.Name != "Two" {
		t.Errorf("name = %q after the rejected write, want Two", got.Name)
	}
}

func TestUpdateChangesOnlyThePatchedFields(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "patch")
	c := mustCreate(t, s, app, customer.Customer{
		Email: "p@example.com", Name: "Pat", Phone: "123", ExternalID: "old-ext",
		Address:  customer.Address{City: "Oslo", Country: "no"},
		Metadata: []customer.Metadata{{Key: "plan", Value: json.RawMessage(`{"tier": "gold"}`), Locked: true}},
	})
	if c.Address.Country != "NO" || string(c.Metadata[0].Value) != `{"tier":"gold"}` {
		t.Fatalf("create did not normalize: %+v", c)
	}

	tests := []struct {
		name  string
		patch customer.Patch
		check func(customer.Customer) string
	}{
		{"a set field changes and the rest stays", customer.Patch{Name: customer.Some("Patricia")},
			func(g customer.Customer) string {
				if g.Name != "Patricia" || g.Phone != "123" || g.Address.City != "Oslo" || len(g.Metadata) != 1 {
					return fmt.Sprintf("%+v", g)
				}
				return ""
			}},
		{"an explicit empty value clears",
			customer.Patch{Phone: customer.Some(""), Address: customer.AddressPatch{City: customer.Some("")}},
			func(g customer.Customer) string {
				if g.Phone != "" || g.Address.City != "" || g.Address.Country != "NO" {
					return fmt.Sprintf("%+v", g)
				}
				return ""
			}},
		{"a new external id moves its guard", customer.Patch{ExternalID: customer.Some("new-ext")},
			func(g customer.Customer) string {
				if g.ExternalID != "new-ext" {
					return g.ExternalID
				}
				return ""
			}},
		{"a change of letter case keeps the email", customer.Patch{Email: customer.Some("P@Example.com")},
			func(g customer.Customer) string {
				if g.Email != "P@Example.com" {
					return g.Email
				}
				return ""
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := s.UpdateCustomer(ctx, app, c.ID, tt.patch, 0)
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(got); msg != "" {
				t.Errorf("after update: %s", msg)
			}
			read, err := s.GetCustomer(ctx, app, c.ID)
			if err != nil || !read.Equal(got) || read.Version != got.Version {
				t.Errorf("read back %+v (%v), want %+v", read, err, got)
			}
			checkInvariants(t, s, app)
		})
	}
	if _, err := s.CreateCustomer(ctx, app, customer.Customer{Email: "x@example.com", ExternalID: "old-ext"}); err != nil {
		t.Errorf("the released external id cannot be reused: %v", err)
	}
	_, outcome, err := s.UpdateCustomer(ctx, app, c.ID, customer.Patch{Name: customer.Some("Patricia")}, 0)
	if err != nil || outcome != idempotency.Unchanged {
		t.Errorf("a patch that changes nothing: %v, %v; want unchanged", outcome, err)
	}
}

func TestUpsertOnlyChangesGivenFields(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "upsert-fields")

	patch := customer.Patch{Name: customer.Some("Acme"), Phone: customer.Some("1")}
	c, outcome, err := s.UpsertByExternalID(ctx, app, "acme", patch, "")
	if err != nil || outcome != idempotency.Created || c.Version != 1 {
		t.Fatalf("first upsert: %v %v %+v", err, outcome, c)
	}
	c2, outcome, err := s.UpsertByExternalID(ctx, app, "acme", customer.Patch{Phone: customer.Some("2")}, "")
	if err != nil || outcome != idempotency.Updated || c2.ID != c.ID || c2.Name != "Acme" || c2.Phone != "2" ||
		c2.Version != 2 {
		t.Fatalf("second upsert: %v %v %+v", err, outcome, c2)
	}
	c3, outcome, err := s.UpsertByExternalID(ctx, app, "acme", customer.Patch{Phone: customer.Some("2")}, "")
	if err != nil || outcome != idempotency.Unchanged || c3.Version != 2 {
		t.Fatalf("repeated upsert: %v %v %+v", err, outcome, c3)
	}
	mustCreate(t, s, app, customer.Customer{Email: "taken@example.com"})
	_, _, err = s.UpsertByExternalID(ctx, app, "acme", customer.Patch{Email: customer.Some("TAKEN@example.com")}, "")
	if _, ok := isConflict(err, ErrEmailTaken); !ok {
		t.Errorf("upsert to a taken email: %v, want email taken", err)
	}
	checkInvariants(t, s, app)
}

func TestDeleteCustomerTakesLicensesAndGuards(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "delete")
	c := mustCreate(t, s, app, customer.Customer{Email: "gone@example.com", ExternalID: "gone-1"})
	keep := mustCreate(t, s, app, customer.Customer{Email: "keep@example.com"})
	var licenses []customer.License
	for range 3 {
		l, err := s.CreateLicense(ctx, app, customer.License{CustomerID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		licenses = append(licenses, l)
	}
	kept, err := s.CreateLicense(ctx, app, customer.License{CustomerID: keep.ID})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, s, app)

	deleted, err := s.DeleteCustomer(ctx, app, c.ID)
	if err != nil || deleted.ID != c.ID {
		t.Fatalf("delete: %v (%+v)", err, deleted)
	}
	if _, err := s.GetCustomer(ctx, app, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after delete: %v, want not found", err)
	}
	for _, l := range licenses {
		if _, err := s.GetLicense(ctx, app, l.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("license %s after delete: %v, want not found", l.ID, err)
		}
	}
	if _, err := s.GetLicense(ctx, app, kept.ID); err != nil {
		t.Errorf("another customer's license: %v", err)
	}
	if _, err := s.FindByEmail(ctx, app, "gone@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("find by email after delete: %v, want not found", err)
	}
	checkInvariants(t, s, app)
	again := mustCreate(t, s, app, customer.Customer{Email: "GONE@example.com", ExternalID: "gone-1"})
	if again.ID == c.ID {
		t.Error("the new customer reused the deleted id")
	}
	if _, err := s.DeleteCustomer(ctx, app, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want not found", err)
	}
	checkInvariants(t, s, app)
}

func TestLicensesBelongToOneCustomer(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "licenses")
	c := mustCreate(t, s, app, customer.Customer{Email: "l@example.com"})

	if _, err := s.CreateLicense(ctx, app, customer.License{CustomerID: customer.NewID()}); !errors.Is(err, ErrNotFound) {
		t.Errorf("license for a missing customer: %v, want not found", err)
	}
	var ve *customer.ValidationError
	if _, err := s.CreateLicense(ctx, app, customer.License{CustomerID: "nope"}); !errors.As(err, &ve) {
		t.Errorf("license for a malformed customer id: %v, want a validation error", err)
	}
	l, err := s.CreateLicense(ctx, app, customer.License{CustomerID: c.ID})
	if err != nil || l.Status != customer.LicenseActive {
		t.Fatalf("create license: %v %+v", err, l)
	}
	got, err := s.ListLicenses(ctx, app, c.ID)
	if err != nil || len(got) != 1 || got[0].ID != l.ID {
		t.Fatalf("list: %v %+v", err, got)
	}
	if _, err := s.DeleteLicense(ctx, app, l.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteLicense(ctx, app, l.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want not found", err)
	}
	checkInvariants(t, s, app)

	for range MaxLicensesPerCustomer {
		if _, err := s.CreateLicense(ctx, app, customer.License{CustomerID: c.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateLicense(ctx, app, customer.License{CustomerID: c.ID}); !errors.Is(err, ErrLicenseLimit) {
		t.Errorf("license past the limit: %v, want license limit", err)
	}
	if _, err := s.DeleteCustomer(ctx, app, c.ID); err != nil {
		t.Fatalf("delete a customer with the most licenses: %v", err)
	}
	checkInvariants(t, s, app)
}

func TestErrorsForBadInputAndInactiveApps(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "errors")
	c := mustCreate(t, s, app, customer.Customer{Email: "e@example.com"})

	var ve *customer.ValidationError
	invalid := customer.Customer{Email: "not-an-email", Address: customer.Address{Country: "X"}}
	if _, err := s.CreateCustomer(ctx, app, invalid); !errors.As(err, &ve) ||
		!ve.Has("email") || !ve.Has("address.country") {
		t.Errorf("invalid customer: %v, want field errors for email and address.country", err)
	}
	for _, id := range []string{"", "nope", strings.Repeat("a", 2000), customer.NewID()} {
		if _, err := s.GetCustomer(ctx, app, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("get %q: %v, want not found", id, err)
		}
	}
	if _, err := s.FindByEmail(ctx, app, strings.Repeat("x", 5000)+"@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("find by a huge email: %v, want not found", err)
	}
	if _, err := s.GetCustomer(ctx, customer.NewID(), c.ID); !errors.Is(err, ErrAppNotFound) {
		t.Errorf("get from a missing app: %v, want app not found", err)
	}
	if _, err := s.GetCustomer(ctx, newApp(t, s, "stranger"), c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("get through another app: %v, want not found", err)
	}
	if _, err := s.CreateApp(ctx, appNamed("errors")); !errors.Is(err, ErrSlugTaken) {
		t.Errorf("a taken slug: %v, want slug taken", err)
	}

	if err := s.DeleteApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	checks := map[string]error{}
	_, checks["get"] = s.GetCustomer(ctx, app, c.ID)
	_, checks["create"] = s.CreateCustomer(ctx, app, customer.Customer{Email: "new@example.com"})
	_, _, checks["update"] = s.UpdateCustomer(ctx, app, c.ID, customer.Patch{Name: customer.Some("x")}, 0)
	_, checks["delete"] = s.DeleteCustomer(ctx, app, c.ID)
	_, checks["list"] = s.ListCustomers(ctx, app, ListQuery{})
	_, checks["find"] = s.FindByEmail(ctx, app, c.Email)
	for op, err := range checks {
		if !errors.Is(err, ErrAppNotActive) {
			t.Errorf("%s in a deleting app: %v, want app not active", op, err)
		}
	}
}

func TestTransactionConflictsAreRetried(t *testing.T) {
	var f faults
	s, _ := newStore(t, f.install)
	ctx := context.Background()
	app := newApp(t, s, "conflict")

	f.set("TransactWriteItems", 3, conflictCancel(3, 1))
	c, err := s.CreateCustomer(ctx, app, customer.Customer{Email: "retry@example.com"})
	if err != nil {
		t.Fatalf("create after 3 transaction conflicts: %v", err)
	}
	if _, err := s.GetCustomer(ctx, app, c.ID); err != nil {
		t.Fatalf("the retried create is not readable: %v", err)
	}

	f.set("TransactWriteItems", s.txRetries+1, conflictCancel(3, 1))
	_, err = s.CreateCustomer(ctx, app, customer.Customer{Email: "busy@example.com"})
	if !errors.Is(err, ErrBusy) {
		t.Errorf("create after endless conflicts on its customer: %v, want busy", err)
	}

	// Conflicts on the shard alone move the write to another shard, and are allowed more tries.
	f.set("TransactWriteItems", s.txRetries+5, conflictCancel(3, 0))
	if _, err := s.CreateCustomer(ctx, app, customer.Customer{Email: "moved@example.com"}); err != nil {
		t.Errorf("create after %d conflicts on its shard: %v", s.txRetries+5, err)
	}
	f.set("TransactWriteItems", maxShardConflicts+1, conflictCancel(3, 0))
	if _, err := s.CreateCustomer(ctx, app, customer.Customer{Email: "never@example.com"}); !errors.Is(err, ErrBusy) {
		t.Errorf("create after endless conflicts on its shards: %v, want busy", err)
	}
	checkInvariants(t, s, app)
}

func TestSDKErrorsDoNotLeave(t *testing.T) {
	var f faults
	s, _ := newStore(t, f.install)
	ctx := context.Background()
	app := newApp(t, s, "leak")

	tests := []struct {
		name string
		err  error
		want error
	}{
		{"internal error", &smithy.GenericAPIError{Code: "InternalServerError", Message: "secret detail"}, ErrUnavailable},
		{"throttling", &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}, ErrBusy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.set("BatchGetItem", 1, tt.err)
			_, err := s.GetCustomer(ctx, app, customer.NewID())
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			var ae smithy.APIError
			if errors.As(err, &ae) {
				t.Errorf("the SDK error %T leaves the store", ae)
			}
		})
	}
	ctxDone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.GetCustomer(ctxDone, app, customer.NewID()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v, want context.Canceled", err)
	}
}

// appReads is the BatchGetItems that read #META and an app's shards, sent together.
const appReads = (Shards + 1 + maxBatchGet - 1) / maxBatchGet

func TestCallsPerOperation(t *testing.T) {
	var calls counter
	s, _ := newStore(t, calls.install)
	ctx := context.Background()
	app := newApp(t, s, "calls")
	existing := mustCreate(t, s, app, customer.Customer{Email: "here@example.com"})
	for i := range 30 {
		mustCreate(t, s, app, customer.Customer{Email: fmt.Sprintf("c%d@example.com", i)})
	}
	first, err := s.ListCustomers(ctx, app, ListQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		max  int
		op   func() error
	}{
		{"get", 1, func() error { _, err := s.GetCustomer(ctx, app, existing.ID); return err }},
		{"create", 1, func() error {
			_, err := s.CreateCustomer(ctx, app, customer.Customer{Email: "new@example.com"})
			return err
		}},
		{"get-or-create of an existing customer", 2, func() error {
			_, _, err := s.GetOrCreateByEmail(ctx, app, customer.Customer{Email: "HERE@example.com"})
			return err
		}},
		// Three round trips: #META and the shards (BatchGetItems sent together), every bucket
		// of the list index (Queries sent together), the page's customers (a BatchGetItem).
		{"first list page", appReads + Buckets + 1, func() error {
			_, err := s.ListCustomers(ctx, app, ListQuery{Limit: 10})
			return err
		}},
		{"cursor list page", appReads + Buckets + 1, func() error {
			_, err := s.ListCustomers(ctx, app, ListQuery{Limit: 10, Cursor: first.NextCursor})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls.reset()
			if err := tt.op(); err != nil {
				t.Fatal(err)
			}
			if got := calls.total(); got > tt.max {
				t.Errorf("%d DynamoDB calls (%s), want at most %d", got, &calls, tt.max)
			}
		})
	}
}

func TestDeleteByExternalID(t *testing.T) {
	var calls counter
	s, _ := newStore(t, calls.install)
	ctx := context.Background()
	app := newApp(t, s, "delete-ext")
	c := mustCreate(t, s, app, customer.Customer{Email: "e@example.com", ExternalID: "ext-del"})

	calls.reset()
	gone, err := s.DeleteByExternalID(ctx, app, "ext-del")
	if err != nil || gone.ID != c.ID {
		t.Fatalf("delete: %v %+v", err, gone)
	}
	if n := calls.total(); n != 3 { // guard with the app, the customer, the transaction
		t.Errorf("%d DynamoDB calls (%s), want 3", n, &calls)
	}
	for _, ext := range []string{"ext-del", "", strings.Repeat("x", 2000)} {
		if _, err := s.DeleteByExternalID(ctx, app, ext); !errors.Is(err, ErrNotFound) {
			t.Errorf("delete %q: %v, want not found", ext, err)
		}
	}
	checkInvariants(t, s, app)
}
