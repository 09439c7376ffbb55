package ingest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func sampleEvent(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "ingest-customers.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fullEvent sets every field of an SQS message and of its attributes.
const fullEvent = `{"Records":[{
	"messageId":"m-1","receiptHandle":"rh\u00e9\n","body":"{\"app\":\"acme\"} <&>","md5OfBody":"abc",
	"md5OfMessageAttributes":"def","attributes":{"ApproximateReceiveCount":"2","MessageGroupId":"g\ud83d\ude00","":""},
	"messageAttributes":{
		"s":{"stringValue":"hé\t\"x\"","dataType":"String","stringListValues":["a","",null],"binaryListValues":["AAEC","",null]},
		"b":{"binaryValue":"AAECAwQ=","dataType":"Binary","stringListValues":[],"binaryListValues":[]},
		"n":{"stringValue":null,"binaryValue":null,"stringListValues":null,"binaryListValues":null,"dataType":null},
		"e":{"binaryValue":"","stringValue":""},
		"a":{"binaryValue":[1,2,255,null]},
		"z":null,
		"u":{"unknown":[{"x":1}],"DATATYPE":"upper"}
	},
	"eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:q","eventSource":"aws:sqs","awsRegion":"eu-west-1"
},{},null,{"attributes":null,"messageAttributes":{}}]}`

var decodeCases = []struct{ name, data string }{
	{"full", fullEvent},
	{"null", `null`},
	{"empty", `{}`},
	{"no records", `{"Records":[]}`},
	{"null records", `{"Records":null}`},
	{"case-insensitive keys", `{"records":[{"MESSAGEID":"x","Body":"b","EventSourceArn":"a"}]}`},
	{"exact key wins", `{"Records":[{"messageid":"a","messageId":"b","MessageId":"c"}]}`},
	{"records twice merges elements", `{"Records":[{"messageId":"a","body":"x"},{"messageId":"b"}],"Records":[{"body":"y"}]}`},
	{"records twice grows", `{"Records":[{"messageId":"a"}],"Records":[{"body":"y"},{"body":"z"}]}`},
	{"records then empty", `{"Records":[{"messageId":"a"}],"Records":[]}`},
	{"attributes merge", `{"Records":[{"attributes":{"a":"1","b":"2"},"attributes":{"b":"3","c":"4"}}]}`},
	{"attributes then null", `{"Records":[{"attributes":{"a":"1"},"attributes":null}]}`},
	{"message attribute replaced", `{"Records":[{"messageAttributes":{"k":{"stringValue":"x","dataType":"String"},"k":{"binaryValue":"AA=="}}}]}`},
	{"attribute fields twice", `{"Records":[{"messageAttributes":{"k":{"stringValue":"x","stringValue":"y","stringListValues":["a","b"],"stringListValues":["c"],"binaryValue":"AA==","binaryValue":null}}}]}`},
	{"base64 with newlines", `{"Records":[{"messageAttributes":{"k":{"binaryValue":"AA\r\nEC"}}}]}`},
	{"escapes", `{"Records":[{"body":"\"\\\/\b\f\n\r\t\u0000\u2028\ud800x\udc00"}]}`},
	{"invalid UTF-8", "{\"Records\":[{\"body\":\"\xff\xfe\"}]}"},
	{"whitespace", " \t\n{ \"Records\" : [ { \"body\" : \"b\" } ] } \r\n"},
	{"unknown keys", `{"Other":{"a":[1,2,{"b":null}]},"Records":[{"x":true}]}`},
}

func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	var want, got events.SQSEvent
	wantErr := json.Unmarshal(data, &want)
	gotErr := decodeSQSEvent(data, &got)
	switch {
	case wantErr != nil && gotErr == nil:
		t.Errorf("json.Unmarshal fails (%v), decoding does not", wantErr)
	case wantErr == nil && gotErr != nil:
		t.Errorf("decoding fails (%v), json.Unmarshal does not", gotErr)
	case gotErr != nil && !strings.HasPrefix(gotErr.Error(), "ingest: "):
		t.Errorf("error %q does not say where it comes from", gotErr)
	case wantErr == nil && !reflect.DeepEqual(got, want):
		t.Errorf("decoded\n%#v\njson.Unmarshal gives\n%#v", got, want)
	}
}

func TestDecodeSQSEventAsJSONUnmarshal(t *testing.T) {
	t.Run("events/ingest-customers.json", func(t *testing.T) { checkDecode(t, sampleEvent(t)) })
	for _, c := range decodeCases {
		t.Run(c.name, func(t *testing.T) {
			var want events.SQSEvent
			if err := json.Unmarshal([]byte(c.data), &want); err != nil {
				t.Fatalf("bad case: %v", err)
			}
			checkDecode(t, []byte(c.data))
		})
	}
}

