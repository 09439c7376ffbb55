package store

import (
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/tenant"
)

// FromImage converts a stream record's image, as aws-lambda-go's events carry it, to the
// SDK's attribute values, which the store's item types are unmarshalled from.
func FromImage(img map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		av, err := fromImageValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func fromImageValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeMap:
		m, err := FromImage(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case events.DataTypeList:
		src := v.List()
		l := make([]types.AttributeValue, len(src))
		for i, e := range src {
			av, err := fromImageValue(e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	}
	return nil, fmt.Errorf("unknown data type %v", v.DataType())
}

// DeletingAppFromImage returns the id of the app whose stream record image it is, when that
// image shows the app being deleted (the purge worker's trigger).
func DeletingAppFromImage(img map[string]events.DynamoDBAttributeValue) (appID string, ok bool) {
	str := func(name string) string {
		if v, found := img[name]; found && v.DataType() == events.DataTypeString {
			return v.String()
		}
		return ""
	}
	if str("type") != typeApp || str("status") != string(tenant.Deleting) || str("id") == "" {
		return "", false
	}
	return str("id"), true
}

// CustomerFromItem decodes an item of the table, as a stream record's image carries it, when
// it is a customer: the app it belongs to and the customer. ok is false, with a nil error, for
// every other item (apps and their counters, guards, licenses, keys) and for a nil image; an
// item marked as a customer that does not decode is ok false with an error, so that stream
// consumers can tell "not mine" from "broken".
func CustomerFromItem(item map[string]types.AttributeValue) (appID string, c customer.Customer, ok bool, err error) {
	if attrS(item, "type") != typeCustomer {
		return "", customer.Customer{}, false, nil
	}
	it, err := unmarshal[customerItem]("decode stream record", item)
	if err != nil {
		return "", customer.Customer{}, false, err
	}
	appID, found := strings.CutPrefix(it.PK, "APP#")
	if !found || appID == "" || it.ID == "" || it.SK != customerSK(it.ID) {
		return "", customer.Customer{}, false,
			fmt.Errorf("store: decode stream record: customer item with key %q/%q is malformed", it.PK, it.SK)
	}
	return appID, it.customer(), true, nil
}
