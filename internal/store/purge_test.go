package store

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
)

func TestKeysAreStoredByHashAndRevocable(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	app := newApp(t, s, "keys")

	secret, hash := auth.Generate(auth.Secret)
	k, err := s.CreateKey(ctx, hash, auth.Key{AppID: app, Kind: auth.Secret, Hint: auth.Hint(secret)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.KeyByHash(ctx, auth.Hash(secret))
	if err != nil || got.ID != k.ID || got.AppID != app || got.Kind != auth.Secret {
		t.Fatalf("key by hash: %v %+v", err, got)
	}
	acct, acctHash := auth.Generate(auth.Account)
	if _, err := s.CreateKey(ctx, acctHash, auth.Key{Kind: auth.Account, Hint: auth.Hint(acct)}); err != nil {
		t.Fatal(err)
	}
	appKeys, err := s.ListKeys(ctx, app)
	if err != nil || len(appKeys) != 1 || appKeys[0].ID != k.ID {
		t.Fatalf("app keys: %v %+v", err, appKeys)
	}
	accountKeys, err := s.ListKeys(ctx, "")
	if err != nil || len(accountKeys) != 1 || accountKeys[0].Kind != auth.Account {
		t.Fatalf("account keys: %v %+v", err, accountKeys)
	}
	if err := s.DeleteKey(ctx, newApp(t, s, "keys-other"), k.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking through another app: %v, want not found", err)
	}
	if err := s.DeleteKey(ctx, app, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.KeyByHash(ctx, hash); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked key: %v, want not found", err)
	}
	if _, err := s.KeyByHash(ctx, "short"); !errors.Is(err, ErrNotFound) {
		t.Errorf("malformed hash: %v, want not found", err)
	}
}

// partitionSize counts every item of an app's partition.
func partitionSize(tb testing.TB, s *Store, appID string) int {
	tb.Helper()
	out, err := s.db.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(appPK(appID))},
		Select:                    types.SelectCount,
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return int(out.Count)
}

func fillApp(tb testing.TB, s *Store, app string, n int) []string {
	tb.Helper()
	var hashes []string
	for i := range n {
		c := mustCreate(tb, s, app, customer.Customer{
			Email:      fmt.Sprintf("p%d@example.com", i),
			ExternalID: fmt.Sprint("x", i),
		})
		if _, err := s.CreateLicense(context.Background(), app, customer.License{CustomerID: c.ID}); err != nil {
			tb.Fatal(err)
		}
	}
	for range 2 {
		_, hash := auth.Generate(auth.Secret)
		if _, err := s.CreateKey(context.Background(), hash, auth.Key{AppID: app, Kind: auth.Secret}); err != nil {
			tb.Fatal(err)
		}
		hashes = append(hashes, hash)
	}
	return hashes
}

func TestDeleteAppStopsAtOnceAndPurgeEmptiesIt(t *testing.T) {
	var f faults
	s, _ := newStore(t, f.install)
	ctx := context.Background()
	app := newApp(t, s, "doomed")
	other := newApp(t, s, "survivor")
	hashes := fillApp(t, s, app, 60)
	fillApp(t, s, other, 5)
	kept := partitionSize(t, s, other)
	someone, err := s.FindByExternalID(ctx, app, "x1")
	if err != nil {
		t.Fatal(err)
	}

	if _, err := s.PurgeApp(ctx, app); !errors.Is(err, ErrAppActive) {
		t.Fatalf("purging an active app: %v, want refused", err)
	}
	if err := s.DeleteApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCustomer(ctx, app, someone.ID); !errors.Is(err, ErrAppNotActive) {
		t.Errorf("read after delete: %v, want app not active", err)
	}
	late := customer.Customer{Email: "late@example.com"}
	if _, err := s.CreateCustomer(ctx, app, late); !errors.Is(err, ErrAppNotActive) {
		t.Errorf("write after delete: %v, want app not active", err)
	}
	if apps, _ := s.ListApps(ctx); len(apps) != 1 || apps[0].ID != other {
		t.Errorf("apps after delete: %+v, want only the survivor", apps)
	}

	// A worker that dies half way through leaves a partition the next run finishes.
	half := 0
	func() {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		in := &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :c)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(appPK(app)), ":c": str("CUS#")},
			ProjectionExpression:      aws.String("pk, sk"),
			Limit:                     aws.Int32(30),
		}
		out, err := s.db.Query(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var keys []key
		for _, m := range out.Items {
			keys = append(keys, m)
		}
		if half, err = s.deleteKeys(ctx, keys); err != nil {
			t.Fatal(err)
		}
	}()
	if half != 30 {
		t.Fatalf("the interrupted worker deleted %d items, want 30", half)
	}
	f.set("BatchWriteItem", 1, errors.New("worker killed"))
	if _, err := s.PurgeApp(ctx, app); err == nil {
		t.Fatal("the failing purge reported success")
	}

	n, err := s.PurgeApp(ctx, app)
	if err != nil {
		t.Fatalf("restarted purge: %v", err)
	}
	if n == 0 {
		t.Error("the restarted purge deleted nothing")
	}
	if got := partitionSize(t, s, app); got != 0 {
		t.Errorf("%d items left in the purged partition", got)
	}
	for _, h := range hashes {
		if _, err := s.KeyByHash(ctx, h); !errors.Is(err, ErrNotFound) {
			t.Errorf("key of the purged app: %v, want not found", err)
		}
	}
	if n, err := s.PurgeApp(ctx, app); err != nil || n != 0 {
		t.Errorf("purge run twice: %d, %v; want 0, nil", n, err)
	}
	if got := partitionSize(t, s, other); got != kept {
		t.Errorf("the other app has %d items, had %d", got, kept)
	}
	checkInvariants(t, s, other)
	if _, err := s.CreateApp(ctx, appNamed("doomed")); err != nil {
		t.Errorf("the purged app's slug cannot be reused: %v", err)
	}
}
