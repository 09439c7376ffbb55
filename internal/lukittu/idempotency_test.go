package lukittu_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/apitest"
)

const idem = apitest.IdempotencyKey

func teamOf(app apitest.App) string { return "/api/v1/dev/teams/" + app.UUID + "/customers" }

func named(username string) M { return M{"username": username, "metadata": []any{}} }

// TestIdempotentReplay: every write route of the dialect, sent twice under one key,
// answers the first answer again and writes nothing the second time.
func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	create := func(t *testing.T, app apitest.App, username string) string {
		return wantOK[customerJSON](t, e.As(t, app.Secret).Post(teamOf(app), named(username)), 201,
			"CustomerResponse").ID
	}
	for i, tc := range []struct {
		name   string
		method string
		prep   func(t *testing.T, app apitest.App) (path string, body any)
		status int
	}{
		{"create customer", "POST", func(t *testing.T, app apitest.App) (string, any) {
			return teamOf(app), named("solo")
		}, 201},
		{"update customer", "PUT", func(t *testing.T, app apitest.App) (string, any) {
			return teamOf(app) + "/" + create(t, app, "before"), named("after")
		}, 200},
		{"delete customer", "DELETE", func(t *testing.T, app apitest.App) (string, any) {
			return teamOf(app) + "/" + create(t, app, "doomed"), nil
		}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := e.CreateApp(t, fmt.Sprintf("idem-replay-%d", i))
			path, body := tc.prep(t, app)
			e.CheckReplay(t, app, tc.method, path, body, tc.status)
		})
	}
}

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)

	t.Run("the same key with another request is refused and writes nothing", func(t *testing.T) {
		app := e.CreateApp(t, "idem-reuse")
		wantOK[customerJSON](t, e.As(t, app.Secret).Do("POST", teamOf(app), named("first"), idem, "k"), 201,
			"CustomerResponse")
		before := e.Partition(t, app.UUID)
		wantError(t, e.As(t, app.Secret).Do("POST", teamOf(app), named("second"), idem, "k"), 422, "BAD_REQUEST")
		if after := e.Partition(t, app.UUID); !reflect.DeepEqual(before, after) {
			t.Errorf("a refused request changed the partition: %d items before, %d after", len(before), len(after))
		}
	})

	t.Run("twenty concurrent requests under one key make one record", func(t *testing.T) {
		app := e.CreateApp(t, "idem-race")
		apitest.RaceOneKey(t, e.As(t, app.Secret), teamOf(app), named("nobody-unique"), "race-customer")
		if n := e.Count(t, app.UUID, "CUSTOMER"); n != 1 {
			t.Errorf("%d customers, want 1 username-only customer", n)
		}
		if n := e.Records(t, app.UUID); n != 1 {
			t.Errorf("%d records, want 1", n)
		}
		e.CheckInvariants(t, app.UUID)
	})

	t.Run("keys are scoped to the app", func(t *testing.T) {
		a, b := e.CreateApp(t, "idem-scope-a"), e.CreateApp(t, "idem-scope-b")
		ca := wantOK[customerJSON](t, e.As(t, a.Secret).Do("POST", teamOf(a), named("twin"), idem, "shared"), 201,
			"CustomerResponse")
		rb := e.As(t, b.Secret).Do("POST", teamOf(b), named("twin"), idem, "shared")
		cb := wantOK[customerJSON](t, rb, 201, "CustomerResponse")
		if rb.Header.Get("Idempotent-Replayed") != "" || ca.ID == cb.ID || cb.TeamID != b.UUID {
			t.Errorf("the second app's answer %s is not its own (first app's customer %s)", rb.Body, ca.ID)
		}
		if e.Records(t, a.UUID) != 1 || e.Records(t, b.UUID) != 1 {
			t.Errorf("records: %d in a, %d in b, want 1 each", e.Records(t, a.UUID), e.Records(t, b.UUID))
		}
	})

	t.Run("bad keys are 400", func(t *testing.T) {
		app := e.CreateApp(t, "idem-bad")
		var rows []apitest.Row
		for _, key := range []string{strings.Repeat("k", 256), "clé", "tab\there"} {
			rows = append(rows, apitest.Row{Name: fmt.Sprintf("%.20q", key), Key: app.Secret, Method: "POST",
				Path: teamOf(app), Body: named("bad"), Header: []string{idem, key}, Status: 400,
				Check: lkError("BAD_REQUEST")})
		}
		apitest.Run(t, e, rows)
		if n := e.Count(t, app.UUID, "CUSTOMER"); n != 0 {
			t.Errorf("%d customers, want none", n)
		}
	})
}

// TestIdempotentRetryAfterLostAnswer: the write succeeds, its answer is lost and the client
// gets 503; the retry under the same key answers the original 201 with the same id, and
// writes no second customer.
func TestIdempotentRetryAfterLostAnswer(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "idem-lost")
	sk := e.As(t, app.Secret)
	sk.Allow5xx = true
	body := M{"email": "lukittu@example.com", "username": "lukittu", "metadata": []any{}}
	e.Faults.LoseNext("TransactWriteItems", 1)
	if lost := sk.Do("POST", teamOf(app), body, idem, "lost"); lost.Status != 503 {
		t.Fatalf("lost answer: %d %s, want 503", lost.Status, lost.Body)
	}
	retry := sk.Do("POST", teamOf(app), body, idem, "lost")
	id := wantOK[customerJSON](t, retry, 201, "CustomerResponse").ID
	if retry.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry was not a replay: %s", retry.Body)
	}
	sk.Get("/api/v1/apps/idem-lost/customers/cus_" + id).Want(200)
	if n := e.Count(t, app.UUID, "CUSTOMER"); n != 1 {
		t.Errorf("%d customers, want 1", n)
	}
	e.CheckInvariants(t, app.UUID)
}

// TestIdempotencyKeyExpires: past its 24 hours a key is new again (on the stores' clock,
// moved forward; DynamoDB's TTL deletes the record some time after that).
func TestIdempotencyKeyExpires(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "idem-ttl")
	sk := e.As(t, app.Secret)
	path := teamOf(app)

	first := wantOK[customerJSON](t, sk.Do("POST", path, named("daily"), idem, "daily"), 201, "CustomerResponse")
	e.StoreClock.Advance(24*time.Hour - time.Minute)
	if again := sk.Do("POST", path, named("daily"), idem, "daily"); again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("within 24 hours: %s, want a replay", again.Body)
	}
	e.StoreClock.Advance(2 * time.Minute)
	later := sk.Do("POST", path, named("daily"), idem, "daily")
	second := wantOK[customerJSON](t, later, http.StatusCreated, "CustomerResponse")
	if later.Header.Get("Idempotent-Replayed") != "" || second.ID == first.ID {
		t.Errorf("past 24 hours: %s, want a new customer", later.Body)
	}
	// The key is the new request's now: another body under it is refused.
	wantError(t, sk.Do("POST", path, named("other"), idem, "daily"), 422, "BAD_REQUEST")
	if n := e.Count(t, app.UUID, "CUSTOMER"); n != 2 {
		t.Errorf("%d customers, want 2", n)
	}
	if n := e.Records(t, app.UUID); n != 1 {
		t.Errorf("%d records, want 1 (the expired one overwritten)", n)
	}
}
