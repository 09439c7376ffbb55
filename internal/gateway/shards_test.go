package gateway_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// dropShards turns an app back into the shape of before the shards: no shard items, the
// customer counter in #META, and customers that record no shard.
func (e *env) dropShards(t *testing.T, app testApp) {
	t.Helper()
	ctx, db, table := context.Background(), e.table.Client, aws.String(e.table.Name)
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	pk := s("APP#" + app.UUID)
	out, err := db.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": pk}, ConsistentRead: aws.Bool(true)})
	if err != nil || out.LastEvaluatedKey != nil {
		t.Fatalf("query the partition: %v (or more than a page)", err)
	}
	var count int64
	for _, it := range out.Items {
		sk := it["sk"].(*types.AttributeValueMemberS).Value
		switch {
		case strings.HasPrefix(sk, "#SHARD#"):
			if n, ok := it["customer_count"].(*types.AttributeValueMemberN); ok {
				v, _ := strconv.ParseInt(n.Value, 10, 64)
				count += v
			}
			if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: map[string]types.AttributeValue{"pk": pk, "sk": s(sk)}}); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(sk, "CUS#"):
			if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: map[string]types.AttributeValue{"pk": pk, "sk": s(sk)},
				UpdateExpression: aws.String("REMOVE counter_shard")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: map[string]types.AttributeValue{"pk": pk, "sk": s("#META")},
		UpdateExpression:          aws.String("ADD customer_count :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: strconv.FormatInt(count, 10)}}}); err != nil {
		t.Fatal(err)
	}
	e.checkInvariants(t, app)
}

// testAppsMadeBeforeTheShards: every write function works on an app made before the shards,
// making them on its first write, with no manual step, and the totals stay exact.
func testAppsMadeBeforeTheShards(t *testing.T, e *env) {
	app := e.createApp(t, "legacy-shape")
	sk := e.as(t, app.secret)
	c := e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "first@example.com"})
	lic := data[licenseJSON](sk.post("/api/v1/apps/"+app.Slug+"/licenses", map[string]any{"customer_id": c.ID, "forever": true}).want(201))
	writes := []struct {
		name string
		do   func()
	}{
		{"create-customer", func() { e.createCustomer(t, app.secret, app.Slug, map[string]any{"email": "second@example.com"}) }},
		{"get-or-create-customer", func() {
			sk.post("/api/v1/apps/"+app.Slug+"/customers/get-or-create", map[string]any{"email": "third@example.com"}).want(201)
		}},
		{"lukittu-create-customer", func() {
			sk.post("/api/v1/dev/teams/"+app.UUID+"/customers", map[string]any{"email": "fourth@example.com", "metadata": []any{}}).want(201)
		}},
		{"delete-license", func() { sk.del("/api/v1/apps/" + app.Slug + "/licenses/" + lic.ID).want(204) }},
	}
	for _, w := range writes {
		e.dropShards(t, app)
		w.do()
	}
	var a appJSON
	e.as(t, e.accountKey).get("/api/v1/apps/" + app.Slug).want(200).into(&struct{ Data *appJSON }{&a})
	if a.CustomerCount != 4 {
		t.Errorf("customer_count %d, want 4", a.CustomerCount)
	}
	e.checkInvariants(t, app)
}
