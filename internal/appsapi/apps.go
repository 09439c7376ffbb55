package appsapi

import (
	"net/http"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
	"github.com/clientele/clientele/internal/web"
)

// accountWrite authenticates an account route that writes, which takes no Idempotency-Key.
func accountWrite(r *http.Request) error {
	if err := account(r); err != nil {
		return err
	}
	return noClaim(r)
}

// CreateApp: POST /api/v1/apps {name, slug, description}.
func (a *API) CreateApp(r *http.Request) (idempotency.Answer, error) {
	if err := accountWrite(r); err != nil {
		return idempotency.Answer{}, err
	}
	b, err := readBody(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	app := tenant.App{Name: b.str("name").Value, Slug: b.str("slug").Value, Description: b.str("description").Value}
	if err := b.errs.Err(); err != nil {
		return idempotency.Answer{}, err
	}
	created, err := a.store.CreateApp(r.Context(), app)
	if err != nil {
		return idempotency.Answer{}, about("app", err)
	}
	return web.JSON(http.StatusCreated, data{toAppJSON(created)}), nil
}

// ListApps: GET /api/v1/apps.
func (a *API) ListApps(r *http.Request) (idempotency.Answer, error) {
	if err := account(r); err != nil {
		return idempotency.Answer{}, err
	}
	apps, err := a.store.ListApps(r.Context())
	if err != nil {
		return idempotency.Answer{}, about("app", err)
	}
	out := make([]appJSON, len(apps))
	for i, app := range apps {
		out[i] = toAppJSON(app)
	}
	return okData(out)
}

// activeApp resolves the path's slug to an ACTIVE app, for the account routes.
func (a *API) activeApp(r *http.Request) (tenant.App, error) {
	app, err := a.store.AppBySlug(r.Context(), r.PathValue("slug"))
	if err == nil && app.Status != tenant.Active {
		err = store.ErrAppNotActive
	}
	return app, about("app", err)
}

// GetApp: GET /api/v1/apps/{slug}.
func (a *API) GetApp(r *http.Request) (idempotency.Answer, error) {
	if err := account(r); err != nil {
		return idempotency.Answer{}, err
	}
	app, err := a.activeApp(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	return okData(toAppJSON(app))
}

// DeleteApp: DELETE /api/v1/apps/{slug}. The app stops answering at once (202); a worker
// purges its data. Deleting it again while the purge runs starts the worker again.
func (a *API) DeleteApp(r *http.Request) (idempotency.Answer, error) {
	if err := accountWrite(r); err != nil {
		return idempotency.Answer{}, err
	}
	app, err := a.store.AppBySlug(r.Context(), r.PathValue("slug"))
	if err == nil {
		err = a.store.DeleteApp(r.Context(), app.ID)
	}
	if err != nil {
		return idempotency.Answer{}, about("app", err)
	}
	app.Status = tenant.Deleting
	return web.JSON(http.StatusAccepted, data{toAppJSON(app)}), nil
}

// CreateAPIKey: POST /api/v1/apps/{slug}/api-keys {type: secret|publishable}; the key is
// in this response only.
func (a *API) CreateAPIKey(r *http.Request) (idempotency.Answer, error) {
	if err := accountWrite(r); err != nil {
		return idempotency.Answer{}, err
	}
	b, err := readBody(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	kind, known := auth.ParseKind(b.str("type").Value)
	if !known {
		return idempotency.Answer{}, invalidField("type", customer.CodeInvalidFormat, "must be secret or publishable")
	}
	app, err := a.activeApp(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	secret, hash := auth.Generate(kind)
	k, err := a.store.CreateKey(r.Context(), hash,
		auth.Key{AppID: app.ID, AppSlug: app.Slug, AppName: app.Name, Kind: kind, Hint: auth.Hint(secret)})
	if err != nil {
		return idempotency.Answer{}, about("app", err)
	}
	out := toAPIKeyJSON(k)
	out.Key = &secret
	return web.JSON(http.StatusCreated, data{out}), nil
}

// ListAPIKeys: GET /api/v1/apps/{slug}/api-keys, without the keys themselves.
func (a *API) ListAPIKeys(r *http.Request) (idempotency.Answer, error) {
	if err := account(r); err != nil {
		return idempotency.Answer{}, err
	}
	app, err := a.activeApp(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	keys, err := a.store.ListKeys(r.Context(), app.ID)
	if err != nil {
		return idempotency.Answer{}, about("app", err)
	}
	out := make([]apiKeyJSON, len(keys))
	for i, k := range keys {
		out[i] = toAPIKeyJSON(k)
	}
	return okData(out)
}

// DeleteAPIKey: DELETE /api/v1/apps/{slug}/api-keys/{id} revokes a key.
func (a *API) DeleteAPIKey(r *http.Request) (idempotency.Answer, error) {
	if err := accountWrite(r); err != nil {
		return idempotency.Answer{}, err
	}
	app, err := a.activeApp(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	id, found := parseID(apiKeyPrefix, r.PathValue("id"))
	if !found {
		return idempotency.Answer{}, about("api key", store.ErrNotFound)
	}
	if err := a.store.DeleteKey(r.Context(), app.ID, id); err != nil {
		return idempotency.Answer{}, about("api key", err)
	}
	return web.JSON(http.StatusNoContent, nil), nil
}

// Health: GET /api/health, without a key: whether the table answers.
func (a *API) Health(r *http.Request) (idempotency.Answer, error) {
	if err := a.store.Ping(r.Context()); err != nil {
		unreachable := &problem.Error{Kind: problem.Unavailable, Message: "the table is not reachable", Err: err}
		return idempotency.Answer{}, unreachable
	}
	return okData(map[string]string{"status": "ok", "table": "reachable"})
}
