// Package dynamo is the part of DynamoDB's API that Clientele's functions call: item reads,
// queries, batches and transactions, over internal/awsjson.
//
// It exists for cold starts. The AWS SDK's dynamodb package (and its types package, which
// every user of the SDK's AttributeValue imports) costs about 4 ms of package
// initialisation in each of Clientele's ~34 functions, and a Lambda function pays it on
// every cold start: that alone is a third of an empty Go function's start-up. The names
// here follow the SDK's (AttributeValueMemberS, QueryInput, TransactWriteItem, ...) so that
// code reads the same; tests and local tools that create tables keep using the SDK.
package dynamo

import (
	"encoding/json"
	"fmt"
)

// AttributeValue is one of the AttributeValueMember types.
type AttributeValue interface {
	isAttributeValue()
}

// The members of an AttributeValue, as the SDK names them.
type (
	AttributeValueMemberS    struct{ Value string }
	AttributeValueMemberN    struct{ Value string } // a decimal number, as text
	AttributeValueMemberB    struct{ Value []byte }
	AttributeValueMemberBOOL struct{ Value bool }
	AttributeValueMemberNULL struct{ Value bool }
	AttributeValueMemberM    struct{ Value map[string]AttributeValue }
	AttributeValueMemberL    struct{ Value []AttributeValue }
	AttributeValueMemberSS   struct{ Value []string }
	AttributeValueMemberNS   struct{ Value []string }
	AttributeValueMemberBS   struct{ Value [][]byte }
)

func (*AttributeValueMemberS) isAttributeValue()    {}
func (*AttributeValueMemberN) isAttributeValue()    {}
func (*AttributeValueMemberB) isAttributeValue()    {}
func (*AttributeValueMemberBOOL) isAttributeValue() {}
func (*AttributeValueMemberNULL) isAttributeValue() {}
func (*AttributeValueMemberM) isAttributeValue()    {}
func (*AttributeValueMemberL) isAttributeValue()    {}
func (*AttributeValueMemberSS) isAttributeValue()   {}
func (*AttributeValueMemberNS) isAttributeValue()   {}
func (*AttributeValueMemberBS) isAttributeValue()   {}

// Each member encodes as DynamoDB's JSON wire form: {"S":"text"}, {"N":"12"}, {"B":"base64"}...

func (v *AttributeValueMemberS) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ S string }{v.Value})
}

func (v *AttributeValueMemberN) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ N string }{v.Value})
}

func (v *AttributeValueMemberB) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ B []byte }{nonNil(v.Value)})
}

func (v *AttributeValueMemberBOOL) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ BOOL bool }{v.Value})
}

func (v *AttributeValueMemberNULL) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ NULL bool }{v.Value})
}

func (v *AttributeValueMemberM) MarshalJSON() ([]byte, error) {
	m := v.Value
	if m == nil {
		m = map[string]AttributeValue{}
	}
	return json.Marshal(struct{ M map[string]AttributeValue }{m})
}

func (v *AttributeValueMemberL) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ L []AttributeValue }{nonNil(v.Value)})
}

func (v *AttributeValueMemberSS) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ SS []string }{nonNil(v.Value)})
}

func (v *AttributeValueMemberNS) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ NS []string }{nonNil(v.Value)})
}

func (v *AttributeValueMemberBS) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ BS [][]byte }{nonNil(v.Value)})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

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
