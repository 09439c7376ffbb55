package appsapi_test

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/auth"
)

// TestThrottlingIsRetriedBySDK: a throttled read and a throttled write are retried by the
// SDK's standard retryer inside one request, and the client sees only the answer.
func TestThrottlingIsRetriedBySDK(t *testing.T) {
	t.Parallel() // the retryer's backoff takes seconds
	e := apitest.New(t)
	app := e.CreateApp(t, "throttled")
	sk := e.As(t, app.Secret)

	e.Faults.ThrottleNext("TransactWriteItems", 1)
	c := apitest.Data[apitest.Customer](sk.Post("/api/v1/apps/throttled/customers", M{"email": "slow@example.com"}).
		Want(201))
	if n := e.Faults.Attempts("TransactWriteItems"); n != 2 {
		t.Errorf("create: %d attempts of TransactWriteItems, want 2 (one throttled, one retried)", n)
	}

	e.Faults.ThrottleNext("BatchGetItem", 2)
	got := apitest.Data[apitest.Customer](sk.Get("/api/v1/apps/throttled/customers/" + c.ID).Want(200))
	if got.ID != c.ID {
		t.Errorf("get: %s, want %s", got.ID, c.ID)
	}
	if n := e.Faults.Attempts("BatchGetItem"); n != 3 {
		t.Errorf("get: %d attempts of BatchGetItem, want 3 (two throttled, one retried)", n)
	}
	e.CheckInvariants(t, app.UUID)
}

// TestLostAnswerAfterWrite: when DynamoDB has done a write but its answer is lost, the client
// gets 503 in its dialect's format, and the write is there whole (customer, guards and
// counter together) or not at all; a retry then sees the customer.
func TestLostAnswerAfterWrite(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lost")
	sk := e.As(t, app.Secret)
	sk.Allow5xx = true
	base := "/api/v1/apps/lost/customers"

	e.Faults.LoseNext("TransactWriteItems", 1)
	body := M{"email": "lost@example.com", "external_id": "ext-lost"}
	wantError(t, sk.Post(base, body), 503, "service_unavailable")
	e.CheckInvariants(t, app.UUID)
	found := apitest.Data[apitest.Customer](sk.Get(base + "/by-email?email=lost@example.com").Want(200))
	if found.ExternalID == nil || *found.ExternalID != "ext-lost" {
		t.Errorf("the created customer: %+v", found)
	}
	if retry := wantError(t, sk.Post(base, body), 409, "conflict", "email"); retry.ExistingID != found.ID {
		t.Errorf("the retry's existing_id %s, want %s", retry.ExistingID, found.ID)
	}

	e.Faults.LoseNext("TransactWriteItems", 1)
	wantError(t, sk.Delete(base+"/"+found.ID), 503, "service_unavailable")
	e.CheckInvariants(t, app.UUID)
	apitest.Run(t, e, []apitest.Row{
		{Name: "the customer is gone", Key: app.Secret, Method: "GET", Path: base + "/" + found.ID, Status: 404,
			Check: apiError("not_found")},
		{Name: "so is its external id", Key: app.Secret, Method: "GET",
			Path: base + "/by-external-id?external_id=ext-lost", Status: 404, Check: apiError("not_found")},
		{Name: "and its count", Key: e.AccountKey, Method: "GET", Path: "/api/v1/apps/lost", Status: 200,
			Check: appCount(0)},
	})
}

// TestTableUnreachable: when DynamoDB fails, health says so (503), the authorizer's failure
// is API Gateway's 500, and no internal error text reaches a client.
func TestTableUnreachable(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, apitest.MissingTable(), apitest.FunctionLog(func(string) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	anon := e.As(t, "")
	anon.Allow5xx = true
	h := anon.Get("/api/health")
	wantError(t, h, 503, "service_unavailable")
	if h.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	key, _ := auth.Generate(auth.Secret)
	keyed := e.As(t, key)
	keyed.Allow5xx = true
	keyed.Get("/api/v1/apps/x/customers").WantGatewayMessage(500, "Internal Server Error")
	for _, r := range []*apitest.Response{keyed.Get("/api/health"), keyed.Get("/api/v1/nope")} {
		if bytes.Contains(r.Body, []byte("missing")) || bytes.Contains(r.Body, []byte("ResourceNotFound")) {
			t.Errorf("%s leaks internal error text: %s", r.Req, r.Body)
		}
	}
}
