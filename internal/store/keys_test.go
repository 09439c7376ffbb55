package store

import (
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/customer"
)

// TestKeyPrefixesLeaveRoomForTheDomainsLimit: a value that customer.KeyFits lets through,
// behind the store's prefixes of the keys that hold client values (ids are UUIDs), is still a valid DynamoDB sort key (at most 1,024
// bytes), so that no write or lookup the domain accepts can be refused by DynamoDB.
func TestKeyPrefixesLeaveRoomForTheDomainsLimit(t *testing.T) {
	const maxSortKey = 1024
	v := strings.Repeat("a", customer.MaxKeyBytes)
	keys := map[string]string{
		"email guard":       emailSK(v),
		"external-id guard": externalIDSK(v),
		"email index":       customer.EmailKey(v),
		"external-id index": v,
	}
	for name, k := range keys {
		if len(k) > maxSortKey {
			t.Errorf("%s: %d bytes", name, len(k))
		}
	}
}
