package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/webhook"
)

// testSealer is a local sealer that counts its calls, and fails them while failing is set.
type testSealer struct {
	*seal.Local
	mu           sync.Mutex
	seals, opens int
	failing      error
}

func newTestSealer(t testing.TB) *testSealer {
	t.Helper()
	l, err := seal.NewLocal(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &testSealer{Local: l}
}

func (s *testSealer) Seal(ctx context.Context, appID string, plain []byte) ([]byte, error) {
	s.mu.Lock()
	s.seals++
	err := s.failing
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.Local.Seal(ctx, appID, plain)
}

func (s *testSealer) Open(ctx context.Context, appID string, sealed []byte) ([]byte, error) {
	s.mu.Lock()
	s.opens++
	err := s.failing
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.Local.Open(ctx, appID, sealed)
}

func (s *testSealer) counts() (seals, opens int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seals, s.opens
}

func newWebhooks(t testing.TB) (*Store, *Webhooks, *testSealer) {
	t.Helper()
	s, _ := newStore(t)
	sl := newTestSealer(t)
	return s, s.Webhooks(sl), sl
}

func endpointOf(f webhook.Format, url string) webhook.Endpoint {
	e := webhook.Endpoint{Format: f, URL: url}
	if f == webhook.Lago {
		e.Algorithm = webhook.LagoJWT
	}
	return e
}

func mustEndpoint(t testing.TB, w *Webhooks, appID string, e webhook.Endpoint) webhook.Signing {
	t.Helper()
	got, err := w.CreateEndpoint(context.Background(), appID, e)
	if err != nil {
		t.Fatalf("create endpoint %+v: %v", e, err)
	}
	return got
}

// partition reads every item of an app's partition, by sort key.
func partition(t testing.TB, s *Store, appID string) map[string]map[string]types.AttributeValue {
	t.Helper()
	out, err := s.db.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(appPK(appID))},
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]map[string]types.AttributeValue{}
	for _, m := range out.Items {
		items[attrS(m, "sk")] = m
	}
	return items
}

// holds reports whether an attribute value holds b in one of its strings or binaries.
func holds(av types.AttributeValue, b []byte) bool {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return strings.Contains(v.Value, string(b))
	case *types.AttributeValueMemberB:
		return bytes.Contains(v.Value, b)
	case *types.AttributeValueMemberL:
		return slices.ContainsFunc(v.Value, func(x types.AttributeValue) bool { return holds(x, b) })
	case *types.AttributeValueMemberM:
		for _, x := range v.Value {
			if holds(x, b) {
				return true
			}
		}
	}
	return false
}

// TestEndpointSecretsAreSealed: a native and a Lukittu endpoint get secrets of their
// formats, which no attribute of the table holds in the clear, and which open again; a Lago
// endpoint has none of its own.
func TestEndpointSecretsAreSealed(t *testing.T) {
	s, w, _ := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "sealed")
	for _, f := range []webhook.Format{webhook.Apps, webhook.Lukittu, webhook.Lago} {
		t.Run(string(f), func(t *testing.T) {
			made := mustEndpoint(t, w, appID, endpointOf(f, "https://"+string(f)+".example/hook"))
			if !f.HasSecret() {
				if len(made.Secrets) != 0 {
					t.Fatalf("a Lago endpoint got secrets %v", made.Secrets)
				}
				return
			}
			if len(made.Secrets) != 1 || len(made.Secrets[0].Key) != len(webhook.NewSecret(f)) {
				t.Fatalf("secrets %q", made.Secrets)
			}
			raw := partition(t, s, appID)[endpointSK(made.Endpoint.ID)]
			if _, ok := raw["secrets"]; !ok || holds(&types.AttributeValueMemberM{Value: raw}, made.Secrets[0].Key) {
				t.Errorf("the item has no sealed secrets, or holds the secret in the clear: %v", raw)
			}
			got, err := w.EndpointSecrets(ctx, appID, made.Endpoint.ID)
			if err != nil || len(got.Secrets) != 1 || !bytes.Equal(got.Secrets[0].Key, made.Secrets[0].Key) {
				t.Errorf("EndpointSecrets = %+v, %v", got, err)
			}
		})
	}
	checkInvariants(t, s, appID)
}

