// Package appsapi is the native Apps API (Blackwalnut-compatible): it maps HTTP requests
// under /api/v1/apps to the store and the domain back to its JSON: {"data": …} envelopes,
// prefixed ids and {"error": {code, message, details}} errors.
package appsapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
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

// access is what a route needs of the caller.
type access int

const (
	read access = iota
	write
)

// app authenticates the request and resolves the app in its path. It answers 401 for a
// missing or invalid key, 404 for an app the key cannot reach (as if it did not exist), 403
// for a write with a read-only key; ok is false when it has answered.
func (a *API) app(w http.ResponseWriter, r *http.Request, need access) (appID string, ok bool) {
	p, ok := web.Principal(r)
	if !ok {
		Fail(w, r, http.StatusUnauthorized)
		return "", false
	}
	slug := r.PathValue("slug")
	if p.Kind != auth.Account {
		if slug != p.AppSlug {
			notFound(w, "app")
			return "", false
		}
		appID = p.AppID
	} else {
		// Resolved on every request (one read): a slug is reused after its app is purged,
		// so a per-process cache could send a request to the old app.
		id, err := a.store.AppIDBySlug(r.Context(), slug)
		if err != nil {
			storeError(w, r, err, "app")
			return "", false
		}
		appID = id
	}
	if need == write && !p.CanWrite() {
		writeProblem(w, http.StatusForbidden, problem{Code: "forbidden", Message: "publishable keys are read-only: use a secret key"})
		return "", false
	}
	return appID, true
}

// appAndID is app for the routes that name one record in their path: an id that cannot be
// one of what's (with or without its prefix) is 404, like an absent record.
func (a *API) appAndID(w http.ResponseWriter, r *http.Request, need access, prefix, what string) (appID, id string, ok bool) {
	if appID, ok = a.app(w, r, need); !ok {
		return "", "", false
	}
	if id, ok = parseID(prefix, r.PathValue("id")); !ok {
		notFound(w, what)
	}
	return appID, id, ok
}

// readBody reads a JSON object body, answering 413 or 400 itself.
func readBody(w http.ResponseWriter, r *http.Request) (*body, bool) {
	raw, err := web.ReadBody(w, r)
	if errors.Is(err, web.ErrTooLarge) {
		Fail(w, r, http.StatusRequestEntityTooLarge)
		return nil, false
	}
	if errors.Is(err, web.ErrInvalidUTF8) {
		badRequest(w, "the body must be valid UTF-8")
		return nil, false
	}
	if err != nil {
		badRequest(w, "could not read the request body")
		return nil, false
	}
	b, err := parseBody(raw)
	if err != nil {
		badRequest(w, "the body must be a JSON object")
		return nil, false
	}
	return b, true
}

// customerFields reads a customer body; required lists fields that must be present and
// not null. It answers 422 itself.
func customerFields(w http.ResponseWriter, b *body, required ...string) (customer.Patch, bool) {
	p := b.customerPatch()
	for _, f := range required {
		if raw, ok := b.fields[f]; !ok || isNull(raw) {
			b.errs.Add(f, customer.CodeRequired, "can't be blank")
		}
	}
	if p.Email.Set && p.Email.Value == "" && !b.errs.Has("email") {
		b.errs.Add("email", customer.CodeRequired, "can't be blank")
	}
	if err := b.errs.Err(); err != nil {
		invalid(w, &b.errs)
		return customer.Patch{}, false
	}
	if err := p.Apply(customer.Customer{}).Validate(); err != nil {
		var ve *customer.ValidationError
		errors.As(err, &ve)
		invalid(w, ve)
		return customer.Patch{}, false
	}
	return p, true
}

// newCustomer is the customer a create writes: the patch's fields, created by the key.
func newCustomer(r *http.Request, p customer.Patch) customer.Customer {
	c := p.Apply(customer.Customer{})
	if pr, ok := web.Principal(r); ok {
		c.CreatedBy = pr.KeyID
	}
	return c
}

// CreateCustomer: POST /api/v1/apps/{slug}/customers.
func (a *API) CreateCustomer(w http.ResponseWriter, r *http.Request) {
	appID, ok := a.app(w, r, write)
	if !ok {
		return
	}
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	cl, ok := claim(w, r, b.raw, func(wr idempotency.Result) idempotency.Answer {
		return web.Answer(http.StatusCreated, data{RenderCustomer(wr.Customer)})
	})
	if !ok {
		return
	}
	p, ok := customerFields(w, b, "email")
	if !ok {
		return
	}
	c, err := a.store.CreateCustomer(cl.Context(r.Context()), appID, newCustomer(r, p))
	if err != nil {
		storeError(w, r, err, "customer")
		return
	}
	web.Reply(w, r, cl, idempotency.Result{Customer: c, Outcome: idempotency.Created})
}

