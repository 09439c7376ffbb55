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
// Nil slices and maps are written empty: {"L":[]}, {"M":{}}.

func (v *AttributeValueMemberS) MarshalJSON() ([]byte, error)    { return appendValue(nil, v), nil }
func (v *AttributeValueMemberN) MarshalJSON() ([]byte, error)    { return appendValue(nil, v), nil }
func (v *AttributeValueMemberB) MarshalJSON() ([]byte, error)    { return appendValue(nil, v), nil }
func (v *AttributeValueMemberBOOL) MarshalJSON() ([]byte, error) { return appendValue(nil, v), nil }
func (v *AttributeValueMemberNULL) MarshalJSON() ([]byte, error) { return appendValue(nil, v), nil }
func (v *AttributeValueMemberM) MarshalJSON() ([]byte, error)    { return appendValue(nil, v), nil }
func (v *AttributeValueMemberL) MarshalJSON() ([]byte, error)    { return appendValue(nil, v), nil }
func (v *AttributeValueMemberSS) MarshalJSON() ([]byte, error)   { return appendValue(nil, v), nil }
func (v *AttributeValueMemberNS) MarshalJSON() ([]byte, error)   { return appendValue(nil, v), nil }
func (v *AttributeValueMemberBS) MarshalJSON() ([]byte, error)   { return appendValue(nil, v), nil }