// TestEndpointRoundTrip: what is stored comes back, an empty event list told apart from
// none (Lago's [] and null), and the list is in creation order.
func TestEndpointRoundTrip(t *testing.T) {
	s, w, _ := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "round-trip")
	in := []webhook.Endpoint{
		{Format: webhook.Lago, URL: "https://a.example", Name: "billing", Algorithm: webhook.LagoHMAC,
			EventTypes: []string{"customer.created", "invoice.voided"}},
		{Format: webhook.Apps, URL: "https://b.example", EventTypes: []string{}},
		{Format: webhook.Lukittu, URL: "https://c.example"},
	}
	var made []webhook.Endpoint
	for _, e := range in {
		made = append(made, mustEndpoint(t, w, appID, e).Endpoint)
	}
	list, err := w.ListEndpoints(ctx, appID)
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %v, %v", list, err)
	}
	for i, e := range list {
		want := in[i]
		if e.ID != made[i].ID || e.Format != want.Format || e.URL != want.URL || e.Name != want.Name ||
			e.Algorithm != want.Algorithm || (e.EventTypes == nil) != (want.EventTypes == nil) ||
			!slices.Equal(e.EventTypes, want.EventTypes) || e.Version != 1 || e.CreatedAt.IsZero() {
			t.Errorf("list[%d] = %+v, want %+v", i, e, want)
		}
		one, err := w.Endpoint(ctx, appID, e.ID)
		if err != nil || one.ID != e.ID || (one.EventTypes == nil) != (e.EventTypes == nil) {
			t.Errorf("get %s: %+v, %v", e.ID, one, err)
		}
	}
	for _, id := range []string{"not-a-uuid", "6a4f3c8e-2b1d-4e5f-9a7b-0c1d2e3f4a5b"} {
		if _, err := w.Endpoint(ctx, appID, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("get %q: %v, want ErrNotFound", id, err)
		}
	}
	other := newApp(t, s, "other")
	if _, err := w.Endpoint(ctx, other, made[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another app's endpoint: %v, want ErrNotFound", err)
	}
}

// TestAnAppHasAtMostTenEndpoints: the eleventh create is refused, also when twelve race;
// deleting one makes room again.
func TestAnAppHasAtMostTenEndpoints(t *testing.T) {
	s, w, _ := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "limit")
	var mu sync.Mutex
	var made []string
	var limited int
	run(webhook.MaxEndpoints+2, func(i int) {
		f := []webhook.Format{webhook.Apps, webhook.Lago, webhook.Lukittu}[i%3]
		got, err := w.CreateEndpoint(ctx, appID, endpointOf(f, fmt.Sprintf("https://h%d.example", i)))
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err == nil:
			made = append(made, got.Endpoint.ID)
		case errors.Is(err, ErrEndpointLimit):
			limited++
		default:
			t.Errorf("create %d: %v", i, err)
		}
	})
	if len(made) != webhook.MaxEndpoints || limited != 2 {
		t.Fatalf("%d made, %d refused; want %d and 2", len(made), limited, webhook.MaxEndpoints)
	}
	checkInvariants(t, s, appID)
	_, err := w.CreateEndpoint(ctx, appID, endpointOf(webhook.Apps, "https://more.example"))
	if !errors.Is(err, ErrEndpointLimit) {
		t.Errorf("the eleventh: %v, want ErrEndpointLimit", err)
	}
	if _, err := w.DeleteEndpoint(ctx, appID, made[0]); err != nil {
		t.Fatal(err)
	}
	mustEndpoint(t, w, appID, endpointOf(webhook.Apps, "https://more.example"))
	checkInvariants(t, s, appID)
}

