package dynamo

import (
	"encoding/json"
	"strings"
	"testing"
)

// awkward are strings that encoding/json escapes, or could be thought to.
var awkward = []string{
	"",
	"plain ASCII, with spaces & such",
	`quote " and backslash \ and slash /`,
	"\b\f\n\r\t",
	"\x00\x01\x07\x0b\x0e\x1b\x1f\x7f",
	"<script>alert('&amp;')</script>",
	"line\u2028separator\u2029paragraph",
	"naïve café, 日本語, 😀, \u00a0\ufeff\uffff",
	"invalid \xff UTF-8 \xc0\xaf truncated \xe2\x82 surrogate \xed\xa0\x80 too high \xf4\x90\x80\x80",
	"\xff",
	"é\xe2",
	strings.Repeat("long <string> ", 100),
}

// everyMember is an item with an attribute of each member, awkward strings and nesting,
// empty and nil members, nil values, and names in an order that sorting must fix.
func everyMember() Item {
	item := Item{
		"s":       &AttributeValueMemberS{Value: "text"},
		"n":       &AttributeValueMemberN{Value: "-12.5e3"},
		"b":       &AttributeValueMemberB{Value: []byte{0, 1, 2, 0xfe, 0xff}},
		"bool":    &AttributeValueMemberBOOL{Value: true},
		"false":   &AttributeValueMemberBOOL{},
		"null":    &AttributeValueMemberNULL{Value: true},
		"notnull": &AttributeValueMemberNULL{},
		"m": &AttributeValueMemberM{Value: map[string]AttributeValue{
			"z": &AttributeValueMemberS{Value: "last"}, "a": &AttributeValueMemberN{Value: "1"},
			"nested": &AttributeValueMemberM{Value: map[string]AttributeValue{"l": &AttributeValueMemberL{Value: []AttributeValue{&AttributeValueMemberN{Value: "2"}}}}},
			"nil":    nil, "nil S": (*AttributeValueMemberS)(nil),
		}},
		"l": &AttributeValueMemberL{Value: []AttributeValue{
			&AttributeValueMemberS{Value: "a"}, &AttributeValueMemberBOOL{}, &AttributeValueMemberM{}, &AttributeValueMemberL{},
			&AttributeValueMemberSS{Value: []string{"x"}}, nil, (*AttributeValueMemberM)(nil),
		}},
		"ss": &AttributeValueMemberSS{Value: []string{"b", "a", "<&>"}},
		"ns": &AttributeValueMemberNS{Value: []string{"1", "2.5"}},
		"bs": &AttributeValueMemberBS{Value: [][]byte{{1}, {}, nil, {2, 3}}},

		"empty B": &AttributeValueMemberB{Value: []byte{}}, "nil B": &AttributeValueMemberB{},
		"empty M": &AttributeValueMemberM{Value: map[string]AttributeValue{}}, "nil M": &AttributeValueMemberM{},
		"empty L": &AttributeValueMemberL{Value: []AttributeValue{}}, "nil L": &AttributeValueMemberL{},
		"nil SS": &AttributeValueMemberSS{}, "nil NS": &AttributeValueMemberNS{}, "nil BS": &AttributeValueMemberBS{},
		"empty SS": &AttributeValueMemberSS{Value: []string{}},

		"nil value": nil, "nil N": (*AttributeValueMemberN)(nil), "nil BOOL": (*AttributeValueMemberBOOL)(nil),
		"nil NULL": (*AttributeValueMemberNULL)(nil), "nil L value": (*AttributeValueMemberL)(nil),
		"nil SS value": (*AttributeValueMemberSS)(nil), "nil NS value": (*AttributeValueMemberNS)(nil),
		"nil BS value": (*AttributeValueMemberBS)(nil), "nil B value": (*AttributeValueMemberB)(nil),
		"nil M value": (*AttributeValueMemberM)(nil),

		"A": &AttributeValueMemberS{Value: "upper case sorts first"}, "_": &AttributeValueMemberS{}, "é": &AttributeValueMemberS{},
	}
	for i, s := range awkward {
		item[s] = &AttributeValueMemberS{Value: s}
		item["ss"+string(rune('a'+i))] = &AttributeValueMemberSS{Value: []string{s, s + "x"}}
		item["n"+s] = &AttributeValueMemberN{Value: s}
	}
	return item
}

var (
	key      = Item{"pk": &AttributeValueMemberS{Value: "APP#1"}, "sk": &AttributeValueMemberS{Value: "CUSTOMER#<2>"}}
	names    = map[string]string{"#s": "status", "#a": "<a&b>", "#e": "", "#\u2028": "\xff"}
	values   = Item{":s": &AttributeValueMemberS{Value: "ACTIVE"}, ":n": &AttributeValueMemberN{Value: "1"}, ":l": &AttributeValueMemberL{}}
	yes, no  = true, false
	everyone = everyMember()
)

