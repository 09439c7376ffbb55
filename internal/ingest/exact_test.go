package ingest

// Issue 22 for queued commands: outcomes that wrote nothing are kept under their
// idempotency_key and replayed, and the largest customer is deleted by a keyed command.

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/store"
)

// keyedCmd is a command of the acme app under an idempotency key.
func keyedCmd(t *testing.T, action, customerJSON, key string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(cmd("acme", action, customerJSON)), &m); err != nil {
		t.Fatal(err)
	}
	m["idempotency_key"] = key
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKeptCommandsReplay (rows 1 to 3): a keyed command that executed and wrote nothing (an
// unchanged upsert, a delete of no customer, a get_or_create that found its customer, a
// conflict) keeps its result: delivered again after the app changed, it reports that
// result, replayed, and changes nothing.
func TestKeptCommandsReplay(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		command []byte
		outcome Outcome // the first result's; "" for a rejection
		reason  Reason  // the rejection's
		change  func(t *testing.T)
		after   func(t *testing.T)
	}{
		{name: "an unchanged upsert does not revert a later update (row 1)",
			command: keyedCmd(t, "upsert", `{"external_id":"seed-1","name":"Seed One"}`, "k-unchanged"),
			outcome: Unchanged,
			change: func(t *testing.T) {
				if _, _, err := f.store.UpsertByExternalID(ctx, f.acme, "seed-1",
					customer.Patch{Name: customer.Some("Renamed")}, "test"); err != nil {
					t.Fatal(err)
				}
			},
			after: func(t *testing.T) {
				if c := f.customer("seed-1"); c.Name != "Renamed" {
					t.Errorf("name %q after the replay, want the later update's", c.Name)
				}
			}},
		{name: "a delete of no customer does not delete one made since (row 2)",
			command: keyedCmd(t, "delete", `{"external_id":"ghost"}`, "k-ghost"), outcome: AlreadyDeleted,
			change: func(t *testing.T) {
				if _, err := f.store.CreateCustomer(ctx, f.acme, customer.Customer{ExternalID: "ghost"}); err != nil {
					t.Fatal(err)
				}
			},
			after: func(t *testing.T) { f.customer("ghost") }},
		{name: "a get_or_create that found its customer does not create it again (row 3)",
			command: keyedCmd(t, "get_or_create", `{"email":"seed3@example.com"}`, "k-found"), outcome: Unchanged,
			change: func(t *testing.T) {
				if _, err := f.store.DeleteByEmail(ctx, f.acme, "seed3@example.com"); err != nil {
					t.Fatal(err)
				}
			},
			after: func(t *testing.T) {
				if _, err := f.store.FindByEmail(ctx, f.acme, "seed3@example.com"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("find by email after the replay: %v, want not found", err)
				}
			}},
		{name: "a conflict is kept",
			command: keyedCmd(t, "upsert", `{"external_id":"newcomer","email":"taken@example.com"}`, "k-conflict"),
			reason:  ReasonConflict,
			change: func(t *testing.T) {
				if _, _, err := f.store.UpsertByExternalID(ctx, f.acme, "seed-2",
					customer.Patch{Email: customer.Some("freed@example.com")}, "test"); err != nil {
					t.Fatal(err)
				}
			},
			after: func(t *testing.T) {
				if _, err := f.store.FindByExternalID(ctx, f.acme, "newcomer"); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("find newcomer after the replay: %v, want not found", err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, err := f.in.Process(ctx, tc.command)
			var rej *RejectedError
			switch {
			case tc.reason != "" && (!errors.As(err, &rej) || rej.Reason != tc.reason):
				t.Fatalf("first: %+v, %v; want rejected %s", first, err, tc.reason)
			case tc.reason == "" && (err != nil || first.Outcome != tc.outcome || first.Replayed):
				t.Fatalf("first: %+v, %v; want %s", first, err, tc.outcome)
			}
			tc.change(t)
			before := f.snapshot()
			again, err := f.in.Process(ctx, tc.command)
			switch {
			case tc.reason != "" && (!errors.As(err, &rej) || rej.Reason != tc.reason || !again.Replayed):
				t.Errorf("again: %+v, %v; want rejected %s, replayed", again, err, tc.reason)
			case tc.reason == "" && (err != nil || !again.Replayed || again.Outcome != first.Outcome ||
				again.CustomerID != first.CustomerID || again.Version != first.Version):
				t.Errorf("again: %+v, %v; want the first result %+v, replayed", again, err, first)
			}
			if diff := diffSnapshots(before, f.snapshot()); len(diff) > 0 {
				t.Errorf("the replay wrote %v", diff)
			}
			tc.after(t)
		})
	}
}

// TestTheLargestCustomerIsDeletedQueued (row 5): a keyed delete command removes a customer
// with an email, an external id and the most licenses a customer may hold, in one
// transaction of at most 100 items, and reports it again when delivered twice.
func TestTheLargestCustomerIsDeletedQueued(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, err := f.store.CreateCustomer(ctx, f.acme, customer.Customer{Email: "big@example.com", ExternalID: "big"})
	if err != nil {
		t.Fatal(err)
	}
	for range store.MaxLicensesPerCustomer {
		if _, err := f.store.CreateLicense(ctx, f.acme, customer.License{CustomerID: c.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.store.CreateLicense(ctx, f.acme, customer.License{CustomerID: c.ID}); !errors.Is(err,
		store.ErrLicenseLimit) {
		t.Fatalf("one license more: %v, want the limit", err)
	}
	del := keyedCmd(t, "delete", `{"external_id":"big"}`, "k-big")
	gone, err := f.in.Process(ctx, del)
	if err != nil || gone.Outcome != Deleted || gone.CustomerID != c.ID {
		t.Fatalf("delete: %+v, %v; want %s deleted", gone, err, c.ID)
	}
	if again, err := f.in.Process(ctx, del); err != nil || !again.Replayed || again.Outcome != Deleted {
		t.Errorf("delete again: %+v, %v; want the first result, replayed", again, err)
	}
	if ls, err := f.store.ListLicenses(ctx, f.acme, c.ID); !errors.Is(err, store.ErrNotFound) || len(ls) > 0 {
		t.Errorf("licenses after the delete: %d, %v; want the customer gone", len(ls), err)
	}
	if problems, err := f.store.Verify(ctx, f.acme); err != nil || len(problems) > 0 {
		t.Errorf("invariants: %v %v", problems, err)
	}
}
