package changes

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
)

const bus = "clientele-test-bus"

// history is a table's stream after a customer's whole life, step by step.
type history struct {
	app                     tenant.App
	created, updated        customer.Customer // the customer after each write
	create, update, license []events.DynamoDBEventRecord
	unchanged, remove       []events.DynamoDBEventRecord
	setup                   []events.DynamoDBEventRecord // app, slug and key records
}

// live writes a customer's life to a fresh table in DynamoDB Local and reads the table's
// stream after each step.
func live(t *testing.T) history {
	t.Helper()
	tbl := dynamotest.NewWithStream(t)
	s := store.New(tbl.Client, tbl.Name)
	st := openStream(t, tbl)
	ctx := context.Background()
	var h history
	var err error

	if h.app, err = s.CreateApp(ctx, tenant.App{Slug: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	_, hash := auth.Generate(auth.Secret)
	key := auth.Key{AppID: h.app.ID, AppSlug: h.app.Slug, Kind: auth.Secret, Hint: "sk_test"}
	if _, err := s.CreateKey(ctx, hash, key); err != nil {
		t.Fatal(err)
	}
	h.setup = st.read()

	h.created, err = s.CreateCustomer(ctx, h.app.ID, customer.Customer{
		Email: "Jane@Example.com", Name: "Jane Doe", ExternalID: "crm-42",
		Metadata: []customer.Metadata{
			{Key: "plan", Value: json.RawMessage(`"pro"`)},
			{Key: "seats", Value: json.RawMessage(`3`)},
		},
		Address: customer.Address{City: "Berlin", Country: "DE"},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.create = st.read()

	h.updated, _, err = s.UpdateCustomer(ctx, h.app.ID, h.created.ID, customer.Patch{
		Name: customer.Some("Jane Roe"), Email: customer.Some("jane.roe@example.com"),
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.update = st.read()

	if _, err := s.CreateLicense(ctx, h.app.ID, customer.License{CustomerID: h.created.ID}); err != nil {
		t.Fatal(err)
	}
	h.license = st.read()

	same := customer.Patch{Name: customer.Some("Jane Roe")}
	if _, outcome, err := s.UpdateCustomer(ctx, h.app.ID, h.created.ID, same, 0); err != nil ||
		outcome != idempotency.Unchanged {
		t.Fatalf("no-op update: %v, %v", outcome, err)
	}
	h.unchanged = st.read()

	if _, err := s.DeleteCustomer(ctx, h.app.ID, h.created.ID); err != nil {
		t.Fatal(err)
	}
	h.remove = st.read()
	return h
}

func newHandler(pub Publisher) (*Handler, *bytes.Buffer) {
	var logs bytes.Buffer
	return New(pub, bus, slog.New(slog.NewJSONHandler(&logs, nil))), &logs
}

func handle(t *testing.T, h *Handler, recs []events.DynamoDBEventRecord) []string {
	t.Helper()
	resp, err := h.Handle(context.Background(), events.DynamoDBEvent{Records: recs})
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	failures := []string{}
	for _, f := range resp.BatchItemFailures {
		failures = append(failures, f.ItemIdentifier)
	}
	return failures
}

// customerRecord returns the one record of the customer item among recs.
func customerRecord(t *testing.T, recs []events.DynamoDBEventRecord) events.DynamoDBEventRecord {
	t.Helper()
	var found []events.DynamoDBEventRecord
	for _, r := range recs {
		if strings.HasPrefix(r.Change.Keys["sk"].String(), "CUS#") {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d customer records among %d, want 1", len(found), len(recs))
	}
	return found[0]
}

func TestStreamRecordsGiveExactEntries(t *testing.T) {
	h := live(t)
	id, appID := h.created.ID, h.app.ID
	created := h.created.CreatedAt.UTC().Format(time.RFC3339)
	updated := h.updated.UpdatedAt.UTC().Format(time.RFC3339)

	jane := `{"id":"cus_` + id + `","email":"Jane@Example.com","name":"Jane Doe","username":null,` +
		`"external_id":"crm-42","metadata":{"plan":"pro","seats":3},` +
		`"address":{"line1":null,"line2":null,"city":"Berlin","state":null,"country":"DE","postal_code":null},` +
		`"legal_name":null,"legal_number":null,"logo_url":null,"phone":null,"url":null,"discord_id":null,` +
		`"sequential_id":` + strconv.FormatInt(h.created.SequentialID, 10) + `,` +
		`"version":1,"created_at":"` + created + `","updated_at":"` + created + `",` +
		`"dialects":{"created_by":null,"country":"DE","metadata":[` +
		`{"key":"plan","id":null,"locked":false,"display_in_invoice":false},` +
		`{"key":"seats","id":null,"locked":false,"display_in_invoice":false}],"lago":{}}}`
	roe := strings.NewReplacer(`"Jane@Example.com"`, `"jane.roe@example.com"`, `"Jane Doe"`, `"Jane Roe"`,
		`"version":1`, `"version":2`, `"updated_at":"`+created, `"updated_at":"`+updated).Replace(jane)
	head := `{"app_id":"app_` + appID + `","customer_id":"cus_` + id + `",`

	steps := []struct {
		name       string
		recs       []events.DynamoDBEventRecord
		detailType string
		detail     string
	}{
		{"insert", h.create, EventCreated, head + `"version":1,"before":null,"after":` + jane + `}`},
		{"modify", h.update, EventUpdated, head + `"version":2,"before":` + jane + `,"after":` + roe + `}`},
		{"remove", h.remove, EventDeleted, head + `"version":2,"before":` + roe + `,"after":null}`},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			rec := &recorder{}
			hd, _ := newHandler(rec)
			if failures := handle(t, hd, step.recs); len(failures) != 0 {
				t.Errorf("failures = %q", failures)
			}
			if len(rec.entries) != 1 {
				t.Fatalf("%d entries from %d records, want 1", len(rec.entries), len(step.recs))
			}
			e := rec.entries[0]
			if aws.ToString(e.Source) != "clientele" || aws.ToString(e.DetailType) != step.detailType ||
				aws.ToString(e.EventBusName) != bus || len(e.Resources) != 0 {
				t.Errorf("entry = source %q, detail type %q, bus %q, resources %q",
					aws.ToString(e.Source), aws.ToString(e.DetailType), aws.ToString(e.EventBusName), e.Resources)
			}
			if !sameTime(e, customerRecord(t, step.recs)) {
				t.Errorf("entry time = %v, want the record's %v",
					e.Time, customerRecord(t, step.recs).Change.ApproximateCreationDateTime)
			}
			if got := aws.ToString(e.Detail); got != step.detail {
				t.Errorf("detail:\n got %s\nwant %s", got, step.detail)
			}
			var d Detail
			if err := json.Unmarshal([]byte(aws.ToString(e.Detail)), &d); err != nil {
				t.Errorf("detail does not decode into Detail: %v", err)
			}
		})
	}
}

func TestRecordsOfOtherItemsGiveNoEntries(t *testing.T) {
	h := live(t)
	var others []events.DynamoDBEventRecord
	kinds := map[string]bool{}
	for _, recs := range [][]events.DynamoDBEventRecord{h.setup, h.create, h.update, h.license, h.unchanged, h.remove} {
		for _, r := range recs {
			img := r.Change.NewImage
			if img == nil {
				img = r.Change.OldImage
			}
			kind := img["type"].String()
			if kind == "CUSTOMER" && r.EventName != "MODIFY" {
				continue
			}
			if kind == "CUSTOMER" {
				// The license counter moved; the version stayed.
				if r.Change.OldImage["version"].Number() != r.Change.NewImage["version"].Number() {
					continue
				}
				kind = "CUSTOMER license_count"
			}
			kinds[kind+" "+r.EventName] = true
			others = append(others, r)
		}
	}
	for _, want := range []string{
		"APP INSERT", "APP_SHARD INSERT", "APP_SHARD MODIFY", "SLUG_GUARD INSERT", "EMAIL_GUARD INSERT", "EMAIL_GUARD REMOVE",
		"EXTERNAL_ID_GUARD INSERT", "EXTERNAL_ID_GUARD REMOVE", "LICENSE INSERT", "LICENSE_INDEX INSERT",
		"LICENSE REMOVE", "CUSTOMER license_count MODIFY",
	} {
		if !kinds[want] {
			t.Errorf("the stream has no %s record to try (it has %v)", want, kinds)
		}
	}
	if len(h.unchanged) != 0 {
		t.Errorf("a no-op update wrote %d records", len(h.unchanged))
	}
	rec := &recorder{}
	hd, logs := newHandler(rec)
	if failures := handle(t, hd, others); len(failures) != 0 {
		t.Errorf("failures = %q", failures)
	}
	// One at a time too: a batch of nothing but such records.
	for _, r := range others {
		handle(t, hd, []events.DynamoDBEventRecord{r})
	}
	if len(rec.entries) != 0 {
		t.Errorf("%d entries from %d records of other items: %v", len(rec.entries), len(others), rec.entries)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("errors logged: %s", logs.String())
	}
}

func TestPublisherFailuresReportExactlyTheirRecords(t *testing.T) {
	h := live(t)
	var batch []events.DynamoDBEventRecord
	for _, recs := range [][]events.DynamoDBEventRecord{h.setup, h.create, h.update, h.license, h.remove} {
		batch = append(batch, recs...)
	}
	seqOf := func(recs []events.DynamoDBEventRecord) string { return customerRecord(t, recs).Change.SequenceNumber }

	tests := []struct {
		name      string
		fail      func(i int, e types.PutEventsRequestEntry) bool
		err       error
		want      []string
		published []string
	}{
		{"none fails", nil, nil, []string{},
			[]string{EventCreated, EventUpdated, EventDeleted}},
		{"the update fails",
			func(_ int, e types.PutEventsRequestEntry) bool { return aws.ToString(e.DetailType) == EventUpdated },
			nil, []string{seqOf(h.update)}, []string{EventCreated, EventDeleted}},
		{"create and delete fail", func(i int, _ types.PutEventsRequestEntry) bool { return i != 1 },
			nil, []string{seqOf(h.create), seqOf(h.remove)}, []string{EventUpdated}},
		{"the call fails", func(int, types.PutEventsRequestEntry) bool { return true },
			errPublish, []string{seqOf(h.create), seqOf(h.update), seqOf(h.remove)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{fail: tt.fail, err: tt.err}
			hd, logs := newHandler(rec)
			if got := handle(t, hd, batch); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("failures = %q, want %q", got, tt.want)
			}
			var published []string
			for _, e := range rec.entries {
				published = append(published, aws.ToString(e.DetailType))
			}
			if !reflect.DeepEqual(published, tt.published) {
				t.Errorf("published %q, want %q", published, tt.published)
			}
			if tt.err != nil && !strings.Contains(logs.String(), tt.err.Error()) {
				t.Errorf("the publisher's error is not logged: %s", logs.String())
			}
		})
	}
}

func TestUndecodableCustomerRecordIsLoggedAndSkipped(t *testing.T) {
	h := live(t)
	bad := customerRecord(t, h.create)
	img := map[string]events.DynamoDBAttributeValue{}
	for k, v := range bad.Change.NewImage {
		img[k] = v
	}
	img["version"] = events.NewStringAttribute("one") // not a number
	bad.Change.NewImage = img
	rec := &recorder{}
	hd, logs := newHandler(rec)
	batch := append([]events.DynamoDBEventRecord{bad}, h.update...)
	if failures := handle(t, hd, batch); len(failures) != 0 {
		t.Errorf("failures = %q: a record no retry can fix must not block the shard", failures)
	}
	if len(rec.entries) != 1 || aws.ToString(rec.entries[0].DetailType) != EventUpdated {
		t.Errorf("entries = %v, want the update's alone", rec.entries)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), bad.Change.SequenceNumber) {
		t.Errorf("the skipped record is not logged: %s", logs.String())
	}
}

// TestCustomerFromItem: the store decodes customer images and declines every other one.
func TestCustomerFromItem(t *testing.T) {
	h := live(t)
	all := append(append(append(append([]events.DynamoDBEventRecord{}, h.setup...), h.create...), h.update...),
		h.license...)
	n := 0
	for _, r := range all {
		item, err := store.FromImage(r.Change.NewImage)
		if err != nil {
			t.Fatal(err)
		}
		appID, c, ok, err := store.CustomerFromItem(item)
		if err != nil {
			t.Errorf("%s: %v", r.Change.Keys["sk"].String(), err)
		}
		isCustomer := r.Change.NewImage["type"].String() == "CUSTOMER"
		if ok != isCustomer {
			t.Errorf("%s: ok = %v", r.Change.Keys["sk"].String(), ok)
		}
		if ok {
			n++
			if appID != h.app.ID || c.ID != h.created.ID || c.ExternalID != "crm-42" {
				t.Errorf("decoded %s, %+v", appID, c)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d customer images, want 3 (create, update, license counter)", n)
	}
	if _, _, ok, err := store.CustomerFromItem(nil); ok || err != nil {
		t.Errorf("nil image: ok %v, err %v", ok, err)
	}
}

// TestSampleEvent runs events/publish-changes.json, the stream batch that events/ carries for
// `sam local invoke -e` (records read from DynamoDB Local's stream: an app counter, a
// customer's insert, its two guards, its update, its license counter moving, a license and
// its removal), through the handler.
func TestSampleEvent(t *testing.T) {
	raw, err := os.ReadFile("../../events/publish-changes.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.DynamoDBEvent
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields() // as the SAM CLI and internal/stackcheck read events/
	if err := dec.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	hd, _ := newHandler(rec)
	if failures := handle(t, hd, ev.Records); len(failures) != 0 {
		t.Errorf("failures = %q", failures)
	}
	type summary struct {
		DetailType string
		Time       int64
		Detail     Detail
	}
	var got []summary
	for _, e := range rec.entries {
		var d Detail
		if err := json.Unmarshal([]byte(aws.ToString(e.Detail)), &d); err != nil {
			t.Fatal(err)
		}
		got = append(got, summary{aws.ToString(e.DetailType), e.Time.Unix(),
			Detail{AppID: d.AppID, CustomerID: d.CustomerID, Version: d.Version}})
		if (d.Before == nil) != (aws.ToString(e.DetailType) == EventCreated) ||
			(d.After == nil) != (aws.ToString(e.DetailType) == EventDeleted) {
			t.Errorf("%s: before %v, after %v", aws.ToString(e.DetailType), d.Before, d.After)
		}
	}
	const app, cus = "app_0b7e3c1a-5d2f-4a6b-8c9d-e0f1a2b3c4d5", "cus_6a1f2e3d-4c5b-4a69-8877-665544332211"
	want := []summary{
		{EventCreated, 1763805601, Detail{AppID: app, CustomerID: cus, Version: 1}},
		{EventUpdated, 1763805604, Detail{AppID: app, CustomerID: cus, Version: 2}},
		{EventDeleted, 1763805607, Detail{AppID: app, CustomerID: cus, Version: 2}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\n got %+v\nwant %+v", got, want)
	}
}