// TestEndpointURLsAreUniqueInAnApp: a URL another endpoint of the app holds is refused, at
// creation and update; an update or a delete frees the URL it held; another app may use it.
func TestEndpointURLsAreUniqueInAnApp(t *testing.T) {
	s, w, _ := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "urls")
	a := mustEndpoint(t, w, appID, endpointOf(webhook.Apps, "https://a.example/hook")).Endpoint
	b := mustEndpoint(t, w, appID, endpointOf(webhook.Lago, "https://b.example/hook")).Endpoint
	if _, err := w.CreateEndpoint(ctx, appID, endpointOf(webhook.Lukittu, a.URL)); !errors.Is(err, ErrURLTaken) {
		t.Errorf("a taken URL in another format: %v, want ErrURLTaken", err)
	}
	if _, err := w.UpdateEndpoint(ctx, appID, b.ID, webhook.Patch{URL: &a.URL}, 0); !errors.Is(err, ErrURLTaken) {
		t.Errorf("an update to a taken URL: %v, want ErrURLTaken", err)
	}
	moved := "https://a2.example/hook"
	got, err := w.UpdateEndpoint(ctx, appID, a.ID, webhook.Patch{URL: &moved}, 0)
	if err != nil || got.URL != moved || got.Version != 2 {
		t.Fatalf("move a: %+v, %v", got, err)
	}
	mustEndpoint(t, w, appID, endpointOf(webhook.Apps, a.URL)) // freed by the update
	if _, err := w.DeleteEndpoint(ctx, appID, b.ID); err != nil {
		t.Fatal(err)
	}
	mustEndpoint(t, w, appID, endpointOf(webhook.Apps, b.URL)) // freed by the delete
	mustEndpoint(t, w, newApp(t, s, "urls-2"), endpointOf(webhook.Apps, b.URL))
	checkInvariants(t, s, appID)
	if _, err := w.DeleteEndpoint(ctx, appID, b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted twice: %v, want ErrNotFound", err)
	}
}

// TestUpdateEndpoint: a patch changes what it names and the version; an unchanged endpoint
// keeps its version; an expected version that moved on is a conflict; the secret survives.
func TestUpdateEndpoint(t *testing.T) {
	s, w, _ := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "update")
	made := mustEndpoint(t, w, appID, endpointOf(webhook.Apps, "https://a.example"))
	id := made.Endpoint.ID
	name, types := "orders", []string{"customer.deleted"}
	got, err := w.UpdateEndpoint(ctx, appID, id, webhook.Patch{Name: &name, EventTypes: &types}, 1)
	if err != nil || got.Name != name || !slices.Equal(got.EventTypes, types) || got.Version != 2 ||
		!got.UpdatedAt.After(got.CreatedAt) && !got.UpdatedAt.Equal(got.CreatedAt) {
		t.Fatalf("update: %+v, %v", got, err)
	}
	same, err := w.UpdateEndpoint(ctx, appID, id, webhook.Patch{Name: &name}, 0)
	if err != nil || same.Version != 2 {
		t.Errorf("an update that changes nothing: %+v, %v; want version 2", same, err)
	}
	if _, err := w.UpdateEndpoint(ctx, appID, id, webhook.Patch{Name: new("x")}, 1); !errors.Is(err, ErrVersionConflict) {
		t.Errorf("on version 1 after 2: %v, want ErrVersionConflict", err)
	}
	all := []string(nil)
	got, err = w.UpdateEndpoint(ctx, appID, id, webhook.Patch{EventTypes: &all}, 0)
	if err != nil || got.EventTypes != nil || !got.Wants("customer.updated") {
		t.Errorf("back to every type: %+v, %v", got, err)
	}
	bad := []string{"invoice.voided"}
	if _, err := w.UpdateEndpoint(ctx, appID, id, webhook.Patch{EventTypes: &bad}, 0); err == nil {
		t.Error("a Lago type on a native endpoint was stored")
	}
	sec, err := w.EndpointSecrets(ctx, appID, id)
	if err != nil || len(sec.Secrets) != 1 || !bytes.Equal(sec.Secrets[0].Key, made.Secrets[0].Key) {
		t.Errorf("the secret after updates: %+v, %v", sec.Secrets, err)
	}
	absent := "6a4f3c8e-2b1d-4e5f-9a7b-0c1d2e3f4a5b"
	if _, err := w.UpdateEndpoint(ctx, appID, absent, webhook.Patch{Name: &name}, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("an absent endpoint: %v, want ErrNotFound", err)
	}
}

