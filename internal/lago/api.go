// Package lago is the Lago-compatible customers API under /api/v1/customers: create or
// update by external_id, read, list and delete, with Lago's {"customer": …} bodies and
// {status, error, code, error_details} errors. The app is the one the (app) key belongs to.
package lago

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/store"
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

// app is the app of the request's key. Lago has one API key per organization, so only app
// keys are accepted here: an account key names no app and gets 401 like a bad key.
func app(r *http.Request, need auth.Need) (string, auth.Principal, error) {
	p, err := web.Principal(r)
	if err == nil && p.Kind == auth.Account {
		err = auth.ErrNoKey
	}
	if err == nil {
		err = p.Allow(need)
	}
	if err != nil {
		return "", auth.Principal{}, err
	}
	return p.AppID, p, nil
}

type customerBody struct {
	Customer customerJSON `json:"customer"`
}

// customerAnswer is the answer of both of Lago's writes: 200 with the customer written (or deleted).
func customerAnswer(res idempotency.Result) idempotency.Answer {
	return web.JSON(http.StatusOK, customerBody{toCustomerJSON(res.Customer)})
}

// readBody reads a body {"customer": {...}}; raw is the body as sent.
func readBody(r *http.Request) (in *input, raw []byte, err error) {
	if raw, err = web.ReadBody(r); err != nil {
		return nil, nil, err
	}
	var envelope map[string]json.RawMessage
	in = &input{}
	if json.Unmarshal(raw, &envelope) != nil || envelope["customer"] == nil ||
		json.Unmarshal(envelope["customer"], &in.fields) != nil || in.fields == nil {
		return nil, nil, problem.Errorf(problem.BadRequest, "the body must be {\"customer\": {...}}")
	}
	return in, raw, nil
}

// Upsert: POST /api/v1/customers {"customer": {...}} creates the customer with that
// external_id or updates it; 200 either way.
func (a *API) Upsert(r *http.Request) (idempotency.Answer, error) {
	appID, p, err := app(r, auth.Write)
	if err != nil {
		return idempotency.Answer{}, err
	}
	in, raw, err := readBody(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	ext := strings.TrimSpace(in.externalID())
	if ext == "" {
		in.add("external_id", codeMandatory)
	}
	patch := in.patch()
	if in.details != nil {
		return idempotency.Answer{}, invalid(in.details)
	}
	cl, err := web.Claim(r, raw, customerAnswer)
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, outcome, err := a.store.UpsertByExternalID(cl.Context(r.Context()), appID, ext, patch, p.KeyID)
	if err != nil {
		return idempotency.Answer{}, err
	}
	return web.Committed(r.Context(), cl, idempotency.Result{Customer: c, Outcome: outcome}), nil
}

// Get: GET /api/v1/customers/{external_id}.
func (a *API) Get(r *http.Request) (idempotency.Answer, error) {
	appID, _, err := app(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, err := a.store.FindByExternalID(r.Context(), appID, r.PathValue("external_id"))
	if err != nil {
		return idempotency.Answer{}, err
	}
	return web.JSON(http.StatusOK, customerBody{toCustomerJSON(c)}), nil
}

// Delete: DELETE /api/v1/customers/{external_id} returns the deleted customer.
func (a *API) Delete(r *http.Request) (idempotency.Answer, error) {
	appID, _, err := app(r, auth.Write)
	if err != nil {
		return idempotency.Answer{}, err
	}
	cl, err := web.Claim(r, nil, customerAnswer)
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, err := a.store.DeleteByExternalID(cl.Context(r.Context()), appID, r.PathValue("external_id"))
	if err != nil {
		return idempotency.Answer{}, err
	}
	return web.Committed(r.Context(), cl, idempotency.Result{Customer: c, Outcome: idempotency.Deleted}), nil
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

// List: GET /api/v1/customers, newest first, with Lago's filters (listQuery).
func (a *API) List(r *http.Request) (idempotency.Answer, error) {
	appID, _, err := app(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	query, page, perPage, details := listQuery(r.URL.Query())
	if len(details) > 0 {
		return idempotency.Answer{}, invalid(details)
	}
	res, err := a.store.ListCustomers(r.Context(), appID, query)
	if err != nil {
		return idempotency.Answer{}, err
	}
	totalPages := int((res.Total + int64(perPage) - 1) / int64(perPage))
	out := listJSON{Customers: make([]customerJSON, len(res.Customers)),
		Meta: metaJSON{CurrentPage: page, TotalPages: totalPages, TotalCount: res.Total}}
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
	return web.JSON(http.StatusOK, out), nil
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
