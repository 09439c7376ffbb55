package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
)

// TestHandleBatches delivers SQS batches that mix good, invalid, conflicting and transiently
// failing messages, and checks, for each delivery: the exact batch item failures, what the
// log says became of every message, that delivering the failed messages again (the fault
// gone) applies them, and that delivering the whole batch once more changes nothing in the
// table.
func TestHandleBatches(t *testing.T) {
	tests := []struct {
		name         string
		msgs         []message
		want         map[string]string // message id -> outcome of the first delivery
		wantFailures []string
		wantRetried  map[string]string // outcomes of the failed messages delivered again
	}{{
		name: "good, invalid and conflicting",
		msgs: []message{
			{"m1", cmd("acme", "upsert",
				`{"external_id":"new-1","email":"new1@example.com","name":"New One","address":{"country":"de"}}`)},
			{"m2", cmd("acme", "get_or_create", `{"email":"fresh@example.com","name":"Fresh"}`)},
			{"m3", cmd("acme", "upsert", `{"external_id":"seed-1","name":"Seed One Renamed"}`)},
			{"m4", `{"app":"acme","action":"upsert","customer":{`},
			{"m5", cmd("acme", "merge", `{"external_id":"x"}`)},
			{"m6", cmd("nope", "upsert", `{"external_id":"x"}`)},
			{"m7", cmd("acme", "upsert", `{"external_id":"bad-email","email":"not-an-email"}`)},
			{"m8", cmd("acme", "upsert", `{"external_id":"new-8","email":"TAKEN@example.com"}`)},
			{"m9", cmd("acme", "upsert", `{"external_id":"flaky-write","email":"flaky@example.com"}`)},
			{"m10", cmd("acme", "delete", `{"email":"delete-me@example.com"}`)},
		},
		want: map[string]string{
			"m1": "created", "m2": "created", "m3": "updated",
			"m4": "rejected:malformed_json", "m5": "rejected:unknown_action", "m6": "rejected:unknown_app",
			"m7": "rejected:invalid_customer", "m8": "rejected:conflict", "m9": "retry", "m10": "deleted",
		},
		wantFailures: []string{"m9"},
		wantRetried:  map[string]string{"m9": "created"},
	}, {
		name: "app references, deletes and more rejections",
		msgs: []message{
			{"a1", cmd("app_{acme}", "get_or_create", `{"email":"SEED1@example.com","name":"ignored"}`)},
			{"a2", cmd("{acme}", "upsert", `{"external_id":"seed-3","metadata":{"plan":"pro","seats":3}}`)},
			{"a3", cmd("  ACME ", "upsert", `{"external_id":"new-a3"}`)},
			{"a4", cmd("gone", "upsert", `{"external_id":"x"}`)},
			{"a5", cmd("app_{gone}", "delete", `{"external_id":"x"}`)},
			{"a6", cmd("acme", "delete", `{"id":"cus_{id:seed-2}"}`)},
			{"a7", cmd("acme", "delete", `{"id":"6f1c1a55-0000-4000-8000-000000000000"}`)},
			{"a8", cmd("acme", "delete", `{"name":"nobody"}`)},
			{"a9", cmd("acme", "get_or_create", `{"email":"new-a9@example.com","external_id":"seed-1"}`)},
			{"a10", `{"app":"acme","action":"upsert","customer":"seed-1"}`},
		},
		want: map[string]string{
			"a1": "unchanged", "a2": "updated", "a3": "created",
			"a4": "rejected:app_deleted", "a5": "rejected:app_deleted", "a6": "deleted",
			"a7": "already_deleted", "a8": "rejected:invalid_customer", "a9": "rejected:conflict",
			"a10": "rejected:invalid_command",
		},
		wantFailures: []string{},
	}, {
		name: "transient failures",
		msgs: []message{
			{"t1", cmd("acme", "upsert", `{"external_id":"flaky-write","name":"Flaky Write"}`)},
			{"t2", cmd("acme", "upsert", `{"external_id":"flaky-read","name":"Flaky Read"}`)},
			{"t3", cmd("acme", "upsert", `{"external_id":"seed-1","phone":"+49 30 1234567"}`)},
			{"t4", cmd("acme", "upsert", `{"email":"no-external-id@example.com"}`)},
			{"t5", cmd("acme", "delete", `{"external_id":"seed-3"}`)},
		},
		want: map[string]string{
			"t1": "retry", "t2": "retry", "t3": "updated", "t4": "rejected:invalid_customer", "t5": "deleted",
		},
		wantFailures: []string{"t1", "t2"},
		wantRetried:  map[string]string{"t1": "created", "t2": "created"},
	}, {
		name: "command shapes",
		msgs: []message{
			{"s1", `[]`},
			{"s2", `{"app":"acme","action":"upsert"}`},
			{"s3", `{"app":"acme","action":"upsert","customer":null}`},
			{"s4", `{"app":"acme","action":7,"customer":{}}`},
			{"s5", `{"action":"upsert","customer":{}}`},
			{"s6", cmd("acme", "upsert", `{"external_id":"   "}`)},
			{"s7", cmd("acme", "get_or_create", `{"name":"No Email"}`)},
			{"s8", `{"app":"acme","action":"upsert","customer":{"external_id":"extra-1"},"trace_id":"abc"}`},
			{"s9", cmd("app_not-a-uuid", "upsert", `{"external_id":"x"}`)},
			{"s10", cmd("acme", "delete", `{"id":"cus_nope"}`)},
		},
		want: map[string]string{
			"s1": "rejected:malformed_json", "s2": "rejected:invalid_command", "s3": "rejected:invalid_command",
			"s4": "rejected:invalid_command", "s5": "rejected:invalid_command", "s6": "rejected:invalid_customer",
			"s7": "rejected:invalid_customer", "s8": "created", "s9": "rejected:unknown_app",
			"s10": "rejected:invalid_customer",
		},
		wantFailures: []string{},
	}}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ev := f.batch(tt.msgs)

			f.faults.on.Store(true)
			first := f.deliver(ev)
			f.faults.on.Store(false)
			if !reflect.DeepEqual(first.failures, tt.wantFailures) {
				t.Errorf("batch item failures = %q, want %q", first.failures, tt.wantFailures)
			}
			if !maps.Equal(first.outcomes, tt.want) {
				t.Errorf("outcomes:\n got %v\nwant %v", first.outcomes, tt.want)
			}
			if len(tt.wantFailures) > 0 && f.faults.hit.Load() == 0 {
				t.Error("no fault was injected")
			}

			// SQS delivers the failed messages again; the fault has passed.
			var again events.SQSEvent
			for _, m := range ev.Records {
				if contains(first.failures, m.MessageId) {
					again.Records = append(again.Records, m)
				}
			}
			if len(again.Records) > 0 {
				retried := f.deliver(again)
				if len(retried.failures) != 0 {
					t.Errorf("second delivery: batch item failures = %q, want none", retried.failures)
				}
				if !maps.Equal(retried.outcomes, tt.wantRetried) {
					t.Errorf("second delivery: outcomes = %v, want %v", retried.outcomes, tt.wantRetried)
				}
			}

			// The whole batch, delivered once more, changes nothing.
			before := f.snapshot()
			redelivered := f.deliver(ev)
			if len(redelivered.failures) != 0 {
				t.Errorf("redelivery: batch item failures = %q, want none", redelivered.failures)
			}
			for id, got := range redelivered.outcomes {
				if want := replayed(tt.want[id], tt.wantRetried[id]); got != want {
					t.Errorf("redelivery: %s = %s, want %s", id, got, want)
				}
			}
			if len(redelivered.outcomes) != len(tt.msgs) {
				t.Errorf("redelivery: %d messages logged, want %d", len(redelivered.outcomes), len(tt.msgs))
			}
			if diff := diffSnapshots(before, f.snapshot()); len(diff) > 0 {
				t.Errorf("redelivery changed items %q", diff)
			}
		})
	}
}

