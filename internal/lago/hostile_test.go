package lago_test

import (
	"testing"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/routes"
)

// TestHostileCorpus sends every Lago route a corpus of bad inputs through the local gateway
// (apitest.SendHostile): no answer is a 5xx, every one is valid JSON in Lago's shape, and
// the seed customer is as it was.
func TestHostileCorpus(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateApp(t, "hostile")
	wantCustomer(t, e.As(t, app.Secret).Post(customers,
		upsert(M{"external_id": "seed-lago", "email": "seed-lago@example.com"})))
	seedPath := customers + "/seed-lago"
	before := string(e.As(t, app.Secret).Get(seedPath).Want(200).Body)

	var lago []string
	for _, r := range routes.All() {
		if r.Dialect.Name == "lago" {
			lago = append(lago, r.Method+" "+r.Path)
		}
	}
	e.SendHostile(t, apitest.Hostile{
		Routes: lago,
		// Reads name the seed; writes name nothing that exists, so that a hostile input that
		// is accepted anyway changes no seed.
		Valid: func(method, _, _ string) string {
			if method == "PUT" || method == "DELETE" {
				return "no-such-ext"
			}
			return "seed-lago"
		},
		Key: func(string) string { return app.Secret },
	})
	if after := string(e.As(t, app.Secret).Get(seedPath).Want(200).Body); after != before {
		t.Errorf("the seed customer changed:\nbefore %s\nafter  %s", before, after)
	}
	e.CheckInvariants(t, app.UUID)
}
