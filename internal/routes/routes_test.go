package routes_test

import (
	"testing"

	"github.com/clientele/clientele/internal/routes"
)

func TestRoutesAreUniqueAndFound(t *testing.T) {
	functions, keys := map[string]bool{}, map[string]bool{}
	for _, r := range routes.All() {
		if functions[r.Function] || keys[r.Method+" "+r.Path] {
			t.Errorf("%s (%s %s) is listed twice", r.Function, r.Method, r.Path)
		}
		functions[r.Function], keys[r.Method+" "+r.Path] = true, true
		if got, err := routes.Find(r.Function); err != nil || got.Path != r.Path {
			t.Errorf("Find(%q) = %+v, %v", r.Function, got, err)
		}
	}
	for name := range routes.EventAccess() {
		if functions[name] {
			t.Errorf("%s is both an HTTP and an event function", name)
		}
		if _, err := routes.Find(name); err == nil {
			t.Errorf("Find(%q) found an event function", name)
		}
	}
}

func TestMustHandlerPanicsOnAnUnknownFunction(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	routes.MustHandler("no-such-function", routes.Deps{})
}

// TestARouteThatSealsNeedsASealer: a function whose route seals webhook secrets stops at
// start without a Sealer (its main builds one); the others build without.
func TestARouteThatSealsNeedsASealer(t *testing.T) {
	sealing := 0
	for _, r := range routes.All() {
		panicked := func() (p bool) {
			defer func() { p = recover() != nil }()
			r.Handler(routes.Deps{})
			return false
		}()
		if panicked != (len(r.Access.KMS) > 0) {
			t.Errorf("%s without a Sealer: panics %v, want %v (it seals: Access.KMS %v)", r.Function, panicked,
				!panicked, r.Access.KMS)
		}
		if len(r.Access.KMS) > 0 {
			sealing++
		}
	}
	if sealing == 0 {
		t.Error("no route seals")
	}
}