// TestConcurrentUpdatesAllLand: updates without an expected version that race are tried
// again until each lands, and the version counts them all.
func TestConcurrentUpdatesAllLand(t *testing.T) {
	s, w, _ := newWebhooks(t)
	appID := newApp(t, s, "racing")
	id := mustEndpoint(t, w, appID, endpointOf(webhook.Apps, "https://a.example")).Endpoint.ID
	run(6, func(i int) {
		name := fmt.Sprint("name-", i)
		if _, err := w.UpdateEndpoint(context.Background(), appID, id, webhook.Patch{Name: &name}, 0); err != nil {
			t.Errorf("update %d: %v", i, err)
		}
	})
	got, err := w.Endpoint(context.Background(), appID, id)
	if err != nil || got.Version != 7 {
		t.Errorf("after 6 updates: %+v, %v; want version 7", got, err)
	}
}

// TestRollSecret: a native endpoint's old secret signs beside the new one for 24 hours,
// then stops; a Lukittu endpoint's is replaced at once; a Lago endpoint has none to roll.
func TestRollSecret(t *testing.T) {
	s, w, _ := newWebhooks(t)
	ctx := context.Background()
	now := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	appID := newApp(t, s, "roll")

	native := mustEndpoint(t, w, appID, endpointOf(webhook.Apps, "https://a.example"))
	rolled, err := w.RollSecret(ctx, appID, native.Endpoint.ID)
	if err != nil {
		t.Fatal(err)
	}
	first := native.Secrets[0].Key
	if len(rolled.Secrets) != 2 || bytes.Equal(rolled.Secrets[0].Key, first) || !rolled.Secrets[0].Expires.IsZero() ||
		!bytes.Equal(rolled.Secrets[1].Key, first) || !rolled.Secrets[1].Expires.Equal(now.Add(webhook.RollOverlap)) ||
		rolled.Endpoint.Version != 2 {
		t.Fatalf("after a roll: %+v", rolled)
	}
	now = now.Add(time.Hour)
	again, err := w.RollSecret(ctx, appID, native.Endpoint.ID)
	if err != nil || len(again.Secrets) != 3 || !again.Secrets[2].Expires.Equal(rolled.Secrets[1].Expires) {
		t.Fatalf("a second roll an hour later: %+v, %v; want three, the first still ending when it did", again, err)
	}
	now = now.Add(webhook.RollOverlap)
	got, err := w.EndpointSecrets(ctx, appID, native.Endpoint.ID)
	if err != nil || len(got.Secrets) != 1 || !bytes.Equal(got.Secrets[0].Key, again.Secrets[0].Key) {
		t.Errorf("25 hours on: %+v, %v; want the newest secret alone", got.Secrets, err)
	}

	lk := mustEndpoint(t, w, appID, endpointOf(webhook.Lukittu, "https://b.example"))
	got, err = w.RollSecret(ctx, appID, lk.Endpoint.ID)
	if err != nil || len(got.Secrets) != 1 || bytes.Equal(got.Secrets[0].Key, lk.Secrets[0].Key) {
		t.Errorf("Lukittu: %+v, %v; want one new secret", got.Secrets, err)
	}
	lg := mustEndpoint(t, w, appID, endpointOf(webhook.Lago, "https://c.example"))
	if _, err := w.RollSecret(ctx, appID, lg.Endpoint.ID); !errors.Is(err, ErrNoSecret) {
		t.Errorf("Lago: %v, want ErrNoSecret", err)
	}
	checkInvariants(t, s, appID)
}

