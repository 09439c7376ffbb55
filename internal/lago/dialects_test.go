package lago_test

import (
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

// TestCustomersOfTheOtherDialects: one store lies beneath the three dialects. Customers
// written through the Apps API and Lukittu read back through Lago, and their emails are
// taken in it (the other dialects' tests check the other directions).
func TestCustomersOfTheOtherDialects(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "tri")
	viaApps := e.CreateCustomer(t, app.Secret, app.Slug,
		M{"email": "apps@example.com", "name": "Via Apps", "external_id": "tri-apps"})
	var viaLukittu struct{ Data struct{ ID string } }
	e.As(t, app.Secret).Post("/api/v1/dev/teams/"+app.UUID+"/customers",
		M{"email": "luk@example.com", "fullName": "Via Lukittu", "metadata": []any{}}).Want(201).Into(&viaLukittu)
	taken := invalid("email", "value_already_exist")
	apitest.Run(t, e, []apitest.Row{
		{Name: "the Apps API's customer, by its external id", Key: app.Secret, Method: "GET",
			Path: customers + "/tri-apps", Status: 200, Check: customerIs(func(t *testing.T, c customerJSON) {
				if c.LagoID != strings.TrimPrefix(viaApps.ID, "cus_") || c.Name != "Via Apps" {
					t.Errorf("Apps -> Lago: %+v", c)
				}
			})},
		{Name: "Lukittu's customer, found by its email", Key: app.Secret, Method: "GET",
			Path: customers + "?search_term=luk@", Status: 200, Check: list(func(t *testing.T, l listJSON) {
				if len(l.Customers) != 1 || l.Customers[0].LagoID != viaLukittu.Data.ID {
					t.Errorf("Lukittu -> Lago: %+v", l.Customers)
				}
			})},
		{Name: "an email the Apps API wrote is taken", Key: app.Secret, Method: "POST", Path: customers,
			Body: upsert(M{"external_id": "tri-x", "email": "apps@EXAMPLE.com"}), Status: 422, Check: taken},
		{Name: "an email Lukittu wrote is taken, by an update too", Key: app.Secret, Method: "POST", Path: customers,
			Body: upsert(M{"external_id": "tri-apps", "email": "luk@example.com"}), Status: 422, Check: taken},
		{Name: "a page number near MaxInt is an empty page past the data, not an overflow", Key: app.Secret,
			Method: "GET", Path: customers + "?per_page=100&page=9223372036854775807", Status: 200,
			Check: list(func(t *testing.T, l listJSON) {
				if len(l.Customers) != 0 || l.Meta.NextPage != nil {
					t.Errorf("%d customers, next page %v", len(l.Customers), l.Meta.NextPage)
				}
			})},
	})
}

// TestOneEmailInNFCAndNFD: an address the Apps API stored in NFD's spelling is taken for
// its NFC spelling in Lago too.
func TestOneEmailInNFCAndNFD(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "unicode")
	const nfc, nfd = "jos\u00e9@example.com", "jose\u0301@example.com"
	e.CreateCustomer(t, app.Secret, app.Slug, M{"email": nfd})
	apitest.Run(t, e, []apitest.Row{{Name: "the NFC spelling", Key: app.Secret, Method: "POST", Path: customers,
		Body: upsert(M{"external_id": "nfd", "email": nfc}), Status: 422, Check: invalid("email", "value_already_exist")}})
}
