package appsapi

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/web"
	"github.com/clientele/clientele/internal/webhook"
	"github.com/clientele/clientele/internal/wire"
)

// Webhooks serves the Apps API's webhook routes: an app's endpoints of every format (apps,
// lago, lukittu) and its Lago signing keys. They are the account key's alone: the answers
// that name one endpoint carry its secrets, which an app's keys never read.
type Webhooks struct {
	store  *store.Store
	hooks  *store.Webhooks
	policy webhook.Policy
}

// NewWebhooks returns the routes over a store, whose secrets sl seals, with the URL rules p.
func NewWebhooks(s *store.Store, sl seal.Sealer, p webhook.Policy) *Webhooks {
	return &Webhooks{store: s, hooks: s.Webhooks(sl), policy: p}
}

// endpointPrefix is the prefix of a rendered endpoint id, Stripe's for webhook endpoints.
const endpointPrefix = "we_"

type endpointJSON struct {
	ID            string   `json:"id"`
	Format        string   `json:"format"`
	URL           string   `json:"url"`
	Name          *string  `json:"name"`
	EventTypes    []string `json:"event_types"`    // null: every type of the format
	SignatureAlgo *string  `json:"signature_algo"` // Lago's jwt or hmac; null in the other formats
	// Secret, in the answers that name one endpoint: the secret that signs, also its HMAC key.
	Secret *string `json:"secret,omitempty"`
	// ExpiringSecrets still sign beside Secret after a roll, until their expiry.
	ExpiringSecrets []expiringSecretJSON `json:"expiring_secrets,omitempty"`
	Version         int64                `json:"version"`
	CreatedAt       string               `json:"created_at"`
	UpdatedAt       string               `json:"updated_at"`
}

type expiringSecretJSON struct {
	Secret    string `json:"secret"`
	ExpiresAt string `json:"expires_at"`
}

func toEndpointJSON(e webhook.Endpoint) endpointJSON {
	return endpointJSON{
		ID: endpointPrefix + e.ID, Format: string(e.Format), URL: e.URL, Name: wire.OptString(e.Name),
		EventTypes: e.EventTypes, SignatureAlgo: wire.OptString(e.Algorithm), Version: e.Version,
		CreatedAt: wire.Time(e.CreatedAt), UpdatedAt: wire.Time(e.UpdatedAt),
	}
}

// withSecrets is an endpoint's view with its secrets.
func withSecrets(s webhook.Signing) endpointJSON {
	out := toEndpointJSON(s.Endpoint)
	for i, sec := range s.Secrets {
		if i == 0 {
			out.Secret = new(string(sec.Key))
			continue
		}
		out.ExpiringSecrets = append(out.ExpiringSecrets, expiringSecretJSON{Secret: string(sec.Key),
			ExpiresAt: wire.Time(sec.Expires)})
	}
	return out
}

// appOf authenticates a request with the account key and resolves the app of its path.
// Writes keep no idempotency records, as on the other account routes, so a key is refused.
func (w *Webhooks) appOf(r *http.Request, write bool) (string, error) {
	p, err := web.Principal(r)
	if err != nil {
		return "", err
	}
	if p.Kind != auth.Account {
		return "", problem.Errorf(problem.Forbidden, "webhook endpoints and their secrets are managed with the account key")
	}
	if write && len(r.Header.Values(idempotency.Header)) > 0 {
		return "", problem.Errorf(problem.BadRequest, "Idempotency-Key is not supported on webhook endpoints: "+
			"a create sent again gets 409 for its url")
	}
	appID, err := w.store.AppIDBySlug(r.Context(), r.PathValue("slug"))
	return appID, about("app", err)
}

// appAndID is appOf for the routes that name an endpoint in their path.
func (w *Webhooks) appAndID(r *http.Request, write bool) (appID, id string, err error) {
	if appID, err = w.appOf(r, write); err != nil {
		return "", "", err
	}
	id, found := parseID(endpointPrefix, r.PathValue("id"))
	if !found {
		return "", "", about("webhook endpoint", store.ErrNotFound)
	}
	return appID, id, nil
}

