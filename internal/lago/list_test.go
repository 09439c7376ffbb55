package lago_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

// filterSeed is a customer of TestListFilters, as made.
type filterSeed struct {
	ext, country, state, zip, currency, ctype, account, taxID string
	meta                                                      map[string]string
}

// seedFilters makes the 105 customers of TestListFilters, whose fields cycle through a few
// values each.
func seedFilters(t *testing.T, sk *apitest.Caller) []filterSeed {
	t.Helper()
	var seeds []filterSeed
	for i := range 105 {
		s := filterSeed{ext: fmt.Sprintf("f-%03d", i), country: []string{"US", "FR", "DE"}[i%3],
			state: []string{"CA", "NY"}[i%2], zip: fmt.Sprint(10000 + i%4),
			currency: []string{"USD", "EUR", "", "GBP", "EUR"}[i%5], ctype: []string{"company", "individual", ""}[i%3],
			account: []string{"customer", "partner", "", ""}[i%4], meta: map[string]string{}}
		if i%7 == 0 {
			s.taxID = fmt.Sprint("TAX-", i)
		}
		if i%2 == 0 {
			s.meta["plan"] = []string{"pro", "free"}[i%4/2]
		}
		if i%5 == 0 {
			s.meta["region"] = "eu"
		}
		fields := M{"external_id": s.ext, "country": s.country, "state": s.state, "zipcode": s.zip}
		for k, v := range map[string]string{"currency": s.currency, "customer_type": s.ctype,
			"account_type": s.account, "tax_identification_number": s.taxID} {
			if v != "" {
				fields[k] = v
			}
		}
		var md []M
		for k, v := range s.meta {
			md = append(md, M{"key": k, "value": v})
		}
		fields["metadata"] = md
		wantCustomer(t, sk.Post(customers, upsert(fields)))
		seeds = append(seeds, s)
	}
	return seeds
}