// TestLagoKeysAreMadeOnce: requests that race to make an app's Lago keys get the same keys;
// the item holds neither the HMAC key nor the private key in the clear; each app has its own.
func TestLagoKeysAreMadeOnce(t *testing.T) {
	s, w, sl := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "keys")
	keys := make([]webhook.LagoKeys, 3)
	run(3, func(i int) {
		var err error
		if keys[i], err = w.LagoKeys(ctx, appID); err != nil {
			t.Errorf("keys %d: %v", i, err)
		}
	})
	for _, k := range keys[1:] {
		if !bytes.Equal(k.HMACKey, keys[0].HMACKey) || !k.PublicKey.Equal(keys[0].PublicKey) {
			t.Fatal("racing requests got different keys")
		}
	}
	pub, err := w.LagoPublicKey(ctx, appID)
	if err != nil || !pub.Equal(keys[0].PublicKey) {
		t.Errorf("public key: %v", err)
	}
	item := partition(t, s, appID)[signingKeysSK]
	if item == nil || holds(&types.AttributeValueMemberM{Value: item}, keys[0].HMACKey) {
		t.Errorf("no keys item, or the HMAC key in the clear: %v", item)
	}
	_, opens := sl.counts()
	signing := mustEndpoint(t, w, appID, endpointOf(webhook.Lago, "https://jwt.example"))
	got, err := w.SigningEndpoint(ctx, appID, signing.Endpoint.ID)
	if err != nil || got.Lago.PrivateKey == nil || !got.Lago.PrivateKey.PublicKey.Equal(pub) || got.Lago.HMACKey != nil {
		t.Errorf("a jwt endpoint's signing: %+v, %v; want the private key alone", got.Lago, err)
	}
	if _, after := sl.counts(); after != opens+1 {
		t.Errorf("%d opens for one jwt endpoint, want 1", after-opens)
	}
	otherKeys, err := w.LagoKeys(ctx, newApp(t, s, "keys-2"))
	if err != nil || bytes.Equal(otherKeys.HMACKey, keys[0].HMACKey) || otherKeys.PublicKey.Equal(pub) {
		t.Errorf("another app shares the keys: %v", err)
	}
}

// TestSigningEndpoints: the delivery's read gives every endpoint a signer of its format,
// opening the app's Lago keys once, and only those its Lago endpoints use.
func TestSigningEndpoints(t *testing.T) {
	s, w, sl := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "signing")
	if got, err := w.SigningEndpoints(ctx, appID); err != nil || len(got) != 0 {
		t.Fatalf("no endpoints: %v, %v", got, err)
	}
	mustEndpoint(t, w, appID, endpointOf(webhook.Apps, "https://a.example"))
	mustEndpoint(t, w, appID, endpointOf(webhook.Lukittu, "https://b.example"))
	mustEndpoint(t, w, appID,
		webhook.Endpoint{Format: webhook.Lago, URL: "https://c.example", Algorithm: webhook.LagoHMAC})
	_, opens := sl.counts()
	got, err := w.SigningEndpoints(ctx, appID)
	if err != nil || len(got) != 3 {
		t.Fatalf("%v, %v", got, err)
	}
	if _, after := sl.counts(); after-opens != 3 {
		t.Errorf("%d opens: want the two secrets and the HMAC key alone", after-opens)
	}
	m := webhook.Message{ID: "ev_1", Type: "customer.created", Body: []byte(`{}`)}
	for _, sg := range got {
		signer, err := sg.Signer("https://api.example")
		if err != nil {
			t.Errorf("%s: %v", sg.Endpoint.Format, err)
			continue
		}
		m.Type = sg.Endpoint.Format.Sends()[0]
		if _, err := signer.Sign(m, time.Now()); err != nil {
			t.Errorf("%s signs: %v", sg.Endpoint.Format, err)
		}
	}
	if lago := got[2]; lago.Lago.HMACKey == nil || lago.Lago.PrivateKey != nil {
		t.Errorf("an hmac endpoint's keys: %+v", lago.Lago)
	}
}

