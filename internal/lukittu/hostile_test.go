package lukittu_test

import (
	"testing"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/routes"
)

// TestHostileCorpus sends every Lukittu route a corpus of bad inputs through the local
// gateway (apitest.SendHostile): no answer is a 5xx, every one is valid JSON in Lukittu's
// shape, and the seed customer is as it was.
func TestHostileCorpus(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "hostile")
	seed := wantOK[customerJSON](t, e.As(t, app.Secret).Post(teamOf(app),
		M{"email": "seed-lukittu@example.com", "metadata": []any{}}), 201, "CustomerResponse")
	seedPath := "/api/v1/apps/hostile/customers/cus_" + seed.ID
	before := string(e.As(t, app.Secret).Get(seedPath).Want(200).Body)

	var lukittu []string
	for _, r := range routes.All() {
		if r.Dialect.Name == "lukittu" {
			lukittu = append(lukittu, r.Method+" "+r.Path)
		}
	}
	e.SendHostile(t, apitest.Hostile{
		Routes: lukittu,
		// Reads name the seed; writes name nothing that exists, so that a hostile input that
		// is accepted anyway changes no seed.
		Valid: func(method, _, param string) string {
			switch {
			case param == "teamId":
				return app.UUID
			case method == "PUT" || method == "DELETE":
				return customer.NewID()
			}
			return seed.ID
		},
		Key: func(string) string { return app.Secret },
	})
	if after := string(e.As(t, app.Secret).Get(seedPath).Want(200).Body); after != before {
		t.Errorf("the seed customer changed:\nbefore %s\nafter  %s", before, after)
	}
	e.CheckInvariants(t, app.UUID)
}
