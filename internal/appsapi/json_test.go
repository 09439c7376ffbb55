package appsapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/tenant"
	"github.com/clientele/clientele/internal/web"
	"github.com/clientele/clientele/internal/web/webtest"
)

func ptr(s string) *string { return &s }

func fullCustomer() Customer {
	return Customer{
		ID: "cus_" + webtest.Quoted, Email: ptr(webtest.HTMLish), Name: ptr(webtest.Unicode), Username: ptr(webtest.Control),
		ExternalID: ptr(webtest.LineSep), Metadata: json.RawMessage(`{ "a" : [1, 2, {"b": "<&>\u2028"}], "c": null }`),
		Address: &Address{Line1: ptr(webtest.BadUTF8), Line2: ptr(""), City: ptr("Paris"), State: ptr(webtest.HTMLish),
			Country: ptr("FR"), PostalCode: ptr(webtest.LineSep)},
		LegalName: ptr("ACME"), LegalNumber: ptr(webtest.Quoted), LogoURL: ptr("https://x.test/?a=1&b=2"),
		Phone: ptr("+33"), URL: ptr(""), DiscordID: ptr("123"), Version: -1 << 63,
		CreatedAt: "2026-11-30T12:00:00Z", UpdatedAt: webtest.BadUTF8,
	}
}

// wireValues covers every field of every wire type, set and unset, empty and nil. json.Marshal
// of them, which goes by the struct tags, is the reference.
var wireValues = []struct {
	name string
	v    web.Appender
}{
	{"zero Customer", Customer{}},
	{"Customer", fullCustomer()},
	{"Customer with empty address and metadata", Customer{ID: "cus_1", Metadata: json.RawMessage(`{}`), Address: &Address{}, Version: 1 << 62}},
	{"Customer with metadata of spaces and escapes", Customer{Metadata: json.RawMessage("\n{\"k\\u0022\" :\t\"\\u003c<\u2029\" , \"n\": -1.5e10 }\n")}},
	{"Customer with scalar metadata", Customer{Metadata: json.RawMessage(`"<b>"`)}},
	{"rendered Customer", RenderCustomer(customer.Customer{
		ID: "0193a8d4-6f44-7d4b-9c3e-3f1f6e2a1b2c", Email: "a@example.com", Name: webtest.HTMLish,
		Metadata: []customer.Metadata{{Key: "plan<&>", Value: json.RawMessage(`"pro & <b>"`)}, {Key: webtest.BadUTF8, Value: json.RawMessage(`{"n":[1,2]}`)}},
		Address:  customer.Address{Line1: "1 Main St", Country: "US"}, Version: 3,
		CreatedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 30, 13, 0, 0, 0, time.FixedZone("x", 3600)),
	})},
	{"rendered empty Customer", RenderCustomer(customer.Customer{})},
	{"nil Address", (*Address)(nil)},
	{"zero Address", &Address{}},
	{"Address", fullCustomer().Address},

	{"zero licenseJSON", licenseJSON{}},
	{"licenseJSON", licenseJSON{ID: "lic_" + webtest.HTMLish, CustomerID: "cus_" + webtest.Quoted, Status: webtest.Control, ExpiresAt: ptr(webtest.LineSep), CreatedAt: webtest.BadUTF8}},
	{"licenseJSON with empty expiry", licenseJSON{ID: "lic_1", ExpiresAt: ptr("")}},

	{"zero appJSON", appJSON{}},
	{"appJSON", appJSON{ID: "app_1", UUID: webtest.Unicode, Slug: webtest.HTMLish, Name: webtest.Quoted, Description: ptr(webtest.Control), Status: webtest.LineSep, CustomerCount: 1<<63 - 1, CreatedAt: webtest.BadUTF8}},
	{"appJSON with empty description", appJSON{Description: ptr(""), CustomerCount: -5}},

	{"zero keyJSON", keyJSON{}},
	{"keyJSON", keyJSON{ID: "key_1", Type: "secret", Key: ptr(webtest.HTMLish), Hint: webtest.Quoted, CreatedAt: webtest.LineSep}},
	{"keyJSON with empty key", keyJSON{Key: ptr("")}},

	{"nil data", data{}},
	{"data of a Customer", data{fullCustomer()}},
	{"data of a nil Address", data{(*Address)(nil)}},
	{"data of a license", data{licenseJSON{ID: "lic_1"}}},
	{"data of licenses", data{[]licenseJSON{{ID: "lic_1"}, {ExpiresAt: ptr(webtest.HTMLish)}}}},
	{"data of no licenses", data{[]licenseJSON{}}},
	{"data of nil licenses", data{[]licenseJSON(nil)}},
	{"data of an app", data{appJSON{Slug: "s"}}},
	{"data of apps", data{[]appJSON{{Slug: "a"}, {Slug: webtest.HTMLish}}}},
	{"data of nil apps", data{[]appJSON(nil)}},
	{"data of a key", data{keyJSON{Hint: "h"}}},
	{"data of keys", data{[]keyJSON{{Hint: "a"}, {Key: ptr("k")}}}},
	{"data of no keys", data{[]keyJSON{}}},
	{"data of a map", data{map[string]string{"status": "ok", "table": "reachable", "<&>": webtest.BadUTF8, "": ""}}},
	{"data of an empty map", data{map[string]string{}}},
	{"data of a nil map", data{map[string]string(nil)}},
	{"data of another type", data{map[string]any{"n": 1, "s": webtest.HTMLish, "l": []int{1}}}},

	{"zero listJSON", listJSON{}},
	{"listJSON", listJSON{Data: []Customer{fullCustomer(), {}}, Meta: listMeta{Total: 1 << 40, Page: 2, PerPage: 50, NextCursor: ptr(webtest.HTMLish)}}},
	{"empty listJSON", listJSON{Data: []Customer{}, Meta: listMeta{Page: -1, NextCursor: ptr("")}}},
	{"zero listMeta", listMeta{}},

	{"zero errorJSON", errorJSON{}},
	{"errorJSON", errorJSON{Error: problem{Code: "conflict", Message: webtest.HTMLish, ExistingID: "cus_" + webtest.BadUTF8,
		Details: map[string][]string{"email": {"has already been taken", webtest.Quoted}, "<&>": {}, "nil": nil, webtest.LineSep: {webtest.Control}}}}},
	{"errorJSON of empty details", errorJSON{Error: problem{Code: "c", Details: map[string][]string{}}}},
	{"zero problem", problem{}},
	{"problem", problem{Code: "validation_error", Message: "m", Details: map[string][]string{"a": {"b"}}}},
}

