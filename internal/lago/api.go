// Package lago is the Lago-compatible customers API under /api/v1/customers: create or
// update by external_id, read, list and delete, with Lago's {"customer": …} bodies and
// {status, error, code, error_details} errors. The app is the one the (app) key belongs to.
package lago

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/web"
	"github.com/clientele/clientele/internal/webhook"
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

// org is the app of a request's key, Lago's organization, with what Lago's view shows of it.
type org struct {
	appID, keyID  string
	billingEntity string // the code of the app's one billing entity: its slug (docs/lago.md, "Numbers, slugs…")
	prefix        string // its document number prefix, of its customers' slugs (documentPrefix)
}

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

// organization is the app of the request's key (app) with what the customer view shows of it.
// The app's name comes with the key (the authorizer's context); a key made before keys held
// it costs one read of the app (docs/lago.md, "What it costs").
func (a *API) organization(r *http.Request, need auth.Need) (org, error) {
	appID, p, err := app(r, need)
	name := p.AppName
	if err == nil && name == "" {
		name, err = a.store.AppName(r.Context(), appID)
	}
	if err != nil {
		return org{}, err
	}
	o := orgOf(webhook.App{ID: appID, Slug: p.AppSlug, Name: name})
	o.keyID = p.KeyID
	return o, nil
}

// documentPrefix is the document number prefix that Lago gives an organization when it is
// made: the first three characters of its name in capitals, a dash, and the last four of its
// id in capitals ("ORG-4321"). Upper case is Unicode's full mapping, as Ruby's upcase ("ß" is
// "SS"); a Caser is not safe for concurrent use, hence one a call.
func documentPrefix(name, id string) string {
	first := []rune(name)
	first = first[:min(3, len(first))]
	return cases.Upper(language.Und).String(string(first)) + "-" + strings.ToUpper(id[max(0, len(id)-4):])
}

// slug is Lago's slug of a customer: the prefix, a dash, and its sequential id in at least
// three digits.
func (o org) slug(c customer.Customer) string {
	return fmt.Sprintf("%s-%03d", o.prefix, c.SequentialID)
}

type customerBody struct {
	Customer customerJSON `json:"customer"`
}

