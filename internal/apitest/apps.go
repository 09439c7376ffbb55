package apitest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/store/storetest"
)

// What every test sets up through the native Apps API (docs/apps-api.md), as it renders it.

// App is an app made through the API, with a secret and a publishable key.
type App struct {
	ID            string  `json:"id"` // app_<uuid>
	UUID          string  `json:"uuid"`
	Slug          string  `json:"slug"`
	Name          string  `json:"name"`
	Description   *string `json:"description"`
	Status        string  `json:"status"`
	CustomerCount int64   `json:"customer_count"`
	CreatedAt     string  `json:"created_at"`
	Secret        string  `json:"-"` // sk_…: reads and writes the app
	Publishable   string  `json:"-"` // pk_…: reads it
}

// Customer is a customer as the Apps API renders it.
type Customer struct {
	ID         string          `json:"id"` // cus_<uuid>
	Email      *string         `json:"email"`
	Name       *string         `json:"name"`
	ExternalID *string         `json:"external_id"`
	Metadata   json.RawMessage `json:"metadata"`
	Version    int64           `json:"version"`
	CreatedAt  string          `json:"created_at"`
	UpdatedAt  string          `json:"updated_at"`
}

// License is a license as the Apps API renders it.
type License struct {
	ID         string  `json:"id"` // lic_<uuid>
	CustomerID string  `json:"customer_id"`
	Status     string  `json:"status"`
	ExpiresAt  *string `json:"expires_at"`
	CreatedAt  string  `json:"created_at"`
}

// Data decodes the Apps API's {"data": …}, which must hold a value.
func Data[T any](r *Response) T {
	r.t.Helper()
	var body struct {
		Data *T `json:"data"`
	}
	r.Into(&body)
	if body.Data == nil {
		r.t.Fatalf("%s: no data in %s", r.Req, r.Body)
	}
	return *body.Data
}

// CreateApp makes an app named "App <slug>" with the account key, and a secret and a
// publishable key for it.
func (e *Env) CreateApp(t *testing.T, slug string) App {
	t.Helper()
	return e.CreateNamedApp(t, slug, "App "+slug)
}

// CreateNamedApp is CreateApp with the app's name.
func (e *Env) CreateNamedApp(t *testing.T, slug, name string) App {
	t.Helper()
	acct := e.As(t, e.AccountKey)
	app := Data[App](acct.Post("/api/v1/apps", map[string]any{"name": name, "slug": slug}).Want(201))
	type key struct{ Key string }
	keys := "/api/v1/apps/" + slug + "/api-keys"
	app.Secret = Data[key](acct.Post(keys, map[string]any{"type": "secret"}).Want(201)).Key
	app.Publishable = Data[key](acct.Post(keys, map[string]any{"type": "publishable"}).Want(201)).Key
	return app
}

// CreateCustomer makes a customer of the app slug with key.
func (e *Env) CreateCustomer(t *testing.T, key, slug string, body map[string]any) Customer {
	t.Helper()
	return Data[Customer](e.As(t, key).Post("/api/v1/apps/"+slug+"/customers", body).Want(201))
}

// CreateLicense makes a license without an end for a customer of the app slug with key.
func (e *Env) CreateLicense(t *testing.T, key, slug, customerID string) License {
	t.Helper()
	body := map[string]any{"customer_id": customerID, "forever": true}
	return Data[License](e.As(t, key).Post("/api/v1/apps/"+slug+"/licenses", body).Want(201))
}

// Load writes n customers straight into an app's partition, as n creates would have
// (storetest.Load), created a millisecond apart from an hour ago in the order of their index:
// decorate, when not nil, fills each. It returns them as stored.
func (e *Env) Load(t *testing.T, app App, n int, decorate func(i int, c *customer.Customer)) []customer.Customer {
	t.Helper()
	cs := make([]customer.Customer, n)
	start := time.Now().Add(-time.Hour).UTC()
	for i := range cs {
		cs[i] = customer.Customer{Email: fmt.Sprintf("load%06d@%s.example.com", i, app.Slug), CreatedAt: start.Add(
			time.Duration(i) * time.Millisecond)}
		if decorate != nil {
			decorate(i, &cs[i])
		}
	}
	got, err := storetest.Load(t.Context(), e.Table.Client, e.Table.Name, app.UUID, cs, start)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Legacy puts an app and some of its customers in the shape of before the list indexes
// (storetest.Legacy).
func (e *Env) Legacy(t *testing.T, app App, cs []customer.Customer) {
	t.Helper()
	if err := storetest.Legacy(t.Context(), e.Table.Client, e.Table.Name, app.UUID, cs); err != nil {
		t.Fatal(err)
	}
}
