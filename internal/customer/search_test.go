package customer

import "testing"

func TestSearchTextFoldsCaseAndNormalizes(t *testing.T) {
	tests := []struct{ a, b string }{
		{"JOSÉ", "josé"},
		{"jose\u0301", "josé"},
		{"JOSE\u0301", "jos\u00e9"},
		{"STRASSE", "straße"},
		{"ΣΊΣΥΦΟΣ", "σίσυφος"},
		{"\u212a", "k"}, // the Kelvin sign
	}
	for _, tt := range tests {
		if a, b := SearchText(tt.a), SearchText(tt.b); a != b {
			t.Errorf("SearchText(%q) = %q, SearchText(%q) = %q: want one text", tt.a, a, tt.b, b)
		}
	}
	if a, b := SearchText("jose"), SearchText("josé"); a == b {
		t.Errorf("jose and josé fold to one text %q", a)
	}
}

func TestCountryCodeOfCodesAndNames(t *testing.T) {
	tests := []struct{ text, want string }{
		{"FI", "FI"}, {"fi", "FI"}, {"Finland", "FI"}, {"FINLAND", "FI"}, {" finland ", "FI"},
		{"Côte d’Ivoire", "CI"}, {"Cote d'Ivoire", "CI"}, {"Ivory Coast", "CI"},
		{"Antigua & Barbuda", "AG"}, {"Antigua and Barbuda", "AG"}, {"United States", "US"},
		{"United States of America", "US"}, {"Türkiye", "TR"}, {"Turkey", "TR"}, {"Åland Islands", "AX"},
		{"Aland Islands", "AX"}, {"Atlantis", ""}, {"XX", ""}, {"", ""}, {"Fin", ""},
	}
	for _, tt := range tests {
		if got := CountryCode(tt.text); got != tt.want {
			t.Errorf("CountryCode(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if len(countryNames) != 249 {
		t.Errorf("%d country names, want one for each of the 249 codes", len(countryNames))
	}
	for code := range countryNames {
		if !IsCountryCode(code) || CountryCode(countryNames[code]) != code {
			t.Errorf("%s (%s) does not name itself", code, countryNames[code])
		}
	}
}