// GetOrCreateCustomer: POST /api/v1/apps/{slug}/customers/get-or-create; 201 when created,
// 200 when a customer with that email existed (the given fields are then ignored).
func (a *API) GetOrCreateCustomer(w http.ResponseWriter, r *http.Request) {
	appID, ok := a.app(w, r, write)
	if !ok {
		return
	}
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	cl, ok := claim(w, r, b.raw, func(wr idempotency.Result) idempotency.Answer {
		status := http.StatusOK
		if wr.Outcome == idempotency.Created {
			status = http.StatusCreated
		}
		return web.Answer(status, data{RenderCustomer(wr.Customer)})
	})
	if !ok {
		return
	}
	p, ok := customerFields(w, b, "email")
	if !ok {
		return
	}
	c, created, err := a.store.GetOrCreateByEmail(cl.Context(r.Context()), appID, newCustomer(r, p))
	if err != nil {
		storeError(w, r, err, "customer")
		return
	}
	wr := idempotency.Result{Customer: c}
	if created {
		wr.Outcome = idempotency.Created
	}
	web.Reply(w, r, cl, wr)
}

type listMeta struct {
	Total      int64   `json:"total"`
	Page       int     `json:"page"`
	PerPage    int     `json:"per_page"`
	NextCursor *string `json:"next_cursor"`
}

type listJSON struct {
	Data []Customer `json:"data"`
	Meta listMeta   `json:"meta"`
}

// positiveInt reads an optional positive integer query parameter.
func positiveInt(r *http.Request, name string, def int) (int, bool) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1
}

// ListCustomers: GET /api/v1/apps/{slug}/customers?email=&external_id=&page=&per_page=&cursor=
func (a *API) ListCustomers(w http.ResponseWriter, r *http.Request) {
	appID, ok := a.app(w, r, read)
	if !ok {
		return
	}
	q := r.URL.Query()
	page, okPage := positiveInt(r, "page", 1)
	perPage, okPer := positiveInt(r, "per_page", DefaultPerPage)
	var v customer.ValidationError
	if !okPage {
		v.Add("page", customer.CodeInvalidFormat, "must be a positive integer")
	}
	if !okPer {
		v.Add("per_page", customer.CodeInvalidFormat, "must be a positive integer")
	}
	if v.Err() != nil {
		invalid(w, &v)
		return
	}
	perPage = min(perPage, MaxPerPage)
	res, err := a.store.ListCustomers(r.Context(), appID, store.ListQuery{
		EmailContains: q.Get("email"), ExternalID: q.Get("external_id"),
		Limit: perPage, Page: page, Cursor: q.Get("cursor"),
	})
	if err != nil {
		storeError(w, r, err, "customer")
		return
	}
	out := listJSON{Data: make([]Customer, len(res.Customers)), Meta: listMeta{Total: res.Total, Page: page, PerPage: perPage}}
	for i, c := range res.Customers {
		out.Data[i] = RenderCustomer(c)
	}
	if res.NextCursor != "" {
		out.Meta.NextCursor = &res.NextCursor
	}
	web.JSON(w, http.StatusOK, out)
}

// GetCustomer: GET /api/v1/apps/{slug}/customers/{id}.
func (a *API) GetCustomer(w http.ResponseWriter, r *http.Request) {
	appID, id, ok := a.appAndID(w, r, read, customerPrefix, "customer")
	if !ok {
		return
	}
	c, err := a.store.GetCustomer(r.Context(), appID, id)
	if err != nil {
		storeError(w, r, err, "customer")
		return
	}
	web.JSON(w, http.StatusOK, data{RenderCustomer(c)})
}

// CustomerByEmail: GET /api/v1/apps/{slug}/customers/by-email?email=
func (a *API) CustomerByEmail(w http.ResponseWriter, r *http.Request) {
	a.findBy(w, r, "email", a.store.FindByEmail)
}

// CustomerByExternalID: GET /api/v1/apps/{slug}/customers/by-external-id?external_id=
func (a *API) CustomerByExternalID(w http.ResponseWriter, r *http.Request) {
	a.findBy(w, r, "external_id", a.store.FindByExternalID)
}

