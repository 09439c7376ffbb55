package store

import (
	"context"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/webhook"
)

func TestRecordDeliveryKeepsTheRecordOfMostAttempts(t *testing.T) {
	s, w, _ := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "deliveries")
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	rec := func(eventID string, attempts, status int, class webhook.Class) {
		t.Helper()
		err := w.RecordDelivery(ctx, appID, webhook.Delivery{EndpointID: "ep1", EventID: eventID,
			Type: webhook.Created, Class: class, Attempts: attempts, Status: status,
			UpdatedAt: at.Add(time.Duration(attempts) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
	}
	rec("ev-a", 1, 500, webhook.ClassStatus)
	rec("ev-a", 2, 200, webhook.ClassDelivered)
	rec("ev-a", 1, 500, webhook.ClassStatus) // the same event published twice: its first attempt comes late
	rec("ev-b", 1, 0, webhook.ClassTimeout)
	got, err := w.Deliveries(ctx, appID, "ep1")
	if err != nil {
		t.Fatal(err)
	}
	want := []webhook.Delivery{
		{EndpointID: "ep1", EventID: "ev-a", Type: webhook.Created, Class: webhook.ClassDelivered, Attempts: 2,
			Status: 200, UpdatedAt: at.Add(2 * time.Minute)},
		{EndpointID: "ep1", EventID: "ev-b", Type: webhook.Created, Class: webhook.ClassTimeout, Attempts: 1,
			UpdatedAt: at.Add(time.Minute)},
	}
	if len(got) != len(want) {
		t.Fatalf("deliveries %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("delivery %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if other, err := w.Deliveries(ctx, appID, "ep2"); err != nil || len(other) != 0 {
		t.Errorf("another endpoint's deliveries: %+v, %v", other, err)
	}
	if problems, err := s.Verify(ctx, appID); err != nil || len(problems) != 0 {
		t.Errorf("Verify: %v, %v", problems, err)
	}
}
