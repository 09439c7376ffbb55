package lago_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
	"github.com/clientele/clientele/internal/auth"
)

// TestSequentialIDSlugAndBillingEntity: every answer shows a customer's sequential_id, its
// slug (the app's document number prefix and the id in at least three digits) and the app's
// one billing entity, whose code is the app's slug; the ids grow with creation and the Apps
// API shows the same. A billing entity code that is not the app's is Lago's 404, in the list's
// filter and in an upsert, which then writes nothing.
func TestSequentialIDSlugAndBillingEntity(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	app := e.CreateNamedApp(t, "pied-piper", "Pied Piper")
	prefix := "PIE-" + strings.ToUpper(app.UUID[len(app.UUID)-4:])
	sk := e.As(t, app.Secret)
	wantView := func(t *testing.T, c customerJSON) {
		t.Helper()
		if c.SequentialID < 1 || c.Slug != fmt.Sprintf("%s-%03d", prefix, c.SequentialID) ||
			c.BillingEntityCode != "pied-piper" {
			t.Errorf("%s: sequential_id %d, slug %q, billing_entity_code %q; want the slug %s-<id> and pied-piper",
				c.ExternalID, c.SequentialID, c.Slug, c.BillingEntityCode, prefix)
		}
	}
	// One after the other, each a round trip of milliseconds: ids in creation order.
	var made []customerJSON
	for i := range 3 {
		c := wantCustomer(t, sk.Post(customers, upsert(M{"external_id": fmt.Sprint("pp-", i)})))
		wantView(t, c)
		if i > 0 && c.SequentialID <= made[i-1].SequentialID {
			t.Errorf("sequential_id %d after %d: want it to grow with creation", c.SequentialID, made[i-1].SequentialID)
		}
		made = append(made, c)
	}
	same := func(want customerJSON) func(*testing.T, *apitest.Response) {
		return customerIs(func(t *testing.T, c customerJSON) {
			wantView(t, c)
			if c.SequentialID != want.SequentialID {
				t.Errorf("sequential_id %d, want %d as created", c.SequentialID, want.SequentialID)
			}
		})
	}
	listOf := func(n int) func(*testing.T, *apitest.Response) {
		return list(func(t *testing.T, l listJSON) {
			if len(l.Customers) != n {
				t.Fatalf("%d customers, want %d", len(l.Customers), n)
			}
			for i, c := range l.Customers { // newest first
				wantView(t, c)
				if c.SequentialID != made[n-1-i].SequentialID {
					t.Errorf("customer %d: sequential_id %d, want %d", i, c.SequentialID, made[n-1-i].SequentialID)
				}
			}
		})
	}
	noEntity := lagoError("billing_entity_not_found", nil)
	pk := app.Publishable
	apitest.Run(t, e, []apitest.Row{
		{Name: "an update keeps the number", Key: app.Secret, Method: "POST", Path: customers,
			Body: upsert(M{"external_id": "pp-0", "name": "Richard"}), Status: 200, Check: same(made[0])},
		{Name: "get", Key: pk, Method: "GET", Path: customers + "/pp-1", Status: 200, Check: same(made[1])},
		{Name: "list", Key: pk, Method: "GET", Path: customers, Status: 200, Check: listOf(3)},
		{Name: "the app's billing entity restricts nothing", Key: pk, Method: "GET",
			Path: customers + "?billing_entity_codes[]=pied-piper", Status: 200, Check: listOf(3)},
		{Name: "another billing entity is Lago's 404", Key: pk, Method: "GET",
			Path: customers + "?billing_entity_codes[]=hooli", Status: 404, Check: noEntity},
		{Name: "one unknown among known ones is 404", Key: pk, Method: "GET",
			Path: customers + "?billing_entity_codes[]=pied-piper&billing_entity_codes[]=hooli", Status: 404,
			Check: noEntity},
		{Name: "an empty code is no billing entity's", Key: pk, Method: "GET",
			Path: customers + "?billing_entity_codes[]=", Status: 404, Check: noEntity},
		{Name: "the 404 comes before a bad filter's 422", Key: pk, Method: "GET",
			Path: customers + "?billing_entity_codes[]=hooli&countries[]=XX", Status: 404, Check: noEntity},
		{Name: "an upsert into the app's billing entity", Key: app.Secret, Method: "POST", Path: customers,
			Body: upsert(M{"external_id": "pp-1", "billing_entity_code": "pied-piper"}), Status: 200,
			Check: same(made[1])},
		{Name: "an upsert with a blank one is the app's", Key: app.Secret, Method: "POST", Path: customers,
			Body: upsert(M{"external_id": "pp-2", "billing_entity_code": " "}), Status: 200, Check: same(made[2])},
		{Name: "and with a null one", Key: app.Secret, Method: "POST", Path: customers,
			Body: upsert(M{"external_id": "pp-2", "billing_entity_code": nil}), Status: 200, Check: same(made[2])},
		{Name: "an upsert into another billing entity is 404", Key: app.Secret, Method: "POST", Path: customers,
			Body: upsert(M{"external_id": "pp-9", "billing_entity_code": "hooli"}), Status: 404, Check: noEntity},
		{Name: "and writes nothing", Key: pk, Method: "GET", Path: customers + "/pp-9", Status: 404,
			Check: lagoError("customer_not_found", nil)},
		{Name: "delete", Key: app.Secret, Method: "DELETE", Path: customers + "/pp-2", Status: 200,
			Check: same(made[2])},
	})

	t.Run("the Apps API shows the same number", func(t *testing.T) {
		c := apitest.Data[struct {
			SequentialID int `json:"sequential_id"`
		}](e.As(t, pk).Get("/api/v1/apps/pied-piper/customers/cus_" + made[0].LagoID).Want(200))
		if c.SequentialID != made[0].SequentialID {
			t.Errorf("the Apps API's sequential_id %d, Lago's %d", c.SequentialID, made[0].SequentialID)
		}
	})

	t.Run("a key made before keys held the app's name", func(t *testing.T) {
		secret, hash := auth.Generate(auth.Publishable)
		_, err := e.Admin.CreateKey(context.Background(), hash,
			auth.Key{AppID: app.UUID, AppSlug: app.Slug, Kind: auth.Publishable, Hint: auth.Hint(secret)})
		if err != nil {
			t.Fatal(err)
		}
		same(made[1])(t, e.As(t, secret).Get(customers+"/pp-1").Want(200))
		listOf(2)(t, e.As(t, secret).Get(customers).Want(200))
	})
}
