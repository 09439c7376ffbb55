package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/customer"
)

// TestListByFieldFilters checks each filter on the fields beyond email and search, alone and
// together, against an oracle over the seeded customers: the rows on a page, the exact total
// (also past the first page and from a cursor), and that a cursor walk sees every match once.
func TestListByFieldFilters(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "field-filters")
	countries := []string{"DE", "FR", "US"}
	var all []customer.Customer
	for i := range 36 {
		c := customer.Customer{
			Email:   fmt.Sprintf("f%02d@example.com", i),
			Address: customer.Address{Country: countries[i%3], State: fmt.Sprint("S", i%4), PostalCode: fmt.Sprint("Z", i%5)},
			Lago:    map[string]json.RawMessage{},
		}
		if i%2 == 0 {
			c.Lago["currency"] = json.RawMessage(`"EUR"`)
		} else if i%3 == 0 {
			c.Lago["currency"] = json.RawMessage(`"USD"`)
		}
		if i%4 == 0 {
			c.Lago["account_type"] = json.RawMessage(`"partner"`)
		}
		if i%6 == 0 {
			c.Metadata = []customer.Metadata{{Key: "plan", Value: json.RawMessage(`"Gold Annual"`)}}
		} else if i%6 == 1 {
			c.Metadata = []customer.Metadata{
				{Key: "plan", Value: json.RawMessage(`"silver"`)},
				{Key: "seats", Value: json.RawMessage(`"5"`)},
			}
		}
		c = mustCreate(t, s, app, c)
		for range i % 3 {
			if _, err := s.CreateLicense(ctx, app, customer.License{CustomerID: c.ID}); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, c)
	}
	licensed, err := s.ListLicenses(ctx, app, all[4].ID)
	if err != nil || len(licensed) != 1 {
		t.Fatalf("licenses of the fifth customer: %v %v", licensed, err)
	}
	licenses := func(c customer.Customer) int64 {
		return int64(slices.IndexFunc(all, func(o customer.Customer) bool { return o.ID == c.ID }) % 3)
	}
	lago := func(c customer.Customer, f string) string {
		var v string
		_ = json.Unmarshal(c.Lago[f], &v)
		return v
	}
	meta := func(c customer.Customer, k string) (string, bool) {
		i := slices.IndexFunc(c.Metadata, func(m customer.Metadata) bool { return m.Key == k })
		if i < 0 {
			return "", false
		}
		return c.Metadata[i].Text(), true
	}
	yes, no := true, false
	tests := []struct {
		name  string
		q     ListQuery
		match func(c customer.Customer) bool
	}{
		{"countries", ListQuery{Countries: []string{"DE", "US"}},
			func(c customer.Customer) bool { return c.Address.Country != "FR" }},
		{"states", ListQuery{States: []string{"S1"}}, func(c customer.Customer) bool { return c.Address.State == "S1" }},
		{"postal codes", ListQuery{PostalCodes: []string{"Z0", "Z4"}}, func(c customer.Customer) bool {
			return c.Address.PostalCode == "Z0" || c.Address.PostalCode == "Z4"
		}},
		{"metadata exact", ListQuery{Metadata: []MetadataMatch{{Key: "plan", Value: "silver"}}},
			func(c customer.Customer) bool { v, _ := meta(c, "plan"); return v == "silver" }},
		{"metadata exact is case-sensitive", ListQuery{Metadata: []MetadataMatch{{Key: "plan", Value: "Silver"}}},
			func(customer.Customer) bool { return false }},
		{"metadata absent", ListQuery{Metadata: []MetadataMatch{{Key: "seats"}}},
			func(c customer.Customer) bool { _, ok := meta(c, "seats"); return !ok }},
		{"metadata pairs together",
			ListQuery{Metadata: []MetadataMatch{{Key: "plan", Value: "silver"}, {Key: "seats", Value: "5"}}},
			func(c customer.Customer) bool { _, ok := meta(c, "seats"); return ok }},
		{"metadata contains in any case",
			ListQuery{Metadata: []MetadataMatch{{Key: "plan", Value: "gOLD", Contains: true}}},
			func(c customer.Customer) bool {
				v, _ := meta(c, "plan")
				return strings.Contains(strings.ToLower(v), "gold")
			}},
		{"license count between", ListQuery{LicenseCount: &CountRange{Min: 1, Max: 2}},
			func(c customer.Customer) bool { return licenses(c) >= 1 }},
		{"license count equals 0", ListQuery{LicenseCount: &CountRange{Min: 0, Max: 0}},
			func(c customer.Customer) bool { return licenses(c) == 0 }},
		{"lago field any of", ListQuery{Lago: []FieldMatch{{Field: "currency", AnyOf: []string{"USD", "GBP"}}}},
			func(c customer.Customer) bool { return lago(c, "currency") == "USD" }},
		{"lago field with a default",
			ListQuery{Lago: []FieldMatch{{Field: "account_type", AnyOf: []string{"customer"}, Default: "customer"}}},
			func(c customer.Customer) bool { return lago(c, "account_type") != "partner" }},
		{"lago field present", ListQuery{Lago: []FieldMatch{{Field: "currency", Present: &yes}}},
			func(c customer.Customer) bool { return lago(c, "currency") != "" }},
		{"lago field absent", ListQuery{Lago: []FieldMatch{{Field: "currency", Present: &no}}},
			func(c customer.Customer) bool { return lago(c, "currency") == "" }},
		{"license id", ListQuery{LicenseID: licensed[0].ID}, func(c customer.Customer) bool { return c.ID == all[4].ID }},
		{"license id and a filter it fails", ListQuery{LicenseID: licensed[0].ID, Countries: []string{"US"}},
			func(customer.Customer) bool { return false }},
		{"everything together", ListQuery{
			Countries:    []string{"DE", "FR"},
			Lago:         []FieldMatch{{Field: "currency", AnyOf: []string{"EUR"}}},
			LicenseCount: &CountRange{Min: 0, Max: 1},
		}, func(c customer.Customer) bool {
			return c.Address.Country != "US" && lago(c, "currency") == "EUR" && licenses(c) <= 1
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, c := range slices.Backward(all) { // newest first
				if tt.match(c) {
					want = append(want, c.ID)
				}
			}
			for _, limit := range []int{100, 4} {
				q := tt.q
				q.Limit = limit
				page, err := s.ListCustomers(ctx, app, q)
				if err != nil {
					t.Fatal(err)
				}
				if page.Total != int64(len(want)) {
					t.Errorf("limit %d: total %d, want %d", limit, page.Total, len(want))
				}
				var got []string
				for {
					for _, c := range page.Customers {
						got = append(got, c.ID)
					}
					if page.NextCursor == "" {
						break
					}
					q.Cursor = page.NextCursor
					if page, err = s.ListCustomers(ctx, app, q); err != nil {
						t.Fatal(err)
					}
					if page.Total != int64(len(want)) {
						t.Errorf("limit %d, a cursor page: total %d, want %d", limit, page.Total, len(want))
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("limit %d: %d customers, want %d in order", limit, len(got), len(want))
				}
				if q := tt.q; len(want) > 4 {
					q.Limit, q.Page = 4, 2
					page, err := s.ListCustomers(ctx, app, q)
					if err != nil || page.Total != int64(len(want)) ||
						len(page.Customers) != min(4, len(want)-4) || page.Customers[0].ID != want[4] {
						t.Errorf("page 2: %v, total %d, %d rows", err, page.Total, len(page.Customers))
					}
				}
			}
		})
	}
}
