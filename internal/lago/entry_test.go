package lago

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/samtemplate"
	"github.com/clientele/clientele/internal/store"
)

// fullCustomer is a Lago customer with every field of lago-go-client's CustomerInput set to
// a realistic value, and five metadata entries, as this dialect decodes it.
func fullCustomer(t *testing.T) customer.Customer {
	t.Helper()
	body := `{"external_id":"cus_stripe_4f7a9c21","name":"Hooli Incorporated","firstname":"Gavin","lastname":"Belson",
	"customer_type":"company","account_type":"partner","email":"gavin.belson@hooli.example.com",
	"address_line1":"5230 Penfield Avenue","address_line2":"Suite 100","city":"Woodland Hills","zipcode":"91364",
	"state":"CA","country":"US","legal_name":"Hooli Incorporated LLC","legal_number":"C3456789",
	"tax_identification_number":"US-94-1234567","phone":"+1 818 555 0100","url":"https://www.hooli.example.com",
	"logo_url":"https://cdn.hooli.example.com/brand/logo-512.png","timezone":"America/Los_Angeles",
	"net_payment_term":30,"currency":"USD","finalize_zero_amount_invoice":"skip","skip_invoice_custom_sections":false,
	"metadata":[{"key":"plan","value":"enterprise","display_in_invoice":true},
		{"key":"seats","value":"250","display_in_invoice":false},
		{"key":"region","value":"us-west-2","display_in_invoice":false},
		{"key":"account_manager","value":"Jared Dunn","display_in_invoice":true},
		{"key":"salesforce_id","value":"0015g00000XyZabAAB","display_in_invoice":false}],
	"billing_configuration":{"invoice_grace_period":3,"payment_provider":"stripe","payment_provider_code":"stripe-us",
		"provider_customer_id":"cus_NffrFeUfNV2Hib","sync":true,"sync_with_provider":true,"document_locale":"en",
		"provider_payment_methods":["card","sepa_debit"]},
	"shipping_address":{"address_line1":"1 Dock Street","address_line2":"Bay 4","city":"Oakland","zipcode":"94607",
		"state":"CA","country":"US"},
	"integration_customers":[],"tax_codes":["US_SALES"],"invoice_custom_section_codes":["eula"]}`
	in := input{}
	if err := json.Unmarshal([]byte(body), &in.fields); err != nil {
		t.Fatal(err)
	}
	p := in.patch()
	if in.details != nil {
		t.Fatalf("the body is refused: %v", in.details)
	}
	c := p.Apply(customer.Customer{ExternalID: in.externalID(), CreatedBy: customer.NewID()})
	c.Normalize()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.ID, c.Version = customer.NewID(), 3
	c.CreatedAt = time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	c.UpdatedAt = c.CreatedAt.Add(time.Hour)
	return c
}

// TestListEntryIsAQuarterOfAFullCustomer: the entry of a full Lago customer in the list index
// by creation, which carries what filters and search test, is at most a quarter of the
// customer's item, both sized as DynamoDB sizes them (an index entry with its 100 bytes).
func TestListEntryIsAQuarterOfAFullCustomer(t *testing.T) {
	c := fullCustomer(t)
	items, err := store.BulkItems(customer.NewID(), c, 17)
	if err != nil {
		t.Fatal(err)
	}
	item := items[0]
	path, err := samtemplate.Find(".")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := samtemplate.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	in, err := tmpl.CreateTableInput("Table", "entry")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range in.GlobalSecondaryIndexes {
		if *x.IndexName != "gsi4" && *x.IndexName != "gsi6" {
			continue
		}
		keys := []string{"pk", "sk"}
		for _, k := range x.KeySchema {
			keys = append(keys, *k.AttributeName)
		}
		entry, full := entrySize(item, keys, x.Projection.NonKeyAttributes), itemSize(item)
		t.Logf("%s entry %d bytes, the customer's item %d: %.2f", *x.IndexName, entry, full, float64(entry)/float64(full))
		if float64(entry) > 0.25*float64(full) {
			t.Errorf("%s: entry %d bytes, more than a quarter of the item's %d", *x.IndexName, entry, full)
		}
	}
}

// itemSize is an item's size as DynamoDB counts it: each attribute's name and value, a
// number by its digits, a map or list 3 bytes and 1 a member beside its members.
func itemSize(m map[string]types.AttributeValue) int {
	n := 0
	for k, v := range m {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return (len(strings.TrimLeft(v.Value, "-0."))+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	}
	return 0
}

// entrySize is the size of an item's entry in an index holding keys and include, with the
// 100 bytes DynamoDB adds to each entry.
func entrySize(m map[string]types.AttributeValue, keys, include []string) int {
	n := 100
	for _, a := range slices.Concat(keys, include) {
		if v, ok := m[a]; ok {
			n += len(a) + valueSize(v)
		}
	}
	return n
}
