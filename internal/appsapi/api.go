// Package appsapi is the native Apps API, whose wire format Blackwalnut's clients speak (see
// docs/apps-api.md): it maps HTTP requests under /api/v1/apps to the store, and the domain
// back to its JSON: {"data": …} envelopes, prefixed ids and {"error": {code, …}} errors.
package appsapi

import (
	"net/http"
	"time"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/web"
)

// Page sizes of lists.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
)

// API serves the Apps API's routes over one store.
type API struct {
	store *store.Store
	now   func() time.Time
}

// New returns the API over a store.
func New(s *store.Store) *API {
	return &API{store: s, now: func() time.Time { return time.Now().UTC() }}
}

type data struct {
	Data any `json:"data"`
}

// okData is the 200 answer with v as its data.
func okData(v any) (idempotency.Answer, error) { return web.JSON(http.StatusOK, data{v}), nil }

// app authenticates the request and resolves the app in its path: auth.ErrNoKey for a
// missing or invalid key, store.ErrAppNotFound for an app the key cannot reach (as if it did
// not exist), auth.ErrReadOnly for a write with a publishable key.
func (a *API) app(r *http.Request, need auth.Need) (appID string, err error) {
	p, err := web.Principal(r)
	if err != nil {
		return "", err
	}
	slug := r.PathValue("slug")
	switch {
	case p.Kind != auth.Account && slug != p.AppSlug:
		return "", store.ErrAppNotFound
	case p.Kind != auth.Account:
		appID = p.AppID
	default:
		// Resolved on every request (one read): a slug is reused after its app is purged,
		// so a per-process cache could send a request to the old app.
		if appID, err = a.store.AppIDBySlug(r.Context(), slug); err != nil {
			return "", about("app", err)
		}
	}
	if err := p.Allow(need); err != nil {
		return "", err
	}
	return appID, nil
}

// appAndID is app for the routes that name one record in their path: an id that cannot be
// one of record's (with or without its prefix) is not found, like an absent record.
func (a *API) appAndID(r *http.Request, need auth.Need, prefix, record string) (appID, id string, err error) {
	if appID, err = a.app(r, need); err != nil {
		return "", "", err
	}
	id, found := parseID(prefix, r.PathValue("id"))
	if !found {
		return "", "", about(record, store.ErrNotFound)
	}
	return appID, id, nil
}

// account authenticates a request that needs the account key.
func account(r *http.Request) error {
	p, err := web.Principal(r)
	if err != nil {
		return err
	}
	if p.Kind != auth.Account {
		return problem.Errorf(problem.Forbidden, "apps and keys are managed with the account key")
	}
	return nil
}

// noClaim refuses an Idempotency-Key on the account's routes (apps and keys), which keep no
// records (see docs/apps-api.md, "Idempotency keys").
func noClaim(r *http.Request) error {
	if len(r.Header.Values(idempotency.Header)) == 0 {
		return nil
	}
	return problem.Errorf(problem.BadRequest, "Idempotency-Key is not supported on apps and api-keys: "+
		"create an app again to get 409 for its slug, or list the keys")
}

// readBody reads a JSON object body.
func readBody(r *http.Request) (*body, error) {
	raw, err := web.ReadBody(r)
	if err != nil {
		return nil, err
	}
	b, err := parseBody(raw)
	if err != nil {
		return nil, problem.Errorf(problem.BadRequest, "the body must be a JSON object")
	}
	return b, nil
}

// invalidField is the validation error of one field.
func invalidField(field, code, message string) error {
	var v customer.ValidationError
	v.Add(field, code, message)
	return &v
}
