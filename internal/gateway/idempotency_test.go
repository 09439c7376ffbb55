package gateway_test

import (
	"bytes"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const idemHeader = "Idempotency-Key"

// partition reads every item of an app's partition, to show that a request wrote nothing.
func (e *env) partition(t *testing.T, app testApp) []map[string]types.AttributeValue {
	t.Helper()
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(e.table.Name),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "APP#" + app.UUID}},
		ConsistentRead:            aws.Bool(true),
	}
	var items []map[string]types.AttributeValue
	for {
		out, err := e.table.Client.Query(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, out.Items...)
		if out.LastEvaluatedKey == nil {
			return items
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// count counts the items of a type in an app's partition.
func (e *env) count(t *testing.T, app testApp, typ string) int {
	t.Helper()
	n := 0
	for _, it := range e.partition(t, app) {
		if v, ok := it["type"].(*types.AttributeValueMemberS); ok && v.Value == typ {
			n++
		}
	}
	return n
}

func (e *env) records(t *testing.T, app testApp) int { return e.count(t, app, "IDEMPOTENCY_RECORD") }

// wantReplay checks that a replay answered the first answer byte for byte, marked as one.
func wantReplay(t *testing.T, first, again *response) {
	t.Helper()
	if again.Status != first.Status || !bytes.Equal(again.Body, first.Body) ||
		again.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
		t.Errorf("%s: replay %d %q %s, want the first answer %d %q %s", first.req,
			again.Status, again.Header.Get("Content-Type"), again.Body, first.Status, first.Header.Get("Content-Type"), first.Body)
	}
	if got := again.Header.Get("Idempotent-Replayed"); got != "true" {
		t.Errorf("%s: replay's Idempotent-Replayed %q, want true", first.req, got)
	}
	if got := first.Header.Get("Idempotent-Replayed"); got != "" {
		t.Errorf("%s: first answer's Idempotent-Replayed %q, want none", first.req, got)
	}
}

func testIdempotency(t *testing.T, e *env) {
	apps := "/api/v1/apps/"
	team := func(app testApp) string { return "/api/v1/dev/teams/" + app.UUID + "/customers" }
	lukittuBodyOf := func(username string) map[string]any { return map[string]any{"username": username, "metadata": []any{}} }

	// Every write route of the three dialects: prep makes what the request acts on.
	cases := []struct {
		name   string
		method string
		prep   func(t *testing.T, app testApp) (path string, body any)
		status int
	}{
		{"apps create customer", "POST", func(t *testing.T, app testApp) (string, any) {
			return apps + app.Slug + "/customers", map[string]any{"email": "new@example.com", "name": "New"}
		}, 201},
		{"apps get-or-create customer", "POST", func(t *testing.T, app testApp) (string, any) {
			return apps + app.Slug + "/customers/get-or-create", map[string]any{"email": "goc@example.com"}
		}, 201},
		{"apps update customer", "PUT", func(t *testing.T, app testApp) (string, any) {
			c := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "up@example.com"})
			return apps + app.Slug + "/customers/" + c.ID, map[string]any{"name": "Renamed"}
		}, 200},
		{"apps delete customer", "DELETE", func(t *testing.T, app testApp) (string, any) {
			c := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "del@example.com"})
			return apps + app.Slug + "/customers/" + c.ID, nil
		}, 204},
		{"apps create license", "POST", func(t *testing.T, app testApp) (string, any) {
			c := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "lic@example.com"})
			return apps + app.Slug + "/licenses", map[string]any{"customer_id": c.ID, "forever": true}
		}, 201},
		{"apps delete license", "DELETE", func(t *testing.T, app testApp) (string, any) {
			c := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "dl@example.com"})
			l := data[licenseJSON](e.as(t, app.secret).post(apps+app.Slug+"/licenses", map[string]any{"customer_id": c.ID, "forever": true}).want(201))
			return apps + app.Slug + "/licenses/" + l.ID, nil
		}, 204},
		{"lukittu create customer", "POST", func(t *testing.T, app testApp) (string, any) {
			return team(app), lukittuBodyOf("solo")
		}, 201},
		{"lukittu update customer", "PUT", func(t *testing.T, app testApp) (string, any) {
			c := lukittuOK[lukittuCustomer](t, e.as(t, app.secret).post(team(app), lukittuBodyOf("before")), 201, "CustomerResponse")
			return team(app) + "/" + c.ID, lukittuBodyOf("after")
		}, 200},
		{"lukittu delete customer", "DELETE", func(t *testing.T, app testApp) (string, any) {
			c := lukittuOK[lukittuCustomer](t, e.as(t, app.secret).post(team(app), lukittuBodyOf("doomed")), 201, "CustomerResponse")
			return team(app) + "/" + c.ID, nil
		}, 200},
		{"lago upsert customer", "POST", func(t *testing.T, app testApp) (string, any) {
			return "/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "lg-idem", "name": "Lago"}}
		}, 200},
		{"lago delete customer", "DELETE", func(t *testing.T, app testApp) (string, any) {
			lagoOK(t, e.as(t, app.secret).post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "lg-gone"}}))
			return "/api/v1/customers/lg-gone", nil
		}, 200},
	}

	t.Run("replay answers the first answer and writes nothing", func(t *testing.T) {
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				app := e.createApp(t, fmt.Sprintf("idem-replay-%d", i))
				sk := e.as(t, app.secret)
				path, body := tc.prep(t, app)
				first := sk.do(tc.method, path, body, idemHeader, "replay-"+tc.name).want(tc.status)
				if n := e.records(t, app); n != 1 {
					t.Errorf("%d records after the write, want 1", n)
				}
				before := e.partition(t, app)
				again := sk.do(tc.method, path, body, idemHeader, "replay-"+tc.name)
				wantReplay(t, first, again)
				if after := e.partition(t, app); !reflect.DeepEqual(before, after) {
					t.Errorf("the replay changed the partition: %d items before, %d after", len(before), len(after))
				}
				e.checkInvariants(t, app)
			})
		}
	})

	t.Run("the same key with another request is refused and writes nothing", func(t *testing.T) {
		app := e.createApp(t, "idem-reuse")
		sk := e.as(t, app.secret)
		sk.do("POST", apps+app.Slug+"/customers", map[string]any{"email": "first@example.com"}, idemHeader, "k-apps").want(201)
		lukittuOK[lukittuCustomer](t, sk.do("POST", team(app), lukittuBodyOf("first"), idemHeader, "k-lukittu"), 201, "CustomerResponse")
		lagoOK(t, sk.do("POST", "/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "lg-first"}}, idemHeader, "k-lago"))
		before := e.partition(t, app)

		sk.do("POST", apps+app.Slug+"/customers", map[string]any{"email": "second@example.com"}, idemHeader, "k-apps").
			wantError(422, "idempotency_key_reused")
		// Another route under the key is another request too.
		sk.do("POST", apps+app.Slug+"/customers/get-or-create", map[string]any{"email": "first@example.com"}, idemHeader, "k-apps").
			wantError(422, "idempotency_key_reused")
		lukittuErr(t, sk.do("POST", team(app), lukittuBodyOf("second"), idemHeader, "k-lukittu"), 422, "BAD_REQUEST")
		lagoErr(t, sk.do("POST", "/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "lg-second"}}, idemHeader, "k-lago"),
			422, "validation_errors", map[string]string{"idempotency_key": "idempotency_key_reused"})

		if after := e.partition(t, app); !reflect.DeepEqual(before, after) {
			t.Errorf("a refused request changed the partition: %d items before, %d after", len(before), len(after))
		}
	})

	t.Run("twenty concurrent requests under one key make one record", func(t *testing.T) {
		app := e.createApp(t, "idem-race")
		sk := e.as(t, app.secret)
		owner := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "owner@example.com"})
		race := func(t *testing.T, path string, body any, key string) {
			t.Helper()
			answers := make([]*response, 20)
			var wg sync.WaitGroup
			for i := range answers {
				wg.Go(func() { answers[i] = sk.do("POST", path, body, idemHeader, key) })
			}
			wg.Wait()
			var first *response
			for _, a := range answers {
				if a.Status == 201 && a.Header.Get("Idempotent-Replayed") == "" {
					if first != nil {
						t.Fatalf("two first answers:\n%s\n%s", first.Body, a.Body)
					}
					first = a
				}
			}
			if first == nil {
				t.Fatal("no request made the write")
			}
			for _, a := range answers {
				switch {
				case a == first:
				case a.Status == 409:
					if !strings.Contains(string(a.Body), "Idempotency-Key") {
						t.Errorf("409 that is not about the key: %s", a.Body)
					}
				default:
					wantReplay(t, first, a)
				}
			}
		}
		race(t, team(app), lukittuBodyOf("nobody-unique"), "race-customer")
		race(t, apps+app.Slug+"/licenses", map[string]any{"customer_id": owner.ID, "forever": true}, "race-license")

		if n := e.count(t, app, "CUSTOMER"); n != 2 {
			t.Errorf("%d customers, want 2 (the owner and one username-only customer)", n)
		}
		if n := e.count(t, app, "LICENSE"); n != 1 {
			t.Errorf("%d licenses, want 1", n)
		}
		if n := e.records(t, app); n != 2 {
			t.Errorf("%d records, want 2", n)
		}
		e.checkInvariants(t, app)
	})

	t.Run("keys are scoped to the app", func(t *testing.T) {
		a, b := e.createApp(t, "idem-scope-a"), e.createApp(t, "idem-scope-b")
		body := lukittuBodyOf("twin")
		ca := lukittuOK[lukittuCustomer](t, e.as(t, a.secret).do("POST", team(a), body, idemHeader, "shared"), 201, "CustomerResponse")
		rb := e.as(t, b.secret).do("POST", team(b), body, idemHeader, "shared")
		cb := lukittuOK[lukittuCustomer](t, rb, 201, "CustomerResponse")
		if rb.Header.Get("Idempotent-Replayed") != "" || ca.ID == cb.ID || cb.TeamID != b.UUID {
			t.Errorf("the second app's answer %s is not its own (first app's customer %s)", rb.Body, ca.ID)
		}
		if e.records(t, a) != 1 || e.records(t, b) != 1 {
			t.Errorf("records: %d in a, %d in b, want 1 each", e.records(t, a), e.records(t, b))
		}
	})

	t.Run("bad keys are 400 in each dialect", func(t *testing.T) {
		app := e.createApp(t, "idem-bad")
		sk := e.as(t, app.secret)
		for _, key := range []string{strings.Repeat("k", 256), "clé", "tab\there"} {
			sk.do("POST", apps+app.Slug+"/customers", map[string]any{"email": "bad@example.com"}, idemHeader, key).wantError(400, "bad_request")
			lukittuErr(t, sk.do("POST", team(app), lukittuBodyOf("bad"), idemHeader, key), 400, "BAD_REQUEST")
			lagoErr(t, sk.do("POST", "/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "bad"}}, idemHeader, key),
				400, "invalid_idempotency_key", nil)
		}
		// 255 characters is the longest key.
		sk.do("POST", apps+app.Slug+"/customers", map[string]any{"email": "long@example.com"}, idemHeader, strings.Repeat("k", 255)).want(201)
		if n := e.count(t, app, "CUSTOMER"); n != 1 {
			t.Errorf("%d customers, want 1", n)
		}
	})

	t.Run("validation failures and reads are not kept", func(t *testing.T) {
		app := e.createApp(t, "idem-notkept")
		sk := e.as(t, app.secret)
		sk.do("POST", apps+app.Slug+"/customers", map[string]any{"email": "not-an-email"}, idemHeader, "k").wantError(422, "validation_error", "email")
		c := data[customerJSON](sk.do("POST", apps+app.Slug+"/customers", map[string]any{"email": "fixed@example.com"}, idemHeader, "k").want(201))
		sk.do("GET", apps+app.Slug+"/customers/"+c.ID, nil, idemHeader, "k2").want(200)
		// get-or-create that finds its customer writes nothing.
		sk.do("POST", apps+app.Slug+"/customers/get-or-create", map[string]any{"email": "fixed@example.com"}, idemHeader, "k3").want(200)
		if n := e.records(t, app); n != 1 {
			t.Errorf("%d records, want 1 (the create)", n)
		}
	})

	t.Run("account routes refuse keys", func(t *testing.T) {
		acct := e.as(t, e.accountKey)
		acct.do("POST", "/api/v1/apps", map[string]any{"name": "Never", "slug": "idem-never"}, idemHeader, "k").wantError(400, "bad_request")
		acct.get("/api/v1/apps/idem-never").wantError(404, "not_found")
	})
}

// TestIdempotentRetryAfterLostAnswer: the write succeeds, its answer is lost and the client
// gets 503; the retry under the same key answers the original 201 with the same id, and
// writes no second customer.
func TestIdempotentRetryAfterLostAnswer(t *testing.T) {
	e := newEnv(t)
	app := e.createApp(t, "idem-lost")
	sk := e.as(t, app.secret)
	sk.allow5xx = true
	for _, tc := range []struct{ name, path, key string }{
		{"apps", "/api/v1/apps/idem-lost/customers", "lost-apps"},
		{"lukittu", "/api/v1/dev/teams/" + app.UUID + "/customers", "lost-lukittu"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{"email": tc.name + "@example.com", "username": tc.name, "metadata": []any{}}
			if tc.name == "apps" {
				body = map[string]any{"email": "apps@example.com"}
			}
			e.faults.loseNext("TransactWriteItems", 1)
			lost := sk.do("POST", tc.path, body, idemHeader, tc.key)
			if lost.Status != 503 {
				t.Fatalf("lost answer: %d %s, want 503", lost.Status, lost.Body)
			}
			retry := sk.do("POST", tc.path, body, idemHeader, tc.key).want(201)
			if retry.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("the retry was not a replay: %s", retry.Body)
			}
			var id string
			if tc.name == "apps" {
				id = data[customerJSON](retry).ID
			} else {
				id = "cus_" + lukittuOK[lukittuCustomer](t, retry, 201, "CustomerResponse").ID
			}
			sk.get("/api/v1/apps/idem-lost/customers/" + id).want(200)
		})
	}
	if n := e.count(t, app, "CUSTOMER"); n != 2 {
		t.Errorf("%d customers, want 2 (one per dialect)", n)
	}
	e.checkInvariants(t, app)
}

