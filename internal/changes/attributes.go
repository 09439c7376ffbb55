package changes

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientele/clientele/internal/dynamo"
)

// attributeValues converts a stream record's image (the Lambda event's attribute values) to
// internal/dynamo's, which the store decodes.
func attributeValues(img map[string]events.DynamoDBAttributeValue) (map[string]dynamo.AttributeValue, error) {
	out := make(map[string]dynamo.AttributeValue, len(img))
	for k, v := range img {
		av, err := attributeValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func attributeValue(v events.DynamoDBAttributeValue) (dynamo.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &dynamo.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &dynamo.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &dynamo.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &dynamo.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &dynamo.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &dynamo.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &dynamo.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &dynamo.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeMap:
		m, err := attributeValues(v.Map())
		if err != nil {
			return nil, err
		}
		return &dynamo.AttributeValueMemberM{Value: m}, nil
	case events.DataTypeList:
		src := v.List()
		l := make([]dynamo.AttributeValue, len(src))
		for i, e := range src {
			av, err := attributeValue(e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			l[i] = av
		}
		return &dynamo.AttributeValueMemberL{Value: l}, nil
	}
	return nil, fmt.Errorf("unknown data type %v", v.DataType())
}
