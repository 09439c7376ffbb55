package changes

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/webhook"
	"github.com/clientele/clientele/internal/webhook/webhooktest"
)

const testAppID = webhooktest.AppID

var testCustomerID = webhooktest.Customer().ID

// fullCustomer has every field set that some dialect shows.
var fullCustomer = webhooktest.Customer

// throughJSON is a customer as a consumer of the event reads it back.
func throughJSON(t *testing.T, c customer.Customer) Customer {
	t.Helper()
	b, err := json.Marshal(Render(c))
	if err != nil {
		t.Fatal(err)
	}
	var out Customer
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCanonicalGivesBackTheRenderedCustomer(t *testing.T) {
	bare := fullCustomer()
	bare.Metadata, bare.Lago, bare.Address, bare.CreatedBy = nil, nil, customer.Address{}, ""
	coded := fullCustomer()
	coded.Address.Country = "DE"
	unknown := fullCustomer()
	unknown.Address = customer.Address{Country: "Narnia"}
	for _, c := range []struct {
		name string
		c    customer.Customer
	}{{"every field", fullCustomer()}, {"none but the required", bare}, {"country as a code", coded},
		{"country no code names", unknown}} {
		t.Run(c.name, func(t *testing.T) {
			got, err := throughJSON(t, c.c).Canonical()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.c) {
				t.Errorf("Canonical:\n got %+v\nwant %+v", got, c.c)
			}
		})
	}
}

func TestCanonicalOfAnEventWithoutDialectsKeepsTheView(t *testing.T) {
	c := fullCustomer()
	ev := throughJSON(t, c)
	ev.Dialects = Dialects{}
	got, err := ev.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	want := c
	want.Lago, want.CreatedBy, want.Address.Country = nil, "", "DE"
	want.Metadata = []customer.Metadata{{Key: "plan", Value: c.Metadata[0].Value},
		{Key: "seats", Value: c.Metadata[1].Value}, {Key: "tags", Value: c.Metadata[2].Value}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Canonical:\n got %+v\nwant %+v", got, want)
	}
}

func TestChangeOfConvertsEachKind(t *testing.T) {
	app := webhook.App{ID: testAppID, Slug: "acme", Name: "Acme"}
	at := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)
	before := fullCustomer()
	after := fullCustomer()
	after.Name, after.Version = "Jane Roe", 4
	r := func(c customer.Customer) *Customer { x := throughJSON(t, c); return &x }
	for _, c := range []struct {
		name          string
		detail        Detail
		before, after *customer.Customer
		kind          string
	}{
		{"created", Detail{Version: 3, After: r(before)}, nil, &before, webhook.Created},
		{"updated", Detail{Version: 4, Before: r(before), After: r(after)}, &before, &after, webhook.Updated},
		{"deleted", Detail{Version: 3, Before: r(before)}, &before, nil, webhook.Deleted},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.detail.AppID, c.detail.CustomerID = "app_"+testAppID, "cus_"+testCustomerID
			ch, err := ChangeOf(c.detail, app, at)
			if err != nil {
				t.Fatal(err)
			}
			want := webhook.Change{App: app, CustomerID: testCustomerID, Version: c.detail.Version,
				Before: c.before, After: c.after, At: at}
			if !reflect.DeepEqual(ch, want) {
				t.Errorf("ChangeOf:\n got %+v\nwant %+v", ch, want)
			}
			if ch.Kind() != c.kind {
				t.Errorf("kind %q, want %q", ch.Kind(), c.kind)
			}
		})
	}
}

func TestChangeOfRefusesADetailOfNoChange(t *testing.T) {
	app := webhook.App{ID: testAppID}
	c := throughJSON(t, fullCustomer())
	other := c
	other.ID = "cus_1b8d5c0e-6a3f-4d2b-9c1e-5f7a8b9c0d1e"
	badMetadata := c
	badMetadata.Dialects.Metadata = badMetadata.Dialects.Metadata[:1]
	ok := Detail{AppID: "app_" + testAppID, CustomerID: "cus_" + testCustomerID, Version: 3, After: &c}
	for _, tc := range []struct {
		name string
		edit func(d *Detail)
	}{
		{"another app", func(d *Detail) { d.AppID = "app_8c1e2d3f-4a5b-4c6d-8e7f-901234567890" }},
		{"no customer id", func(d *Detail) { d.CustomerID = "cus_x" }},
		{"neither side", func(d *Detail) { d.After = nil }},
		{"another customer in a side", func(d *Detail) { d.After = &other }},
		{"metadata entries that do not match", func(d *Detail) { d.After = &badMetadata }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ok
			tc.edit(&d)
			if _, err := ChangeOf(d, app, time.Time{}); !errors.Is(err, ErrDetail) {
				t.Errorf("err = %v, want ErrDetail", err)
			}
		})
	}
	if _, err := ChangeOf(ok, app, time.Time{}); err != nil {
		t.Errorf("the unedited detail: %v", err)
	}
}