// TestIdempotencyKeyInFlight: a transaction cancelled because another one held the key's
// record (TransactionConflict, which DynamoDB Local never produces: it is injected) is 409
// idempotency_key_in_use with Retry-After, and writes nothing; the client's retry goes
// through. Without a key the same conflict is retried inside the request.
func TestIdempotencyKeyInFlight(t *testing.T) {
	e := newEnv(t)
	app := e.createApp(t, "idem-busy")
	sk := e.as(t, app.secret)
	path := "/api/v1/apps/idem-busy/customers"

	e.faults.conflictNext("TransactWriteItems", 1)
	r := sk.do("POST", path, map[string]any{"email": "busy@example.com"}, idemHeader, "busy")
	r.wantError(409, "idempotency_key_in_use")
	if r.Header.Get("Retry-After") == "" {
		t.Error("409 in use without Retry-After")
	}
	if n := e.count(t, app, "CUSTOMER") + e.records(t, app); n != 0 {
		t.Errorf("%d customers and records after the 409, want none", n)
	}
	sk.do("POST", path, map[string]any{"email": "busy@example.com"}, idemHeader, "busy").want(201)

	e.faults.conflictNext("TransactWriteItems", 1)
	sk.post(path, map[string]any{"email": "keyless@example.com"}).want(201)
	e.checkInvariants(t, app)
}

