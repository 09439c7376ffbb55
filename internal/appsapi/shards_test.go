package appsapi_test

import (
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

// TestAppsMadeBeforeTheShards: every write function works on an app made before the shards,
// making them on its first write, with no manual step, and the totals stay exact.
func TestAppsMadeBeforeTheShards(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "legacy-shape")
	c := e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "first@example.com"})
	lic := e.CreateLicense(t, app.Secret, app.Slug, c.ID)
	base := "/api/v1/apps/" + app.Slug
	for _, w := range []apitest.Row{
		{Name: "create-customer", Method: "POST", Path: base + "/customers", Body: M{"email": "second@example.com"},
			Status: 201},
		{Name: "get-or-create-customer", Method: "POST", Path: base + "/customers/get-or-create",
			Body: M{"email": "third@example.com"}, Status: 201},
		{Name: "delete-license", Method: "DELETE", Path: base + "/licenses/" + lic.ID, Status: 204},
	} {
		e.DropShards(t, app.UUID)
		w.Key = app.Secret
		apitest.Run(t, e, []apitest.Row{w})
	}
	apitest.Run(t, e, []apitest.Row{{Name: "the total counts them all", Key: e.AccountKey, Method: "GET", Path: base,
		Status: 200, Check: appCount(3)}})
	e.CheckInvariants(t, app.UUID)
}
