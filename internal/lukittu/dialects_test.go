package lukittu_test

import (
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

// TestCustomersOfTheOtherDialects: one store lies beneath the three dialects. Customers
// written through the Apps API and Lago read back through Lukittu, and their emails are
// taken in it (the other dialects' tests check the other directions).
func TestCustomersOfTheOtherDialects(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "tri")
	viaApps := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "apps@example.com", "name": "Via Apps"})
	var viaLago struct {
		Customer struct {
			LagoID string `json:"lago_id"`
		}
	}
	e.As(t, app.Secret).Post("/api/v1/customers",
		M{"customer": M{"external_id": "tri-lago", "email": "lago@example.com", "name": "Via Lago"}}).Want(200).Into(&viaLago)
	base := teamOf(app)
	named := func(name string) func(*testing.T, *apitest.Response) {
		return ok("CustomerData", func(t *testing.T, c customerJSON) {
			if str(c.FullName) != name {
				t.Errorf("fullName %q, want %q", str(c.FullName), name)
			}
		})
	}
	empty := ok("", func(t *testing.T, l listJSON) {
		if len(l.Customers) != 0 {
			t.Errorf("%d customers", len(l.Customers))
		}
	})
	const huge = "9223372036854775807"
	apitest.Run(t, e, []apitest.Row{
		{Name: "the Apps API's customer", Key: app.Secret, Method: "GET",
			Path: base + "/" + strings.TrimPrefix(viaApps.ID, "cus_"), Status: 200, Check: named("Via Apps")},
		{Name: "Lago's customer", Key: app.Secret, Method: "GET", Path: base + "/" + viaLago.Customer.LagoID,
			Status: 200, Check: named("Via Lago")},
		{Name: "an email Lago wrote is taken", Key: app.Secret, Method: "POST", Path: base,
			Body: M{"email": "Lago@Example.com", "metadata": []any{}}, Status: 409, Check: lkError("BAD_REQUEST")},
		{Name: "a page number near MaxInt is an empty page past the data, not an overflow", Key: app.Secret,
			Method: "GET", Path: base + "?page=" + huge, Status: 200, Check: empty},
		{Name: "so it is sorted by email", Key: app.Secret, Method: "GET", Path: base + "?sortColumn=email&page=" + huge,
			Status: 200, Check: empty},
	})
}

// TestOneEmailInNFCAndNFD: an address the Apps API stored in NFD's spelling is taken for
// its NFC spelling in Lukittu too.
func TestOneEmailInNFCAndNFD(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "unicode")
	const nfc, nfd = "jos\u00e9@example.com", "jose\u0301@example.com"
	e.CreateCustomer(t, app.Secret, app.Slug, M{"email": nfd})
	apitest.Run(t, e, []apitest.Row{{Name: "the NFC spelling", Key: app.Secret, Method: "POST", Path: teamOf(app),
		Body: M{"email": nfc, "metadata": []any{}}, Status: 409, Check: lkError("BAD_REQUEST")}})
}
