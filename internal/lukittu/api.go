// Package lukittu is the Lukittu-compatible developer API under /api/v1/dev/teams/{teamId}:
// every response, errors included, is {data, result: {timestamp, valid, details, code}};
// the team is the app, identified by its UUID.
package lukittu

import (
	"cmp"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/web"
)

// Result codes used here, from the contract's enum.
const (
	codeBadRequest       = "BAD_REQUEST"
	codeUnauthorized     = "UNAUTHORIZED"
	codeForbidden        = "FORBIDDEN"
	codeCustomerNotFound = "CUSTOMER_NOT_FOUND"
	codeTeamNotFound     = "TEAM_NOT_FOUND"
	codeRateLimit        = "RATE_LIMIT"
	codeInternal         = "INTERNAL_SERVER_ERROR"
)

// maxSorted bounds the customers read to sort by a column other than createdAt.
const maxSorted = 10000

// API serves the Lukittu-compatible routes over one store.
type API struct {
	store *store.Store
	now   func() time.Time
}

// New returns the API over a store.
func New(s *store.Store) *API {
	return &API{store: s, now: func() time.Time { return time.Now().UTC() }}
}

func (a *API) ok(w http.ResponseWriter, status int, details string, data any) {
	web.JSON(w, status, a.envelope(details, data))
}

func (a *API) envelope(details string, data any) envelope {
	return envelope{Data: data, Result: result{Timestamp: timeJSON(a.now()), Valid: true, Details: details}}
}

// claim is the request's idempotency claim (web.Claim) whose answer is status with the
// envelope of details and data(written); a bad Idempotency-Key is answered 400 here.
func (a *API) claim(w http.ResponseWriter, r *http.Request, raw []byte, status int, details string, data func(idempotency.Result) any) (*idempotency.Claim, bool) {
	c, err := web.Claim(r, raw, func(wr idempotency.Result) idempotency.Answer {
		return web.Answer(status, a.envelope(details, data(wr)))
	})
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "Idempotency-Key must be 1 to 255 printable ASCII characters, sent once")
		return nil, false
	}
	return c, true
}

func writeError(w http.ResponseWriter, status int, code, details string) {
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	web.JSON(w, status, envelope{Result: result{Timestamp: timeJSON(time.Now()), Valid: false, Details: details, Code: code}})
}

// Fail renders a bare status in the Lukittu envelope; it is the web.Failure of its routes.
func Fail(w http.ResponseWriter, r *http.Request, status int) {
	switch status {
	case http.StatusBadRequest:
		writeError(w, status, codeBadRequest, "Bad request")
	case http.StatusUnauthorized:
		writeError(w, status, codeUnauthorized, "Unauthorized")
	case http.StatusForbidden:
		writeError(w, status, codeForbidden, "Forbidden")
	case http.StatusNotFound:
		writeError(w, status, codeBadRequest, "Not found")
	case http.StatusRequestEntityTooLarge:
		writeError(w, status, codeBadRequest, "Request body is larger than 1 MiB")
	case http.StatusTooManyRequests:
		writeError(w, status, codeRateLimit, "Too many requests")
	case http.StatusServiceUnavailable:
		writeError(w, status, codeInternal, "Service temporarily unavailable, try again shortly")
	default:
		writeError(w, http.StatusInternalServerError, codeInternal, "Internal server error")
	}
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var eb *errBody
	var ce *store.ConflictError
	switch {
	case web.Replayed(w, r, err):
	case errors.Is(err, idempotency.ErrKeyReused):
		writeError(w, http.StatusUnprocessableEntity, codeBadRequest, "This Idempotency-Key was used for a different request: a new request needs a new key")
	case errors.Is(err, idempotency.ErrKeyInUse):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusConflict, codeBadRequest, "A request with this Idempotency-Key is in progress, retry shortly")
	case errors.As(err, &eb):
		writeError(w, http.StatusBadRequest, codeBadRequest, eb.msg)
	case errors.As(err, &ce) && errors.Is(err, store.ErrEmailTaken):
		writeError(w, http.StatusConflict, codeBadRequest, "A customer with this email already exists")
	case errors.As(err, &ce):
		writeError(w, http.StatusConflict, codeBadRequest, "A customer with this external id already exists")
	case errors.Is(err, store.ErrAppNotFound), errors.Is(err, store.ErrAppNotActive):
		writeError(w, http.StatusNotFound, codeTeamNotFound, "Team not found")
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, codeCustomerNotFound, "Customer not found")
	case errors.Is(err, store.ErrVersionConflict):
		writeError(w, http.StatusConflict, codeBadRequest, "The customer was changed by another request")
	case errors.Is(err, store.ErrFilterTooLarge):
		writeError(w, http.StatusBadRequest, codeBadRequest, "Too many filter values for one list: narrow the filters")
	case errors.Is(err, store.ErrPageTooDeep):
		writeError(w, http.StatusBadRequest, codeBadRequest, "Page is too deep: narrow the search or use a larger pageSize")
	case errors.Is(err, store.ErrListTooLarge):
		writeError(w, http.StatusBadRequest, codeBadRequest, "Too many customers to sort by this column: sort by createdAt")
	case errors.Is(err, store.ErrBusy):
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

