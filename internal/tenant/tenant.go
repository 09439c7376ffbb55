// Package tenant holds the app: the tenant whose customers Clientele keeps apart from every
// other app's.
package tenant

import (
	"strings"
	"time"

	"github.com/clientele/clientele/internal/customer"
)

// Status of an app. A DELETING app answers nothing and accepts no write while a worker
// purges its data.
type Status string

const (
	Active   Status = "ACTIVE"
	Deleting Status = "DELETING"
)

// App is a tenant. ID is a UUID v4 (also the Lukittu team id); Slug names it in URLs.
type App struct {
	ID            string
	Slug          string
	Name          string
	Description   string
	Status        Status
	CustomerCount int64
	CreatedAt     time.Time
}

// IsSlug reports whether s is 1 to 63 lower-case letters, digits and inner hyphens. (Written
// out rather than as a regexp: package-level regexps are compiled at every cold start.)
func IsSlug(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Normalize trims the text fields and lower-cases the slug.
func (a *App) Normalize() {
	a.Slug = strings.ToLower(strings.TrimSpace(a.Slug))
	a.Name = strings.TrimSpace(a.Name)
	a.Description = strings.TrimSpace(a.Description)
}

// Validate checks a new app: a slug of 1 to 63 lower-case letters, digits and inner hyphens,
// a name of 1 to 255 characters, a description of at most 1000.
func (a App) Validate() error {
	var v customer.ValidationError
	switch {
	case a.Slug == "":
		v.Add("slug", customer.CodeRequired, "is required")
	case !IsSlug(a.Slug):
		v.Add("slug", customer.CodeInvalidFormat, "must be 1 to 63 lower-case letters, digits or inner hyphens")
	}
	switch n := len([]rune(a.Name)); {
	case n == 0:
		v.Add("name", customer.CodeRequired, "is required")
	case n > customer.MaxTextLen:
		v.Add("name", customer.CodeTooLong, "must be at most 255 characters")
	}
	if len([]rune(a.Description)) > 1000 {
		v.Add("description", customer.CodeTooLong, "must be at most 1000 characters")
	}
	return v.Err()
}
