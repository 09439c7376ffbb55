package lago

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/web"
	"github.com/clientele/clientele/internal/webhook"
	"github.com/clientele/clientele/internal/wire"
)

// Webhooks serves Lago's webhook endpoint routes (/api/v1/webhook_endpoints) and the
// public key that verifies its jwt signatures (/api/v1/webhooks/public_key). The Lago
// dialect sees the app's endpoints of the lago format only; every format's are managed in
// the Apps API. None of these answers holds a secret.
type Webhooks struct {
	hooks  *store.Webhooks
	policy webhook.Policy
}

// NewWebhooks returns the routes over a store, whose secrets sl seals, with the URL rules p.
func NewWebhooks(s *store.Store, sl seal.Sealer, p webhook.Policy) *Webhooks {
	return &Webhooks{hooks: s.Webhooks(sl), policy: p}
}

// Lago's words for its endpoint errors (lago-api: WebhookEndpoint, config/locales/en.yml).
const (
	resourceEndpoint     = "webhook_endpoint" // its 404 is webhook_endpoint_not_found
	endpointLimitMessage = "Maximum number of webhook endpoints was reached"
	codeURLInvalid       = "url_is_invalid"
	codeMustBeArray      = "must_be_array"
)

// resourceError names the Lago resource an error is about, for its 404's code.
type resourceError struct {
	resource string
	err      error
}

func (e *resourceError) Error() string { return e.resource + ": " + e.err.Error() }
func (e *resourceError) Unwrap() error { return e.err }

// about is err about a Lago resource; nil for nil.
func about(resource string, err error) error {
	if err == nil {
		return nil
	}
	return &resourceError{resource: resource, err: err}
}

// resourceOf is the resource err is about, or "" (a customer's).
func resourceOf(err error) string {
	var re *resourceError
	if errors.As(err, &re) {
		return re.resource
	}
	return ""
}

// endpointJSON is a webhook endpoint as Lago's serializer renders it.
type endpointJSON struct {
	LagoID             string   `json:"lago_id"`
	LagoOrganizationID string   `json:"lago_organization_id"`
	WebhookURL         string   `json:"webhook_url"`
	SignatureAlgo      string   `json:"signature_algo"`
	Name               *string  `json:"name"`
	EventTypes         []string `json:"event_types"` // null: every type
	CreatedAt          string   `json:"created_at"`
}

func toEndpointJSON(appID string, e webhook.Endpoint) endpointJSON {
	return endpointJSON{LagoID: e.ID, LagoOrganizationID: appID, WebhookURL: e.URL, SignatureAlgo: e.Algorithm,
		Name: wire.OptString(e.Name), EventTypes: e.EventTypes, CreatedAt: wire.Time(e.CreatedAt)}
}

type endpointBody struct {
	WebhookEndpoint endpointJSON `json:"webhook_endpoint"`
}

func endpointAnswer(appID string, e webhook.Endpoint) (idempotency.Answer, error) {
	return web.JSON(http.StatusOK, endpointBody{toEndpointJSON(appID, e)}), nil
}

// writer is the app of a request that writes endpoints. Their writes keep no idempotency
// records (docs/lago.md, "Webhook endpoints"), so a request with a key is refused.
func writer(r *http.Request) (string, error) {
	appID, _, err := app(r, auth.Write)
	if err != nil {
		return "", err
	}
	if len(r.Header.Values(idempotency.Header)) > 0 {
		return "", problem.Errorf(problem.BadRequest, "Idempotency-Key is not supported on webhook endpoints")
	}
	return appID, nil
}

