package dynamo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/jsontext"
)

// The reference: what encoding/json decoded by reflection before, the wire structs and
// their conversion as the package had them. The decoders must agree with it.

// wireValue decodes one attribute value of a response. Every member is a pointer or a
// reference so that an absent member can be told from an empty one.
type wireValue struct {
	S    *string
	N    *string
	B    []byte
	BOOL *bool
	NULL *bool
	M    map[string]wireValue
	L    []wireValue
	SS   []string
	NS   []string
	BS   [][]byte
}

func (w wireValue) value() (AttributeValue, error) {
	switch {
	case w.S != nil:
		return &AttributeValueMemberS{Value: *w.S}, nil
	case w.N != nil:
		return &AttributeValueMemberN{Value: *w.N}, nil
	case w.B != nil:
		return &AttributeValueMemberB{Value: w.B}, nil
	case w.BOOL != nil:
		return &AttributeValueMemberBOOL{Value: *w.BOOL}, nil
	case w.NULL != nil:
		return &AttributeValueMemberNULL{Value: *w.NULL}, nil
	case w.M != nil:
		m, err := itemOf(w.M)
		return &AttributeValueMemberM{Value: m}, err
	case w.L != nil:
		l := make([]AttributeValue, len(w.L))
		for i, e := range w.L {
			v, err := e.value()
			if err != nil {
				return nil, err
			}
			l[i] = v
		}
		return &AttributeValueMemberL{Value: l}, nil
	case w.SS != nil:
		return &AttributeValueMemberSS{Value: w.SS}, nil
	case w.NS != nil:
		return &AttributeValueMemberNS{Value: w.NS}, nil
	case w.BS != nil:
		return &AttributeValueMemberBS{Value: w.BS}, nil
	}
	return nil, fmt.Errorf("dynamo: attribute value of no known type")
}

// itemOf turns a decoded item into attribute values; nil stays nil (no item).
func itemOf(w map[string]wireValue) (map[string]AttributeValue, error) {
	if w == nil {
		return nil, nil
	}
	m := make(map[string]AttributeValue, len(w))
	for k, e := range w {
		v, err := e.value()
		if err != nil {
			return nil, fmt.Errorf("%w (attribute %q)", err, k)
		}
		m[k] = v
	}
	return m, nil
}

func itemsOf(ws []map[string]wireValue) ([]map[string]AttributeValue, error) {
	if ws == nil {
		return nil, nil
	}
	items := make([]map[string]AttributeValue, len(ws))
	for i, w := range ws {
		m, err := itemOf(w)
		if err != nil {
			return nil, err
		}
		items[i] = m
	}
	return items, nil
}

func refGetItemOutput(b []byte) (any, error) {
	var w struct{ Item map[string]wireValue }
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	item, err := itemOf(w.Item)
	return GetItemOutput{Item: item}, err
}