// TestListFilters seeds an app and checks each of Lago's list filters alone and combined,
// with the totals, the default page of 100 and the 422s of bad filter values.
func TestListFilters(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lg-filters")
	sk := e.As(t, app.Secret)
	seeds := seedFilters(t, sk)
	get := func(t *testing.T, q url.Values) listJSON {
		t.Helper()
		var l listJSON
		sk.Get(customers + "?" + q.Encode()).Want(200).Into(&l)
		return l
	}

	t.Run("the default page is 100", func(t *testing.T) {
		l := get(t, url.Values{})
		if m := l.Meta; len(l.Customers) != 100 || m.TotalCount != 105 || m.TotalPages != 2 || m.NextPage == nil ||
			*m.NextPage != 2 {
			t.Errorf("%d customers, meta %+v", len(l.Customers), l.Meta)
		}
	})

	has := func(s string) bool { return s != "" }
	for _, tc := range []struct {
		name  string
		q     url.Values
		match func(s filterSeed) bool
	}{
		{"countries[]", url.Values{"countries[]": {"US", "de"}}, func(s filterSeed) bool { return s.country != "FR" }},
		{"states[]", url.Values{"states[]": {"NY"}}, func(s filterSeed) bool { return s.state == "NY" }},
		{"zipcodes[]", url.Values{"zipcodes[]": {"10001", "10003"}},
			func(s filterSeed) bool { return s.zip == "10001" || s.zip == "10003" }},
		{"currencies[]", url.Values{"currencies[]": {"EUR"}}, func(s filterSeed) bool { return s.currency == "EUR" }},
		{"customer_type", url.Values{"customer_type": {"individual"}},
			func(s filterSeed) bool { return s.ctype == "individual" }},
		{"has_customer_type=true", url.Values{"has_customer_type": {"true"}},
			func(s filterSeed) bool { return has(s.ctype) }},
		{"has_customer_type=false", url.Values{"has_customer_type": {"false"}},
			func(s filterSeed) bool { return !has(s.ctype) }},
		{"has_tax_identification_number=true", url.Values{"has_tax_identification_number": {"true"}},
			func(s filterSeed) bool { return has(s.taxID) }},
		{"has_tax_identification_number=false", url.Values{"has_tax_identification_number": {"false"}},
			func(s filterSeed) bool { return !has(s.taxID) }},
		{"account_type[] customer (the default)", url.Values{"account_type[]": {"customer"}},
			func(s filterSeed) bool { return s.account != "partner" }},
		{"account_type[] partner", url.Values{"account_type[]": {"partner"}},
			func(s filterSeed) bool { return s.account == "partner" }},
		{"metadata[key]=value", url.Values{"metadata[plan]": {"pro"}},
			func(s filterSeed) bool { return s.meta["plan"] == "pro" }},
		{"metadata, every pair", url.Values{"metadata[plan]": {"pro"}, "metadata[region]": {"eu"}},
			func(s filterSeed) bool { return s.meta["plan"] == "pro" && s.meta["region"] == "eu" }},
		{"metadata[key]= (absent)", url.Values{"metadata[plan]": {""}},
			func(s filterSeed) bool { _, ok := s.meta["plan"]; return !ok }},
		{"external_id", url.Values{"external_id": {"f-007"}}, func(s filterSeed) bool { return s.ext == "f-007" }},
		{"combined", url.Values{"countries[]": {"US"}, "currencies[]": {"USD", "EUR"}, "has_customer_type": {"true"},
			"metadata[region]": {"eu"}}, func(s filterSeed) bool {
			return s.country == "US" && (s.currency == "USD" || s.currency == "EUR") && has(s.ctype) &&
				s.meta["region"] == "eu"
		}},
		{"combined with a search", url.Values{"search_term": {"f-01"}, "states[]": {"CA"}},
			func(s filterSeed) bool { return strings.HasPrefix(s.ext, "f-01") && s.state == "CA" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []string
			for _, s := range slices.Backward(seeds) {
				if tc.match(s) {
					want = append(want, s.ext)
				}
			}
			q := maps.Clone(tc.q)
			q.Set("per_page", "7")
			var got []string
			for page := 1; ; page++ {
				q.Set("page", fmt.Sprint(page))
				l := get(t, q)
				if l.Meta.TotalCount != int64(len(want)) {
					t.Fatalf("page %d: total_count %d, want %d", page, l.Meta.TotalCount, len(want))
				}
				for _, c := range l.Customers {
					got = append(got, c.ExternalID)
				}
				if l.Meta.NextPage == nil {
					break
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %d customers %v\nwant %d %v", len(got), got, len(want), want)
			}
		})
	}

	t.Run("an empty value is a value", func(t *testing.T) {
		if l := get(t, url.Values{"states[]": {""}}); l.Meta.TotalCount != 0 {
			t.Errorf("states[]= matched %d customers", l.Meta.TotalCount)
		}
	})

	t.Run("bad filter values are 422", func(t *testing.T) {
		states := make([]string, 2000)
		for i := range states {
			states[i] = fmt.Sprint("state-", i)
		}
		var rows []apitest.Row
		for _, tc := range []struct {
			q     url.Values
			field string
		}{
			{url.Values{"countries[]": {"US", "XX"}}, "countries"},
			{url.Values{"currencies[]": {"XYZ"}}, "currencies"},
			{url.Values{"customer_type": {"person"}}, "customer_type"},
			{url.Values{"has_customer_type": {"yes"}}, "has_customer_type"},
			{url.Values{"has_customer_type": {"false"}, "customer_type": {"company"}}, "customer_type"},
			{url.Values{"account_type[]": {"reseller"}}, "account_type"},
			{url.Values{"states[]": states}, "states"}, // past the 100 distinct values Lago's lists take
		} {
			rows = append(rows, apitest.Row{Name: tc.field + ": " + tc.q.Encode()[:min(40, len(tc.q.Encode()))],
				Key: app.Secret, Method: "GET", Path: customers + "?" + tc.q.Encode(), Status: 422,
				Check: func(t *testing.T, r *apitest.Response) {
					var b struct {
						Code         string                     `json:"code"`
						ErrorDetails map[string]json.RawMessage `json:"error_details"`
					}
					r.Into(&b)
					if b.Code != "validation_errors" || b.ErrorDetails[tc.field] == nil {
						t.Errorf("%v: %s, want validation_errors for %s", tc.q, r.Body, tc.field)
					}
				}})
		}
		apitest.Run(t, e, rows)
	})
}