func (a *API) findBy(w http.ResponseWriter, r *http.Request, param string, find func(context.Context, string, string) (customer.Customer, error)) {
	appID, ok := a.app(w, r, read)
	if !ok {
		return
	}
	value := r.URL.Query().Get(param)
	if value == "" {
		var v customer.ValidationError
		v.Add(param, customer.CodeRequired, "can't be blank")
		invalid(w, &v)
		return
	}
	c, err := find(r.Context(), appID, value)
	if err != nil {
		storeError(w, r, err, "customer")
		return
	}
	web.JSON(w, http.StatusOK, data{RenderCustomer(c)})
}

// UpdateCustomer: PUT /api/v1/apps/{slug}/customers/{id}; only the fields given change, an
// explicit null clears one. An If-Match header with the customer's version makes the write
// conditional (409 when it moved on).
func (a *API) UpdateCustomer(w http.ResponseWriter, r *http.Request) {
	appID, id, ok := a.appAndID(w, r, write, customerPrefix, "customer")
	if !ok {
		return
	}
	var version int64
	if m := r.Header.Get("If-Match"); m != "" {
		n, err := strconv.ParseInt(trimETag(m), 10, 64)
		if err != nil || n < 1 {
			badRequest(w, "If-Match must be the customer's version")
			return
		}
		version = n
	}
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	cl, ok := claim(w, r, b.raw, func(wr idempotency.Result) idempotency.Answer {
		return web.Answer(http.StatusOK, data{RenderCustomer(wr.Customer)})
	})
	if !ok {
		return
	}
	p, ok := customerFields(w, b)
	if !ok {
		return
	}
	c, outcome, err := a.store.UpdateCustomer(cl.Context(r.Context()), appID, id, p, version)
	if err != nil {
		storeError(w, r, err, "customer")
		return
	}
	web.Reply(w, r, cl, idempotency.Result{Customer: c, Outcome: outcome})
}

