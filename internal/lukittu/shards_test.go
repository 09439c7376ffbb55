package lukittu_test

import (
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

// TestAppsMadeBeforeTheShards: a create works on an app made before the shards, making them
// on its first write, with no manual step, and the total stays exact.
func TestAppsMadeBeforeTheShards(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "legacy-shape")
	e.CreateCustomer(t, app.Secret, app.Slug, M{"email": "first@example.com"})
	e.DropShards(t, app.UUID)
	apitest.Run(t, e, []apitest.Row{
		{Name: "create", Key: app.Secret, Method: "POST", Path: teamOf(app),
			Body: M{"email": "second@example.com", "metadata": []any{}}, Status: 201},
		{Name: "the total counts both", Key: app.Secret, Method: "GET", Path: teamOf(app), Status: 200,
			Check: ok("", func(t *testing.T, l listJSON) {
				if l.TotalResults != 2 {
					t.Errorf("totalResults %d, want 2", l.TotalResults)
				}
			})},
		{Name: "so does the app's customer_count", Key: e.AccountKey, Method: "GET", Path: "/api/v1/apps/" + app.Slug,
			Status: 200, Check: func(t *testing.T, r *apitest.Response) {
				if n := apitest.Data[apitest.App](r).CustomerCount; n != 2 {
					t.Errorf("customer_count %d, want 2", n)
				}
			}},
	})
	e.CheckInvariants(t, app.UUID)
}
