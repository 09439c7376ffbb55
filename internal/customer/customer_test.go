package customer

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestValidateReportsEachBadField(t *testing.T) {
	tests := []struct {
		name   string
		c      Customer
		fields []string // fields with errors, empty when valid
	}{
		{"empty customer is valid", Customer{}, nil},
		{"full valid customer", Customer{
			Email: "jane@example.com", Name: "Jane", ExternalID: "cus_1", DiscordID: "123456789012345678",
			Address:  Address{Country: "US", City: "Boston"},
			Metadata: []Metadata{{Key: "plan", Value: json.RawMessage(`"gold"`)}},
		}, nil},
		{"email without domain", Customer{Email: "jane@"}, []string{"email"}},
		{"email without at", Customer{Email: "jane.example.com"}, []string{"email"}},
		{"email with space", Customer{Email: "ja ne@example.com"}, []string{"email"}},
		{"email with single-label domain", Customer{Email: "jane@localhost"}, []string{"email"}},
		{"email too long", Customer{Email: strings.Repeat("a", 60) + "@" + strings.Repeat("b", 200) + ".com"},
			[]string{"email"}},
		{"one-letter country", Customer{Address: Address{Country: "X"}}, []string{"address.country"}},
		{"country past 100 characters", Customer{Address: Address{Country: strings.Repeat("é", 101)}},
			[]string{"address.country"}},
		{"name too long", Customer{Name: strings.Repeat("n", 256)}, []string{"name"}},
		{"name of 255 multibyte runes", Customer{Name: strings.Repeat("é", 255)}, nil},
		{"external id with control character", Customer{ExternalID: "a\nb"}, []string{"external_id"}},
		{"discord id too short", Customer{DiscordID: "1234"}, []string{"discord_id"}},
		{"metadata key missing", Customer{Metadata: []Metadata{{Value: json.RawMessage(`1`)}}}, []string{"metadata"}},
		{"metadata key twice",
			Customer{Metadata: []Metadata{{Key: "a", Value: json.RawMessage(`1`)}, {Key: "a", Value: json.RawMessage(`2`)}}},
			[]string{"metadata"}},
		{"metadata value not JSON", Customer{Metadata: []Metadata{{Key: "a", Value: json.RawMessage(`{`)}}},
			[]string{"metadata"}},
		{"too many metadata entries", Customer{Metadata: manyMetadata(MaxMetadataEntries + 1)}, []string{"metadata"}},
		{"several bad fields", Customer{Email: "x", Address: Address{Country: "Z"}, URL: strings.Repeat("u", MaxURLLen+1)},
			[]string{"email", "url", "address.country"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.Normalize()
			err := c.Validate()
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			ve, ok := err.(*ValidationError)
			if !ok {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if len(ve.Errors) != len(tt.fields) {
				t.Errorf("got %d errors (%v), want %d", len(ve.Errors), ve, len(tt.fields))
			}
			for _, f := range tt.fields {
				if !ve.Has(f) {
					t.Errorf("no error for %s in %v", f, ve)
				}
			}
		})
	}
}

func manyMetadata(n int) []Metadata {
	md := make([]Metadata, n)
	for i := range md {
		md[i] = Metadata{Key: strings.Repeat("k", i+1), Value: json.RawMessage(`true`)}
	}
	return md
}

func TestCountryCodesAnyCase(t *testing.T) {
	for code, want := range map[string]bool{
		"US": true, "us": true, "Gb": true, "UK": false, "": false, "U": false, "ZW": true, "AA": false,
	} {
		if got := IsCountryCode(code); got != want {
			t.Errorf("IsCountryCode(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestNormalizeTrimsAndUppercasesCountry(t *testing.T) {
	c := Customer{
		Email:    "  a@b.co ",
		Address:  Address{Country: " fr "},
		Metadata: []Metadata{{Key: " k ", Value: json.RawMessage(`{ "a" : 1 }`)}},
	}
	c.Normalize()
	if c.Email != "a@b.co" || c.Address.Country != "FR" || c.Metadata[0].Key != "k" ||
		string(c.Metadata[0].Value) != `{"a":1}` {
		t.Errorf("normalized to %+v", c)
	}
}

func TestNewIDIsUUIDv4(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		canon, ok := ParseID(id)
		if !ok || canon != id {
			t.Fatalf("%q is not a canonical UUID", id)
		}
		if id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("%q is not version 4, variant 10", id)
		}
		if seen[id] {
			t.Fatalf("%q generated twice", id)
		}
		seen[id] = true
	}
}

func TestParseID(t *testing.T) {
	tests := map[string]bool{
		"123e4567-e89b-42d3-a456-426614174000": true,
		"123E4567-E89B-42D3-A456-426614174000": true,
		"123e4567e89b42d3a456426614174000":     false,
		"123e4567-e89b-42d3-a456-42661417400g": false,
		"":                                     false,
	}
	for in, want := range tests {
		got, ok := ParseID(in)
		if ok != want || (ok && got != strings.ToLower(in)) {
			t.Errorf("ParseID(%q) = %q, %v", in, got, ok)
		}
	}
}

func TestPatchApply(t *testing.T) {
	base := Customer{Email: "a@example.com", Name: "A", Phone: "1", Address: Address{City: "X", Country: "DE"},
		Metadata: []Metadata{{Key: "k", Value: json.RawMessage(`1`), Locked: true}}}
	tests := []struct {
		name  string
		patch Patch
		want  Customer
	}{
		{"empty patch changes nothing", Patch{}, base},
		{"set fields change", Patch{Name: Some("B"), Address: AddressPatch{Country: Some("fr")}},
			Customer{
				Email:    "a@example.com",
				Name:     "B",
				Phone:    "1",
				Address:  Address{City: "X", Country: "FR"},
				Metadata: base.Metadata,
			}},
		{"set to empty clears", Patch{Phone: Some(""), Metadata: Some([]Metadata(nil))},
			Customer{Email: "a@example.com", Name: "A", Address: base.Address}},
		{"metadata without flags keeps the flags of kept keys",
			Patch{
				Metadata: Some([]Metadata{
					{Key: "k", Value: json.RawMessage(`2`)},
					{Key: "n", Value: json.RawMessage(`3`)},
				}),
				KeepLocked:           true,
				KeepDisplayInInvoice: true,
			},
			func() Customer {
				c := base
				c.Metadata = []Metadata{
					{Key: "k", Value: json.RawMessage(`2`), Locked: true},
					{Key: "n", Value: json.RawMessage(`3`)},
				}
				return c
			}()},
		{"replace writes everything", Replace(Customer{Email: "z@example.com"}), Customer{Email: "z@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.patch.Apply(base)
			if !got.Equal(tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if base.Name != "A" {
		t.Error("Apply modified its argument")
	}
}

func TestLicenseStatusAt(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		l    License
		want LicenseStatus
	}{
		{"forever", License{Status: LicenseActive}, LicenseActive},
		{"not yet expired", License{Status: LicenseActive, ExpiresAt: now.Add(time.Hour)}, LicenseActive},
		{"expired", License{Status: LicenseActive, ExpiresAt: now}, LicenseExpired},
		{"revoked stays revoked", License{Status: LicenseRevoked, ExpiresAt: now.Add(-time.Hour)}, LicenseRevoked},
	}
	for _, tt := range tests {
		if got := tt.l.StatusAt(now); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestMetadataText(t *testing.T) {
	for raw, want := range map[string]string{
		`"gold"`: "gold", `5`: "5", `{"a":1}`: `{"a":1}`, `"say \"hi\""`: `say "hi"`,
	} {
		if got := (Metadata{Key: "k", Value: json.RawMessage(raw)}).Text(); got != want {
			t.Errorf("Text of %s = %q, want %q", raw, got, want)
		}
	}
}

func TestEntryIDIsStablePerCustomerAndKey(t *testing.T) {
	a, b := Metadata{Key: "plan"}.EntryID("c1"), Metadata{Key: "plan", Value: []byte(`"x"`)}.EntryID("c1")
	if a != b || a == (Metadata{Key: "tier"}).EntryID("c1") || a == (Metadata{Key: "plan"}).EntryID("c2") {
		t.Fatalf("derived ids %s %s are not one per customer and key", a, b)
	}
	if _, ok := ParseID(a); !ok {
		t.Errorf("%s is not a UUID", a)
	}
	if got := (Metadata{ID: "given", Key: "plan"}).EntryID("c1"); got != "given" {
		t.Errorf("a given id reads %s", got)
	}
}

func TestPatchMetadataByID(t *testing.T) {
	cur := Customer{ID: "c1", Metadata: []Metadata{
		{Key: "plan", Value: []byte(`"gold"`), Locked: true},
		{ID: "kept-id", Key: "seats", Value: []byte(`"5"`)},
		{Key: "gone", Value: []byte(`"x"`)},
	}}
	planID := cur.Metadata[0].EntryID("c1")
	next := Patch{MetadataByID: true, KeepLocked: true, Metadata: Some([]Metadata{
		{ID: planID, Key: "tier", Value: []byte(`"silver"`)}, // renamed, by id
		{ID: "kept-id", Key: "seats", Value: []byte(`"6"`)},
		{ID: "unknown", Key: "new", Value: []byte(`"y"`)},
	})}.Apply(cur)
	got := map[string]string{}
	for _, m := range next.Metadata {
		got[m.Key] = m.EntryID("c1")
	}
	want := map[string]string{"tier": planID, "seats": "kept-id", "new": (Metadata{Key: "new"}).EntryID("c1")}
	if len(got) != 3 || got["tier"] != want["tier"] || got["seats"] != want["seats"] || got["new"] != want["new"] {
		t.Errorf("entries %v, want %v", got, want)
	}
	if !next.Metadata[0].Locked {
		t.Error("the entry updated by id lost its locked flag")
	}
}
