package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
)

// TestRecordsOfBeforeIfMatchKeepTheirFingerprint: a record written before If-Match counted
// (no fingerprint_version) replays for a retry of its request, with or without If-Match, as
// it did then; another body under its key is still ErrKeyReused. Records of the current
// version hold If-Match.
func TestRecordsOfBeforeIfMatchKeepTheirFingerprint(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "records")
	c := mustCreate(t, s, app, customer.Customer{Email: "old@example.com"})
	path, body := "/api/v1/apps/records/customers/cus_"+c.ID, []byte(`{"name":"Old"}`)
	put := func(rec recordItem) {
		t.Helper()
		m, err := marshal("record", rec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: m}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	put(recordItem{PK: appPK(app), SK: recordSK("before"), Type: typeRecord, Status: 200, Body: []byte("kept then"),
		Fingerprint: idempotency.LegacyFingerprint("PUT", path, body),
		CreatedAt:   formatTime(now), TTL: now.Add(time.Hour).Unix()})
	retry := func(key, ifMatch string, body []byte) error {
		cl := &idempotency.Claim{Key: key, Fingerprint: idempotency.Fingerprint("PUT", path, body, ifMatch),
			LegacyFingerprint: idempotency.LegacyFingerprint("PUT", path, body),
			Render:            func(idempotency.Result) idempotency.Answer { return idempotency.Answer{Status: 200} }}
		_, _, err := s.UpdateCustomer(cl.Context(ctx), app, c.ID, customer.Patch{Name: customer.Some("Old")}, 0)
		return err
	}
	for _, ifMatch := range []string{"", "1"} {
		var re *idempotency.ReplayError
		if err := retry("before", ifMatch, body); !errors.As(err, &re) || string(re.Answer.Body) != "kept then" {
			t.Errorf("a retry with If-Match %q of a record of before: %v, want its replay", ifMatch, err)
		}
	}
	if err := retry("before", "", []byte(`{"name":"Other"}`)); !errors.Is(err, idempotency.ErrKeyReused) {
		t.Errorf("another body under a key of before: %v, want ErrKeyReused", err)
	}

	put(recordItem{PK: appPK(app), SK: recordSK("now"), Type: typeRecord, Status: 200, Body: []byte("kept now"),
		Fingerprint: idempotency.Fingerprint("PUT", path, body, "1"), FingerprintVersion: idempotency.FingerprintVersion,
		CreatedAt: formatTime(now), TTL: now.Add(time.Hour).Unix()})
	var re *idempotency.ReplayError
	if err := retry("now", "1", body); !errors.As(err, &re) || string(re.Answer.Body) != "kept now" {
		t.Errorf("a retry of a record of now: %v, want its replay", err)
	}
	for _, ifMatch := range []string{"", "7"} {
		if err := retry("now", ifMatch, body); !errors.Is(err, idempotency.ErrKeyReused) {
			t.Errorf("If-Match %q under a record of If-Match 1: %v, want ErrKeyReused", ifMatch, err)
		}
	}
}