// appender is an input that writes its JSON.
type appender interface{ AppendJSON([]byte) []byte }

// inputs covers every field of every input type, set and unset, empty and nil. json.Marshal
// of them, which goes by the struct tags (only the members have a MarshalJSON), is the
// reference.
var inputs = []struct {
	name string
	in   appender
}{
	{"zero GetItemInput", &GetItemInput{}},
	{"GetItemInput", &GetItemInput{TableName: "t", Key: key, ConsistentRead: true, ProjectionExpression: "#s, pk", ExpressionAttributeNames: names}},
	{"GetItemInput of every member", &GetItemInput{TableName: "t\"<>", Key: everyone}},
	{"GetItemInput with empty maps", &GetItemInput{TableName: "t", Key: Item{}, ExpressionAttributeNames: map[string]string{}}},
	{"nil GetItemInput", (*GetItemInput)(nil)},

	{"zero QueryInput", &QueryInput{}},
	{"QueryInput", &QueryInput{TableName: "t", IndexName: "gsi1", KeyConditionExpression: "pk = :s AND begins_with(sk, :n)",
		FilterExpression: "#s <> :s", ProjectionExpression: "pk, sk, #s", ExpressionAttributeNames: names,
		ExpressionAttributeValues: values, ConsistentRead: true, ScanIndexForward: &no, Limit: 25,
		ExclusiveStartKey: key, Select: SelectCount}},
	{"QueryInput forward", &QueryInput{TableName: "t", ScanIndexForward: &yes, Limit: -1}},
	{"QueryInput of the largest limit", &QueryInput{TableName: "t", Limit: 1<<31 - 1}},
	{"QueryInput of the smallest limit", &QueryInput{TableName: "t", Limit: -1 << 31}},
	{"QueryInput with empty maps", &QueryInput{TableName: "t", ExpressionAttributeNames: map[string]string{},
		ExpressionAttributeValues: Item{}, ExclusiveStartKey: Item{}}},
	{"QueryInput of every member", &QueryInput{TableName: "t", ExpressionAttributeValues: everyone, ExclusiveStartKey: everyone}},
	{"nil QueryInput", (*QueryInput)(nil)},

	{"zero BatchGetItemInput", &BatchGetItemInput{}},
	{"BatchGetItemInput", &BatchGetItemInput{RequestItems: map[string]KeysAndAttributes{
		"t":          {Keys: []Item{key, everyone, nil, {}}, ConsistentRead: true, ProjectionExpression: "#s", ExpressionAttributeNames: names},
		"a table":    {Keys: []Item{}},
		"nil keys":   {},
		"<escaped>":  {Keys: []Item{key}, ExpressionAttributeNames: map[string]string{}},
		"\u2028\xff": {Keys: []Item{key}},
	}}},
	{"BatchGetItemInput of no tables", &BatchGetItemInput{RequestItems: map[string]KeysAndAttributes{}}},
	{"nil BatchGetItemInput", (*BatchGetItemInput)(nil)},
	{"KeysAndAttributes", &KeysAndAttributes{Keys: []Item{key}, ConsistentRead: true, ProjectionExpression: "pk", ExpressionAttributeNames: names}},
	{"zero KeysAndAttributes", &KeysAndAttributes{}},

	{"zero BatchWriteItemInput", &BatchWriteItemInput{}},
	{"BatchWriteItemInput", &BatchWriteItemInput{RequestItems: map[string][]WriteRequest{
		"t": {
			{PutRequest: &PutRequest{Item: everyone}},
			{DeleteRequest: &DeleteRequest{Key: key}},
			{PutRequest: &PutRequest{}, DeleteRequest: &DeleteRequest{}},
			{},
			{PutRequest: &PutRequest{Item: Item{}}},
		},
		"empty":   {},
		"nil":     nil,
		"<b>\xfe": {{DeleteRequest: &DeleteRequest{Key: Item{}}}},
	}}},
	{"BatchWriteItemInput of no tables", &BatchWriteItemInput{RequestItems: map[string][]WriteRequest{}}},
	{"nil BatchWriteItemInput", (*BatchWriteItemInput)(nil)},
	{"WriteRequest", &WriteRequest{PutRequest: &PutRequest{Item: key}}},
	{"PutRequest", &PutRequest{Item: key}},
	{"DeleteRequest", &DeleteRequest{Key: key}},
	{"zero PutRequest", &PutRequest{}},
	{"zero DeleteRequest", &DeleteRequest{}},

	{"zero TransactWriteItemsInput", &TransactWriteItemsInput{}},
	{"TransactWriteItemsInput", &TransactWriteItemsInput{ClientRequestToken: "token<1>", TransactItems: []TransactWriteItem{
		{Put: &Put{TableName: "t", Item: everyone, ConditionExpression: "attribute_not_exists(pk)", ExpressionAttributeNames: names,
			ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailureAllOld}},
		{Update: &Update{TableName: "t", Key: key, UpdateExpression: "SET #s = :s", ConditionExpression: "#s <> :s",
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: "NONE"}},
		{Delete: &Delete{TableName: "t", Key: key, ConditionExpression: "attribute_exists(pk)", ExpressionAttributeNames: names,
			ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailureAllOld}},
		{ConditionCheck: &ConditionCheck{TableName: "t", Key: key, ConditionExpression: "#s = :s", ExpressionAttributeNames: names,
			ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailureAllOld}},
		{Put: &Put{}, Update: &Update{}, Delete: &Delete{}, ConditionCheck: &ConditionCheck{}},
		{},
		{Put: &Put{TableName: "t", Item: Item{}, ExpressionAttributeNames: map[string]string{}, ExpressionAttributeValues: Item{}}},
	}}},
	{"TransactWriteItemsInput of no items", &TransactWriteItemsInput{TransactItems: []TransactWriteItem{}}},
	{"nil TransactWriteItemsInput", (*TransactWriteItemsInput)(nil)},
	{"TransactWriteItem", &TransactWriteItem{Update: &Update{TableName: "t", Key: key, UpdateExpression: "REMOVE a"}}},
	{"zero TransactWriteItem", &TransactWriteItem{}},
	{"zero Put", &Put{}},
	{"zero Update", &Update{}},
	{"zero Delete", &Delete{}},
	{"zero ConditionCheck", &ConditionCheck{}},
	{"nil Put", (*Put)(nil)},
	{"nil WriteRequest", (*WriteRequest)(nil)},
}