type access int

const (
	read access = iota
	write
)

// team checks the path's teamId and the key: a non-UUID is 400, a missing or bad key and a
// key of another team are the same 401, a write with a publishable key is 403.
func (a *API) team(w http.ResponseWriter, r *http.Request, need access) (string, auth.Principal, bool) {
	teamID, ok := customer.ParseID(r.PathValue("teamId"))
	if !ok {
		writeError(w, http.StatusBadRequest, codeBadRequest, "Invalid teamId: must be a UUID")
		return "", auth.Principal{}, false
	}
	p, ok := web.Principal(r)
	if !ok || (p.Kind != auth.Account && p.AppID != teamID) {
		Fail(w, r, http.StatusUnauthorized)
		return "", auth.Principal{}, false
	}
	if need == write && !p.CanWrite() {
		Fail(w, r, http.StatusForbidden)
		return "", auth.Principal{}, false
	}
	return teamID, p, true
}

func customerID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, ok := customer.ParseID(r.PathValue("customerId"))
	if !ok {
		writeError(w, http.StatusBadRequest, codeBadRequest, "Invalid customerId: must be a UUID")
	}
	return id, ok
}

// readCustomer reads a customer body, answering 413 or 400 itself; raw is the body as sent.
func readCustomer(w http.ResponseWriter, r *http.Request) (_ customer.Customer, raw []byte, ok bool) {
	raw, err := web.ReadBody(w, r)
	if errors.Is(err, web.ErrTooLarge) {
		Fail(w, r, http.StatusRequestEntityTooLarge)
		return customer.Customer{}, nil, false
	}
	if errors.Is(err, web.ErrInvalidUTF8) {
		writeError(w, http.StatusBadRequest, codeBadRequest, "The request body must be valid UTF-8")
		return customer.Customer{}, nil, false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "Could not read the request body")
		return customer.Customer{}, nil, false
	}
	var in customerIn
	if err := decodeStrict(raw, &in); err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return customer.Customer{}, nil, false
	}
	c, err := in.toCustomer()
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, err.Error())
		return customer.Customer{}, nil, false
	}
	return c, raw, true
}

// CreateCustomer: POST /api/v1/dev/teams/{teamId}/customers.
func (a *API) CreateCustomer(w http.ResponseWriter, r *http.Request) {
	teamID, p, ok := a.team(w, r, write)
	if !ok {
		return
	}
	c, raw, ok := readCustomer(w, r)
	if !ok {
		return
	}
	cl, ok := a.claim(w, r, raw, http.StatusCreated, "Customer created", func(wr idempotency.Result) any { return toCustomerJSON(teamID, wr.Customer) })
	if !ok {
		return
	}
	c.CreatedBy = p.KeyID
	created, err := a.store.CreateCustomer(cl.Context(r.Context()), teamID, c)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.Reply(w, r, cl, idempotency.Result{Customer: created, Outcome: idempotency.Created})
}

