package webhook

import (
	"errors"
	"regexp"
	"testing"

	"github.com/clientele/clientele/internal/customer"
)

func TestEventIDsAreDerivedFromWhatTheChangeDescribes(t *testing.T) {
	c := &customer.Customer{ID: "c1"}
	base := Change{App: App{ID: "a1"}, CustomerID: "c1", Version: 2, Before: c, After: c}
	same := base
	same.App.Name = "renamed" // not part of what the change describes
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if id := base.EventID(); !uuid.MatchString(id) || id != same.EventID() {
		t.Fatalf("EventID %q, again %q: want one UUID v8", id, same.EventID())
	}
	for name, other := range map[string]Change{
		"another app":      {App: App{ID: "a2"}, CustomerID: "c1", Version: 2, Before: c, After: c},
		"another customer": {App: App{ID: "a1"}, CustomerID: "c2", Version: 2, Before: c, After: c},
		"another version":  {App: App{ID: "a1"}, CustomerID: "c1", Version: 3, Before: c, After: c},
		"another kind":     {App: App{ID: "a1"}, CustomerID: "c1", Version: 2, Before: c},
	} {
		if other.EventID() == base.EventID() {
			t.Errorf("%s: same id %s", name, base.EventID())
		}
	}
}

func TestChangeKinds(t *testing.T) {
	c := &customer.Customer{}
	for _, tc := range []struct {
		ch   Change
		want string
	}{{Change{After: c}, Created}, {Change{Before: c, After: c}, Updated}, {Change{Before: c}, Deleted}} {
		if got := tc.ch.Kind(); got != tc.want {
			t.Errorf("Kind() = %s, want %s", got, tc.want)
		}
	}
}

func TestSubjectIsTheCustomerAfterOrForADeleteBefore(t *testing.T) {
	before, after := &customer.Customer{Name: "before"}, &customer.Customer{Name: "after"}
	for _, tc := range []struct {
		ch   Change
		want string
	}{
		{Change{After: after}, "after"},
		{Change{Before: before, After: after}, "after"},
		{Change{Before: before}, "before"},
	} {
		if got, err := tc.ch.Subject(); err != nil || got.Name != tc.want {
			t.Errorf("Subject() = %q, %v; want %q", got.Name, err, tc.want)
		}
	}
	if _, err := (Change{}).Subject(); !errors.Is(err, ErrNoCustomer) {
		t.Errorf("Subject() of no customer: err %v, want ErrNoCustomer", err)
	}
}