func TestAppendJSONWritesWhatJSONMarshalWrites(t *testing.T) {
	for _, tt := range inputs {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.in.AppendJSON(nil); string(got) != string(want) {
				t.Errorf("AppendJSON wrote\n%s\njson.Marshal writes\n%s", got, want)
			}
			if got := tt.in.AppendJSON([]byte("prefix{")); string(got) != "prefix{"+string(want) {
				t.Errorf("AppendJSON after a prefix wrote\n%s\nwant prefix{%s", got, want)
			}
		})
	}
}

func BenchmarkEncodeTransactWriteItems(b *testing.B) {
	incr := Item{":one": &AttributeValueMemberN{Value: "1"}, ":active": &AttributeValueMemberS{Value: "ACTIVE"}}
	in := &TransactWriteItemsInput{ClientRequestToken: "3KDJ7QZVB6TYKQ2C5E4WXHFN7M", TransactItems: []TransactWriteItem{
		{Put: &Put{TableName: "clientele", ConditionExpression: "attribute_not_exists(pk)", Item: Item{
			"pk": &AttributeValueMemberS{Value: "APP#01JDZ7Q2V3"}, "sk": &AttributeValueMemberS{Value: "CUSTOMER#01JDZ7Q2V4"},
			"email": &AttributeValueMemberS{Value: "someone@example.com"}, "name": &AttributeValueMemberS{Value: "Zoë O'Brien"},
			"externalId": &AttributeValueMemberS{Value: "cus_123"}, "createdAt": &AttributeValueMemberS{Value: "2026-11-30T12:00:00Z"},
			"version": &AttributeValueMemberN{Value: "1"}, "gsi1pk": &AttributeValueMemberS{Value: "EMAIL#someone@example.com"},
			"metadata": &AttributeValueMemberM{Value: map[string]AttributeValue{"plan": &AttributeValueMemberS{Value: "pro"}}},
		}}},
		{Put: &Put{TableName: "clientele", ConditionExpression: "attribute_not_exists(pk)", Item: Item{
			"pk": &AttributeValueMemberS{Value: "APP#01JDZ7Q2V3"}, "sk": &AttributeValueMemberS{Value: "EMAIL#someone@example.com"},
			"customerId": &AttributeValueMemberS{Value: "01JDZ7Q2V4"},
		}}},
		{Update: &Update{TableName: "clientele", Key: key, UpdateExpression: "SET #c = #c + :one",
			ConditionExpression: "attribute_exists(pk) AND #s = :active", ExpressionAttributeNames: map[string]string{"#c": "customers", "#s": "status"},
			ExpressionAttributeValues: incr, ReturnValuesOnConditionCheckFailure: ReturnValuesOnConditionCheckFailureAllOld}},
	}}
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			in.AppendJSON(nil)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
