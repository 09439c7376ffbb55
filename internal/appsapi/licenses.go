package appsapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/web"
	"github.com/clientele/clientele/internal/wire"
)

// newLicense reads a license body: customer_id and one of expires_at, duration_days or forever.
func newLicense(b *body, now time.Time) (customer.License, error) {
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
	if raw, ok := b.fields["expires_at"]; ok && !wire.IsNull(raw) {
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
	if raw, ok := b.fields["duration_days"]; ok && !wire.IsNull(raw) {
		terms++
		var days int
		if json.Unmarshal(raw, &days) != nil || days < 1 || days > 36500 {
			b.errs.Add("duration_days", customer.CodeInvalidFormat, "must be a whole number of days from 1 to 36500")
		} else {
			l.ExpiresAt = now.AddDate(0, 0, days)
		}
	}
	if raw, ok := b.fields["forever"]; ok && !wire.IsNull(raw) {
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
	return l, b.errs.Err()
}

// CreateLicense: POST /api/v1/apps/{slug}/licenses {customer_id, one of expires_at,
// duration_days, forever}.
func (a *API) CreateLicense(r *http.Request) (idempotency.Answer, error) {
	appID, err := a.app(r, auth.Write)
	if err != nil {
		return idempotency.Answer{}, err
	}
	b, err := readBody(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	now := a.now()
	cl, err := claim(r, b.raw, "customer", func(res idempotency.Result) idempotency.Answer {
		return web.JSON(http.StatusCreated, data{toLicenseJSON(res.License, now)})
	})
	if err != nil {
		return idempotency.Answer{}, err
	}
	l, err := newLicense(b, now)
	if err != nil {
		// expires_at may have passed since the request was first done: its replay comes first.
		if rerr := a.store.Replay(cl.Context(r.Context()), appID); rerr != nil {
			return idempotency.Answer{}, rerr
		}
		return idempotency.Answer{}, err
	}
	l, err = a.store.CreateLicense(cl.Context(r.Context()), appID, l)
	if err != nil {
		return idempotency.Answer{}, about("customer", err)
	}
	return web.Committed(r.Context(), cl, idempotency.Result{License: l, Outcome: idempotency.Created}), nil
}

// ListLicenses: GET /api/v1/apps/{slug}/licenses?customer_id=
func (a *API) ListLicenses(r *http.Request) (idempotency.Answer, error) {
	appID, err := a.app(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	id, found := parseID(customerPrefix, r.URL.Query().Get("customer_id"))
	if !found {
		return idempotency.Answer{}, invalidField("customer_id", customer.CodeRequired, "must be a customer id")
	}
	ls, err := a.store.ListLicenses(r.Context(), appID, id)
	if err != nil {
		return idempotency.Answer{}, about("customer", err)
	}
	now := a.now()
	out := make([]licenseJSON, len(ls))
	for i, l := range ls {
		out[i] = toLicenseJSON(l, now)
	}
	return okData(out)
}

// GetLicense: GET /api/v1/apps/{slug}/licenses/{id}.
func (a *API) GetLicense(r *http.Request) (idempotency.Answer, error) {
	appID, id, err := a.appAndID(r, auth.Read, licensePrefix, "license")
	if err != nil {
		return idempotency.Answer{}, err
	}
	l, err := a.store.GetLicense(r.Context(), appID, id)
	if err != nil {
		return idempotency.Answer{}, about("license", err)
	}
	return okData(toLicenseJSON(l, a.now()))
}

// DeleteLicense: DELETE /api/v1/apps/{slug}/licenses/{id}.
func (a *API) DeleteLicense(r *http.Request) (idempotency.Answer, error) {
	var del deletion = func(ctx context.Context, app, id string) (idempotency.Result, error) {
		l, err := a.store.DeleteLicense(ctx, app, id)
		return idempotency.Result{License: l}, err
	}
	return a.deleteByID(r, licensePrefix, "license", del)
}
