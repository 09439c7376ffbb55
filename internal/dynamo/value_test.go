package dynamo

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestAttributeValuesEncodeAsDynamoDBWireJSON(t *testing.T) {
	tests := []struct {
		name string
		in   AttributeValue
		want string
	}{
		{"string", &AttributeValueMemberS{Value: "héllo \"x\""}, `{"S":"héllo \"x\""}`},
		{"empty string", &AttributeValueMemberS{}, `{"S":""}`},
		{"escaped string", &AttributeValueMemberS{Value: "<a href=\"x\">&</a>\\\n\t\x00\x1f\u2028\u2029😀"},
			`{"S":"\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e\\\n\t\u0000\u001f\u2028\u2029😀"}`},
		{"invalid UTF-8", &AttributeValueMemberS{Value: "a\xffb"}, `{"S":"a\ufffdb"}`},
		{"number", &AttributeValueMemberN{Value: "-12.5"}, `{"N":"-12.5"}`},
		{"binary", &AttributeValueMemberB{Value: []byte{0, 1, 2, 255}}, `{"B":"AAEC/w=="}`},
		{"nil binary", &AttributeValueMemberB{}, `{"B":""}`},
		{"bool", &AttributeValueMemberBOOL{Value: true}, `{"BOOL":true}`},
		{"false", &AttributeValueMemberBOOL{}, `{"BOOL":false}`},
		{"null", &AttributeValueMemberNULL{Value: true}, `{"NULL":true}`},
		{"empty map", &AttributeValueMemberM{}, `{"M":{}}`},
		{"map", &AttributeValueMemberM{Value: map[string]AttributeValue{"b": &AttributeValueMemberN{Value: "1"}, "a<": &AttributeValueMemberM{}}},
			`{"M":{"a\u003c":{"M":{}},"b":{"N":"1"}}}`},
		{"map of nil values", &AttributeValueMemberM{Value: map[string]AttributeValue{"nil": nil, "nil S": (*AttributeValueMemberS)(nil)}},
			`{"M":{"nil":null,"nil S":null}}`},
		{"empty list", &AttributeValueMemberL{}, `{"L":[]}`},
		{"list", &AttributeValueMemberL{Value: []AttributeValue{&AttributeValueMemberS{Value: "a"}, &AttributeValueMemberBOOL{},
			&AttributeValueMemberL{Value: []AttributeValue{&AttributeValueMemberNULL{Value: true}}}}}, `{"L":[{"S":"a"},{"BOOL":false},{"L":[{"NULL":true}]}]}`},
		{"list of nil values", &AttributeValueMemberL{Value: []AttributeValue{nil, (*AttributeValueMemberM)(nil)}}, `{"L":[null,null]}`},
		{"string set", &AttributeValueMemberSS{Value: []string{"a", "b&"}}, `{"SS":["a","b\u0026"]}`},
		{"empty string set", &AttributeValueMemberSS{}, `{"SS":[]}`},
		{"number set", &AttributeValueMemberNS{Value: []string{"1"}}, `{"NS":["1"]}`},
		{"empty number set", &AttributeValueMemberNS{}, `{"NS":[]}`},
		{"binary set", &AttributeValueMemberBS{Value: [][]byte{{1}, {}, {2, 3}}}, `{"BS":["AQ==","","AgM="]}`},
		{"binary set of a nil element", &AttributeValueMemberBS{Value: [][]byte{nil}}, `{"BS":[null]}`},
		{"empty binary set", &AttributeValueMemberBS{}, `{"BS":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			direct, err := tt.in.(json.Marshaler).MarshalJSON()
			if err != nil || string(direct) != tt.want {
				t.Errorf("MarshalJSON gave %s, %v; want %s", direct, err, tt.want)
			}
			got, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("json.Marshal gave %s, want %s", got, tt.want)
			}
			if strings.Contains(tt.name, "nil") || strings.Contains(tt.name, "invalid") {
				return // does not decode back to the same
			}
			var out GetItemOutput
			if err := json.Unmarshal([]byte(`{"Item":{"a":`+tt.want+`}}`), &out); err != nil {
				t.Fatal(err)
			}
			if back := out.Item["a"]; !reflect.DeepEqual(normal(back), normal(tt.in)) {
				t.Errorf("decoded %#v, want %#v", back, tt.in)
			}
		})
	}
}

// normal makes nil and empty containers compare equal: the wire cannot tell them apart.
func normal(v AttributeValue) AttributeValue {
	switch v := v.(type) {
	case *AttributeValueMemberM:
		m := map[string]AttributeValue{}
		for k, e := range v.Value {
			m[k] = normal(e)
		}
		return &AttributeValueMemberM{Value: m}
	case *AttributeValueMemberL:
		l := []AttributeValue{}
		for _, e := range v.Value {
			l = append(l, normal(e))
		}
		return &AttributeValueMemberL{Value: l}
	case *AttributeValueMemberB:
		return &AttributeValueMemberB{Value: append([]byte{}, v.Value...)}
	case *AttributeValueMemberSS:
		return &AttributeValueMemberSS{Value: append([]string{}, v.Value...)}
	case *AttributeValueMemberNS:
		return &AttributeValueMemberNS{Value: append([]string{}, v.Value...)}
	case *AttributeValueMemberBS:
		return &AttributeValueMemberBS{Value: append([][]byte{}, v.Value...)}
	}
	return v
}

func TestDecodingAValueOfNoKnownTypeFails(t *testing.T) {
	var out GetItemOutput
	if err := json.Unmarshal([]byte(`{"Item":{"a":{"X":"1"}}}`), &out); err == nil {
		t.Fatalf("decoded %v, want an error", out.Item)
	}
}

func TestOutputsDecodeItemsAndKeys(t *testing.T) {
	var q QueryOutput
	body := `{"Items":[{"pk":{"S":"a"},"n":{"N":"3"}}],"Count":1,"ScannedCount":2,"LastEvaluatedKey":{"pk":{"S":"a"}}}`
	if err := json.Unmarshal([]byte(body), &q); err != nil {
		t.Fatal(err)
	}
	if q.Count != 1 || q.ScannedCount != 2 || len(q.Items) != 1 || q.Items[0]["n"].(*AttributeValueMemberN).Value != "3" ||
		q.LastEvaluatedKey["pk"].(*AttributeValueMemberS).Value != "a" {
		t.Errorf("decoded %+v", q)
	}
	var g GetItemOutput
	if err := json.Unmarshal([]byte(`{}`), &g); err != nil || g.Item != nil {
		t.Errorf("an absent item decoded as %v, %v; want nil", g.Item, err)
	}
	var b BatchGetItemOutput
	body = `{"Responses":{"t":[{"pk":{"S":"x"}}]},"UnprocessedKeys":{"t":{"Keys":[{"pk":{"S":"y"}}],"ConsistentRead":true}}}`
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Responses["t"]) != 1 || !b.UnprocessedKeys["t"].ConsistentRead || b.UnprocessedKeys["t"].Keys[0]["pk"].(*AttributeValueMemberS).Value != "y" {
		t.Errorf("decoded %+v", b)
	}
	var w BatchWriteItemOutput
	body = `{"UnprocessedItems":{"t":[{"DeleteRequest":{"Key":{"pk":{"S":"k"}}}},{"PutRequest":{"Item":{"pk":{"S":"p"}}}}]}}`
	if err := json.Unmarshal([]byte(body), &w); err != nil {
		t.Fatal(err)
	}
	if u := w.UnprocessedItems["t"]; len(u) != 2 || u[0].DeleteRequest == nil || u[1].PutRequest.Item["pk"].(*AttributeValueMemberS).Value != "p" {
		t.Errorf("decoded %+v", w)
	}
}

func TestInputsOmitWhatIsUnset(t *testing.T) {
	forward := false
	got, err := json.Marshal(&QueryInput{TableName: "t", KeyConditionExpression: "pk = :pk", ScanIndexForward: &forward,
		ExpressionAttributeValues: Item{":pk": &AttributeValueMemberS{Value: "a"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"TableName":"t","KeyConditionExpression":"pk = :pk","ExpressionAttributeValues":{":pk":{"S":"a"}},"ScanIndexForward":false}`
	if string(got) != want {
		t.Errorf("encoded %s\nwant    %s", got, want)
	}
	in := &QueryInput{TableName: "t", KeyConditionExpression: "pk = :pk", ScanIndexForward: &forward,
		ExpressionAttributeValues: Item{":pk": &AttributeValueMemberS{Value: "a"}}}
	if got := in.AppendJSON(nil); string(got) != want {
		t.Errorf("AppendJSON wrote %s\nwant          %s", got, want)
	}
}
