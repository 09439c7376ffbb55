package store

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// TestReadsItemsWrittenBeforeAttributeValue loads the items that the store wrote with its
// former hand-written item codec (testdata/items-before-sdk.json: every item of a table
// after two apps, three keys, three customers, an update and two licenses, as a Scan
// returned them) into a fresh table, and reads them back through every read of the store.
// Each answer must be what the former code read from the same items
// (testdata/views-before-sdk.json), so that data stored before the move to attributevalue
// reads back unchanged.
func TestReadsItemsWrittenBeforeAttributeValue(t *testing.T) {
	var items []map[string]events.DynamoDBAttributeValue
	readJSON(t, "items-before-sdk.json", &items)
	var fixture struct {
		IDs   map[string]string          `json:"ids"`
		Views map[string]json.RawMessage `json:"views"`
	}
	readJSON(t, "views-before-sdk.json", &fixture)

	s, tbl := newStore(t)
	ctx := context.Background()
	for _, img := range items {
		item, err := FromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		in := &dynamodb.PutItemInput{TableName: aws.String(tbl.Name), Item: item}
		if _, err := tbl.Client.PutItem(ctx, in); err != nil {
			t.Fatal(err)
		}
	}

	id := fixture.IDs
	first, err := s.ListCustomers(ctx, id["app"], ListQuery{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]func() (any, error){
		"GetApp":              func() (any, error) { return s.GetApp(ctx, id["app"]) },
		"AppBySlug":           func() (any, error) { return s.AppBySlug(ctx, id["slug"]) },
		"ListApps":            func() (any, error) { return s.ListApps(ctx) },
		"KeyByHash/account":   func() (any, error) { return s.KeyByHash(ctx, id["account_hash"]) },
		"KeyByHash/secret":    func() (any, error) { return s.KeyByHash(ctx, id["secret_hash"]) },
		"ListKeys/app":        func() (any, error) { return s.ListKeys(ctx, id["app"]) },
		"ListKeys/account":    func() (any, error) { return s.ListKeys(ctx, "") },
		"GetCustomer/full":    func() (any, error) { return s.GetCustomer(ctx, id["app"], id["full"]) },
		"GetCustomer/min":     func() (any, error) { return s.GetCustomer(ctx, id["app"], id["min"]) },
		"FindByEmail":         func() (any, error) { return s.FindByEmail(ctx, id["app"], id["email"]) },
		"FindByExternalID":    func() (any, error) { return s.FindByExternalID(ctx, id["app"], id["external_id"]) },
		"ListCustomers/first": func() (any, error) { return first, nil },
		"ListCustomers/next": func() (any, error) {
			return s.ListCustomers(ctx, id["app"], ListQuery{Limit: 2, Cursor: first.NextCursor})
		},
		"ListLicenses": func() (any, error) { return s.ListLicenses(ctx, id["app"], id["full"]) },
		"GetLicense":   func() (any, error) { return s.GetLicense(ctx, id["app"], id["license"]) },
	}
	if len(reads) != len(fixture.Views) {
		t.Errorf("%d reads for %d recorded views", len(reads), len(fixture.Views))
	}
	for name, want := range fixture.Views {
		t.Run(name, func(t *testing.T) {
			read, ok := reads[name]
			if !ok {
				t.Fatalf("no read for the recorded view")
			}
			v, err := read()
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, got, want) {
				t.Errorf("read\n%s\nthe former code read\n%s", got, want)
			}
		})
	}
	checkInvariants(t, s, id["app"])
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// jsonEqual compares a read (a) with a recorded view (b). Fields the domain gained since the
// recording count as equal when the read has them at their zero value: an item written
// before them reads back without them.
func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	dropNewZeros(x, y)
	ca, _ := json.Marshal(x)
	cb, _ := json.Marshal(y)
	return string(ca) == string(cb)
}

// dropNewZeros deletes from got the object members that want lacks and got holds at their
// zero value (null, "", false, 0), or that are derived from the others since (the
// sequential id of a customer of before), at every depth.
func dropNewZeros(got, want any) {
	switch g := got.(type) {
	case map[string]any:
		w, _ := want.(map[string]any)
		for k, v := range g {
			wv, ok := w[k]
			if !ok && (v == nil || v == "" || v == false || v == float64(0) || k == "SequentialID") {
				delete(g, k)
				continue
			}
			dropNewZeros(v, wv)
		}
	case []any:
		w, _ := want.([]any)
		for i, v := range g {
			if i < len(w) {
				dropNewZeros(v, w[i])
			}
		}
	}
}
