package lago_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/apitest"
)

const idem = apitest.IdempotencyKey

// TestIdempotentReplay: every write route of the dialect, sent twice under one key,
// answers the first answer again and writes nothing the second time.
func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	for i, tc := range []struct {
		name   string
		method string
		prep   func(t *testing.T, app apitest.App) (path string, body any)
	}{
		{"upsert customer", "POST", func(t *testing.T, app apitest.App) (string, any) {
			return customers, upsert(M{"external_id": "lg-idem", "name": "Lago"})
		}},
		{"delete customer", "DELETE", func(t *testing.T, app apitest.App) (string, any) {
			wantCustomer(t, e.As(t, app.Secret).Post(customers, upsert(M{"external_id": "lg-gone"})))
			return customers + "/lg-gone", nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := e.CreateApp(t, fmt.Sprintf("idem-replay-%d", i))
			path, body := tc.prep(t, app)
			e.CheckReplay(t, app, tc.method, path, body, 200)
		})
	}
}

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)

	t.Run("the same key with another request is refused and writes nothing", func(t *testing.T) {
		app := e.CreateApp(t, "idem-reuse")
		wantCustomer(t, e.As(t, app.Secret).Do("POST", customers, upsert(M{"external_id": "lg-first"}), idem, "k"))
		before := e.Partition(t, app.UUID)
		apitest.Run(t, e, []apitest.Row{{Name: "another body", Key: app.Secret, Method: "POST", Path: customers,
			Body: upsert(M{"external_id": "lg-second"}), Header: []string{idem, "k"}, Status: 422,
			Check: invalid("idempotency_key", "idempotency_key_reused")}})
		if after := e.Partition(t, app.UUID); !reflect.DeepEqual(before, after) {
			t.Errorf("a refused request changed the partition: %d items before, %d after", len(before), len(after))
		}
	})

	t.Run("bad keys are 400", func(t *testing.T) {
		app := e.CreateApp(t, "idem-bad")
		var rows []apitest.Row
		for _, key := range []string{strings.Repeat("k", 256), "clé", "tab\there"} {
			rows = append(rows, apitest.Row{Name: fmt.Sprintf("%.20q", key), Key: app.Secret, Method: "POST",
				Path: customers, Body: upsert(M{"external_id": "bad"}), Header: []string{idem, key}, Status: 400,
				Check: lagoError("invalid_idempotency_key", nil)})
		}
		apitest.Run(t, e, rows)
		if n := e.Count(t, app.UUID, "CUSTOMER"); n != 0 {
			t.Errorf("%d customers, want none", n)
		}
	})
}
