package tenant

import (
	"strings"
	"testing"
)

func TestIsSlug(t *testing.T) {
	tests := map[string]bool{
		"my-app": true, "a": true, "a1": true, strings.Repeat("a", 63): true,
		"": false, "-a": false, "a-": false, "My-App": false, "my_app": false, "my app": false,
		strings.Repeat("a", 64): false, "é": false,
	}
	for s, want := range tests {
		if got := IsSlug(s); got != want {
			t.Errorf("IsSlug(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidateApp(t *testing.T) {
	tests := []struct {
		name   string
		app    App
		fields []string
	}{
		{"valid", App{Slug: "acme", Name: "Acme"}, nil},
		{"normalized slug", App{Slug: "  ACME ", Name: "Acme"}, nil},
		{"missing slug and name", App{}, []string{"slug", "name"}},
		{"bad slug", App{Slug: "a b", Name: "x"}, []string{"slug"}},
		{"long description", App{Slug: "a", Name: "x", Description: strings.Repeat("d", 1001)}, []string{"description"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.app
			a.Normalize()
			err := a.Validate()
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("valid, want errors on %v", tt.fields)
			}
			for _, f := range tt.fields {
				if !strings.Contains(err.Error(), f+":") {
					t.Errorf("no error for %s in %v", f, err)
				}
			}
		})
	}
}
