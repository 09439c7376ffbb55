package store

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

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
