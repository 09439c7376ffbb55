package appsapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/web"
	"github.com/clientele/clientele/internal/wire"
)

// customerFields reads a customer body; required lists fields that must be present and not null.
func customerFields(b *body, required ...string) (customer.Patch, error) {
	p := b.customerPatch()
	for _, f := range required {
		if raw, ok := b.fields[f]; !ok || wire.IsNull(raw) {
			b.errs.Add(f, customer.CodeRequired, "can't be blank")
		}
	}
	if p.Email.Set && p.Email.Value == "" && !b.errs.Has("email") {
		b.errs.Add("email", customer.CodeRequired, "can't be blank")
	}
	if err := b.errs.Err(); err != nil {
		return customer.Patch{}, err
	}
	if err := p.Apply(customer.Customer{}).Validate(); err != nil {
		return customer.Patch{}, err
	}
	return p, nil
}

// newCustomer is the customer a create writes: the patch's fields, created by the key.
func newCustomer(r *http.Request, p customer.Patch) customer.Customer {
	c := p.Apply(customer.Customer{})
	if pr, err := web.Principal(r); err == nil {
		c.CreatedBy = pr.KeyID
	}
	return c
}

// customerAnswer is the answer of status with the customer a write wrote.
func customerAnswer(status int) func(idempotency.Result) idempotency.Answer {
	return func(res idempotency.Result) idempotency.Answer {
		return web.JSON(status, data{RenderCustomer(res.Customer)})
	}
}

// creation is what a create reads before it writes: the app, the claim and the customer.
type creation struct {
	appID    string
	claim    *idempotency.Claim
	customer customer.Customer
}

// readCreation reads a create of a customer whose answer render gives.
func (a *API) readCreation(r *http.Request, render func(idempotency.Result) idempotency.Answer) (creation, error) {
	appID, err := a.app(r, auth.Write)
	if err != nil {
		return creation{}, err
	}
	b, err := readBody(r)
	if err != nil {
		return creation{}, err
	}
	cl, err := claim(r, b.raw, "customer", render)
	if err != nil {
		return creation{}, err
	}
	p, err := customerFields(b, "email")
	if err != nil {
		return creation{}, err
	}
	return creation{appID: appID, claim: cl, customer: newCustomer(r, p)}, nil
}

// CreateCustomer: POST /api/v1/apps/{slug}/customers.
func (a *API) CreateCustomer(r *http.Request) (idempotency.Answer, error) {
	cr, err := a.readCreation(r, customerAnswer(http.StatusCreated))
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, err := a.store.CreateCustomer(cr.claim.Context(r.Context()), cr.appID, cr.customer)
	if err != nil {
		return idempotency.Answer{}, about("customer", err)
	}
	return web.Committed(r.Context(), cr.claim, idempotency.Result{Customer: c, Outcome: idempotency.Created}), nil
}

// GetOrCreateCustomer: POST /api/v1/apps/{slug}/customers/get-or-create; 201 when created,
// 200 when a customer with that email existed (the given fields are then ignored).
func (a *API) GetOrCreateCustomer(r *http.Request) (idempotency.Answer, error) {
	cr, err := a.readCreation(r, func(res idempotency.Result) idempotency.Answer {
		if res.Outcome == idempotency.Created {
			return customerAnswer(http.StatusCreated)(res)
		}
		return customerAnswer(http.StatusOK)(res)
	})
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, created, err := a.store.GetOrCreateByEmail(cr.claim.Context(r.Context()), cr.appID, cr.customer)
	if err != nil {
		return idempotency.Answer{}, about("customer", err)
	}
	res := idempotency.Result{Customer: c}
	if created {
		res.Outcome = idempotency.Created
	}
	return web.Committed(r.Context(), cr.claim, res), nil
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

// positiveInts reads optional positive integer query parameters, each with its default.
func positiveInts(r *http.Request, names []string, defaults ...int) ([]int, error) {
	var v customer.ValidationError
	out := make([]int, len(names))
	for i, name := range names {
		out[i] = defaults[i]
		if s := r.URL.Query().Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				v.Add(name, customer.CodeInvalidFormat, "must be a positive integer")
			}
			out[i] = n
		}
	}
	return out, v.Err()
}

