package lukittu

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

func fullCustomer() customerJSON {
	return customerJSON{
		ID: webtest.Quoted, Email: ptr(webtest.HTMLish), FullName: ptr(webtest.Unicode), Username: ptr(webtest.Control),
		Metadata: []metadataJSON{{Key: webtest.HTMLish, Value: webtest.BadUTF8, Locked: true}, {}, {Key: webtest.LineSep, Value: webtest.Quoted}},
		Address: &addressJSON{Street: ptr(webtest.HTMLish), Line1: ptr(webtest.HTMLish), Line2: ptr(""), City: ptr(webtest.BadUTF8),
			State: ptr(webtest.LineSep), Country: ptr("US"), PostalCode: ptr(webtest.Control)},
		DiscordAccount: &struct{}{}, TeamID: webtest.HTMLish, CreatedByUserID: nilUUID, CreatedAt: webtest.LineSep, UpdatedAt: webtest.BadUTF8,
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
	{"customerJSON with empty metadata and address", customerJSON{ID: "1", Metadata: []metadataJSON{}, Address: &addressJSON{}}},
	{"rendered customerJSON", toCustomerJSON(webtest.HTMLish, customer.Customer{
		ID: "0193a8d4-6f44-7d4b-9c3e-3f1f6e2a1b2c", Email: "a@example.com", Name: webtest.HTMLish, Username: webtest.BadUTF8,
		Metadata:  []customer.Metadata{{Key: "plan<&>", Value: json.RawMessage(`"pro & <b>"`), Locked: true}, {Key: "n", Value: json.RawMessage(`{"a": 1}`)}},
		Address:   customer.Address{Line1: "1 Main St", Country: "US"},
		CreatedAt: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 30, 13, 0, 0, 0, time.FixedZone("x", 3600)),
	})},
	{"rendered empty customerJSON", toCustomerJSON("", customer.Customer{})},

	{"zero metadataJSON", metadataJSON{}},
	{"metadataJSON", metadataJSON{Key: webtest.Quoted, Value: webtest.Unicode, Locked: true}},
	{"nil addressJSON", (*addressJSON)(nil)},
	{"zero addressJSON", &addressJSON{}},
	{"addressJSON", fullCustomer().Address},

	{"zero listJSON", listJSON{}},
	{"listJSON", listJSON{Customers: []customerJSON{fullCustomer(), {}}, TotalResults: -1 << 63, HasNextPage: true}},
	{"empty listJSON", listJSON{Customers: []customerJSON{}, TotalResults: 1<<63 - 1}},

	{"zero deletedJSON", deletedJSON{}},
	{"deletedJSON", deletedJSON{CustomerID: webtest.HTMLish, Deleted: true}},

	{"zero result", result{}},
	{"result", result{Timestamp: webtest.LineSep, Valid: true, Details: webtest.HTMLish, Code: webtest.BadUTF8}},

	{"zero envelope", envelope{}},
	{"envelope of a customer", envelope{Data: fullCustomer(), Result: result{Timestamp: "t", Valid: true, Details: "Customer found"}}},
	{"envelope of a page", envelope{Data: listJSON{Customers: []customerJSON{{ID: "1"}}}, Result: result{Details: webtest.Quoted}}},
	{"envelope of a deletion", envelope{Data: deletedJSON{CustomerID: "1", Deleted: true}}},
	{"envelope of an error", envelope{Result: result{Timestamp: "t", Details: "Not found", Code: "NOT_FOUND"}}},
	{"envelope of a nil address", envelope{Data: (*addressJSON)(nil)}},
	{"envelope of another type", envelope{Data: map[string]any{"s": webtest.HTMLish, "n": 1.5, "l": []string{webtest.Quoted}}}},
}

func TestAppendJSONWritesWhatJSONMarshalWrites(t *testing.T) {
	for _, tt := range wireValues {
		t.Run(tt.name, func(t *testing.T) { webtest.AppendsAsMarshal(t, tt.v) })
	}
}

// TestAnswersAreAppenders lists every type the routes hand web.JSON, and every type they
// put in an envelope: each must write its own JSON.
func TestAnswersAreAppenders(t *testing.T) {
	for _, v := range []any{envelope{}, customerJSON{}, listJSON{}, deletedJSON{}} {
		if _, ok := v.(web.Appender); !ok {
			t.Errorf("%T is not a web.Appender", v)
		}
	}
}

func TestFailWritesTheEnvelope(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 413, 429, 500, 503} {
		rec := httptest.NewRecorder()
		Fail(rec, httptest.NewRequest("GET", "/", nil), status)
		if rec.Code != status {
			t.Errorf("Fail(%d) answered %d", status, rec.Code)
		}
		if n := rec.Header().Get("Content-Length"); n != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("Fail(%d): Content-Length %s for %d bytes", status, n, rec.Body.Len())
		}
		var e struct {
			Data   *struct{}
			Result *result
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Data != nil || e.Result == nil || e.Result.Valid || e.Result.Code == "" {
			t.Errorf("Fail(%d) wrote %s (%v)", status, rec.Body, err)
		}
	}
}