func refQueryOutput(b []byte) (any, error) {
	var w struct {
		Items            []map[string]wireValue
		Count            int32
		ScannedCount     int32
		LastEvaluatedKey map[string]wireValue
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	o := QueryOutput{Count: w.Count, ScannedCount: w.ScannedCount}
	var err error
	if o.Items, err = itemsOf(w.Items); err != nil {
		return nil, err
	}
	o.LastEvaluatedKey, err = itemOf(w.LastEvaluatedKey)
	return o, err
}

type refKeysAndAttributes KeysAndAttributes

func (k *refKeysAndAttributes) UnmarshalJSON(b []byte) error {
	var w struct {
		Keys                     []map[string]wireValue
		ConsistentRead           bool
		ProjectionExpression     string
		ExpressionAttributeNames map[string]string
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	keys, err := itemsOf(w.Keys)
	*k = refKeysAndAttributes{Keys: keys, ConsistentRead: w.ConsistentRead,
		ProjectionExpression: w.ProjectionExpression, ExpressionAttributeNames: w.ExpressionAttributeNames}
	return err
}

func refKeysAndAttributesOf(b []byte) (any, error) {
	var k refKeysAndAttributes
	err := k.UnmarshalJSON(b)
	return KeysAndAttributes(k), err
}

func refBatchGetItemOutput(b []byte) (any, error) {
	var w struct {
		Responses       map[string][]map[string]wireValue
		UnprocessedKeys map[string]refKeysAndAttributes
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	var o BatchGetItemOutput
	if w.UnprocessedKeys != nil {
		o.UnprocessedKeys = make(map[string]KeysAndAttributes, len(w.UnprocessedKeys))
		for table, k := range w.UnprocessedKeys {
			o.UnprocessedKeys[table] = KeysAndAttributes(k)
		}
	}
	o.Responses = make(map[string][]Item, len(w.Responses))
	for table, ws := range w.Responses {
		items, err := itemsOf(ws)
		if err != nil {
			return nil, err
		}
		o.Responses[table] = items
	}
	return o, nil
}

type refPutRequest PutRequest

func (r *refPutRequest) UnmarshalJSON(b []byte) error {
	var w struct{ Item map[string]wireValue }
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var err error
	r.Item, err = itemOf(w.Item)
	return err
}

type refDeleteRequest DeleteRequest

func (r *refDeleteRequest) UnmarshalJSON(b []byte) error {
	var w struct{ Key map[string]wireValue }
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var err error
	r.Key, err = itemOf(w.Key)
	return err
}

func refPutRequestOf(b []byte) (any, error) {
	var r refPutRequest
	err := r.UnmarshalJSON(b)
	return PutRequest(r), err
}

func refDeleteRequestOf(b []byte) (any, error) {
	var r refDeleteRequest
	err := r.UnmarshalJSON(b)
	return DeleteRequest(r), err
}

// BatchWriteItemOutput and WriteRequest had no UnmarshalJSON: encoding/json decoded them by
// their fields.
func refBatchWriteItemOutput(b []byte) (any, error) {
	var w struct {
		UnprocessedItems map[string][]struct {
			PutRequest    *refPutRequest    `json:",omitempty"`
			DeleteRequest *refDeleteRequest `json:",omitempty"`
		}
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	var o BatchWriteItemOutput
	if w.UnprocessedItems != nil {
		o.UnprocessedItems = make(map[string][]WriteRequest, len(w.UnprocessedItems))
		for table, ws := range w.UnprocessedItems {
			var reqs []WriteRequest
			if ws != nil {
				reqs = make([]WriteRequest, len(ws))
			}
			for i, r := range ws {
				reqs[i] = WriteRequest{PutRequest: (*PutRequest)(r.PutRequest), DeleteRequest: (*DeleteRequest)(r.DeleteRequest)}
			}
			o.UnprocessedItems[table] = reqs
		}
	}
	return o, nil
}

func refTransactWriteItemsOutput(b []byte) (any, error) {
	var o struct{}
	err := json.Unmarshal(b, &o)
	return TransactWriteItemsOutput{}, err
}

// refCancellationReasons is what Client.do decoded of a TransactionCanceledException's body.
// With an error of the decoding, do returned the APIError; with one of the conversion, that.
func refCancellationReasons(b []byte) (reasons []CancellationReason, bad, err error) {
	var w struct {
		CancellationReasons []struct {
			Code    string
			Message string
			Item    map[string]wireValue
		}
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, nil, err
	}
	for _, r := range w.CancellationReasons {
		item, err := itemOf(r.Item)
		if err != nil {
			return nil, err, nil
		}
		reasons = append(reasons, CancellationReason{Code: r.Code, Message: r.Message, Item: item})
	}
	return reasons, nil, nil
}

// outcome is what a decoder made of a body: a value, or an error (and which kind, for the
// cancellation reasons).
type outcome struct {
	v   any
	err error
}

func (o outcome) String() string {
	if o.err != nil {
		return "error: " + o.err.Error()
	}
	return fmt.Sprintf("%#v", o.v)
}

// agree reports whether two outcomes are the same: both errors, or equal values.
func agree(a, b outcome) bool {
	if (a.err != nil) != (b.err != nil) {
		return false
	}
	return a.err != nil || reflect.DeepEqual(a.v, b.v)
}

func decoded[T any, P interface {
	*T
	json.Unmarshaler
}](b []byte) (any, error) {
	var v T
	err := P(&v).UnmarshalJSON(b)
	return v, err
}

func unmarshalled[T any](b []byte) (any, error) {
	var v T
	err := json.Unmarshal(b, &v)
	return v, err
}

// cancellation distinguishes the two kinds of error of the reasons, as Client.do does.
func cancellation(decode func([]byte) ([]CancellationReason, error, error)) func([]byte) (any, error) {
	return func(b []byte) (any, error) {
		reasons, bad, err := decode(b)
		switch {
		case err != nil:
			return nil, fmt.Errorf("the APIError: %w", err)
		case bad != nil:
			return "an error of its own, not the APIError", nil
		}
		return reasons, nil
	}
}

// decoders pairs each decoder with the reference it must agree with; each is tried by its
// UnmarshalJSON and through json.Unmarshal, as awsjson decodes an answer.
var decoders = []struct {
	name                       string
	direct, unmarshalled, want func([]byte) (any, error)
}{
	{"GetItemOutput", decoded[GetItemOutput], unmarshalled[GetItemOutput], refGetItemOutput},
	{"QueryOutput", decoded[QueryOutput], unmarshalled[QueryOutput], refQueryOutput},
	{"BatchGetItemOutput", decoded[BatchGetItemOutput], unmarshalled[BatchGetItemOutput], refBatchGetItemOutput},
	{"BatchWriteItemOutput", decoded[BatchWriteItemOutput], unmarshalled[BatchWriteItemOutput], refBatchWriteItemOutput},
	{"TransactWriteItemsOutput", decoded[TransactWriteItemsOutput], unmarshalled[TransactWriteItemsOutput], refTransactWriteItemsOutput},
	{"KeysAndAttributes", decoded[KeysAndAttributes], unmarshalled[KeysAndAttributes], refKeysAndAttributesOf},
	{"PutRequest", decoded[PutRequest], unmarshalled[PutRequest], refPutRequestOf},
	{"DeleteRequest", decoded[DeleteRequest], unmarshalled[DeleteRequest], refDeleteRequestOf},
	{"CancellationReasons", cancellation(cancellationReasons), nil, cancellation(refCancellationReasons)},
}

// checkDecoders decodes body with every decoder and its reference; wantErr, unless nil, says
// whether the named decoder must fail.
func checkDecoders(t *testing.T, body []byte, name string, wantErr *bool) {
	t.Helper()
	for _, dec := range decoders {
		want := outcome{}
		want.v, want.err = dec.want(body)
		if dec.name == name && wantErr != nil && (want.err != nil) != *wantErr {
			t.Fatalf("the reference decoded %s: %v; want an error: %v", dec.name, want, *wantErr)
		}
		ways := []struct {
			how    string
			decode func([]byte) (any, error)
		}{{"directly", dec.direct}, {"through json.Unmarshal", dec.unmarshalled}}
		for _, way := range ways {
			if way.decode == nil {
				continue
			}
			got := outcome{}
			got.v, got.err = way.decode(body)
			if !agree(got, want) {
				t.Errorf("%s %s decoded\n%s\nwant\n%s", dec.name, way.how, got, want)
			}
		}
	}
}

// The bodies of the decoding tests. Every decoder reads each of them, for every one is
// valid JSON, or not, to all of them, and the others must skip or refuse what is not theirs.
var decodeTests = []struct {
	name    string
	decoder string // which decoder the body is for
	body    string
	wantErr bool
}{
	// Items and their attribute values.
	{"absent item", "GetItemOutput", `{}`, false},
	{"null item", "GetItemOutput", `{"Item":null}`, false},
	{"empty item", "GetItemOutput", `{"Item":{}}`, false},
	{"null body", "GetItemOutput", `null`, false},
	{"every member", "GetItemOutput", `{"Item":{
		"s":{"S":"text"}, "n":{"N":"-12.5e3"}, "b":{"B":"AAEC/w=="}, "t":{"BOOL":true}, "f":{"BOOL":false},
		"null":{"NULL":true}, "notnull":{"NULL":false},
		"m":{"M":{"a":{"S":"x"},"nested":{"M":{"deep":{"L":[{"N":"1"}]}}}}},
		"l":{"L":[{"S":"a"},{"N":"2"},{"M":{}},{"L":[]},{"SS":["x"]}]},
		"ss":{"SS":["a","b"]}, "ns":{"NS":["1","2.5"]}, "bs":{"BS":["AQ==","","AgM="]}}}`, false},
	{"empty members", "GetItemOutput", `{"Item":{"s":{"S":""},"n":{"N":""},"b":{"B":""},"m":{"M":{}},"l":{"L":[]},
		"ss":{"SS":[]},"ns":{"NS":[]},"bs":{"BS":[]}}}`, false},
	{"escaped strings", "GetItemOutput", `{"Item":{"k\"ey\u00e9":{"S":"q\" b\\ s\/ \b\f\n\r\t \u0000 \u00e9 \u20ac \ud83d\ude00 \u2028"}}}`, false},
	{"lone and reversed surrogates", "GetItemOutput", `{"Item":{"a":{"S":"\ud800 x \udc00 \udc00\ud800 \ud800\u0041 \ud800\\u0041"}}}`, false},
	{"raw non-ASCII", "GetItemOutput", `{"Item":{"naïve":{"S":"日本語 😀 é"}}}`, false},
	{"invalid UTF-8", "GetItemOutput", "{\"Item\":{\"a\xff\":{\"S\":\"x\xffy\xe2\x80z\xed\xa0\x80\"},\"b\":{\"S\":\"\xc0\xaf\\n\xff\"}}}", false},
	{"HTML characters", "GetItemOutput", `{"Item":{"<a>":{"S":"<script>&amp;</script>"}}}`, false},
	{"binary with escaped newlines", "GetItemOutput", `{"Item":{"b":{"B":"AA\nEC\r\n/w=="}}}`, false},
	{"binary as an array of bytes", "GetItemOutput", `{"Item":{"b":{"B":[0,1,255,null]},"e":{"B":[]},"bs":{"BS":[[1,2],"AQ==",null]}}}`, false},
	{"null set elements", "GetItemOutput", `{"Item":{"ss":{"SS":["a",null]},"ns":{"NS":[null]}}}`, false},
	{"the first member wins", "GetItemOutput", `{"Item":{"a":{"N":"1","S":"x"},"b":{"BS":[],"SS":[],"NS":[],"L":[],"M":{},"NULL":true,"BOOL":false,"B":"","N":"2"}}}`, false},
	{"null members are absent", "GetItemOutput", `{"Item":{"a":{"S":null,"N":null,"B":null,"BOOL":null,"NULL":null,"M":null,"L":null,"SS":null,"NS":"x"}}}`, true},
	{"a null member and another", "GetItemOutput", `{"Item":{"a":{"S":null,"N":"3"}}}`, false},
	{"unknown members are skipped", "GetItemOutput", `{"Item":{"a":{"X":{"deep":[1,2,{"y":null}]},"S":"x","Y":true}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}}`, false},
	{"names match case-insensitively", "GetItemOutput", `{"item":{"a":{"s":"x"},"b":{"bool":true},"c":{"Ss":["x"]},"d":{"nULL":true}}}`, false},
	{"names match under Unicode folding", "GetItemOutput", `{"Item":{"a":{"ſ":"long s"},"b":{"\u017f":"escaped"}}}`, false},
	{"keys match under Unicode folding", "KeysAndAttributes", `{"Keys":[{"k":{"S":"x"}}]}`, false},
	{"Kelvin sign", "KeysAndAttributes", `{"` + "\u212a" + `eys":[{"k":{"S":"x"}}],"consistentread":true}`, false},
	{"an unknown type", "GetItemOutput", `{"Item":{"a":{"X":"1"}}}`, true},
	{"an empty attribute value", "GetItemOutput", `{"Item":{"a":{}}}`, true},
	{"a null attribute value", "GetItemOutput", `{"Item":{"a":null}}`, true},
	{"an unknown type in a map", "GetItemOutput", `{"Item":{"a":{"M":{"x":{"X":1}}}}}`, true},
	{"an unknown type in a list", "GetItemOutput", `{"Item":{"a":{"L":[{"S":"x"},{}]}}}`, true},
	{"a null in a list", "GetItemOutput", `{"Item":{"a":{"L":[null]}}}`, true},
	{"an unknown type in a member not taken", "GetItemOutput", `{"Item":{"a":{"S":"x","M":{"y":{}},"L":[{}]}}}`, false},
	{"deep nesting", "GetItemOutput", `{"Item":{"a":{"L":[{"L":[{"L":[{"M":{"b":{"M":{"c":{"L":[{"N":"0"}]}}}}}]}]}]}}}`, false},

	// Values of the wrong type.
	{"an array body", "GetItemOutput", `[]`, true},
	{"a string body", "GetItemOutput", `"x"`, true},
	{"a number body", "GetItemOutput", `1`, true},
	{"a boolean body", "GetItemOutput", `true`, true},
	{"an array item", "GetItemOutput", `{"Item":[]}`, true},
	{"a string item", "GetItemOutput", `{"Item":"x"}`, true},
	{"a string attribute value", "GetItemOutput", `{"Item":{"a":"x"}}`, true},
	{"a number S", "GetItemOutput", `{"Item":{"a":{"S":1}}}`, true},
	{"a boolean N", "GetItemOutput", `{"Item":{"a":{"N":true}}}`, true},
	{"an object S", "GetItemOutput", `{"Item":{"a":{"S":{}}}}`, true},
	{"a string BOOL", "GetItemOutput", `{"Item":{"a":{"BOOL":"true"}}}`, true},
	{"a number NULL", "GetItemOutput", `{"Item":{"a":{"NULL":1}}}`, true},
	{"invalid base64", "GetItemOutput", `{"Item":{"a":{"B":"!!"}}}`, true},
	{"base64 without padding", "GetItemOutput", `{"Item":{"a":{"B":"AQ"}}}`, true},
	{"a byte over 255", "GetItemOutput", `{"Item":{"a":{"B":[256]}}}`, true},
	{"a negative byte", "GetItemOutput", `{"Item":{"a":{"B":[-1]}}}`, true},
	{"a fractional byte", "GetItemOutput", `{"Item":{"a":{"B":[1.5]}}}`, true},
	{"a string byte", "GetItemOutput", `{"Item":{"a":{"B":["1"]}}}`, true},
	{"a number B", "GetItemOutput", `{"Item":{"a":{"B":1}}}`, true},
	{"a string SS", "GetItemOutput", `{"Item":{"a":{"SS":"x"}}}`, true},
	{"a number in an SS", "GetItemOutput", `{"Item":{"a":{"SS":[1]}}}`, true},
	{"an object L", "GetItemOutput", `{"Item":{"a":{"L":{}}}}`, true},
	{"an array M", "GetItemOutput", `{"Item":{"a":{"M":[]}}}`, true},
	{"invalid base64 in a BS", "GetItemOutput", `{"Item":{"a":{"BS":["@"]}}}`, true},
	{"a wrong type in a member not taken", "GetItemOutput", `{"Item":{"a":{"S":"x","N":5}}}`, true},

	// Syntax.
	{"empty", "GetItemOutput", ``, true},
	{"whitespace", "GetItemOutput", " \t\r\n", true},
	{"surrounding whitespace", "GetItemOutput", " \t\r\n{\"Item\" : { \"a\" : { \"S\" : \"x\" } } }\n", false},
	{"unclosed", "GetItemOutput", `{"Item":{"a":{"S":"x"}}`, true},
	{"closed twice", "GetItemOutput", `{"Item":{"a":{"S":"x"}}}}`, true},
	{"a missing value", "GetItemOutput", `{"Item":}`, true},
	{"a missing colon", "GetItemOutput", `{"Item"{}}`, true},
	{"a trailing comma", "GetItemOutput", `{"Item":{},}`, true},
	{"a trailing comma in an array", "QueryOutput", `{"Items":[{},]}`, true},
	{"a leading comma", "GetItemOutput", `{,"Item":{}}`, true},
	{"trailing data", "GetItemOutput", `{"Item":{}} x`, true},
	{"a second value", "GetItemOutput", `{} {}`, true},
	{"single quotes", "GetItemOutput", `{'Item':{}}`, true},
	{"an unquoted name", "GetItemOutput", `{Item:{}}`, true},
	{"an unterminated string", "GetItemOutput", `{"Item":{"a":{"S":"x}}}`, true},
	{"an invalid escape", "GetItemOutput", `{"Item":{"a":{"S":"\x"}}}`, true},
	{"an escaped single quote", "GetItemOutput", `{"Item":{"a":{"S":"\'"}}}`, true},
	{"a short unicode escape", "GetItemOutput", `{"Item":{"a":{"S":"\u12"}}}`, true},
	{"a non-hex unicode escape", "GetItemOutput", `{"Item":{"a":{"S":"\u12g4"}}}`, true},
	{"a raw control character", "GetItemOutput", "{\"Item\":{\"a\":{\"S\":\"x\ty\"}}}", true},
	{"a raw NUL", "GetItemOutput", "{\"Item\":{}}\x00", true},
	{"a truncated literal", "GetItemOutput", `{"Item":nul}`, true},
	{"a misspelt literal", "GetItemOutput", `{"Item":nulL}`, true},
	{"a literal run on", "GetItemOutput", `{"Item":nullx}`, true},
	{"a truncated true", "GetItemOutput", `{"x":tru}`, true},
	{"an invalid skipped value", "GetItemOutput", `{"x":[1,}`, true},
	{"an invalid skipped number", "GetItemOutput", `{"x":-}`, true},
	{"a leading zero", "QueryOutput", `{"Count":01}`, true},
	{"a leading plus", "QueryOutput", `{"Count":+1}`, true},
	{"a bare minus", "QueryOutput", `{"Count":-}`, true},
	{"a bare decimal point", "QueryOutput", `{"Count":1.}`, true},
	{"a bare exponent", "QueryOutput", `{"Count":1e}`, true},
	{"a signed bare exponent", "QueryOutput", `{"Count":1e+}`, true},
	{"a leading decimal point", "QueryOutput", `{"Count":.5}`, true},
	{"valid numbers skipped", "QueryOutput", `{"x":[0,-0,1.5,-1.5e10,2E-3,1e+2,0.0]}`, false},
	{"a name that is not a string", "GetItemOutput", `{1:{}}`, true},

	// Query.
	{"a query", "QueryOutput", `{"Items":[{"pk":{"S":"a"},"n":{"N":"3"}},{"pk":{"S":"b"}}],"Count":2,"ScannedCount":5,
		"LastEvaluatedKey":{"pk":{"S":"b"}}}`, false},
	{"no items", "QueryOutput", `{"Items":[],"Count":0,"ScannedCount":0}`, false},
	{"null items", "QueryOutput", `{"Items":null,"Count":null,"ScannedCount":null,"LastEvaluatedKey":null}`, false},
	{"a null among items", "QueryOutput", `{"Items":[null,{}]}`, false},
	{"a count only", "QueryOutput", `{"Count":7,"ScannedCount":9}`, false},
	{"an empty last key", "QueryOutput", `{"LastEvaluatedKey":{}}`, false},
	{"int32 limits", "QueryOutput", `{"Count":2147483647,"ScannedCount":-2147483648}`, false},
	{"a count over int32", "QueryOutput", `{"Count":2147483648}`, true},
	{"a count under int32", "QueryOutput", `{"Count":-2147483649}`, true},
	{"a fractional count", "QueryOutput", `{"Count":1.5}`, true},
	{"a count with a decimal point", "QueryOutput", `{"Count":1.0}`, true},
	{"a count with an exponent", "QueryOutput", `{"Count":1e2}`, true},
	{"a string count", "QueryOutput", `{"Count":"1"}`, true},
	{"an object of items", "QueryOutput", `{"Items":{}}`, true},
	{"an unknown type in an item", "QueryOutput", `{"Items":[{"a":{"S":"x"}},{"a":{}}]}`, true},
	{"an unknown type in the last key", "QueryOutput", `{"LastEvaluatedKey":{"a":{"Z":true}}}`, true},

	// BatchGetItem.
	{"a batch get", "BatchGetItemOutput", `{"Responses":{"t":[{"pk":{"S":"x"}}],"u":[]},
		"UnprocessedKeys":{"t":{"Keys":[{"pk":{"S":"y"}},{"pk":{"S":"z"}}],"ConsistentRead":true,"ProjectionExpression":"pk, #n",
		"ExpressionAttributeNames":{"#n":"name","#m":null}},"u":{"Keys":[]}}}`, false},
	{"no responses", "BatchGetItemOutput", `{"UnprocessedKeys":{}}`, false},
	{"null responses", "BatchGetItemOutput", `{"Responses":null,"UnprocessedKeys":null}`, false},
	{"null table responses", "BatchGetItemOutput", `{"Responses":{"t":null},"UnprocessedKeys":{"t":null}}`, false},
	{"null keys", "BatchGetItemOutput", `{"UnprocessedKeys":{"t":{"Keys":null,"ConsistentRead":null,"ProjectionExpression":null,"ExpressionAttributeNames":null}}}`, false},
	{"null among keys", "BatchGetItemOutput", `{"UnprocessedKeys":{"t":{"Keys":[null]}}}`, false},
	{"an unknown type in a response", "BatchGetItemOutput", `{"Responses":{"t":[{"a":{}}]}}`, true},
	{"an unknown type in the unprocessed keys", "BatchGetItemOutput", `{"UnprocessedKeys":{"t":{"Keys":[{"a":{}}]}}}`, true},
	{"an array of responses", "BatchGetItemOutput", `{"Responses":[]}`, true},
	{"unprocessed keys of the wrong type", "BatchGetItemOutput", `{"UnprocessedKeys":{"t":[]}}`, true},
	{"a string consistent read", "BatchGetItemOutput", `{"UnprocessedKeys":{"t":{"ConsistentRead":"true"}}}`, true},
	{"a number projection", "KeysAndAttributes", `{"ProjectionExpression":1}`, true},
	{"a number attribute name", "KeysAndAttributes", `{"ExpressionAttributeNames":{"#n":1}}`, true},
	{"null keys and attributes", "KeysAndAttributes", `null`, false},

	// BatchWriteItem.
	{"a batch write", "BatchWriteItemOutput", `{"UnprocessedItems":{"t":[{"DeleteRequest":{"Key":{"pk":{"S":"k"}}}},
		{"PutRequest":{"Item":{"pk":{"S":"p"},"n":{"N":"1"}}}},{},null,{"PutRequest":null,"DeleteRequest":null},
		{"PutRequest":{},"DeleteRequest":{}},{"PutRequest":{"Item":null}}],"u":[],"v":null}}`, false},
	{"no unprocessed items", "BatchWriteItemOutput", `{"UnprocessedItems":{}}`, false},
	{"null unprocessed items", "BatchWriteItemOutput", `{"UnprocessedItems":null}`, false},
	{"a null batch write", "BatchWriteItemOutput", `null`, false},
	{"an unknown type in a put", "BatchWriteItemOutput", `{"UnprocessedItems":{"t":[{"PutRequest":{"Item":{"a":{}}}}]}}`, true},
	{"an unknown type in a delete", "BatchWriteItemOutput", `{"UnprocessedItems":{"t":[{"DeleteRequest":{"Key":{"a":{}}}}]}}`, true},
	{"a string put", "BatchWriteItemOutput", `{"UnprocessedItems":{"t":[{"PutRequest":"x"}]}}`, true},
	{"an array delete", "BatchWriteItemOutput", `{"UnprocessedItems":{"t":[{"DeleteRequest":[]}]}}`, true},
	{"an object of requests", "BatchWriteItemOutput", `{"UnprocessedItems":{"t":{}}}`, true},
	{"a number request", "BatchWriteItemOutput", `{"UnprocessedItems":{"t":[1]}}`, true},
	{"a put request", "PutRequest", `{"Item":{"a":{"S":"x"}}}`, false},
	{"a null put request", "PutRequest", `null`, false},
	{"a delete request", "DeleteRequest", `{"Key":{"a":{"N":"1"}}}`, false},
	{"a null delete request", "DeleteRequest", `null`, false},

	// TransactionCanceledException.
	{"cancellation reasons", "CancellationReasons", `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
		"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
		"CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed",
		"Item":{"pk":{"S":"APP#1"},"status":{"S":"DELETING"}}}]}`, false},
	{"reasons without items", "CancellationReasons", `{"CancellationReasons":[{"Code":"None","Message":null,"Item":null},{"Code":"TransactionConflict"}]}`, false},
	{"no reasons", "CancellationReasons", `{"__type":"TransactionCanceledException","message":"x"}`, false},
	{"empty reasons", "CancellationReasons", `{"CancellationReasons":[]}`, false},
	{"null reasons", "CancellationReasons", `{"CancellationReasons":null}`, false},
	{"a null reason", "CancellationReasons", `{"CancellationReasons":[null,{"Code":"None"}]}`, false},
	{"a reason's unknown type", "CancellationReasons", `{"CancellationReasons":[{"Code":"x","Item":{"a":{}}}]}`, false},
	{"a number code", "CancellationReasons", `{"CancellationReasons":[{"Code":1}]}`, true},
	{"an object of reasons", "CancellationReasons", `{"CancellationReasons":{}}`, true},
	{"an array body of reasons", "CancellationReasons", `[]`, true},
	{"an empty body of reasons", "CancellationReasons", ``, true},
	{"a null body of reasons", "CancellationReasons", `null`, false},

	// TransactWriteItems.
	{"a transaction's answer", "TransactWriteItemsOutput", `{}`, false},
	{"a transaction's answer with capacity", "TransactWriteItemsOutput", `{"ConsumedCapacity":[{"TableName":"t","CapacityUnits":2}]}`, false},
	{"a null transaction answer", "TransactWriteItemsOutput", `null`, false},
	{"an array transaction answer", "TransactWriteItemsOutput", `[]`, true},
}

func TestDecodersAgreeWithReflection(t *testing.T) {
	for _, tt := range decodeTests {
		t.Run(tt.name, func(t *testing.T) {
			checkDecoders(t, []byte(tt.body), tt.decoder, &tt.wantErr)
		})
	}
}

func TestDecodersAgreeWithReflectionOnNesting(t *testing.T) {
	nest := func(depth int) string {
		return `{"Item":{"a":{"S":"x"}},"x":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
	}
	for _, tt := range []struct {
		name    string
		body    string
		wantErr bool
	}{
		{"the deepest encoding/json reads", nest(jsontext.MaxDepth), false},
		{"one level deeper", nest(jsontext.MaxDepth + 1), true},
		{"deep attribute values", `{"Item":{"a":` + strings.Repeat(`{"L":[`, 1000) + `{"N":"1"}` + strings.Repeat(`]}`, 1000) + `}}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkDecoders(t, []byte(tt.body), "GetItemOutput", &tt.wantErr)
		})
	}
}

func TestDecodingErrorsSayWhere(t *testing.T) {
	tests := []struct {
		name string
		out  json.Unmarshaler
		body string
		want string
	}{
		{"unknown type", new(GetItemOutput), `{"Item":{"a":{"M":{"b":{"X":1}}}}}`,
			`dynamo: GetItemOutput: attribute "a": attribute "b": attribute value of no known type`},
		{"unknown type in a list", new(QueryOutput), `{"Items":[{"a":{"L":[{"S":"x"},{}]}}]}`,
			`dynamo: QueryOutput: attribute "a": element 1: attribute value of no known type`},
		{"wrong type", new(QueryOutput), `{"Items":[{"pk":{"S":1}}]}`,
			`dynamo: QueryOutput: Items: item 0: attribute "pk": S: found a number, want a string`},
		{"count", new(QueryOutput), `{"Count":1.5}`, `dynamo: QueryOutput: Count: number 1.5 is no int32`},
		{"syntax", new(GetItemOutput), `{"Item":{"a":{"S":"x"}}`, `dynamo: GetItemOutput: invalid JSON: unexpected end of input`},
		{"syntax at an offset", new(BatchWriteItemOutput), `{"UnprocessedItems":{"t":[{"PutRequest":{"Item":x}}]}}`,
			`dynamo: BatchWriteItemOutput: UnprocessedItems: table "t": request 0: PutRequest: Item: invalid JSON: unexpected 'x' at offset 48 looking for beginning of value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.out.UnmarshalJSON([]byte(tt.body))
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant  %s", err, tt.want)
			}
		})
	}
}

// FuzzDecodersAgreeWithReflection holds every decoder to its reference on any body without
// a name given twice in an object, which they treat differently (see decode.go).
func FuzzDecodersAgreeWithReflection(f *testing.F) {
	for _, tt := range decodeTests {
		f.Add([]byte(tt.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if twiceNamed(body) {
			t.Skip("a name given twice")
		}
		checkDecoders(t, body, "", nil)
	})
}

// twiceNamed reports whether an object of valid JSON gives two names that select the same
// field, as encoding/json selects fields (bytes.EqualFold).
func twiceNamed(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		names  [][]byte
		name   bool // the next string is a name
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) || err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.name {
			for _, n := range top.names {
				if bytes.EqualFold(n, []byte(s)) {
					return true
				}
			}
			top.names = append(top.names, []byte(s))
			top.name = false
			continue
		}
		if top != nil && top.object {
			top.name = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, name: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].name = true
			}
		}
	}
}

// queryAnswer is a Query's answer of n customers as the store writes them.
func queryAnswer(n int) []byte {
	var items []string
	for i := range n {
		items = append(items, fmt.Sprintf(`{"pk":{"S":"APP#01JDZ7Q2V3"},"sk":{"S":"CUSTOMER#01JDZ7Q2V%d"},`+
			`"email":{"S":"someone%d@example.com"},"name":{"S":"Zo\u00eb O'Brien"},"externalId":{"S":"cus_%d"},`+
			`"createdAt":{"S":"2026-11-30T12:00:00Z"},"version":{"N":"%d"},"tags":{"SS":["a","b"]},`+
			`"metadata":{"M":{"plan":{"S":"pro"},"trial":{"BOOL":false}}}}`, i, i, i, i))
	}
	return []byte(`{"Items":[` + strings.Join(items, ",") + `],"Count":` + fmt.Sprint(n) + `,"ScannedCount":` + fmt.Sprint(n) +
		`,"LastEvaluatedKey":{"pk":{"S":"APP#01JDZ7Q2V3"},"sk":{"S":"CUSTOMER#01JDZ7Q2V9"}}}`)
}

// BenchmarkDecodeQueryOutput compares the decoder with the reflection it replaced, both as
// awsjson calls them (json.Unmarshal, which checks the syntax first) and the decoder alone.
func BenchmarkDecodeQueryOutput(b *testing.B) {
	body := queryAnswer(10)
	b.Run("json.Unmarshal+decoder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out QueryOutput
			if err := json.Unmarshal(body, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decoder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out QueryOutput
			if err := out.UnmarshalJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reflection", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := refQueryOutput(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
