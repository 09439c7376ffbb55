package lago

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/web"
)

// Strings that encoding/json escapes, or that are easy to get wrong.
const (
	quoted  = "say \"hi\" \\ back/slash"
	control = "tab\there\nnew\rline\x00\x01\x1f\x7f\b\f"
	htmlish = "<script>a && b</script>"
	lineSep = "a\u2028b\u2029c"
	badUTF8 = "bad \xff\xfe utf-8 \xc3"
	unicode = "Zoë O'Brien — 日本語 🙂"
)

func ptr(s string) *string { return &s }

func intPtr(n int) *int { return &n }

func fullCustomer() customerJSON {
	return customerJSON{
		LagoID: quoted, ExternalID: htmlish, CustomerID: htmlish, Name: ptr(unicode), Email: ptr(htmlish),
		AddressLine1: ptr(badUTF8), AddressLine2: ptr(""), City: ptr(lineSep), State: ptr(control),
		Zipcode: ptr("75001"), Country: ptr("FR"), LegalName: ptr(quoted), LegalNumber: ptr("1"),
		LogoURL: ptr("https://x.test/?a=1&b=2"), Phone: ptr("+33"), URL: ptr(""),
		Metadata: []metadataJSON{{LagoID: "m", Key: htmlish, Value: badUTF8, DisplayInInvoice: true, CreatedAt: lineSep}, {}},
		ShippingAddress: shippingAddress{AddressLine1: ptr(htmlish), AddressLine2: ptr(""), City: ptr(badUTF8),
			State: ptr(lineSep), Zipcode: ptr(control), Country: ptr("US")},
		CreatedAt: lineSep, UpdatedAt: badUTF8,
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
		ID: "0193a8d4-6f44-7d4b-9c3e-3f1f6e2a1b2c", ExternalID: htmlish, Email: "a@example.com", Name: htmlish,
		Metadata:  []customer.Metadata{{Key: "plan<&>", Value: json.RawMessage(`"pro & <b>"`), DisplayInInvoice: true}, {Key: "n", Value: json.RawMessage(`{"a": 1}`)}},
		Address:   customer.Address{Line1: "1 Main St", Country: "US"},
		CreatedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 30, 13, 0, 0, 0, time.FixedZone("x", 3600)),
	})},
	{"rendered empty customerJSON", toCustomerJSON(customer.Customer{})},

	{"zero metadataJSON", metadataJSON{}},
	{"metadataJSON", metadataJSON{LagoID: control, Key: quoted, Value: unicode, DisplayInInvoice: true, CreatedAt: htmlish}},
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
		ErrorDetails: map[string][]string{"email": {"invalid_email_format", htmlish}, "<&>": {}, "nil": nil, lineSep: {control}, badUTF8: {"x"}}}},
	{"errorJSON of empty details", errorJSON{Status: 404, Error: htmlish, ErrorDetails: map[string][]string{}}},
}

func TestAppendJSONWritesWhatJSONMarshalWrites(t *testing.T) {
	for _, tt := range wireValues {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.v.AppendJSON(nil); string(got) != string(want) {
				t.Errorf("AppendJSON wrote\n%s\njson.Marshal writes\n%s", got, want)
			}
			if got := tt.v.AppendJSON([]byte("prefix{")); string(got) != "prefix{"+string(want) {
				t.Errorf("AppendJSON after a prefix wrote\n%s\nwant prefix{%s", got, want)
			}
		})
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
