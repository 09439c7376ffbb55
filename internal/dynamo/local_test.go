package dynamo_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/clientele/clientele/internal/dynamo"
	"github.com/clientele/clientele/internal/dynamotest"
)

// TestItemsRoundTripThroughDynamoDBLocal writes items of every member and of strings that
// need escaping with each write operation, and reads them back with each read: what
// DynamoDB answers must decode to what was written.
func TestItemsRoundTripThroughDynamoDBLocal(t *testing.T) {
	tbl := dynamotest.New(t)
	db, ctx := tbl.DB, context.Background()
	awkward := "quote \" backslash \\ slash / <b>&amp;</b> \b\f\n\r\t \x00\x1f\x7f \u2028\u2029 naïve 日本語 😀"
	item := func(sk string) dynamo.Item {
		return dynamo.Item{
			"pk": &dynamo.AttributeValueMemberS{Value: "ROUNDTRIP"}, "sk": &dynamo.AttributeValueMemberS{Value: sk},
			"s": &dynamo.AttributeValueMemberS{Value: awkward}, "empty": &dynamo.AttributeValueMemberS{},
			"n": &dynamo.AttributeValueMemberN{Value: "-12.5"}, "b": &dynamo.AttributeValueMemberB{Value: []byte{0, 1, 0xfe, 0xff}},
			"t": &dynamo.AttributeValueMemberBOOL{Value: true}, "f": &dynamo.AttributeValueMemberBOOL{},
			"null": &dynamo.AttributeValueMemberNULL{Value: true},
			"m": &dynamo.AttributeValueMemberM{Value: map[string]dynamo.AttributeValue{
				awkward: &dynamo.AttributeValueMemberS{Value: awkward}, "empty": &dynamo.AttributeValueMemberM{Value: map[string]dynamo.AttributeValue{}},
				"l": &dynamo.AttributeValueMemberL{Value: []dynamo.AttributeValue{&dynamo.AttributeValueMemberN{Value: "1"}}},
			}},
			"l": &dynamo.AttributeValueMemberL{Value: []dynamo.AttributeValue{
				&dynamo.AttributeValueMemberS{Value: "a"}, &dynamo.AttributeValueMemberL{Value: []dynamo.AttributeValue{}},
				&dynamo.AttributeValueMemberM{Value: map[string]dynamo.AttributeValue{"x": &dynamo.AttributeValueMemberNULL{Value: true}}},
			}},
			"ss":    &dynamo.AttributeValueMemberSS{Value: []string{"a", awkward, "<>"}},
			"ns":    &dynamo.AttributeValueMemberNS{Value: []string{"1", "2.5", "-3"}},
			"bs":    &dynamo.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
			awkward: &dynamo.AttributeValueMemberS{Value: "a name that needs escaping"},
		}
	}
	key := func(sk string) dynamo.Item {
		return dynamo.Item{"pk": &dynamo.AttributeValueMemberS{Value: "ROUNDTRIP"}, "sk": &dynamo.AttributeValueMemberS{Value: sk}}
	}

	if _, err := db.BatchWriteItem(ctx, &dynamo.BatchWriteItemInput{RequestItems: map[string][]dynamo.WriteRequest{
		tbl.Name: {{PutRequest: &dynamo.PutRequest{Item: item("batch")}}, {PutRequest: &dynamo.PutRequest{Item: item("deleted")}}},
	}}); err != nil {
		t.Fatalf("BatchWriteItem: %v", err)
	}
	if _, err := db.TransactWriteItems(ctx, &dynamo.TransactWriteItemsInput{TransactItems: []dynamo.TransactWriteItem{
		{Put: &dynamo.Put{TableName: tbl.Name, Item: item("transaction"), ConditionExpression: "attribute_not_exists(pk)"}},
		{Update: &dynamo.Update{TableName: tbl.Name, Key: key("updated"), UpdateExpression: "SET #s = :s",
			ExpressionAttributeNames:  map[string]string{"#s": awkward},
			ExpressionAttributeValues: dynamo.Item{":s": &dynamo.AttributeValueMemberS{Value: awkward}}}},
		{Delete: &dynamo.Delete{TableName: tbl.Name, Key: key("deleted"), ConditionExpression: "#s = :s",
			ExpressionAttributeNames:  map[string]string{"#s": "s"},
			ExpressionAttributeValues: dynamo.Item{":s": &dynamo.AttributeValueMemberS{Value: awkward}}}},
		{ConditionCheck: &dynamo.ConditionCheck{TableName: tbl.Name, Key: key("batch"), ConditionExpression: "#n = :n",
			ExpressionAttributeNames:  map[string]string{"#n": awkward},
			ExpressionAttributeValues: dynamo.Item{":n": &dynamo.AttributeValueMemberS{Value: "a name that needs escaping"}}}},
	}}); err != nil {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	updated := dynamo.Item{"pk": &dynamo.AttributeValueMemberS{Value: "ROUNDTRIP"}, "sk": &dynamo.AttributeValueMemberS{Value: "updated"},
		awkward: &dynamo.AttributeValueMemberS{Value: awkward}}

	for _, sk := range []string{"batch", "transaction"} {
		got, err := db.GetItem(ctx, &dynamo.GetItemInput{TableName: tbl.Name, Key: key(sk), ConsistentRead: true})
		if err != nil {
			t.Fatalf("GetItem %s: %v", sk, err)
		}
		sameItem(t, "GetItem "+sk, got.Item, item(sk))
	}
	got, err := db.GetItem(ctx, &dynamo.GetItemInput{TableName: tbl.Name, Key: key("deleted"), ConsistentRead: true})
	if err != nil || got.Item != nil {
		t.Errorf("GetItem of a deleted item: %v, %v; want no item", got, err)
	}

	forward := false
	pk := dynamo.Item{":pk": &dynamo.AttributeValueMemberS{Value: "ROUNDTRIP"}}
	q, err := db.Query(ctx, &dynamo.QueryInput{TableName: tbl.Name, KeyConditionExpression: "pk = :pk",
		ExpressionAttributeValues: pk, ScanIndexForward: &forward, Limit: 2, ConsistentRead: true})
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if q.Count != 2 || len(q.Items) != 2 || q.LastEvaluatedKey == nil {
		t.Fatalf("Query gave %d items (Count %d), last key %v; want 2 of 3 and a last key", len(q.Items), q.Count, q.LastEvaluatedKey)
	}
	sameItem(t, "Query", q.Items[0], updated)
	sameItem(t, "Query", q.Items[1], item("transaction"))
	q, err = db.Query(ctx, &dynamo.QueryInput{TableName: tbl.Name, KeyConditionExpression: "pk = :pk",
		ExpressionAttributeValues: pk, ScanIndexForward: &forward, ExclusiveStartKey: q.LastEvaluatedKey, ConsistentRead: true})
	if err != nil || len(q.Items) != 1 || q.LastEvaluatedKey != nil {
		t.Fatalf("Query of the next page: %v, %+v; want the last item", err, q)
	}
	sameItem(t, "Query", q.Items[0], item("batch"))

	bg, err := db.BatchGetItem(ctx, &dynamo.BatchGetItemInput{RequestItems: map[string]dynamo.KeysAndAttributes{
		tbl.Name: {Keys: []dynamo.Item{key("batch"), key("transaction"), key("deleted")}, ConsistentRead: true},
	}})
	if err != nil {
		t.Fatalf("BatchGetItem: %v", err)
	}
	if r := bg.Responses[tbl.Name]; len(r) != 2 || len(bg.UnprocessedKeys) != 0 {
		t.Fatalf("BatchGetItem gave %d items, unprocessed %v; want 2 and none", len(r), bg.UnprocessedKeys)
	}
	for _, it := range bg.Responses[tbl.Name] {
		sk := it["sk"].(*dynamo.AttributeValueMemberS).Value
		sameItem(t, "BatchGetItem "+sk, it, item(sk))
	}

	_, err = db.TransactWriteItems(ctx, &dynamo.TransactWriteItemsInput{TransactItems: []dynamo.TransactWriteItem{
		{Put: &dynamo.Put{TableName: tbl.Name, Item: item("batch"), ConditionExpression: "attribute_not_exists(pk)",
			ReturnValuesOnConditionCheckFailure: dynamo.ReturnValuesOnConditionCheckFailureAllOld}},
	}})
	var tce *dynamo.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 1 {
		t.Fatalf("a failed condition: %v; want a TransactionCanceledException of one reason", err)
	}
	if r := tce.CancellationReasons[0]; r.Code != "ConditionalCheckFailed" {
		t.Errorf("reason %+v, want ConditionalCheckFailed", r)
	} else {
		sameItem(t, "the cancellation's old item", r.Item, item("batch"))
	}
}

// sameItem compares items with their sets sorted: DynamoDB keeps no order of a set.
func sameItem(t *testing.T, what string, got, want dynamo.Item) {
	t.Helper()
	sorted := func(item dynamo.Item) dynamo.Item {
		out := dynamo.Item{}
		for k, v := range item {
			switch v := v.(type) {
			case *dynamo.AttributeValueMemberSS:
				out[k] = &dynamo.AttributeValueMemberSS{Value: slices.Sorted(slices.Values(v.Value))}
			case *dynamo.AttributeValueMemberNS:
				out[k] = &dynamo.AttributeValueMemberNS{Value: slices.Sorted(slices.Values(v.Value))}
			case *dynamo.AttributeValueMemberBS:
				bs := slices.Clone(v.Value)
				slices.SortFunc(bs, func(a, b []byte) int { return slices.Compare(a, b) })
				out[k] = &dynamo.AttributeValueMemberBS{Value: bs}
			default:
				out[k] = v
			}
		}
		return out
	}
	if !reflect.DeepEqual(sorted(got), sorted(want)) {
		t.Errorf("%s gave\n%#v\nwant\n%#v", what, got, want)
	}
}