// TestIdempotencyKeyExpires: past its 24 hours a key is new again (on the stores' clock,
// moved forward; DynamoDB's TTL deletes the record some time after that).
func TestIdempotencyKeyExpires(t *testing.T) {
	e := newEnv(t)
	app := e.createApp(t, "idem-ttl")
	sk := e.as(t, app.secret)
	path := "/api/v1/dev/teams/" + app.UUID + "/customers"
	body := map[string]any{"username": "daily", "metadata": []any{}}

	first := lukittuOK[lukittuCustomer](t, sk.do("POST", path, body, idemHeader, "daily"), 201, "CustomerResponse")
	e.storeClock.Advance(24*time.Hour - time.Minute)
	again := sk.do("POST", path, body, idemHeader, "daily")
	if again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("within 24 hours: %s, want a replay", again.Body)
	}
	e.storeClock.Advance(2 * time.Minute)
	later := sk.do("POST", path, body, idemHeader, "daily")
	second := lukittuOK[lukittuCustomer](t, later, http.StatusCreated, "CustomerResponse")
	if later.Header.Get("Idempotent-Replayed") != "" || second.ID == first.ID {
		t.Errorf("past 24 hours: %s, want a new customer", later.Body)
	}
	// The key is the new request's now: another body under it is refused.
	lukittuErr(t, sk.do("POST", path, map[string]any{"username": "other", "metadata": []any{}}, idemHeader, "daily"), 422, "BAD_REQUEST")
	if n := e.count(t, app, "CUSTOMER"); n != 2 {
		t.Errorf("%d customers, want 2", n)
	}
	if n := e.records(t, app); n != 1 {
		t.Errorf("%d records, want 1 (the expired one overwritten)", n)
	}
}
