// Package lago is the Lago-compatible customers API under /api/v1/customers: create or
// update by external_id, read, list and delete, with Lago's {"customer": …} bodies and
// {status, error, code, error_details} errors. The app is the one the (app) key belongs to.
package lago

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/web"
)

// Page sizes of lists: Lago's default, and the store's largest page (Lago sets none).
const (
	defaultPerPage = 100
	maxPerPage     = store.MaxListLimit
)

// API serves the Lago-compatible routes over one store.
type API struct {
	store *store.Store
}

// New returns the API over a store.
func New(s *store.Store) *API { return &API{store: s} }

type errorJSON struct {
	Status       int    `json:"status"`
	Error        string `json:"error"`
	Code         string `json:"code,omitempty"`
	ErrorDetails any    `json:"error_details,omitempty"` // {field: [code]}, or {field: {index: [code]}} for a list filter
}

func writeError(w http.ResponseWriter, status int, code string, details any) {
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	web.JSON(w, status, errorJSON{Status: status, Error: http.StatusText(status), Code: code, ErrorDetails: details})
}

// Fail renders a bare status in Lago's error format; it is the web.Failure of its routes.
func Fail(w http.ResponseWriter, r *http.Request, status int) {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge:
		writeError(w, status, "", nil)
	case http.StatusForbidden:
		writeError(w, status, "forbidden", nil)
	case http.StatusNotFound:
		writeError(w, status, "not_found", nil)
	case http.StatusTooManyRequests:
		writeError(w, status, "too_many_requests", nil)
	case http.StatusServiceUnavailable:
		writeError(w, status, "service_unavailable", nil)
	default:
		writeError(w, http.StatusInternalServerError, codeInternalError, nil)
	}
}

func invalid(w http.ResponseWriter, details map[string][]string) {
	writeError(w, http.StatusUnprocessableEntity, codeValidation, details)
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ve *customer.ValidationError
	var ce *store.ConflictError
	switch {
	case web.Replayed(w, r, err):
	case errors.Is(err, idempotency.ErrKeyReused):
		invalid(w, map[string][]string{"idempotency_key": {"idempotency_key_reused"}})
	case errors.Is(err, idempotency.ErrKeyInUse):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusConflict, "idempotency_key_in_use", nil)
	case errors.As(err, &ve):
		details := map[string][]string{}
		for _, fe := range ve.Errors {
			f := lagoField(fe.Field)
			details[f] = append(details[f], lagoCode(f, fe.Code))
		}
		invalid(w, details)
	case errors.As(err, &ce) && errors.Is(err, store.ErrEmailTaken):
		invalid(w, map[string][]string{"email": {codeAlreadyExist}})
	case errors.As(err, &ce):
		invalid(w, map[string][]string{"external_id": {codeAlreadyExist}})
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, codeNotFound, nil)
	case errors.Is(err, store.ErrAppNotFound), errors.Is(err, store.ErrAppNotActive):
		Fail(w, r, http.StatusUnauthorized) // the key's organization is gone
	case errors.Is(err, store.ErrPageTooDeep):
		invalid(w, map[string][]string{"page": {"page_too_deep"}})
	case errors.Is(err, store.ErrFilterTooLarge):
		invalid(w, map[string][]string{"filters": {"too_many_values"}})
	case errors.Is(err, store.ErrBusy), errors.Is(err, store.ErrVersionConflict):
		web.Logger(r.Context()).Warn("store busy", "error", err.Error())
		telemetry.Count(r.Context(), "BusyAnswers")
		Fail(w, r, http.StatusServiceUnavailable)
	case errors.Is(err, store.ErrUnavailable):
		web.Logger(r.Context()).Error("store unavailable", "error", err.Error())
		Fail(w, r, http.StatusServiceUnavailable)
	default:
		web.Logger(r.Context()).Error("request failed", "error", err.Error())
		Fail(w, r, http.StatusInternalServerError)
	}
}

// app is the app of the request's key. Lago has one API key per organization, so only app
// keys are accepted here: an account key names no app and gets 401 like a bad key.
func app(w http.ResponseWriter, r *http.Request, write bool) (string, auth.Principal, bool) {
	p, ok := web.Principal(r)
	if !ok || p.Kind == auth.Account {
		Fail(w, r, http.StatusUnauthorized)
		return "", auth.Principal{}, false
	}
	if write && !p.CanWrite() {
		Fail(w, r, http.StatusForbidden)
		return "", auth.Principal{}, false
	}
	return p.AppID, p, true
}

