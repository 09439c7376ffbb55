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