// replayed is the outcome a message that already succeeded has when delivered again.
func replayed(first, retried string) string {
	if first == "retry" {
		first = retried
	}
	switch first {
	case "created", "updated", "unchanged":
		return "unchanged"
	case "deleted", "already_deleted":
		return "already_deleted"
	}
	return first
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestProcessResults checks what Process returns for each action, on the data it wrote.
func TestProcessResults(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	process := func(body string) Result {
		t.Helper()
		res, err := f.in.Process(ctx, []byte(f.expand(body)))
		if err != nil {
			t.Fatalf("Process(%s): %v", body, err)
		}
		return res
	}

	res := process(cmd("acme", "upsert", `{"external_id":"p-1","email":"p1@example.com","metadata":{"tier":"gold"}}`))
	if res.Outcome != Created || res.Action != Upsert || res.App != "acme" || res.AppID != f.acme || res.Version != 1 {
		t.Errorf("create = %+v", res)
	}
	c := f.customer("p-1")
	if c.ID != res.CustomerID || c.Email != "p1@example.com" || c.CreatedBy != CreatedBy || len(c.Metadata) != 1 {
		t.Errorf("created customer = %+v", c)
	}

	res = process(cmd("acme", "upsert", `{"external_id":"p-1","name":"P One","email":null}`))
	if res.Outcome != Updated || res.Version != 2 || res.CustomerID != c.ID {
		t.Errorf("update = %+v", res)
	}
	if c = f.customer("p-1"); c.Name != "P One" || c.Email != "" || len(c.Metadata) != 1 {
		t.Errorf("updated customer = %+v: only name and email should change", c)
	}

	res = process(cmd("acme", "get_or_create", `{"email":"seed1@example.com"}`))
	if res.Outcome != Unchanged || res.CustomerID != f.seeds["seed-1"].ID || res.Version != 1 {
		t.Errorf("get existing = %+v", res)
	}

	res = process(cmd("acme", "delete", `{"external_id":"p-1"}`))
	if res.Outcome != Deleted || res.CustomerID != c.ID || res.Version != 2 {
		t.Errorf("delete = %+v", res)
	}
	res = process(cmd("acme", "delete", `{"external_id":"p-1"}`))
	if res.Outcome != AlreadyDeleted || res.CustomerID != "" {
		t.Errorf("delete again = %+v", res)
	}
	res = process(cmd("acme", "delete", `{"id":"`+c.ID+`"}`))
	if res.Outcome != AlreadyDeleted || res.CustomerID != c.ID {
		t.Errorf("delete by id again = %+v", res)
	}

	_, err := f.in.Process(ctx, []byte(cmd("acme", "upsert", `{"external_id":"p-2","email":"taken@example.com"}`)))
	var rej *RejectedError
	if !errors.As(err, &rej) || rej.Reason != ReasonConflict || !errors.Is(err, store.ErrEmailTaken) ||
		!strings.Contains(rej.Message, "cus_"+f.seeds["seed-2"].ID) || Retryable(err) {
		t.Errorf("conflict error = %v", err)
	}
}

// TestFIFOBatchStopsAtFirstFailure: in a FIFO batch, the messages after a retryable failure
// are left for the next delivery, so that they are never applied out of order.
func TestFIFOBatchStopsAtFirstFailure(t *testing.T) {
	f := newFixture(t)
	ev := f.batch([]message{
		{"f1", cmd("acme", "upsert", `{"external_id":"fifo-1"}`)},
		{"f2", cmd("acme", "upsert", `{"external_id":"flaky-write"}`)},
		{"f3", cmd("acme", "upsert", `{"external_id":"fifo-3"}`)},
		{"f4", cmd("acme", "merge", `{}`)},
	})
	for i := range ev.Records {
		ev.Records[i].Attributes["MessageGroupId"] = "g1"
	}
	f.faults.on.Store(true)
	d := f.deliver(ev)
	f.faults.on.Store(false)
	if want := []string{"f2", "f3", "f4"}; !reflect.DeepEqual(d.failures, want) {
		t.Errorf("batch item failures = %q, want %q", d.failures, want)
	}
	if _, err := f.store.FindByExternalID(context.Background(), f.acme, "fifo-3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("fifo-3 after a failed predecessor: err = %v, want not found", err)
	}
	d = f.deliver(events.SQSEvent{Records: ev.Records[1:]})
	if len(d.failures) != 0 {
		t.Errorf("second delivery: failures = %q", d.failures)
	}
	want := map[string]string{"f2": "created", "f3": "created", "f4": "rejected:unknown_action"}
	if !maps.Equal(d.outcomes, want) {
		t.Errorf("second delivery: outcomes = %v, want %v", d.outcomes, want)
	}
}

// TestCanceledContextIsRetried: a message cut short by the invocation's deadline comes back.
func TestCanceledContextIsRetried(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.in.Process(ctx, []byte(cmd("acme", "upsert", `{"external_id":"late"}`)))
	if !errors.Is(err, context.Canceled) || !Retryable(err) {
		t.Errorf("Process on a canceled context: err = %v, want a retryable context.Canceled", err)
	}
	resp, err := f.in.Handle(ctx, f.batch([]message{{"late", cmd("acme", "upsert", `{"external_id":"late"}`)}}))
	if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "late" {
		t.Errorf("Handle on a canceled context = %+v, %v", resp, err)
	}
}

// TestSlugTakenOverByANewApp: the slug cache must not send commands to a purged app when a new
// app has taken its slug since.
func TestSlugTakenOverByANewApp(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old, err := f.store.CreateApp(ctx, tenant.App{Slug: "reused", Name: "Old"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.in.Process(ctx, []byte(cmd("reused", "upsert", `{"external_id":"r-1"}`)))
	if err != nil || res.AppID != old.ID {
		t.Fatalf("first command: %+v, %v", res, err)
	}
	if err := f.store.DeleteApp(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	// While the old app is being deleted, its slug still names it.
	reused := []byte(cmd("reused", "upsert", `{"external_id":"r-1"}`))
	if _, err := f.in.Process(ctx, reused); !isRejected(err, ReasonAppDeleted) {
		t.Fatalf("command to a deleting app: err = %v, want app_deleted", err)
	}
	if _, err := f.store.PurgeApp(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.in.Process(ctx, reused); !isRejected(err, ReasonUnknownApp) {
		t.Fatalf("command to a purged app: err = %v, want unknown_app", err)
	}
	fresh, err := f.store.CreateApp(ctx, tenant.App{Slug: "reused", Name: "New"})
	if err != nil {
		t.Fatal(err)
	}
	res, err = f.in.Process(ctx, []byte(cmd("reused", "upsert", `{"external_id":"r-1"}`)))
	if err != nil || res.AppID != fresh.ID || res.Outcome != Created {
		t.Fatalf("command after the slug was taken again: %+v, %v; want created in %s", res, err, fresh.ID)
	}
}

// TestUUIDShapedSlug: a bare UUID names the app with that id, else the app with that slug.
func TestUUIDShapedSlug(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const slug = "0b7e3c1a-5d2f-4a6b-8c9d-e0f1a2b3c4d5"
	a, err := f.store.CreateApp(ctx, tenant.App{Slug: slug, Name: "UUID-shaped"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.in.Process(ctx, []byte(cmd(slug, "upsert", `{"external_id":"u-1"}`)))
	if err != nil || res.AppID != a.ID {
		t.Fatalf("by UUID-shaped slug: %+v, %v; want app %s", res, err, a.ID)
	}
	res, err = f.in.Process(ctx, []byte(cmd(f.acme, "upsert", `{"external_id":"u-1"}`)))
	if err != nil || res.AppID != f.acme {
		t.Fatalf("by id: %+v, %v; want app %s", res, err, f.acme)
	}
}

func isRejected(err error, reason Reason) bool {
	var rej *RejectedError
	return errors.As(err, &rej) && rej.Reason == reason && !Retryable(err)
}

// TestSampleEvent runs events/ingest-customers.json, the SQS batch that events/ carries for
// `sam local invoke -e`, through the handler.
func TestSampleEvent(t *testing.T) {
	f := newFixture(t)
	if _, err := f.store.CreateApp(context.Background(), tenant.App{Slug: "my-app", Name: "My App"}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../events/ingest-customers.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // as the SAM CLI and internal/stackcheck read events/
	if err := dec.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	d := f.deliver(ev)
	want := map[string]string{
		"4d3c2b1a-0001-4f6e-9d8c-7b6a5f4e3d2c": "created",
		"4d3c2b1a-0002-4f6e-9d8c-7b6a5f4e3d2c": "created",
		"4d3c2b1a-0003-4f6e-9d8c-7b6a5f4e3d2c": "already_deleted",
	}
	if len(d.failures) != 0 || !maps.Equal(d.outcomes, want) {
		t.Errorf("failures %q, outcomes %v; want none and %v", d.failures, d.outcomes, want)
	}
}

// TestIdempotencyKey: a command under an idempotency_key is applied once; delivered again
// (with other top-level fields, as a producer's retry may add) it reports the first result,
// Replayed, and changes nothing; the key with another command is rejected, and a key that
// is not one is an invalid command.
func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	withKey := func(body, key string, extra ...string) []byte {
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		m["idempotency_key"] = key
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		b, _ := json.Marshal(m)
		return b
	}
	create := withKey(cmd("acme", "get_or_create", `{"email":"once@example.com"}`), "k-create")
	first, err := f.in.Process(ctx, create)
	if err != nil || first.Outcome != Created || first.Replayed {
		t.Fatalf("first: %+v, %v; want created", first, err)
	}

	// Deleted by someone else: without the key the command would create it again.
	if _, err := f.store.DeleteCustomer(ctx, f.acme, first.CustomerID); err != nil {
		t.Fatal(err)
	}
	deleted := f.snapshot()
	retry := withKey(cmd("acme", "get_or_create", `{"email":"once@example.com"}`), "k-create", "trace_id", "retry-2")
	again, err := f.in.Process(ctx, retry)
	if err != nil || !again.Replayed || again.Outcome != Created || again.CustomerID != first.CustomerID ||
		again.Version != first.Version {
		t.Errorf("again: %+v, %v; want the first result %+v, replayed", again, err, first)
	}
	if diff := diffSnapshots(deleted, f.snapshot()); len(diff) > 0 {
		t.Errorf("the replay wrote %v", diff)
	}

	_, err = f.in.Process(ctx, withKey(cmd("acme", "upsert", `{"external_id":"other"}`), "k-create"))
	var rej *RejectedError
	if !errors.As(err, &rej) || rej.Reason != ReasonKeyReused {
		t.Errorf("another command under the key: %v, want rejected %s", err, ReasonKeyReused)
	}
	if diff := diffSnapshots(deleted, f.snapshot()); len(diff) > 0 {
		t.Errorf("the refused command wrote %v", diff)
	}

	del := withKey(cmd("acme", "delete", `{"external_id":"seed-3"}`), "k-delete")
	gone, err := f.in.Process(ctx, del)
	if err != nil || gone.Outcome != Deleted {
		t.Fatalf("delete: %+v, %v", gone, err)
	}
	twice, err := f.in.Process(ctx, del)
	if err != nil || !twice.Replayed || twice.Outcome != Deleted || twice.CustomerID != gone.CustomerID {
		t.Errorf("delete again: %+v, %v; want the first result (deleted), replayed", twice, err)
	}

	for _, key := range []any{strings.Repeat("k", 256), "", 42, "clé"} {
		var m map[string]any
		_ = json.Unmarshal([]byte(cmd("acme", "upsert", `{"external_id":"x"}`)), &m)
		m["idempotency_key"] = key
		b, _ := json.Marshal(m)
		if _, err := f.in.Process(ctx, b); !errors.As(err, &rej) || rej.Reason != ReasonInvalidCommand {
			t.Errorf("idempotency_key %#v: %v, want rejected %s", key, err, ReasonInvalidCommand)
		}
	}
}