type customerBody struct {
	Customer customerJSON `json:"customer"`
}

// claim is the request's idempotency claim (web.Claim): the answer of both of Lago's writes
// is 200 with the customer written (or deleted). A bad Idempotency-Key is answered 400 here.
func claim(w http.ResponseWriter, r *http.Request, raw []byte) (*idempotency.Claim, bool) {
	c, err := web.Claim(r, raw, func(wr idempotency.Result) idempotency.Answer {
		return web.Answer(http.StatusOK, customerBody{toCustomerJSON(wr.Customer)})
	})
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_idempotency_key", nil)
		return nil, false
	}
	return c, true
}

// Upsert: POST /api/v1/customers {"customer": {...}} creates the customer with that
// external_id or updates it; 200 either way.
func (a *API) Upsert(w http.ResponseWriter, r *http.Request) {
	appID, p, ok := app(w, r, true)
	if !ok {
		return
	}
	raw, err := web.ReadBody(w, r)
	if errors.Is(err, web.ErrTooLarge) {
		Fail(w, r, http.StatusRequestEntityTooLarge)
		return
	}
	var envelope map[string]json.RawMessage
	if err != nil || json.Unmarshal(raw, &envelope) != nil || envelope["customer"] == nil {
		Fail(w, r, http.StatusBadRequest)
		return
	}
	in := input{}
	if json.Unmarshal(envelope["customer"], &in.fields) != nil || in.fields == nil {
		Fail(w, r, http.StatusBadRequest)
		return
	}
	ext := strings.TrimSpace(in.externalID())
	if ext == "" {
		in.add("external_id", codeMandatory)
	}
	patch := in.patch()
	if in.details != nil {
		invalid(w, in.details)
		return
	}
	cl, ok := claim(w, r, raw)
	if !ok {
		return
	}
	c, outcome, err := a.store.UpsertByExternalID(cl.Context(r.Context()), appID, ext, patch, p.KeyID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.Reply(w, r, cl, idempotency.Result{Customer: c, Outcome: outcome})
}

// Get: GET /api/v1/customers/{external_id}.
func (a *API) Get(w http.ResponseWriter, r *http.Request) {
	appID, _, ok := app(w, r, false)
	if !ok {
		return
	}
	c, err := a.store.FindByExternalID(r.Context(), appID, r.PathValue("external_id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, customerBody{toCustomerJSON(c)})
}

// Delete: DELETE /api/v1/customers/{external_id} returns the deleted customer.
func (a *API) Delete(w http.ResponseWriter, r *http.Request) {
	appID, _, ok := app(w, r, true)
	if !ok {
		return
	}
	cl, ok := claim(w, r, nil)
	if !ok {
		return
	}
	c, err := a.store.DeleteByExternalID(cl.Context(r.Context()), appID, r.PathValue("external_id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.Reply(w, r, cl, idempotency.Result{Customer: c, Outcome: idempotency.Deleted})
}

type metaJSON struct {
	CurrentPage int   `json:"current_page"`
	NextPage    *int  `json:"next_page"`
	PrevPage    *int  `json:"prev_page"`
	TotalPages  int   `json:"total_pages"`
	TotalCount  int64 `json:"total_count"`
}

type listJSON struct {
	Customers []customerJSON `json:"customers"`
	Meta      metaJSON       `json:"meta"`
}

// List: GET /api/v1/customers, newest first, with Lago's filters: search_term (name,
// legal_name, external_id and email, case-insensitively), external_id, countries[],
// states[], zipcodes[], currencies[], customer_type, has_customer_type,
// has_tax_identification_number, account_type[] and metadata[key]=value.
func (a *API) List(w http.ResponseWriter, r *http.Request) {
	appID, _, ok := app(w, r, false)
	if !ok {
		return
	}
	q := r.URL.Query()
	query, page, perPage, details := listQuery(q)
	if len(details) > 0 {
		writeError(w, http.StatusUnprocessableEntity, codeValidation, details)
		return
	}
	res, err := a.store.ListCustomers(r.Context(), appID, query)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	totalPages := int((res.Total + int64(perPage) - 1) / int64(perPage))
	out := listJSON{Customers: make([]customerJSON, len(res.Customers)), Meta: metaJSON{CurrentPage: page, TotalPages: totalPages, TotalCount: res.Total}}
	for i, c := range res.Customers {
		out.Customers[i] = toCustomerJSON(c)
	}
	if page < totalPages {
		next := page + 1
		out.Meta.NextPage = &next
	}
	if page > 1 {
		prev := page - 1
		out.Meta.PrevPage = &prev
	}
	web.JSON(w, http.StatusOK, out)
}

// listQuery reads a list's parameters; details holds Lago's errors for the bad ones.
func listQuery(q url.Values) (_ store.ListQuery, page, perPage int, details map[string]any) {
	details = map[string]any{}
	page, perPage = 1, defaultPerPage
	for name, dst := range map[string]*int{"page": &page, "per_page": &perPage} {
		if s := q.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				details[name] = []string{codeInvalid}
				continue
			}
			*dst = n
		}
	}
	perPage = min(perPage, maxPerPage)
	lq := store.ListQuery{
		ExternalID: q.Get("external_id"), Search: q.Get("search_term"),
		SearchIn: []store.SearchField{store.SearchName, store.SearchLegalName, store.SearchExternalID, store.SearchEmail},
		Limit:    perPage, Page: page,
	}
	// A list's values, each checked: Lago names the bad ones by their position.
	list := func(name string, check func(string) (string, bool)) []string {
		vals := slices.Concat(q[name+"[]"], q[name])
		bad := map[string][]string{}
		for i, v := range vals {
			if check == nil {
				continue
			}
			var ok bool
			if vals[i], ok = check(v); !ok {
				bad[strconv.Itoa(i)] = []string{codeInvalid}
			}
		}
		if len(bad) > 0 {
			details[name] = bad
		}
		return vals
	}
	lq.Countries = list("countries", func(s string) (string, bool) {
		s = strings.ToUpper(strings.TrimSpace(s))
		return s, customer.IsCountryCode(s)
	})
	lq.States = list("states", nil)
	lq.PostalCodes = list("zipcodes", nil)
	enum := func(values []string) func(string) (string, bool) {
		return func(s string) (string, bool) { return s, slices.Contains(values, s) }
	}
	if cs := list("currencies", func(s string) (string, bool) { return s, validCurrency(s) }); len(cs) > 0 {
		lq.Lago = append(lq.Lago, store.FieldMatch{Field: fieldCurrency, AnyOf: cs})
	}
	if ts := list("account_type", enum(accountTypes)); len(ts) > 0 {
		lq.Lago = append(lq.Lago, store.FieldMatch{Field: fieldAccountType, AnyOf: ts, Default: accountTypes[0]})
	}
	flag := func(name string) *bool {
		switch q.Get(name) {
		case "":
			return nil
		case "true":
			return new(true)
		case "false":
			return new(false)
		}
		details[name] = []string{codeInvalid}
		return nil
	}
	hasType, hasTaxID := flag("has_customer_type"), flag("has_tax_identification_number")
	if hasTaxID != nil {
		lq.Lago = append(lq.Lago, store.FieldMatch{Field: fieldTaxID, Present: hasTaxID})
	}
	switch t := q.Get("customer_type"); {
	case t != "" && !slices.Contains(customerTypes, t):
		details["customer_type"] = []string{codeInvalid}
	case t != "" && hasType != nil && !*hasType:
		details["customer_type"] = []string{"must be nil when has_customer_type is false"}
	case t != "":
		lq.Lago = append(lq.Lago, store.FieldMatch{Field: fieldCustomerType, AnyOf: []string{t}})
	case hasType != nil:
		lq.Lago = append(lq.Lago, store.FieldMatch{Field: fieldCustomerType, Present: hasType})
	}
	var keys []string
	for k := range q {
		if key, ok := strings.CutPrefix(k, "metadata["); ok && strings.HasSuffix(key, "]") && len(key) > 1 {
			keys = append(keys, key[:len(key)-1])
		}
	}
	slices.Sort(keys) // one order of the filters for one query, which the cursor is bound to
	for _, k := range keys {
		lq.Metadata = append(lq.Metadata, store.MetadataMatch{Key: k, Value: q.Get("metadata[" + k + "]")})
	}
	return lq, page, perPage, details
}

// NotFound answers an unknown route under the Lago prefix.
func NotFound(w http.ResponseWriter, r *http.Request) { Fail(w, r, http.StatusNotFound) }
