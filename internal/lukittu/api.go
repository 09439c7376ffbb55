// Package lukittu is the Lukittu-compatible developer API under /api/v1/dev/teams/{teamId}:
// every response, errors included, is {data, result: {timestamp, valid, details, code}};
// the team is the app, identified by its UUID.
package lukittu

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/web"
	"github.com/clientele/clientele/internal/wire"
)

// API serves the Lukittu-compatible routes over one store.
type API struct {
	store *store.Store
	now   func() time.Time
}

// New returns the API over a store.
func New(s *store.Store) *API {
	return &API{store: s, now: func() time.Time { return time.Now().UTC() }}
}

// valid is the answer of status with the envelope of details and data.
func (a *API) valid(status int, details string, data any) idempotency.Answer {
	res := result{Timestamp: wire.Time(a.now()), Valid: true, Details: details}
	return web.JSON(status, envelope{Data: data, Result: res})
}

// customerAnswer is the answer of status with details and the customer a write wrote.
func (a *API) customerAnswer(teamID string, status int, details string) func(idempotency.Result) idempotency.Answer {
	return func(res idempotency.Result) idempotency.Answer {
		return a.valid(status, details, toCustomerJSON(teamID, res.Customer))
	}
}

// team checks the path's teamId and the key: a non-UUID is 400, a missing or bad key and a
// key of another team are the same 401 (auth.ErrNoKey), a write with a publishable key 403.
func (a *API) team(r *http.Request, need auth.Need) (string, auth.Principal, error) {
	teamID, ok := customer.ParseID(r.PathValue("teamId"))
	if !ok {
		return "", auth.Principal{}, problem.Errorf(problem.BadRequest, "Invalid teamId: must be a UUID")
	}
	p, err := web.Principal(r)
	if err == nil && p.Kind != auth.Account && p.AppID != teamID {
		err = auth.ErrNoKey
	}
	if err == nil {
		err = p.Allow(need)
	}
	if err != nil {
		return "", auth.Principal{}, err
	}
	return teamID, p, nil
}

// teamAndCustomer is team, and the customerId of the path.
func (a *API) teamAndCustomer(r *http.Request, need auth.Need) (teamID, id string, err error) {
	if teamID, _, err = a.team(r, need); err != nil {
		return "", "", err
	}
	id, ok := customer.ParseID(r.PathValue("customerId"))
	if !ok {
		return "", "", problem.Errorf(problem.BadRequest, "Invalid customerId: must be a UUID")
	}
	return teamID, id, nil
}

// readCustomer reads a customer body; raw is the body as sent.
func readCustomer(r *http.Request) (_ customer.Customer, raw []byte, err error) {
	if raw, err = web.ReadBody(r); err != nil {
		return customer.Customer{}, nil, err
	}
	var in customerIn
	if err := decodeStrict(raw, &in); err != nil {
		return customer.Customer{}, nil, err
	}
	c, err := in.toCustomer()
	if err != nil {
		return customer.Customer{}, nil, err
	}
	return c, raw, nil
}