func TestAppendJSONWritesWhatJSONMarshalWrites(t *testing.T) {
	for _, tt := range wireValues {
		t.Run(tt.name, func(t *testing.T) { webtest.AppendsAsMarshal(t, tt.v) })
	}
}

// TestAnswersAreAppenders lists every type the routes hand web.JSON: each must write its own
// JSON, as must each type they put in data.
func TestAnswersAreAppenders(t *testing.T) {
	answers := []any{data{}, listJSON{}, errorJSON{}}
	for _, v := range answers {
		if _, ok := v.(web.Appender); !ok {
			t.Errorf("%T is not a web.Appender", v)
		}
	}
	inData := []any{
		RenderCustomer(customer.Customer{}), toLicenseJSON(customer.License{}, time.Time{}), []licenseJSON{},
		toAppJSON(tenant.App{}), []appJSON{}, toKeyJSON(auth.Key{}), []keyJSON{}, map[string]string{},
	}
	for _, v := range inData {
		b := data{v}.AppendJSON(nil)
		want, err := json.Marshal(data{v})
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != string(want) {
			t.Errorf("data{%T} wrote %s, want %s", v, b, want)
		}
	}
}

func TestFailWritesItsProblem(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 413, 429, 500, 503} {
		rec := httptest.NewRecorder()
		Fail(rec, httptest.NewRequest("GET", "/", nil), status)
		if rec.Code != status {
			t.Errorf("Fail(%d) answered %d", status, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("Fail(%d): content type %q", status, ct)
		}
		if n := rec.Header().Get("Content-Length"); n != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("Fail(%d): Content-Length %s for %d bytes", status, n, rec.Body.Len())
		}
		var e struct{ Error *problem }
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == nil || e.Error.Code == "" {
			t.Errorf("Fail(%d) wrote %s (%v)", status, rec.Body, err)
		}
		if status == http.StatusServiceUnavailable && rec.Header().Get("Retry-After") != "1" {
			t.Errorf("Fail(503) without Retry-After")
		}
	}
}

func TestAppendRawKeepsTheAnswerJSON(t *testing.T) {
	tests := []struct {
		name string
		raw  json.RawMessage
		want string
	}{
		{"absent", nil, `null`},
		{"compacted and escaped", json.RawMessage(`{ "a" : "<b>" }`), `{"a":"\u003cb\u003e"}`},
		{"invalid, which json.Marshal refuses", json.RawMessage(`{"a":`), `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(appendRaw([]byte("x"), tt.raw))
			if got != "x"+tt.want {
				t.Errorf("appendRaw(%s) = %s, want x%s", tt.raw, got, tt.want)
			}
		})
	}
}