// Create: POST /api/v1/apps/{slug}/webhook-endpoints {format, url, name, event_types,
// signature_algo}; 201 with the endpoint and its secret.
func (w *Webhooks) Create(r *http.Request) (idempotency.Answer, error) {
	appID, err := w.appOf(r, true)
	if err != nil {
		return idempotency.Answer{}, err
	}
	b, err := readBody(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	e, p, err := w.fields(r.Context(), b, nil)
	if err != nil {
		return idempotency.Answer{}, err
	}
	made, err := w.hooks.CreateEndpoint(r.Context(), appID, p.Apply(e))
	if err != nil {
		return idempotency.Answer{}, about("webhook endpoint", err)
	}
	return web.JSON(http.StatusCreated, data{withSecrets(made)}), nil
}

// List: GET /api/v1/apps/{slug}/webhook-endpoints, every format's, oldest first, without
// secrets (at most webhook.MaxEndpoints: no pages).
func (w *Webhooks) List(r *http.Request) (idempotency.Answer, error) {
	appID, err := w.appOf(r, false)
	if err != nil {
		return idempotency.Answer{}, err
	}
	all, err := w.hooks.ListEndpoints(r.Context(), appID)
	if err != nil {
		return idempotency.Answer{}, about("app", err)
	}
	out := make([]endpointJSON, len(all))
	for i, e := range all {
		out[i] = toEndpointJSON(e)
	}
	return okData(out)
}

// Get: GET /api/v1/apps/{slug}/webhook-endpoints/{id}, with its secrets.
func (w *Webhooks) Get(r *http.Request) (idempotency.Answer, error) {
	appID, id, err := w.appAndID(r, false)
	if err != nil {
		return idempotency.Answer{}, err
	}
	s, err := w.hooks.EndpointSecrets(r.Context(), appID, id)
	if err != nil {
		return idempotency.Answer{}, about("webhook endpoint", err)
	}
	return okData(withSecrets(s))
}

// Update: PUT /api/v1/apps/{slug}/webhook-endpoints/{id}; the fields given change (not its
// format), an If-Match with its version makes the write conditional (409 when it moved
// on). The answer carries no secrets.
func (w *Webhooks) Update(r *http.Request) (idempotency.Answer, error) {
	appID, id, err := w.appAndID(r, true)
	if err != nil {
		return idempotency.Answer{}, err
	}
	var version int64
	if m := r.Header.Get("If-Match"); m != "" {
		n, err := strconv.ParseInt(trimETag(m), 10, 64)
		if err != nil || n < 1 {
			return idempotency.Answer{}, problem.Errorf(problem.BadRequest, "If-Match must be the endpoint's version")
		}
		version = n
	}
	b, err := readBody(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	cur, err := w.hooks.Endpoint(r.Context(), appID, id)
	if err != nil {
		return idempotency.Answer{}, about("webhook endpoint", err)
	}
	_, p, err := w.fields(r.Context(), b, &cur)
	if err != nil {
		return idempotency.Answer{}, err
	}
	e, err := w.hooks.UpdateEndpoint(r.Context(), appID, id, p, version)
	if err != nil {
		return idempotency.Answer{}, about("webhook endpoint", err)
	}
	return okData(toEndpointJSON(e))
}

// Delete: DELETE /api/v1/apps/{slug}/webhook-endpoints/{id}; 204.
func (w *Webhooks) Delete(r *http.Request) (idempotency.Answer, error) {
	appID, id, err := w.appAndID(r, true)
	if err != nil {
		return idempotency.Answer{}, err
	}
	if _, err := w.hooks.DeleteEndpoint(r.Context(), appID, id); err != nil {
		return idempotency.Answer{}, about("webhook endpoint", err)
	}
	return web.JSON(http.StatusNoContent, nil), nil
}

// RollSecret: POST /api/v1/apps/{slug}/webhook-endpoints/{id}/roll-secret, without a body
// (or {}): a new secret signs at once; a native endpoint's previous one keeps signing for
// 24 hours beside it, a Lukittu endpoint's stops at once. A Lago endpoint has no secret.
func (w *Webhooks) RollSecret(r *http.Request) (idempotency.Answer, error) {
	appID, id, err := w.appAndID(r, true)
	if err != nil {
		return idempotency.Answer{}, err
	}
	raw, err := web.ReadBody(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	if len(strings.TrimSpace(string(raw))) > 0 {
		if b, err := parseBody(raw); err != nil || len(b.fields) > 0 {
			return idempotency.Answer{}, problem.Errorf(problem.BadRequest, "roll-secret takes no body, or {}")
		}
	}
	s, err := w.hooks.RollSecret(r.Context(), appID, id)
	if errors.Is(err, store.ErrNoSecret) {
		return idempotency.Answer{}, problem.Errorf(problem.BadRequest, "a lago endpoint signs with its app's "+
			"Lago keys (GET /api/v1/apps/{slug}/webhook-signing): it has no secret to roll")
	}
	if err != nil {
		return idempotency.Answer{}, about("webhook endpoint", err)
	}
	return okData(withSecrets(s))
}

type signingJSON struct {
	LagoHMACKey   string `json:"lago_hmac_key"`   // signs the lago endpoints on hmac
	LagoPublicKey string `json:"lago_public_key"` // verifies those on jwt, as GET /api/v1/webhooks/public_key answers it
}

// Signing: GET /api/v1/apps/{slug}/webhook-signing, the app's Lago signing keys (made when
// it has none): the HMAC key, and the public key of its RSA key.
func (w *Webhooks) Signing(r *http.Request) (idempotency.Answer, error) {
	appID, err := w.appOf(r, false)
	if err != nil {
		return idempotency.Answer{}, err
	}
	keys, err := w.hooks.LagoKeys(r.Context(), appID)
	if err != nil {
		return idempotency.Answer{}, about("app", err)
	}
	pub, err := webhook.LagoPublicKey(keys.PublicKey)
	if err != nil {
		return idempotency.Answer{}, err
	}
	return okData(signingJSON{LagoHMACKey: string(keys.HMACKey), LagoPublicKey: pub})
}

// endpointFieldNames are the fields of an endpoint's body; others are refused, so that a
// field the API does not have (a secret) is not silently dropped.
var endpointFieldNames = []string{"format", "url", "name", "event_types", "signature_algo"}

// fields reads an endpoint's body: a new endpoint when cur is nil (url required, format apps
// by default), else a change to cur; the errors of every field together.
func (w *Webhooks) fields(ctx context.Context, b *body, cur *webhook.Endpoint) (
	webhook.Endpoint, webhook.Patch, error) {
	for name := range b.fields {
		if !slices.Contains(endpointFieldNames, name) {
			b.errs.Add(name, customer.CodeInvalidFormat, "is not a field of a webhook endpoint")
		}
	}
	var e webhook.Endpoint
	if cur != nil {
		e = *cur
	}
	format := b.str("format")
	switch f := webhook.Format(format.Value); {
	case cur == nil && (!format.Set || f == ""):
		e.Format = webhook.Apps
	case cur == nil && f.Valid():
		e.Format = f
	case cur == nil:
		b.errs.Add("format", customer.CodeInvalidFormat, "must be apps, lago or lukittu")
	case format.Set && f != cur.Format:
		b.errs.Add("format", customer.CodeInvalidFormat, "cannot change: create an endpoint of the other format")
	}
	if cur == nil && e.Format == webhook.Lago {
		e.Algorithm = webhook.LagoJWT // Lago's default
	}
	var p webhook.Patch
	if u := b.str("url"); (u.Set || cur == nil) && !b.errs.Has("url") {
		switch {
		case u.Value == "":
			b.errs.Add("url", customer.CodeRequired, "can't be blank")
		case len(u.Value) > webhook.MaxURLLength:
			b.errs.Add("url", customer.CodeTooLong, "is longer than 2048 bytes")
		default:
			if _, err := w.policy.CheckURL(ctx, u.Value); err != nil {
				b.errs.Add("url", customer.CodeInvalidFormat, urlProblem(err))
			}
			p.URL = &u.Value
		}
	}
	if n := b.str("name"); n.Set {
		if len(n.Value) > webhook.MaxNameLength {
			b.errs.Add("name", customer.CodeTooLong, "is longer than 255 bytes")
		}
		p.Name = &n.Value
	}
	if raw, ok := b.fields["event_types"]; ok && e.Format.Valid() {
		types, msg := endpointEventTypes(raw, e.Format)
		if msg != "" {
			b.errs.Add("event_types", customer.CodeInvalidFormat, msg)
		}
		p.EventTypes = &types
	}
	if a := b.str("signature_algo"); a.Set {
		switch {
		case e.Format != webhook.Lago && e.Format.Valid():
			b.errs.Add("signature_algo", customer.CodeInvalidFormat, "is only for the lago format")
		case a.Value != webhook.LagoJWT && a.Value != webhook.LagoHMAC:
			b.errs.Add("signature_algo", customer.CodeInvalidFormat, "must be jwt or hmac")
		default:
			p.Algorithm = &a.Value
		}
	}
	return e, p, b.errs.Err()
}

// endpointEventTypes reads event_types: null for every type of the format, else an array
// of its types (in their order, repeats dropped); msg says what is wrong.
func endpointEventTypes(raw json.RawMessage, f webhook.Format) (types []string, msg string) {
	if wire.IsNull(raw) {
		return nil, ""
	}
	if json.Unmarshal(raw, &types) != nil {
		return nil, "must be null or an array of event types"
	}
	var seen []string
	for _, t := range types {
		if slices.Contains(seen, t) {
			continue
		}
		seen = append(seen, t)
		if !f.Accepts(t) {
			return nil, strconv.Quote(t) + " is not an event type of the " + string(f) + " format (" +
				strings.Join(f.Sends(), ", ") + ")"
		}
	}
	if seen == nil {
		seen = []string{}
	}
	return seen, ""
}

// urlProblem is what the Apps API says of a URL that webhook.Policy refuses.
func urlProblem(err error) string {
	var dns *net.DNSError
	switch {
	case errors.Is(err, webhook.ErrAddress):
		return "must not lead to a private, loopback, link-local or metadata address"
	case errors.As(err, &dns):
		return "has a host that does not resolve"
	}
	return "must be an https URL with a host (http only to loopback, under make local)"
}