// Create: POST /api/v1/webhook_endpoints {"webhook_endpoint": {webhook_url, signature_algo,
// name, event_types}}; 200, as Lago answers.
func (w *Webhooks) Create(r *http.Request) (idempotency.Answer, error) {
	appID, err := writer(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	p, err := w.readPatch(r, true)
	if err != nil {
		return idempotency.Answer{}, err
	}
	e := p.Apply(webhook.Endpoint{Format: webhook.Lago, Algorithm: webhook.LagoJWT})
	made, err := w.hooks.CreateEndpoint(r.Context(), appID, e)
	if err != nil {
		return idempotency.Answer{}, about(resourceEndpoint, err)
	}
	return endpointAnswer(appID, made.Endpoint)
}

// lagoEndpoint reads the path's endpoint, which must be of the lago format.
func (w *Webhooks) lagoEndpoint(r *http.Request, appID string) (webhook.Endpoint, error) {
	e, err := w.hooks.Endpoint(r.Context(), appID, r.PathValue("lago_id"))
	if err == nil && e.Format != webhook.Lago {
		err = store.ErrNotFound
	}
	return e, about(resourceEndpoint, err)
}

// Get: GET /api/v1/webhook_endpoints/{lago_id}.
func (w *Webhooks) Get(r *http.Request) (idempotency.Answer, error) {
	appID, _, err := app(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	e, err := w.lagoEndpoint(r, appID)
	if err != nil {
		return idempotency.Answer{}, err
	}
	return endpointAnswer(appID, e)
}

// Update: PUT /api/v1/webhook_endpoints/{lago_id}; the fields given change, as in Lago.
func (w *Webhooks) Update(r *http.Request) (idempotency.Answer, error) {
	appID, err := writer(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	p, err := w.readPatch(r, false)
	if err != nil {
		return idempotency.Answer{}, err
	}
	cur, err := w.lagoEndpoint(r, appID)
	if err != nil {
		return idempotency.Answer{}, err
	}
	e, err := w.hooks.UpdateEndpoint(r.Context(), appID, cur.ID, p, 0)
	if err != nil {
		return idempotency.Answer{}, about(resourceEndpoint, err)
	}
	return endpointAnswer(appID, e)
}

// Delete: DELETE /api/v1/webhook_endpoints/{lago_id} answers the endpoint deleted.
func (w *Webhooks) Delete(r *http.Request) (idempotency.Answer, error) {
	appID, err := writer(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	cur, err := w.lagoEndpoint(r, appID)
	if err != nil {
		return idempotency.Answer{}, err
	}
	e, err := w.hooks.DeleteEndpoint(r.Context(), appID, cur.ID)
	if err != nil {
		return idempotency.Answer{}, about(resourceEndpoint, err)
	}
	return endpointAnswer(appID, e)
}

type endpointListJSON struct {
	WebhookEndpoints []endpointJSON `json:"webhook_endpoints"`
	Meta             metaJSON       `json:"meta"`
}

// List: GET /api/v1/webhook_endpoints (page, per_page), in Lago's order: by URL, then the
// newest first.
func (w *Webhooks) List(r *http.Request) (idempotency.Answer, error) {
	appID, _, err := app(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	p := &params{q: r.URL.Query(), details: map[string]any{}}
	page, perPage := p.positive("page", 1), p.positive("per_page", defaultPerPage)
	if len(p.details) > 0 {
		return idempotency.Answer{}, invalid(p.details)
	}
	all, err := w.hooks.ListEndpoints(r.Context(), appID)
	if err != nil {
		return idempotency.Answer{}, err
	}
	all = slices.DeleteFunc(all, func(e webhook.Endpoint) bool { return e.Format != webhook.Lago })
	slices.SortStableFunc(all, func(a, b webhook.Endpoint) int {
		return cmp.Or(cmp.Compare(a.URL, b.URL), b.CreatedAt.Compare(a.CreatedAt))
	})
	total := len(all)
	totalPages := (total + perPage - 1) / perPage
	out := endpointListJSON{WebhookEndpoints: []endpointJSON{},
		Meta: metaJSON{CurrentPage: page, TotalPages: totalPages, TotalCount: int64(total)}}
	if from := (page - 1) * perPage; from < total && page <= totalPages {
		for _, e := range all[from:min(from+perPage, total)] {
			out.WebhookEndpoints = append(out.WebhookEndpoints, toEndpointJSON(appID, e))
		}
	}
	if page < totalPages {
		next := page + 1
		out.Meta.NextPage = &next
	}
	if page > 1 {
		prev := page - 1
		out.Meta.PrevPage = &prev
	}
	return web.JSON(http.StatusOK, out), nil
}

// PublicKey: GET /api/v1/webhooks/public_key, the app's RSA public key that verifies its
// jwt signatures, as Lago answers it: base64 of the PEM, as text (webhook.LagoPublicKey).
// lago-go-client's Webhook().ValidateBody reads it here. The app's keys are made when it
// has none.
func (w *Webhooks) PublicKey(r *http.Request) (idempotency.Answer, error) {
	text, err := w.publicKey(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	header := map[string]string{"Content-Type": "text/plain; charset=utf-8"}
	return idempotency.Answer{Status: http.StatusOK, Header: header, Body: []byte(text)}, nil
}

// JSONPublicKey: GET /api/v1/webhooks/json_public_key, the same text as
// {"webhook": {"public_key": …}}, which Lago prefers to the deprecated PublicKey.
func (w *Webhooks) JSONPublicKey(r *http.Request) (idempotency.Answer, error) {
	text, err := w.publicKey(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	type key struct {
		PublicKey string `json:"public_key"`
	}
	return web.JSON(http.StatusOK, struct {
		Webhook key `json:"webhook"`
	}{key{text}}), nil
}

func (w *Webhooks) publicKey(r *http.Request) (string, error) {
	appID, _, err := app(r, auth.Read)
	if err != nil {
		return "", err
	}
	pub, err := w.hooks.LagoPublicKey(r.Context(), appID)
	if err != nil {
		return "", err
	}
	return webhook.LagoPublicKey(pub)
}

// readPatch reads {"webhook_endpoint": {...}} with Lago's rules for each field; create
// requires webhook_url. Lago's 400 when the envelope is missing, its 422 for a bad field.
func (w *Webhooks) readPatch(r *http.Request, create bool) (webhook.Patch, error) {
	raw, err := web.ReadBody(r)
	if err != nil {
		return webhook.Patch{}, err
	}
	var envelope map[string]json.RawMessage
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &envelope) != nil || envelope["webhook_endpoint"] == nil ||
		json.Unmarshal(envelope["webhook_endpoint"], &fields) != nil || fields == nil {
		return webhook.Patch{}, problem.Errorf(problem.BadRequest, "the body must be {\"webhook_endpoint\": {...}}")
	}
	details := map[string][]string{}
	var p webhook.Patch
	if v, ok := fields["webhook_url"]; ok || create {
		if u, code := w.webhookURL(r.Context(), v); code != "" {
			details["webhook_url"] = []string{code}
		} else {
			p.URL = &u
		}
	}
	if v, ok := fields["signature_algo"]; ok {
		var algo string
		switch {
		case wire.IsNull(v) && create: // Lago's default, jwt
		case json.Unmarshal(v, &algo) != nil || algo != webhook.LagoJWT && algo != webhook.LagoHMAC:
			details["signature_algo"] = []string{codeInvalid}
		default:
			p.Algorithm = &algo
		}
	}
	if v, ok := fields["name"]; ok {
		var name string
		switch {
		case wire.IsNull(v):
			p.Name = &name
		case json.Unmarshal(v, &name) != nil:
			details["name"] = []string{codeInvalid}
		case len(name) > webhook.MaxNameLength:
			details["name"] = []string{codeTooLong}
		default:
			p.Name = &name
		}
	}
	if v, ok := fields["event_types"]; ok {
		types, problem := eventTypes(v)
		if problem != "" {
			details["event_types"] = []string{problem}
		} else {
			p.EventTypes = &types
		}
	}
	if len(details) > 0 {
		return webhook.Patch{}, invalid(details)
	}
	return p, nil
}

// webhookURL checks webhook_url as Lago does (present; a URL with a host, http or https)
// and then by Clientele's rules (webhook.Policy: https, and no address that is not public);
// code is Lago's for what is wrong.
func (w *Webhooks) webhookURL(ctx context.Context, v json.RawMessage) (u, code string) {
	if v == nil || wire.IsNull(v) {
		return "", codeMandatory
	}
	if json.Unmarshal(v, &u) != nil {
		return "", codeURLInvalid
	}
	switch parsed, err := url.Parse(u); {
	case strings.TrimSpace(u) == "":
		return "", codeMandatory
	case len(u) > webhook.MaxURLLength:
		return "", codeTooLong
	case err != nil || parsed.Host == "" || parsed.Scheme != "http" && parsed.Scheme != "https":
		return "", codeURLInvalid
	}
	if _, err := w.policy.CheckURL(ctx, u); err != nil {
		return "", codeURLInvalid
	}
	return u, ""
}

// eventTypes reads event_types as Lago's model does: null is every type; what is not an
// array is must_be_array; each entry is trimmed and lower-cased, blanks and repeats dropped,
// and ["*"] is every type; what is left must be Lago's event types.
func eventTypes(v json.RawMessage) (types []string, problem string) {
	if wire.IsNull(v) {
		return nil, ""
	}
	var entries []json.RawMessage
	if json.Unmarshal(v, &entries) != nil {
		return nil, codeMustBeArray
	}
	types = []string{}
	for _, raw := range entries {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			s = string(raw) // a number or another value: Lago takes its text
		}
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" && !slices.Contains(types, s) {
			types = append(types, s)
		}
	}
	if len(types) == 1 && types[0] == "*" {
		return nil, ""
	}
	var bad []string
	for _, t := range types {
		if !webhook.Lago.Accepts(t) {
			q, _ := json.Marshal(t)
			bad = append(bad, string(q))
		}
	}
	if len(bad) > 0 {
		return nil, "contains invalid types: [" + strings.Join(bad, ", ") + "]" // Lago's words, Ruby's array
	}
	return types, ""
}
