package lukittu_test

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

// TestListOrders: each sortColumn orders the list by its own field, either way: three
// customers whose creation, update and email orders all differ.
func TestListOrders(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lk-orders")
	base := "/api/v1/dev/teams/" + app.UUID + "/customers"
	sk := e.As(t, app.Secret)
	ids := map[string]string{}
	for _, email := range []string{"carol@example.com", "alice@example.com", "bob@example.com"} {
		ids[email] = wantOK[customerJSON](t, sk.Post(base, M{"email": email, "metadata": []any{}}), 201, "").ID
	}
	for _, email := range []string{"alice@example.com", "carol@example.com"} {
		wantOK[customerJSON](t, sk.Put(base+"/"+ids[email], M{"email": email, "username": "later", "metadata": []any{}}),
			200, "")
	}
	order := func(want ...string) func(*testing.T, *apitest.Response) {
		return ok("", func(t *testing.T, l listJSON) {
			var got []string
			for _, c := range l.customers(t) {
				got = append(got, str(c.Email))
			}
			if !slices.Equal(got, want) {
				t.Errorf("order %q, want %q", got, want)
			}
		})
	}
	const carol, alice, bob = "carol@example.com", "alice@example.com", "bob@example.com"
	apitest.Run(t, e, []apitest.Row{
		{Name: "createdAt asc", Key: app.Secret, Method: "GET", Path: base + "?sortColumn=createdAt&sortDirection=asc",
			Status: 200, Check: order(carol, alice, bob)},
		{Name: "updatedAt asc", Key: app.Secret, Method: "GET", Path: base + "?sortColumn=updatedAt&sortDirection=asc",
			Status: 200, Check: order(bob, alice, carol)},
		{Name: "updatedAt desc", Key: app.Secret, Method: "GET", Path: base + "?sortColumn=updatedAt&sortDirection=desc",
			Status: 200, Check: order(carol, alice, bob)},
		{Name: "email asc", Key: app.Secret, Method: "GET", Path: base + "?sortColumn=email&sortDirection=asc",
			Status: 200, Check: order(alice, bob, carol)},
		{Name: "email desc", Key: app.Secret, Method: "GET", Path: base + "?sortColumn=email&sortDirection=desc",
			Status: 200, Check: order(carol, bob, alice)},
	})
}

