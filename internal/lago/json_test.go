package lago

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/web"
	"github.com/clientele/clientele/internal/web/webtest"
)

func ptr(s string) *string { return &s }

func intPtr(n int) *int { return &n }

func fullCustomer() customerJSON {
	return customerJSON{
		LagoID: webtest.Quoted, ExternalID: webtest.HTMLish, CustomerID: webtest.HTMLish, Name: ptr(webtest.Unicode), Email: ptr(webtest.HTMLish),
		AddressLine1: ptr(webtest.BadUTF8), AddressLine2: ptr(""), City: ptr(webtest.LineSep), State: ptr(webtest.Control),
		Zipcode: ptr("75001"), Country: ptr("FR"), LegalName: ptr(webtest.Quoted), LegalNumber: ptr("1"),
		LogoURL: ptr("https://x.test/?a=1&b=2"), Phone: ptr("+33"), URL: ptr(""),
		Metadata: []metadataJSON{{LagoID: "m", Key: webtest.HTMLish, Value: webtest.BadUTF8, DisplayInInvoice: true, CreatedAt: webtest.LineSep}, {}},
		ShippingAddress: shippingAddress{AddressLine1: ptr(webtest.HTMLish), AddressLine2: ptr(""), City: ptr(webtest.BadUTF8),
			State: ptr(webtest.LineSep), Zipcode: ptr(webtest.Control), Country: ptr("US")},
		CreatedAt: webtest.LineSep, UpdatedAt: webtest.BadUTF8,
	}
}

// wireValues covers every field of every wire type, set and unset, empty and nil. json.Marshal
// of them, which goes by the struct tags, is the reference.
var wireValues = []struct {
	name string
	v    web.Appender
}{
	{"zero customerJSON", customerJSON{}},
	{"customerJSON", fullCustomer()},
	{"customerJSON with empty metadata", customerJSON{LagoID: "1", Metadata: []metadataJSON{}}},
	{"rendered customerJSON", toCustomerJSON(customer.Customer{
		ID: "0193a8d4-6f44-7d4b-9c3e-3f1f6e2a1b2c", ExternalID: webtest.HTMLish, Email: "a@example.com", Name: webtest.HTMLish,
		Metadata:  []customer.Metadata{{Key: "plan<&>", Value: json.RawMessage(`"pro & <b>"`), DisplayInInvoice: true}, {Key: "n", Value: json.RawMessage(`{"a": 1}`)}},
		Address:   customer.Address{Line1: "1 Main St", Country: "US"},
		CreatedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 30, 13, 0, 0, 0, time.FixedZone("x", 3600)),
	})},
	{"rendered empty customerJSON", toCustomerJSON(customer.Customer{})},

	{"zero metadataJSON", metadataJSON{}},
	{"metadataJSON", metadataJSON{LagoID: webtest.Control, Key: webtest.Quoted, Value: webtest.Unicode, DisplayInInvoice: true, CreatedAt: webtest.HTMLish}},
	{"zero shippingAddress", shippingAddress{}},
	{"shippingAddress", fullCustomer().ShippingAddress},

	{"zero customerBody", customerBody{}},
	{"customerBody", customerBody{fullCustomer()}},

	{"zero listJSON", listJSON{}},
	{"listJSON", listJSON{Customers: []customerJSON{fullCustomer(), {}}, Meta: metaJSON{CurrentPage: 2, NextPage: intPtr(3), PrevPage: intPtr(1), TotalPages: 3, TotalCount: 1 << 40}}},
	{"empty listJSON", listJSON{Customers: []customerJSON{}, Meta: metaJSON{CurrentPage: -1, NextPage: intPtr(0), TotalCount: -1 << 63}}},
	{"zero metaJSON", metaJSON{}},

	{"zero errorJSON", errorJSON{}},
	{"errorJSON", errorJSON{Status: 422, Error: "Unprocessable Entity", Code: "validation_errors",
		ErrorDetails: map[string][]string{"email": {"invalid_email_format", webtest.HTMLish}, "<&>": {}, "nil": nil, webtest.LineSep: {webtest.Control}, webtest.BadUTF8: {"x"}}}},
	{"errorJSON of empty details", errorJSON{Status: 404, Error: webtest.HTMLish, ErrorDetails: map[string][]string{}}},
}

func TestAppendJSONWritesWhatJSONMarshalWrites(t *testing.T) {
	for _, tt := range wireValues {
		t.Run(tt.name, func(t *testing.T) { webtest.AppendsAsMarshal(t, tt.v) })
	}
}

// TestAnswersAreAppenders lists every type the routes hand web.JSON: each must write its own
// JSON.
func TestAnswersAreAppenders(t *testing.T) {
	for _, v := range []any{errorJSON{}, customerBody{}, listJSON{}} {
		if _, ok := v.(web.Appender); !ok {
			t.Errorf("%T is not a web.Appender", v)
		}
	}
}

func TestFailWritesTheError(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 413, 429, 500, 503} {
		rec := httptest.NewRecorder()
		Fail(rec, httptest.NewRequest("GET", "/", nil), status)
		if n := rec.Header().Get("Content-Length"); n != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("Fail(%d): Content-Length %s for %d bytes", status, n, rec.Body.Len())
		}
		var e errorJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Status != rec.Code || e.Error == "" {
			t.Errorf("Fail(%d) wrote %d %s (%v)", status, rec.Code, rec.Body, err)
		}
	}
}