// CreateCustomer: POST /api/v1/dev/teams/{teamId}/customers.
func (a *API) CreateCustomer(r *http.Request) (idempotency.Answer, error) {
	teamID, p, err := a.team(r, auth.Write)
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, raw, err := readCustomer(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	cl, err := web.Claim(r, raw, a.customerAnswer(teamID, http.StatusCreated, "Customer created"))
	if err != nil {
		return idempotency.Answer{}, err
	}
	c.CreatedBy = p.KeyID
	created, err := a.store.CreateCustomer(cl.Context(r.Context()), teamID, c)
	if err != nil {
		return idempotency.Answer{}, err
	}
	return web.Committed(r.Context(), cl, idempotency.Result{Customer: created, Outcome: idempotency.Created}), nil
}

// GetCustomer: GET /api/v1/dev/teams/{teamId}/customers/{customerId}.
func (a *API) GetCustomer(r *http.Request) (idempotency.Answer, error) {
	teamID, id, err := a.teamAndCustomer(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, err := a.store.GetCustomer(r.Context(), teamID, id)
	if err != nil {
		return idempotency.Answer{}, err
	}
	return a.valid(http.StatusOK, "Customer found", toCustomerJSON(teamID, c)), nil
}

// UpdateCustomer: PUT /api/v1/dev/teams/{teamId}/customers/{customerId}, a full replace of
// the fields Lukittu knows.
func (a *API) UpdateCustomer(r *http.Request) (idempotency.Answer, error) {
	teamID, id, err := a.teamAndCustomer(r, auth.Write)
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, raw, err := readCustomer(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	cl, err := web.Claim(r, raw, a.customerAnswer(teamID, http.StatusOK, "Customer updated"))
	if err != nil {
		return idempotency.Answer{}, err
	}
	updated, outcome, err := a.store.UpdateCustomer(cl.Context(r.Context()), teamID, id, patch(c), 0)
	if err != nil {
		return idempotency.Answer{}, err
	}
	return web.Committed(r.Context(), cl, idempotency.Result{Customer: updated, Outcome: outcome}), nil
}

// DeleteCustomer: DELETE /api/v1/dev/teams/{teamId}/customers/{customerId}.
func (a *API) DeleteCustomer(r *http.Request) (idempotency.Answer, error) {
	teamID, id, err := a.teamAndCustomer(r, auth.Write)
	if err != nil {
		return idempotency.Answer{}, err
	}
	cl, err := web.Claim(r, nil, func(idempotency.Result) idempotency.Answer {
		return a.valid(http.StatusOK, "Customer deleted", map[string]any{"customerId": id, "deleted": true})
	})
	if err != nil {
		return idempotency.Answer{}, err
	}
	gone, err := a.store.DeleteCustomer(cl.Context(r.Context()), teamID, id)
	if err != nil {
		return idempotency.Answer{}, err
	}
	return web.Committed(r.Context(), cl, idempotency.Result{Customer: gone, Outcome: idempotency.Deleted}), nil
}

type listJSON struct {
	Customers    []customerJSON `json:"customers"`
	TotalResults int64          `json:"totalResults"`
	HasNextPage  bool           `json:"hasNextPage"`
}

// sortColumn returns the order a sortColumn value names; createdAt and unknown names are
// creation order, as in Lukittu.
func sortColumn(name string) store.Sort {
	switch name {
	case "fullName":
		return store.SortName
	case "email":
		return store.SortEmail
	case "username":
		return store.SortUsername
	case "updatedAt":
		return store.SortUpdated
	}
	return store.SortCreated
}

// ListCustomers: GET /api/v1/dev/teams/{teamId}/customers?page=&pageSize=&search=&sortColumn=&sortDirection=
// and the filters of listFilters (docs/lukittu.md, "List").
func (a *API) ListCustomers(r *http.Request) (idempotency.Answer, error) {
	teamID, _, err := a.team(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	q := r.URL.Query()
	page, pageSize, err := pageOf(q)
	if err != nil {
		return idempotency.Answer{}, err
	}
	query, msg := listFilters(q)
	if msg != "" {
		return idempotency.Answer{}, problem.Errorf(problem.BadRequest, "%s", msg)
	}
	query.Oldest, query.Sort = q.Get("sortDirection") == "asc", sortColumn(q.Get("sortColumn"))
	query.Limit, query.Page = pageSize, page
	res, err := a.store.ListCustomers(r.Context(), teamID, query)
	if err != nil {
		return idempotency.Answer{}, err
	}
	customers, total := res.Customers, res.Total
	pages := (total + int64(pageSize) - 1) / int64(pageSize)
	out := listJSON{Customers: make([]customerJSON, len(customers)), TotalResults: total, HasNextPage: int64(page) < pages}
	for i, c := range customers {
		out.Customers[i] = toCustomerJSON(teamID, c)
	}
	return a.valid(http.StatusOK, "Customers found", out), nil
}

// pageOf reads page (a positive integer) and pageSize (10, 25, 50 or 100; anything else 25).
func pageOf(q url.Values) (page, pageSize int, err error) {
	page, pageSize = 1, 25
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return 0, 0, problem.Errorf(problem.BadRequest, "Invalid page: must be a positive integer")
		}
		page = n
	}
	switch q.Get("pageSize") {
	case "10", "25", "50", "100":
		pageSize, _ = strconv.Atoi(q.Get("pageSize"))
	}
	return page, pageSize, nil
}

// listFilters reads the list's search and filters (docs/lukittu.md, "List"); msg says what is wrong.
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
