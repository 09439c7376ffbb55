package appsapi_test

import (
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/routes"
)

// TestHostileCorpus sends every route of the Apps API, the app and key routes and the
// catch-all a corpus of bad inputs through the local gateway (apitest.SendHostile): no
// answer is a 5xx, every one is valid JSON in the API's shape, and the seed customer is as
// it was.
func TestHostileCorpus(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "hostile")
	seed := e.CreateCustomer(t, app.Secret, app.Slug,
		M{"email": "seed-apps@example.com", "external_id": "seed-ext", "metadata": M{"k": "v"}})
	seedPath := "/api/v1/apps/hostile/customers/" + seed.ID
	before := string(e.As(t, app.Secret).Get(seedPath).Want(200).Body)

	var apps []string
	for _, r := range routes.All() {
		if r.Dialect.Name == "apps" {
			apps = append(apps, r.Method+" "+r.Path)
		}
	}
	e.SendHostile(t, apitest.Hostile{
		Routes: apps,
		// Reads name the seed; writes name nothing that exists, so that a hostile input that
		// is accepted anyway changes no seed, and delete-app deletes no app.
		Valid: func(method, tmpl, param string) string {
			write := method == "PUT" || method == "DELETE"
			switch {
			case param == "slug" && method == "DELETE" && strings.HasSuffix(tmpl, "{slug}"):
				return "no-such-app"
			case param == "slug":
				return "hostile"
			case write:
				return customer.NewID()
			}
			return seed.ID
		},
		Key: func(path string) string {
			if strings.HasPrefix(path, "/api/v1/apps") {
				return e.AccountKey
			}
			return app.Secret
		},
	})
	if after := string(e.As(t, app.Secret).Get(seedPath).Want(200).Body); after != before {
		t.Errorf("the seed customer changed:\nbefore %s\nafter  %s", before, after)
	}
	e.CheckInvariants(t, app.UUID)
}
