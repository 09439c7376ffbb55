package appsapi_test

import (
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

// TestCustomersOfTheOtherDialects: one store lies beneath the three dialects. Customers
// written through Lukittu and Lago read back through the Apps API, and their emails are
// taken in it (the Lukittu and Lago tests check the other directions).
func TestCustomersOfTheOtherDialects(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "tri")
	key := e.As(t, app.Secret)
	var viaLukittu struct{ Data struct{ ID string } }
	key.Post("/api/v1/dev/teams/"+app.UUID+"/customers",
		M{"email": "luk@example.com", "fullName": "Via Lukittu", "metadata": []any{}}).Want(201).Into(&viaLukittu)
	key.Post("/api/v1/customers",
		M{"customer": M{"external_id": "tri-lago", "email": "lago@example.com", "name": "Via Lago"}}).Want(200)
	lukittuID := "cus_" + viaLukittu.Data.ID
	base := "/api/v1/apps/tri/customers"
	customer := func(check func(t *testing.T, c apitest.Customer)) func(*testing.T, *apitest.Response) {
		return func(t *testing.T, r *apitest.Response) { check(t, apitest.Data[apitest.Customer](r)) }
	}
	apitest.Run(t, e, []apitest.Row{
		{Name: "Lukittu's customer", Key: app.Secret, Method: "GET", Path: base + "/" + lukittuID, Status: 200,
			Check: customer(func(t *testing.T, c apitest.Customer) {
				if str(c.Name) != "Via Lukittu" {
					t.Errorf("Lukittu -> Apps: %+v", c)
				}
			})},
		{Name: "Lago's customer, by its external id", Key: app.Secret, Method: "GET",
			Path: base + "/by-external-id?external_id=tri-lago", Status: 200,
			Check: customer(func(t *testing.T, c apitest.Customer) {
				if str(c.Email) != "lago@example.com" || str(c.Name) != "Via Lago" {
					t.Errorf("Lago -> Apps: %+v", c)
				}
			})},
		{Name: "an email Lukittu wrote is taken", Key: app.Secret, Method: "POST", Path: base,
			Body: M{"email": "LUK@example.com"}, Status: 409, Check: conflictWith("email", lukittuID)},
		{Name: "a page number near MaxInt is an empty page past the data, not an overflow", Key: app.Secret,
			Method: "GET", Path: base + "?page=9223372036854775807", Status: 200,
			Check: func(t *testing.T, r *apitest.Response) {
				if got := apitest.Data[[]apitest.Customer](r); len(got) != 0 {
					t.Errorf("%d customers", len(got))
				}
			}},
	})
}
