package lago

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/store"
)

// worstList is a list query with every filter at its bound: every country and currency,
// maxListValues states and zipcodes, maxMetadataFilter metadata filters, both account types,
// a customer type, the tax id flag, a long search term and an external id.
func worstList() url.Values {
	q := url.Values{}
	for _, c := range strings.Fields(countryCodes()) {
		q.Add("countries[]", c)
	}
	for _, c := range strings.Fields(strings.ReplaceAll(lagoCurrencies, ",", " ")) {
		q.Add("currencies[]", c)
	}
	for i := range maxListValues {
		q.Add("states[]", fmt.Sprintf("state number %d", i))
		q.Add("zipcodes[]", fmt.Sprintf("%05d", i))
	}
	for i := range maxMetadataFilter {
		q.Set(fmt.Sprintf("metadata[key-%02d]", i), fmt.Sprintf("value %d", i))
	}
	q["account_type[]"] = accountTypes
	q.Set("customer_type", customerTypes[0])
	q.Set("has_tax_identification_number", "true")
	q.Set("search_term", strings.Repeat("é", 255))
	return q
}

func countryCodes() string {
	var codes []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if c := string([]rune{a, b}); customer.IsCountryCode(c) {
				codes = append(codes, c)
			}
		}
	}
	return strings.Join(codes, " ")
}

// TestWorstCaseListFitsOneQuery: every list Lago accepts fits DynamoDB's limits on one
// expression (4 KB, 300 operators, 100 operands of an IN), duplicates and all; one past a
// bound is Lago's 422 for that filter.
func TestWorstCaseListFitsOneQuery(t *testing.T) {
	worst := worstList()
	if n := len(worst["countries[]"]); n != 249 {
		t.Fatalf("%d country codes, want 249", n)
	}
	for _, q := range []url.Values{worst, with(worst, "external_id", "ext-1")} {
		lq, _, _, details := listQuery(q)
		if len(details) > 0 {
			t.Fatalf("the worst case is refused: %v", details)
		}
		if err := lq.Check(); err != nil {
			t.Errorf("the worst case does not fit one query: %v", err)
		}
		lq.Countries = append(lq.Countries, lq.Countries...) // a client that sends each twice
		if err := lq.Check(); err != nil {
			t.Errorf("duplicates do not fit one query: %v", err)
		}
	}
	for _, tt := range []struct {
		name, param string
		value       string
	}{
		{"states", "states[]", "one state more"},
		{"zipcodes", "zipcodes[]", "99999"},
		{"metadata", "metadata[one-more]", "x"},
	} {
		q := with(worst, tt.param, tt.value)
		q[tt.param] = append(worst[tt.param], tt.value)
		_, _, _, details := listQuery(q)
		if got := fmt.Sprint(details[tt.name]); got != "["+codeTooMany+"]" {
			t.Errorf("one %s past the bound: details %v, want %s: [%s]", tt.name, details, tt.name, codeTooMany)
		}
	}
	var many store.ListQuery
	for i := range 2000 {
		many.States = append(many.States, fmt.Sprint("s", i))
	}
	if err := many.Check(); !errors.Is(err, store.ErrFilterTooLarge) {
		t.Errorf("2,000 states: %v, want the store's ErrFilterTooLarge", err)
	}
}

// with is q with one more value of a parameter.
func with(q url.Values, param, value string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	out.Add(param, value)
	return out
}