// GetCustomer: GET /api/v1/dev/teams/{teamId}/customers/{customerId}.
func (a *API) GetCustomer(w http.ResponseWriter, r *http.Request) {
	teamID, _, ok := a.team(w, r, read)
	if !ok {
		return
	}
	id, ok := customerID(w, r)
	if !ok {
		return
	}
	c, err := a.store.GetCustomer(r.Context(), teamID, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.ok(w, http.StatusOK, "Customer found", toCustomerJSON(teamID, c))
}

// UpdateCustomer: PUT /api/v1/dev/teams/{teamId}/customers/{customerId}, a full replace of
// the fields Lukittu knows.
func (a *API) UpdateCustomer(w http.ResponseWriter, r *http.Request) {
	teamID, _, ok := a.team(w, r, write)
	if !ok {
		return
	}
	id, ok := customerID(w, r)
	if !ok {
		return
	}
	c, raw, ok := readCustomer(w, r)
	if !ok {
		return
	}
	cl, ok := a.claim(w, r, raw, http.StatusOK, "Customer updated", func(wr idempotency.Result) any { return toCustomerJSON(teamID, wr.Customer) })
	if !ok {
		return
	}
	updated, outcome, err := a.store.UpdateCustomer(cl.Context(r.Context()), teamID, id, patch(c), 0)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.Reply(w, r, cl, idempotency.Result{Customer: updated, Outcome: outcome})
}

// DeleteCustomer: DELETE /api/v1/dev/teams/{teamId}/customers/{customerId}.
func (a *API) DeleteCustomer(w http.ResponseWriter, r *http.Request) {
	teamID, _, ok := a.team(w, r, write)
	if !ok {
		return
	}
	id, ok := customerID(w, r)
	if !ok {
		return
	}
	cl, ok := a.claim(w, r, nil, http.StatusOK, "Customer deleted", func(idempotency.Result) any { return map[string]any{"customerId": id, "deleted": true} })
	if !ok {
		return
	}
	gone, err := a.store.DeleteCustomer(cl.Context(r.Context()), teamID, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	web.Reply(w, r, cl, idempotency.Result{Customer: gone, Outcome: idempotency.Deleted})
}

type listJSON struct {
	Customers    []customerJSON `json:"customers"`
	TotalResults int64          `json:"totalResults"`
	HasNextPage  bool           `json:"hasNextPage"`
}

// sortColumn returns the comparison of customers a sortColumn value names; createdAt (the
// index's own order) and unknown names have none.
func sortColumn(name string) (func(a, b customer.Customer) int, bool) {
	lower := func(f func(customer.Customer) string) func(a, b customer.Customer) int {
		return func(a, b customer.Customer) int { return cmp.Compare(strings.ToLower(f(a)), strings.ToLower(f(b))) }
	}
	switch name {
	case "fullName":
		return lower(func(c customer.Customer) string { return c.Name }), true
	case "email":
		return lower(func(c customer.Customer) string { return c.Email }), true
	case "username":
		return lower(func(c customer.Customer) string { return c.Username }), true
	case "updatedAt":
		return func(a, b customer.Customer) int { return a.UpdatedAt.Compare(b.UpdatedAt) }, true
	}
	return nil, false
}

// ListCustomers: GET /api/v1/dev/teams/{teamId}/customers?page=&pageSize=&search=&sortColumn=&sortDirection=
// pageSize is 10, 25, 50 or 100 (anything else: 25); search matches email, fullName,
// username and the Discord id, case-insensitively; the default order is createdAt desc.
// The filters (listFilters) narrow the list, and totalResults counts what they let through.
func (a *API) ListCustomers(w http.ResponseWriter, r *http.Request) {
	teamID, _, ok := a.team(w, r, read)
	if !ok {
		return
	}
	q := r.URL.Query()
	page := 1
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, codeBadRequest, "Invalid page: must be a positive integer")
			return
		}
		page = n
	}
	pageSize := 25
	switch q.Get("pageSize") {
	case "10", "25", "50", "100":
		pageSize, _ = strconv.Atoi(q.Get("pageSize"))
	}
	if page > store.MaxListDepth/pageSize {
		a.fail(w, r, store.ErrPageTooDeep) // and page*pageSize below cannot overflow
		return
	}
	asc := q.Get("sortDirection") == "asc"
	query, msg := listFilters(q)
	if msg != "" {
		writeError(w, http.StatusBadRequest, codeBadRequest, msg)
		return
	}
	query.Oldest = asc
	compare, byColumn := sortColumn(q.Get("sortColumn"))
	var (
		customers []customer.Customer
		total     int64
	)
	if !byColumn {
		query.Limit, query.Page = pageSize, page
		res, err := a.store.ListCustomers(r.Context(), teamID, query)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		customers, total = res.Customers, res.Total
	} else {
		all, err := a.store.AllCustomers(r.Context(), teamID, query, maxSorted)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		slices.SortStableFunc(all, func(x, y customer.Customer) int {
			if asc {
				return compare(x, y)
			}
			return compare(y, x)
		})
		total = int64(len(all))
		start := min((page-1)*pageSize, len(all))
		customers = all[start:min(start+pageSize, len(all))]
	}
	out := listJSON{Customers: make([]customerJSON, len(customers)), TotalResults: total, HasNextPage: int64(page*pageSize) < total}
	for i, c := range customers {
		out.Customers[i] = toCustomerJSON(teamID, c)
	}
	a.ok(w, http.StatusOK, "Customers found", out)
}