var rejectCases = []struct{ data, want string }{
	{``, "unexpected end of JSON input"},
	{`{"Records":[{"body":"x"}`, "unexpected end of JSON input"},
	{`{"Records":[{"body":"x"}]} x`, "invalid character 'x' after top-level value"},
	{`{"Records":[{"body":"x",}]}`, "invalid character '}'"},
	{`[]`, "JSON array into the event of type events.SQSEvent"},
	{`{"Records":{}}`, "JSON object into Records of type []events.SQSMessage"},
	{`{"Records":[1]}`, "JSON number into Records[0] of type events.SQSMessage"},
	{`{"Records":[{"body":1}]}`, "JSON number into Records[0].body of type string"},
	{`{"Records":[{"attributes":{"a":true}}]}`, "JSON bool into Records[0].attributes.a of type string"},
	{`{"Records":[{"attributes":[]}]}`, "JSON array into Records[0].attributes of type map[string]string"},
	{`{"Records":[{"messageAttributes":{"k":"v"}}]}`, "JSON string into Records[0].messageAttributes.k of type events.SQSMessageAttribute"},
	{`{"Records":[{"messageAttributes":{"k":{"stringValue":1}}}]}`, "JSON number into Records[0].messageAttributes.k.stringValue of type string"},
	{`{"Records":[{"messageAttributes":{"k":{"binaryValue":"!!"}}}]}`, "illegal base64 data"},
	{`{"Records":[{"messageAttributes":{"k":{"binaryValue":true}}}]}`, "JSON bool into Records[0].messageAttributes.k.binaryValue of type []uint8"},
	{`{"Records":[{"messageAttributes":{"k":{"binaryValue":[256]}}}]}`, "JSON number 256 into Records[0].messageAttributes.k.binaryValue[0] of type uint8"},
	{`{"Records":[{"messageAttributes":{"k":{"binaryListValues":["AA==",1]}}}]}`, "JSON number into Records[0].messageAttributes.k.binaryListValues[1] of type []uint8"},
	{`{"Records":[{"messageAttributes":{"k":{"stringListValues":"a"}}}]}`, "JSON string into Records[0].messageAttributes.k.stringListValues of type []string"},
	{strings.Repeat(`{"Records":[`, 5001), "exceeding the maximum depth"},
}

func TestDecodeSQSEventRejects(t *testing.T) {
	for _, c := range rejectCases {
		var ev events.SQSEvent
		err := decodeSQSEvent([]byte(c.data), &ev)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.60s: error %v, want one saying %q", c.data, err, c.want)
		}
		if json.Unmarshal([]byte(c.data), &ev) == nil {
			t.Errorf("%.60s: json.Unmarshal accepts it", c.data)
		}
	}
}

func TestAppendSQSEventResponseAsLambda(t *testing.T) {
	for _, r := range []events.SQSEventResponse{
		{},
		{BatchItemFailures: []events.SQSBatchItemFailure{}},
		{BatchItemFailures: []events.SQSBatchItemFailure{{}, {ItemIdentifier: "m-1"}, {ItemIdentifier: "<&>\"\\\n\u2028é\xff😀"}}},
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if got := appendSQSEventResponse(nil, r); !bytes.Equal(got, want) {
			t.Errorf("%+v: wrote\n%s\nencoding/json writes\n%s", r, got, want)
		}
	}
}

// TestHandlerAsLambda invokes Handler and aws-lambda-go's own handler of Handle with the
// same payloads, against the same table, and expects the same answers byte for byte.
func TestHandlerAsLambda(t *testing.T) {
	f := newFixture(t)
	f.faults.on.Store(true)
	batch := f.batch([]message{
		{"ok", cmd("acme", "upsert", `{"external_id":"new-1","email":"new1@example.com"}`)},
		{"<&>retry\u2028", cmd("acme", "upsert", `{"external_id":"`+flakyWrite+`","email":"flaky@example.com"}`)},
		{"bad", `{"app":`},
		{"gone", cmd("{gone}", "upsert", `{"external_id":"x"}`)},
	})
	batchJSON, err := json.Marshal(batch)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := f.in.Handler(), lambda.NewHandler(f.in.Handle)
	for _, payload := range [][]byte{sampleEvent(t), batchJSON, []byte(fullEvent), []byte(`{}`), []byte(`null`), []byte(`{"Records":[1]}`), []byte(`{`)} {
		want, wantErr := theirs.Invoke(t.Context(), payload)
		got, gotErr := ours.Invoke(t.Context(), payload)
		if (gotErr != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Errorf("%.60s: Handler answers %s, %v; lambda.NewHandler %s, %v", payload, got, gotErr, want, wantErr)
		}
	}
	if f.faults.hit.Load() == 0 {
		t.Error("no fault injected: no message was retried")
	}
}

func FuzzDecodeSQSEvent(f *testing.F) {
	f.Add(sampleEvent(f))
	for _, c := range decodeCases {
		f.Add([]byte(c.data))
	}
	for _, c := range rejectCases[:len(rejectCases)-1] {
		f.Add([]byte(c.data))
	}
	f.Fuzz(checkDecode)
}