// TestListFilters checks the list's parameters: metadata, licenseId, the license count in
// each mode, the search over the Discord id, exact totals, the 400s, and the customers
// still valid against the contract's schema.
func TestListFilters(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "lk-filters")
	sk := e.As(t, app.Secret)
	base := "/api/v1/dev/teams/" + app.UUID + "/customers"
	type seeded struct {
		id, username, tier string
		licenses           int
		license            string
	}
	var seeds []seeded
	for i := range 14 {
		s := seeded{username: fmt.Sprintf("lk%02d", i), licenses: i % 4}
		md := []M{}
		if i%3 == 0 {
			s.tier = []string{"Gold Plus", "silver", "GOLDEN"}[i%9/3]
			md = append(md, M{"key": "tier", "value": s.tier, "locked": false})
		}
		body := M{"username": s.username, "metadata": md}
		if i == 5 {
			body["discordId"] = "123456789012345678"
		}
		s.id = wantOK[customerJSON](t, sk.Post(base, body), 201, "CustomerResponse").ID
		for range s.licenses {
			s.license = strings.TrimPrefix(e.CreateLicense(t, app.Secret, app.Slug, s.id).ID, "lic_")
		}
		seeds = append(seeds, s)
	}
	count := func(lo, hi, mode string) url.Values {
		q := url.Values{"licenseCountMin": {lo}, "licenseCountComparisonMode": {mode}}
		if hi != "" {
			q.Set("licenseCountMax", hi)
		}
		return q
	}
	none := func(seeded) bool { return false }
	for _, tc := range []struct {
		name  string
		q     url.Values
		match func(s seeded) bool
	}{
		{"metadata, value contained in any case", url.Values{"metadataKey": {"tier"}, "metadataValue": {"gold"}},
			func(s seeded) bool { return strings.Contains(strings.ToLower(s.tier), "gold") }},
		{"metadata, key exact", url.Values{"metadataKey": {"TIER"}, "metadataValue": {"gold"}}, none},
		{"licenseId", url.Values{"licenseId": {seeds[6].license}}, func(s seeded) bool { return s.id == seeds[6].id }},
		{"licenseId of no license", url.Values{"licenseId": {"00000000-0000-4000-8000-000000000000"}}, none},
		{"license count between", count("1", "2", "between"),
			func(s seeded) bool { return s.licenses >= 1 && s.licenses <= 2 }},
		{"license count equals", count("3", "", "equals"), func(s seeded) bool { return s.licenses == 3 }},
		{"license count greater", count("1", "", "greater"), func(s seeded) bool { return s.licenses > 1 }},
		{"license count less", count("1", "", "less"), func(s seeded) bool { return s.licenses < 1 }},
		{"license count less than 0", count("0", "", "less"), none},
		{"search over the Discord id", url.Values{"search": {"4567890123"}},
			func(s seeded) bool { return s.username == "lk05" }},
		{"filters together", url.Values{"metadataKey": {"tier"}, "metadataValue": {"L"}, "licenseCountMin": {"0"},
			"licenseCountComparisonMode": {"greater"}},
			func(s seeded) bool { return strings.Contains(strings.ToLower(s.tier), "l") && s.licenses > 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := map[string]bool{}
			for _, s := range seeds {
				if tc.match(s) {
					want[s.id] = true
				}
			}
			for _, sorted := range []string{"createdAt", "username"} {
				q := maps.Clone(tc.q)
				q.Set("pageSize", "10")
				q.Set("sortColumn", sorted)
				got := map[string]bool{}
				for page := 1; ; page++ {
					q.Set("page", fmt.Sprint(page))
					l := wantOK[listJSON](t, sk.Get(base+"?"+q.Encode()), 200, "")
					if l.TotalResults != int64(len(want)) {
						t.Fatalf("sorted by %s, page %d: totalResults %d, want %d", sorted, page, l.TotalResults,
							len(want))
					}
					for _, raw := range l.Customers {
						wantSchema(t, "CustomerData", raw)
						var c customerJSON
						_ = json.Unmarshal(raw, &c)
						got[c.ID] = true
					}
					if !l.HasNextPage {
						break
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("sorted by %s: got %v, want %v", sorted, got, want)
				}
			}
		})
	}

	t.Run("bad parameters are 400", func(t *testing.T) {
		var rows []apitest.Row
		for _, q := range []url.Values{
			{"metadataKey": {"tier"}},
			{"metadataValue": {"gold"}},
			{"metadataKey": {strings.Repeat("k", 256)}, "metadataValue": {"v"}},
			count("-1", "", "equals"),
			count("x", "", "equals"),
			count("1", "", "around"),
			{"licenseCountMin": {"1"}},
			count("2", "1", "between"),
		} {
			rows = append(rows, apitest.Row{Name: q.Encode()[:min(60, len(q.Encode()))], Key: app.Secret,
				Method: "GET", Path: base + "?" + q.Encode(), Status: 400, Check: lkError("BAD_REQUEST")})
		}
		apitest.Run(t, e, append(rows, apitest.Row{Name: "licenseId=not-a-uuid", Key: app.Secret, Method: "GET",
			Path: base + "?licenseId=not-a-uuid", Status: 400, Check: func(t *testing.T, r *apitest.Response) {
				if b := errorOf(t, r, "BAD_REQUEST"); b.Result.Details != "Invalid licenseId format" {
					t.Errorf("licenseId: %q", b.Result.Details)
				}
			}}))
	})
}
