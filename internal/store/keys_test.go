package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
)

// TestKeyPrefixesLeaveRoomForTheDomainsLimit: a value that customer.KeyFits lets through,
// behind the store's prefixes of the keys that hold client values (ids are UUIDs), is still a valid
// DynamoDB sort key (at most 1,024 bytes), so that no write or lookup the domain accepts can be refused
// by DynamoDB.
func TestKeyPrefixesLeaveRoomForTheDomainsLimit(t *testing.T) {
	const maxSortKey = 1024
	v := strings.Repeat("a", customer.MaxKeyBytes)
	keys := map[string]string{
		"email guard":       emailSK(v),
		"external-id guard": externalIDSK(v),
		"email index":       customer.EmailKey(v),
		"external-id index": v,
	}
	for name, k := range keys {
		if len(k) > maxSortKey {
			t.Errorf("%s: %d bytes", name, len(k))
		}
	}
}

// TestReindexNamesKeysOfBefore: a key made before keys held the app's name has none, which
// AppName reads from the app; Reindex gives it the name on both its items, leaves keys that
// have it and a revoked one alone, and names nothing the second time.
func TestReindexNamesKeysOfBefore(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "named-keys")
	hashes := map[string]string{}
	for _, k := range []auth.Key{{Hint: "old"}, {Hint: "new", AppName: "App named-keys"}, {Hint: "revoked"}} {
		_, hash := auth.Generate(auth.Secret)
		k.AppID, k.AppSlug, k.Kind = app, "named-keys", auth.Secret
		made, err := s.CreateKey(ctx, hash, k)
		if err != nil {
			t.Fatal(err)
		}
		hashes[k.Hint] = hash
		if k.Hint == "revoked" {
			if err := s.DeleteKey(ctx, app, made.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if old, err := s.KeyByHash(ctx, hashes["old"]); err != nil || old.AppName != "" {
		t.Fatalf("a key of before: %+v, %v; want no name", old, err)
	}
	if name, err := s.AppName(ctx, app); err != nil || name != "App named-keys" {
		t.Fatalf("AppName: %q, %v", name, err)
	}
	if _, err := s.AppName(ctx, customer.NewID()); !errors.Is(err, ErrAppNotFound) {
		t.Errorf("AppName of no app: %v, want ErrAppNotFound", err)
	}
	st, err := s.Reindex(ctx, app)
	if err != nil || st.Keys != 1 {
		t.Fatalf("re-index: %+v, %v; want 1 key named", st, err)
	}
	for _, hint := range []string{"old", "new"} {
		if k, err := s.KeyByHash(ctx, hashes[hint]); err != nil || k.AppName != "App named-keys" {
			t.Errorf("the %s key after the re-index: %+v, %v", hint, k, err)
		}
	}
	if _, err := s.KeyByHash(ctx, hashes["revoked"]); !errors.Is(err, ErrNotFound) {
		t.Errorf("the revoked key after the re-index: %v, want ErrNotFound", err)
	}
	keys, err := s.ListKeys(ctx, app)
	if err != nil || len(keys) != 2 || keys[0].AppName == "" || keys[1].AppName == "" {
		t.Errorf("the app's keys after the re-index: %+v, %v", keys, err)
	}
	if st, err := s.Reindex(ctx, app); err != nil || st.Keys != 0 {
		t.Errorf("re-index again: %+v, %v; want no key named", st, err)
	}
}