// customerAnswer is the answer of both of Lago's writes: 200 with the customer written (or deleted).
func (o org) customerAnswer(res idempotency.Result) idempotency.Answer {
	return web.JSON(http.StatusOK, customerBody{toCustomerJSON(res.Customer, o)})
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
	o, err := a.organization(r, auth.Write)
	if err != nil {
		return idempotency.Answer{}, err
	}
	in, raw, err := readBody(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	if !in.ofBillingEntity(o.billingEntity) {
		return idempotency.Answer{}, errNoBillingEntity
	}
	ext := strings.TrimSpace(in.externalID())
	if ext == "" {
		in.add("external_id", codeMandatory)
	}
	patch := in.patch()
	if in.details != nil {
		return idempotency.Answer{}, invalid(in.details)
	}
	cl, err := web.Claim(r, raw, o.customerAnswer)
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, outcome, err := a.store.UpsertByExternalID(cl.Context(r.Context()), o.appID, ext, patch, o.keyID)
	if err != nil {
		return idempotency.Answer{}, err
	}
	return web.Committed(r.Context(), cl, idempotency.Result{Customer: c, Outcome: outcome}), nil
}

// Get: GET /api/v1/customers/{external_id}.
func (a *API) Get(r *http.Request) (idempotency.Answer, error) {
	o, err := a.organization(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, err := a.store.FindByExternalID(r.Context(), o.appID, r.PathValue("external_id"))
	if err != nil {
		return idempotency.Answer{}, err
	}
	return web.JSON(http.StatusOK, customerBody{toCustomerJSON(c, o)}), nil
}

// Delete: DELETE /api/v1/customers/{external_id} returns the deleted customer.
func (a *API) Delete(r *http.Request) (idempotency.Answer, error) {
	o, err := a.organization(r, auth.Write)
	if err != nil {
		return idempotency.Answer{}, err
	}
	cl, err := web.Claim(r, nil, o.customerAnswer)
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, err := a.store.DeleteByExternalID(cl.Context(r.Context()), o.appID, r.PathValue("external_id"))
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

// List: GET /api/v1/customers, newest first, with Lago's filters (listQuery). As Lago's,
// billing_entity_codes[] must name billing entities of the organization, else it is 404,
// before the other filters are checked; the app's one code restricts nothing.
func (a *API) List(r *http.Request) (idempotency.Answer, error) {
	o, err := a.organization(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	q := r.URL.Query()
	for _, code := range slices.Concat(q["billing_entity_codes[]"], q["billing_entity_codes"]) {
		if code != o.billingEntity {
			return idempotency.Answer{}, errNoBillingEntity
		}
	}
	query, page, perPage, details := listQuery(q)
	if len(details) > 0 {
		return idempotency.Answer{}, invalid(details)
	}
	res, err := a.store.ListCustomers(r.Context(), o.appID, query)
	if err != nil {
		return idempotency.Answer{}, err
	}
	totalPages := int((res.Total + int64(perPage) - 1) / int64(perPage))
	out := listJSON{Customers: make([]customerJSON, len(res.Customers)),
		Meta: metaJSON{CurrentPage: page, TotalPages: totalPages, TotalCount: res.Total}}
	for i, c := range res.Customers {
		out.Customers[i] = toCustomerJSON(c, o)
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
	p := &params{q: q, details: map[string]any{}}
	page, perPage = p.positive("page", 1), min(p.positive("per_page", defaultPerPage), maxPerPage)
	lq := store.ListQuery{
		ExternalID: q.Get("external_id"), Search: q.Get("search_term"),
		SearchIn: []store.SearchField{store.SearchName, store.SearchLegalName, store.SearchExternalID, store.SearchEmail},
		Limit:    perPage, Page: page,
		Countries: p.list("countries", func(s string) (string, bool) {
			s = strings.ToUpper(strings.TrimSpace(s))
			return s, customer.IsCountryCode(s)
		}),
		States: p.list("states", nil), PostalCodes: p.list("zipcodes", nil),
		Lago: p.sectionFilters(), Metadata: p.metadataFilters(),
	}
	return lq, page, perPage, p.details
}

// Bounds of a list's filters: with every other filter at its own bound, one DynamoDB query
// still holds them (TestWorstCaseListFitsOneQuery). Country codes and currencies are bounded
// by their lists (249 and 142 distinct values).
const (
	maxListValues     = 100 // distinct states[], distinct zipcodes[]
	maxMetadataFilter = 20  // metadata[key]=value filters
	codeTooMany       = "too_many_values"
)

// params reads a list's query parameters, keeping Lago's details of the bad ones.
type params struct {
	q       url.Values
	details map[string]any
}

// positive is the positive integer parameter name, else def.
func (p *params) positive(name string, def int) int {
	s := p.q.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		p.details[name] = []string{codeInvalid}
		return def
	}
	return n
}

// list is the values of a list parameter (name[] or name), each checked (and normalized)
// by check when there is one: Lago names the bad ones by their position.
func (p *params) list(name string, check func(string) (string, bool)) []string {
	vals := slices.Concat(p.q[name+"[]"], p.q[name])
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
		p.details[name] = bad
	} else if check == nil && len(distinctValues(vals)) > maxListValues {
		p.details[name] = []string{codeTooMany}
	}
	return vals
}

func distinctValues(vals []string) []string {
	out := slices.Clone(vals)
	slices.Sort(out)
	return slices.Compact(out)
}

// flag is a true or false parameter, nil when absent.
func (p *params) flag(name string) *bool {
	switch p.q.Get(name) {
	case "":
		return nil
	case "true":
		return new(true)
	case "false":
		return new(false)
	}
	p.details[name] = []string{codeInvalid}
	return nil
}

// sectionFilters are the filters on the Lago section: currencies, account_type,
// has_tax_identification_number, customer_type and has_customer_type.
func (p *params) sectionFilters() []store.FieldMatch {
	var out []store.FieldMatch
	enum := func(values []string) func(string) (string, bool) {
		return func(s string) (string, bool) { return s, slices.Contains(values, s) }
	}
	if cs := p.list("currencies", func(s string) (string, bool) { return s, validCurrency(s) }); len(cs) > 0 {
		out = append(out, store.FieldMatch{Field: fieldCurrency, AnyOf: cs})
	}
	if ts := p.list("account_type", enum(accountTypes)); len(ts) > 0 {
		out = append(out, store.FieldMatch{Field: fieldAccountType, AnyOf: ts, Default: accountTypes[0]})
	}
	hasType, hasTaxID := p.flag("has_customer_type"), p.flag("has_tax_identification_number")
	if hasTaxID != nil {
		out = append(out, store.FieldMatch{Field: fieldTaxID, Present: hasTaxID})
	}
	switch t := p.q.Get("customer_type"); {
	case t != "" && !slices.Contains(customerTypes, t):
		p.details["customer_type"] = []string{codeInvalid}
	case t != "" && hasType != nil && !*hasType:
		p.details["customer_type"] = []string{"must be nil when has_customer_type is false"}
	case t != "":
		out = append(out, store.FieldMatch{Field: fieldCustomerType, AnyOf: []string{t}})
	case hasType != nil:
		out = append(out, store.FieldMatch{Field: fieldCustomerType, Present: hasType})
	}
	return out
}

// metadataFilters are the metadata[key]=value parameters, by key (the order a cursor is bound to).
func (p *params) metadataFilters() []store.MetadataMatch {
	q := p.q
	var keys []string
	for k := range q {
		if key, ok := strings.CutPrefix(k, "metadata["); ok && strings.HasSuffix(key, "]") && len(key) > 1 {
			keys = append(keys, key[:len(key)-1])
		}
	}
	slices.Sort(keys)
	if len(keys) > maxMetadataFilter {
		p.details["metadata"] = []string{codeTooMany}
	}
	var out []store.MetadataMatch
	for _, k := range keys {
		out = append(out, store.MetadataMatch{Key: k, Value: q.Get("metadata[" + k + "]")})
	}
	return out
}