// ListCustomers: GET /api/v1/apps/{slug}/customers?email=&external_id=&page=&per_page=&cursor=
func (a *API) ListCustomers(r *http.Request) (idempotency.Answer, error) {
	appID, err := a.app(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	q := r.URL.Query()
	n, err := positiveInts(r, []string{"page", "per_page"}, 1, DefaultPerPage)
	if err != nil {
		return idempotency.Answer{}, err
	}
	page, perPage := n[0], min(n[1], MaxPerPage)
	res, err := a.store.ListCustomers(r.Context(), appID, store.ListQuery{
		EmailContains: q.Get("email"), ExternalID: q.Get("external_id"),
		Limit: perPage, Page: page, Cursor: q.Get("cursor"),
	})
	if err != nil {
		return idempotency.Answer{}, about("customer", err)
	}
	out := listJSON{Data: make([]Customer, len(res.Customers)),
		Meta: listMeta{Total: res.Total, Page: page, PerPage: perPage}}
	for i, c := range res.Customers {
		out.Data[i] = RenderCustomer(c)
	}
	if res.NextCursor != "" {
		out.Meta.NextCursor = &res.NextCursor
	}
	return web.JSON(http.StatusOK, out), nil
}

// GetCustomer: GET /api/v1/apps/{slug}/customers/{id}.
func (a *API) GetCustomer(r *http.Request) (idempotency.Answer, error) {
	appID, id, err := a.appAndID(r, auth.Read, customerPrefix, "customer")
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, err := a.store.GetCustomer(r.Context(), appID, id)
	if err != nil {
		return idempotency.Answer{}, about("customer", err)
	}
	return okData(RenderCustomer(c))
}

// CustomerByEmail: GET /api/v1/apps/{slug}/customers/by-email?email=
func (a *API) CustomerByEmail(r *http.Request) (idempotency.Answer, error) {
	return a.findBy(r, "email", a.store.FindByEmail)
}

// CustomerByExternalID: GET /api/v1/apps/{slug}/customers/by-external-id?external_id=
func (a *API) CustomerByExternalID(r *http.Request) (idempotency.Answer, error) {
	return a.findBy(r, "external_id", a.store.FindByExternalID)
}

// findBy answers the customer that find finds by the query parameter param.
func (a *API) findBy(
	r *http.Request, param string, find func(context.Context, string, string) (customer.Customer, error),
) (idempotency.Answer, error) {
	appID, err := a.app(r, auth.Read)
	if err != nil {
		return idempotency.Answer{}, err
	}
	value := r.URL.Query().Get(param)
	if value == "" {
		return idempotency.Answer{}, invalidField(param, customer.CodeRequired, "can't be blank")
	}
	c, err := find(r.Context(), appID, value)
	if err != nil {
		return idempotency.Answer{}, about("customer", err)
	}
	return okData(RenderCustomer(c))
}

// UpdateCustomer: PUT /api/v1/apps/{slug}/customers/{id}; only the fields given change, an
// explicit null clears one. An If-Match header with the customer's version makes the write
// conditional (409 when it moved on).
func (a *API) UpdateCustomer(r *http.Request) (idempotency.Answer, error) {
	appID, id, err := a.appAndID(r, auth.Write, customerPrefix, "customer")
	if err != nil {
		return idempotency.Answer{}, err
	}
	var version int64
	if m := r.Header.Get("If-Match"); m != "" {
		n, err := strconv.ParseInt(trimETag(m), 10, 64)
		if err != nil || n < 1 {
			return idempotency.Answer{}, problem.Errorf(problem.BadRequest, "If-Match must be the customer's version")
		}
		version = n
	}
	b, err := readBody(r)
	if err != nil {
		return idempotency.Answer{}, err
	}
	cl, err := claim(r, b.raw, "customer", customerAnswer(http.StatusOK))
	if err != nil {
		return idempotency.Answer{}, err
	}
	p, err := customerFields(b)
	if err != nil {
		return idempotency.Answer{}, err
	}
	c, outcome, err := a.store.UpdateCustomer(cl.Context(r.Context()), appID, id, p, version)
	if err != nil {
		return idempotency.Answer{}, about("customer", err)
	}
	return web.Committed(r.Context(), cl, idempotency.Result{Customer: c, Outcome: outcome}), nil
}

func trimETag(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// deleted is the answer of a delete: 204, no body.
func deleted(idempotency.Result) idempotency.Answer { return web.JSON(http.StatusNoContent, nil) }

// deletion deletes the record id of app appID, and returns it as it was.
type deletion func(ctx context.Context, appID, id string) (idempotency.Result, error)

// deleteByID serves the delete, by del, of the record named in the path.
func (a *API) deleteByID(r *http.Request, prefix, record string, del deletion) (idempotency.Answer, error) {
	appID, id, err := a.appAndID(r, auth.Write, prefix, record)
	if err != nil {
		return idempotency.Answer{}, err
	}
	cl, err := claim(r, nil, record, deleted)
	if err != nil {
		return idempotency.Answer{}, err
	}
	res, err := del(cl.Context(r.Context()), appID, id)
	if err != nil {
		return idempotency.Answer{}, about(record, err)
	}
	res.Outcome = idempotency.Deleted
	return web.Committed(r.Context(), cl, res), nil
}

// DeleteCustomer: DELETE /api/v1/apps/{slug}/customers/{id}; its licenses go with it.
func (a *API) DeleteCustomer(r *http.Request) (idempotency.Answer, error) {
	var del deletion = func(ctx context.Context, app, id string) (idempotency.Result, error) {
		c, err := a.store.DeleteCustomer(ctx, app, id)
		return idempotency.Result{Customer: c}, err
	}
	return a.deleteByID(r, customerPrefix, "customer", del)
}