func trimETag(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// deleted is the answer of a delete: 204, no body.
func deleted(idempotency.Result) idempotency.Answer { return web.Answer(http.StatusNoContent, nil) }

// DeleteCustomer: DELETE /api/v1/apps/{slug}/customers/{id}; its licenses go with it.
func (a *API) DeleteCustomer(w http.ResponseWriter, r *http.Request) {
	appID, id, ok := a.appAndID(w, r, write, customerPrefix, "customer")
	if !ok {
		return
	}
	cl, ok := claim(w, r, nil, deleted)
	if !ok {
		return
	}
	c, err := a.store.DeleteCustomer(cl.Context(r.Context()), appID, id)
	if err != nil {
		storeError(w, r, err, "customer")
		return
	}
	web.Reply(w, r, cl, idempotency.Result{Customer: c, Outcome: idempotency.Deleted})
}

// CreateLicense: POST /api/v1/apps/{slug}/licenses {customer_id, one of expires_at,
// duration_days, forever}.
func (a *API) CreateLicense(w http.ResponseWriter, r *http.Request) {
	appID, ok := a.app(w, r, write)
	if !ok {
		return
	}
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	now := a.now()
	l := customer.License{Status: customer.LicenseActive}
	cid := b.str("customer_id")
	if id, ok := parseID(customerPrefix, cid.Value); ok {
		l.CustomerID = id
	} else if cid.Value == "" {
		b.errs.Add("customer_id", customer.CodeRequired, "can't be blank")
	} else {
		b.errs.Add("customer_id", customer.CodeInvalidFormat, "is not a customer id")
	}
	terms := 0
	if raw, ok := b.fields["expires_at"]; ok && !isNull(raw) {
		terms++
		var s string
		if json.Unmarshal(raw, &s) != nil {
			b.errs.Add("expires_at", customer.CodeInvalidFormat, "must be an RFC 3339 time")
		} else if t, err := time.Parse(time.RFC3339, s); err != nil {
			b.errs.Add("expires_at", customer.CodeInvalidFormat, "must be an RFC 3339 time")
		} else if !t.After(now) {
			b.errs.Add("expires_at", customer.CodeInvalidFormat, "must be in the future")
		} else {
			l.ExpiresAt = t.UTC()
		}
	}
	if raw, ok := b.fields["duration_days"]; ok && !isNull(raw) {
		terms++
		var days int
		if json.Unmarshal(raw, &days) != nil || days < 1 || days > 36500 {
			b.errs.Add("duration_days", customer.CodeInvalidFormat, "must be a whole number of days from 1 to 36500")
		} else {
			l.ExpiresAt = now.AddDate(0, 0, days)
		}
	}
	if raw, ok := b.fields["forever"]; ok && !isNull(raw) {
		var forever bool
		if json.Unmarshal(raw, &forever) != nil {
			b.errs.Add("forever", customer.CodeInvalidFormat, "must be a boolean")
		} else if forever {
			terms++
		}
	}
	if terms != 1 && !b.errs.Has("expires_at") && !b.errs.Has("duration_days") {
		b.errs.Add("expires_at", customer.CodeRequired, "give exactly one of expires_at, duration_days or forever: true")
	}
	if b.errs.Err() != nil {
		invalid(w, &b.errs)
		return
	}
	cl, ok := claim(w, r, b.raw, func(wr idempotency.Result) idempotency.Answer {
		return web.Answer(http.StatusCreated, data{toLicenseJSON(wr.License, now)})
	})
	if !ok {
		return
	}
	l, err := a.store.CreateLicense(cl.Context(r.Context()), appID, l)
	if err != nil {
		storeError(w, r, err, "customer")
		return
	}
	web.Reply(w, r, cl, idempotency.Result{License: l, Outcome: idempotency.Created})
}

// ListLicenses: GET /api/v1/apps/{slug}/licenses?customer_id=
func (a *API) ListLicenses(w http.ResponseWriter, r *http.Request) {
	appID, ok := a.app(w, r, read)
	if !ok {
		return
	}
	raw := r.URL.Query().Get("customer_id")
	id, ok := parseID(customerPrefix, raw)
	if !ok {
		var v customer.ValidationError
		v.Add("customer_id", customer.CodeRequired, "must be a customer id")
		invalid(w, &v)
		return
	}
	ls, err := a.store.ListLicenses(r.Context(), appID, id)
	if err != nil {
		storeError(w, r, err, "customer")
		return
	}
	now := a.now()
	out := make([]licenseJSON, len(ls))
	for i, l := range ls {
		out[i] = toLicenseJSON(l, now)
	}
	web.JSON(w, http.StatusOK, data{out})
}

// GetLicense: GET /api/v1/apps/{slug}/licenses/{id}.
func (a *API) GetLicense(w http.ResponseWriter, r *http.Request) {
	appID, id, ok := a.appAndID(w, r, read, licensePrefix, "license")
	if !ok {
		return
	}
	l, err := a.store.GetLicense(r.Context(), appID, id)
	if err != nil {
		storeError(w, r, err, "license")
		return
	}
	web.JSON(w, http.StatusOK, data{toLicenseJSON(l, a.now())})
}

// DeleteLicense: DELETE /api/v1/apps/{slug}/licenses/{id}.
func (a *API) DeleteLicense(w http.ResponseWriter, r *http.Request) {
	appID, id, ok := a.appAndID(w, r, write, licensePrefix, "license")
	if !ok {
		return
	}
	cl, ok := claim(w, r, nil, deleted)
	if !ok {
		return
	}
	l, err := a.store.DeleteLicense(cl.Context(r.Context()), appID, id)
	if err != nil {
		storeError(w, r, err, "license")
		return
	}
	web.Reply(w, r, cl, idempotency.Result{License: l, Outcome: idempotency.Deleted})
}

// account authenticates a request that needs the account key.
func account(w http.ResponseWriter, r *http.Request) bool {
	p, ok := web.Principal(r)
	if !ok {
		Fail(w, r, http.StatusUnauthorized)
		return false
	}
	if p.Kind != auth.Account {
		writeProblem(w, http.StatusForbidden, problem{Code: "forbidden", Message: "apps and keys are managed with the account key"})
		return false
	}
	return true
}

// CreateApp: POST /api/v1/apps {name, slug, description}.
func (a *API) CreateApp(w http.ResponseWriter, r *http.Request) {
	if !account(w, r) || !noClaim(w, r) {
		return
	}
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	app := tenant.App{Name: b.str("name").Value, Slug: b.str("slug").Value, Description: b.str("description").Value}
	if b.errs.Err() != nil {
		invalid(w, &b.errs)
		return
	}
	created, err := a.store.CreateApp(r.Context(), app)
	if err != nil {
		storeError(w, r, err, "app")
		return
	}
	web.JSON(w, http.StatusCreated, data{toAppJSON(created)})
}

// ListApps: GET /api/v1/apps.
func (a *API) ListApps(w http.ResponseWriter, r *http.Request) {
	if !account(w, r) {
		return
	}
	apps, err := a.store.ListApps(r.Context())
	if err != nil {
		storeError(w, r, err, "app")
		return
	}
	out := make([]appJSON, len(apps))
	for i, app := range apps {
		out[i] = toAppJSON(app)
	}
	web.JSON(w, http.StatusOK, data{out})
}

// activeApp resolves the path's slug to an ACTIVE app, for the account routes.
func (a *API) activeApp(w http.ResponseWriter, r *http.Request) (tenant.App, bool) {
	app, err := a.store.AppBySlug(r.Context(), r.PathValue("slug"))
	if err == nil && app.Status != tenant.Active {
		err = store.ErrAppNotActive
	}
	if err != nil {
		storeError(w, r, err, "app")
		return tenant.App{}, false
	}
	return app, true
}

// GetApp: GET /api/v1/apps/{slug}.
func (a *API) GetApp(w http.ResponseWriter, r *http.Request) {
	if !account(w, r) {
		return
	}
	if app, ok := a.activeApp(w, r); ok {
		web.JSON(w, http.StatusOK, data{toAppJSON(app)})
	}
}

// DeleteApp: DELETE /api/v1/apps/{slug}. The app stops answering at once (202); a worker
// purges its data. Deleting it again while the purge runs starts the worker again.
func (a *API) DeleteApp(w http.ResponseWriter, r *http.Request) {
	if !account(w, r) || !noClaim(w, r) {
		return
	}
	app, err := a.store.AppBySlug(r.Context(), r.PathValue("slug"))
	if err == nil {
		err = a.store.DeleteApp(r.Context(), app.ID)
	}
	if err != nil {
		storeError(w, r, err, "app")
		return
	}
	app.Status = tenant.Deleting
	web.JSON(w, http.StatusAccepted, data{toAppJSON(app)})
}

// CreateAPIKey: POST /api/v1/apps/{slug}/api-keys {type: secret|publishable}; the key is
// in this response only.
func (a *API) CreateAPIKey(w http.ResponseWriter, r *http.Request) {
	if !account(w, r) || !noClaim(w, r) {
		return
	}
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	kind, ok := auth.ParseKind(b.str("type").Value)
	if !ok {
		invalidField(w, "type", "must be secret or publishable")
		return
	}
	app, ok := a.activeApp(w, r)
	if !ok {
		return
	}
	secret, hash := auth.Generate(kind)
	k, err := a.store.CreateKey(r.Context(), hash, auth.Key{AppID: app.ID, AppSlug: app.Slug, Kind: kind, Hint: auth.Hint(secret)})
	if err != nil {
		storeError(w, r, err, "app")
		return
	}
	out := toKeyJSON(k)
	out.Key = &secret
	web.JSON(w, http.StatusCreated, data{out})
}

// ListAPIKeys: GET /api/v1/apps/{slug}/api-keys, without the keys themselves.
func (a *API) ListAPIKeys(w http.ResponseWriter, r *http.Request) {
	if !account(w, r) {
		return
	}
	app, ok := a.activeApp(w, r)
	if !ok {
		return
	}
	keys, err := a.store.ListKeys(r.Context(), app.ID)
	if err != nil {
		storeError(w, r, err, "app")
		return
	}
	out := make([]keyJSON, len(keys))
	for i, k := range keys {
		out[i] = toKeyJSON(k)
	}
	web.JSON(w, http.StatusOK, data{out})
}

// DeleteAPIKey: DELETE /api/v1/apps/{slug}/api-keys/{id} revokes a key.
func (a *API) DeleteAPIKey(w http.ResponseWriter, r *http.Request) {
	if !account(w, r) || !noClaim(w, r) {
		return
	}
	app, ok := a.activeApp(w, r)
	if !ok {
		return
	}
	id, ok := parseID(keyPrefix, r.PathValue("id"))
	if !ok {
		notFound(w, "api key")
		return
	}
	if err := a.store.DeleteKey(r.Context(), app.ID, id); err != nil {
		storeError(w, r, err, "api key")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Health: GET /api/health, without a key: whether the table answers.
func (a *API) Health(w http.ResponseWriter, r *http.Request) {
	if err := a.store.Ping(r.Context()); err != nil {
		web.Logger(r.Context()).Error("health check failed", "error", err.Error())
		writeProblem(w, http.StatusServiceUnavailable, problem{Code: "service_unavailable", Message: "the table is not reachable"})
		return
	}
	web.JSON(w, http.StatusOK, data{map[string]string{"status": "ok", "table": "reachable"}})
}

// NotFound answers any request no route matches, in the Apps API's format.
func NotFound(w http.ResponseWriter, r *http.Request) { Fail(w, r, http.StatusNotFound) }