// TestEndpointsOfADeletedApp: a deleted app's endpoints are neither read nor written, and
// its purge takes them, its counter and its keys with the rest of its partition.
func TestEndpointsOfADeletedApp(t *testing.T) {
	s, w, _ := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "gone")
	e := mustEndpoint(t, w, appID, endpointOf(webhook.Lago, "https://a.example")).Endpoint
	mustEndpoint(t, w, appID, endpointOf(webhook.Apps, "https://b.example"))
	if err := s.DeleteApp(ctx, appID); err != nil {
		t.Fatal(err)
	}
	gone := func(what string, err error) {
		if !errors.Is(err, ErrAppNotActive) {
			t.Errorf("%s: %v, want ErrAppNotActive", what, err)
		}
	}
	_, err := w.CreateEndpoint(ctx, appID, endpointOf(webhook.Apps, "https://c.example"))
	gone("create", err)
	_, err = w.Endpoint(ctx, appID, e.ID)
	gone("get", err)
	_, err = w.ListEndpoints(ctx, appID)
	gone("list", err)
	_, err = w.SigningEndpoints(ctx, appID)
	gone("signing", err)
	_, err = w.LagoPublicKey(ctx, appID)
	gone("public key", err)
	_, err = w.DeleteEndpoint(ctx, appID, e.ID)
	gone("delete", err)
	if _, err := s.PurgeApp(ctx, appID); err != nil {
		t.Fatal(err)
	}
	if left := partition(t, s, appID); len(left) != 0 {
		t.Errorf("the purge left %d items", len(left))
	}
}

// TestSealingOutageIsUnavailable: a sealer that cannot reach KMS makes the store answer
// ErrUnavailable (a 503 a retry may cure), and writes nothing.
func TestSealingOutageIsUnavailable(t *testing.T) {
	s, w, sl := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "outage")
	e := mustEndpoint(t, w, appID, endpointOf(webhook.Apps, "https://a.example")).Endpoint
	sl.mu.Lock()
	sl.failing = fmt.Errorf("kms: %w", seal.ErrUnavailable)
	sl.mu.Unlock()
	_, err := w.CreateEndpoint(ctx, appID, endpointOf(webhook.Apps, "https://b.example"))
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("create: %v, want ErrUnavailable", err)
	}
	if _, err := w.EndpointSecrets(ctx, appID, e.ID); !errors.Is(err, ErrUnavailable) {
		t.Errorf("open: %v, want ErrUnavailable", err)
	}
	sl.mu.Lock()
	sl.failing = errors.New("wrong key")
	sl.mu.Unlock()
	if _, err := w.EndpointSecrets(ctx, appID, e.ID); err == nil || errors.Is(err, ErrUnavailable) {
		t.Errorf("a value that does not open: %v, want an error that is not unavailable", err)
	}
	checkInvariants(t, s, appID)
}

// TestVerifyReportsBrokenEndpoints: Verify reports an endpoint without its URL guard, a
// guard without its endpoint, and a counter that does not count them.
func TestVerifyReportsBrokenEndpoints(t *testing.T) {
	s, w, _ := newWebhooks(t)
	ctx := context.Background()
	appID := newApp(t, s, "broken")
	e := mustEndpoint(t, w, appID, endpointOf(webhook.Apps, "https://a.example")).Endpoint
	checkInvariants(t, s, appID)
	_, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		s.table: {{DeleteRequest: &types.DeleteRequest{Key: itemKey(appPK(appID), endpointURLSK(e.URL))}}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table),
		Key: itemKey(appPK(appID), endpointCountSK), UpdateExpression: aws.String("ADD endpoint_count :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)}})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := s.Verify(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(problems, "\n")
	if len(problems) != 2 || !strings.Contains(joined, "no guard of its URL") || !strings.Contains(joined, "counter") {
		t.Errorf("problems: %q, want the missing guard and the counter", problems)
	}
}