// listFilters reads the list's search and filters, as the real dev API takes them:
// metadataKey with metadataValue (both, 1 to 255 characters each: the entry with that key,
// its value containing metadataValue in any case), licenseId (the customers holding that
// license), and licenseCountMin, licenseCountMax and licenseCountComparisonMode (between,
// both ends included; equals, greater or less than licenseCountMin). Where the real service
// drops a filter it cannot read and lists every customer, this one answers 400 with what
// is wrong (msg): a list that silently ignores its filter answers the wrong question.
func listFilters(q url.Values) (_ store.ListQuery, msg string) {
	query := store.ListQuery{
		Search:   q.Get("search"),
		SearchIn: []store.SearchField{store.SearchEmail, store.SearchName, store.SearchUsername, store.SearchDiscordID},
	}
	key, value := q.Get("metadataKey"), q.Get("metadataValue")
	if key != "" || value != "" {
		if n, m := utf8.RuneCountInString(key), utf8.RuneCountInString(value); n < 1 || n > 255 || m < 1 || m > 255 {
			return query, "metadataKey and metadataValue go together, each of 1 to 255 characters"
		}
		query.Metadata = []store.MetadataMatch{{Key: key, Value: value, Contains: true}}
	}
	if id := q.Get("licenseId"); id != "" {
		if _, ok := customer.ParseID(id); !ok {
			return query, "Invalid licenseId format"
		}
		query.LicenseID = id
	}
	minRaw, maxRaw, mode := q.Get("licenseCountMin"), q.Get("licenseCountMax"), q.Get("licenseCountComparisonMode")
	if minRaw == "" && maxRaw == "" && mode == "" {
		return query, ""
	}
	count := func(raw string) (int64, bool) {
		n, err := strconv.ParseInt(raw, 10, 32) // far above any customer's licenses, and no overflow below
		return n, err == nil && n >= 0
	}
	lo, ok := count(minRaw)
	if !ok {
		return query, "licenseCountMin must be a whole number of at least 0"
	}
	switch mode {
	case "between":
		hi, ok := count(maxRaw)
		if !ok || hi < lo {
			return query, "licenseCountMax must be a whole number of at least licenseCountMin"
		}
		query.LicenseCount = &store.CountRange{Min: lo, Max: hi}
	case "equals":
		query.LicenseCount = &store.CountRange{Min: lo, Max: lo}
	case "greater":
		query.LicenseCount = &store.CountRange{Min: lo + 1, Max: math.MaxInt64}
	case "less":
		query.LicenseCount = &store.CountRange{Min: 0, Max: lo - 1}
		if lo == 0 {
			query.LicenseCount = &store.CountRange{Min: -1, Max: -1} // fewer than none: nobody
		}
	default:
		return query, "licenseCountComparisonMode must be one of between, equals, greater, less"
	}
	return query, ""
}

// NotFound answers an unknown route under the Lukittu prefix.
func NotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, codeBadRequest, "No such route")
}
