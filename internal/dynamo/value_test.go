package dynamo

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestAttributeValuesEncodeAsDynamoDBWireJSON(t *testing.T) {
	tests := []struct {
		name string
		in   AttributeValue
		want string
	}{
		{"string", &AttributeValueMemberS{Value: "héllo \"x\""}, `{"S":"héllo \"x\""}`},
		{"number", &AttributeValueMemberN{Value: "-12.5"}, `{"N":"-12.5"}`},
		{"binary", &AttributeValueMemberB{Value: []byte{0, 1, 2, 255}}, `{"B":"AAEC/w=="}`},
		{"bool", &AttributeValueMemberBOOL{Value: true}, `{"BOOL":true}`},
		{"null", &AttributeValueMemberNULL{Value: true}, `{"NULL":true}`},
		{"empty map", &AttributeValueMemberM{}, `{"M":{}}`},
		{"map", &AttributeValueMemberM{Value: map[string]AttributeValue{"a": &AttributeValueMemberN{Value: "1"}}}, `{"M":{"a":{"N":"1"}}}`},
		{"empty list", &AttributeValueMemberL{}, `{"L":[]}`},
		{"list", &AttributeValueMemberL{Value: []AttributeValue{&AttributeValueMemberS{Value: "a"}, &AttributeValueMemberBOOL{}}}, `{"L":[{"S":"a"},{"BOOL":false}]}`},
		{"string set", &AttributeValueMemberSS{Value: []string{"a", "b"}}, `{"SS":["a","b"]}`},
		{"number set", &AttributeValueMemberNS{Value: []string{"1"}}, `{"NS":["1"]}`},
		{"binary set", &AttributeValueMemberBS{Value: [][]byte{{1}}}, `{"BS":["AQ=="]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("encoded %s, want %s", got, tt.want)
			}
			var w wireValue
			if err := json.Unmarshal(got, &w); err != nil {
				t.Fatal(err)
			}
			back, err := w.value()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normal(back), normal(tt.in)) {
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
}
