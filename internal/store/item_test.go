package store

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	sdk "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/dynamo"
)

// The codecs are checked against attributevalue, which wrote every item stored so far. sdk
// is its package of attribute values; dynamo is the store's.

// codecCase is an item and the two decoders for its type: the store's and attributevalue's.
type codecCase struct {
	name      string
	item      any
	decode    func(map[string]dynamo.AttributeValue) (any, error)
	reference func(map[string]sdk.AttributeValue) (any, error)
}

func codec[T any, P decoder[T]](name string, item T) codecCase {
	return codecCase{
		name: name,
		item: item,
		decode: func(m map[string]dynamo.AttributeValue) (any, error) {
			return unmarshal[T, P]("test", m)
		},
		reference: func(m map[string]sdk.AttributeValue) (any, error) {
			var v T
			err := attributevalue.UnmarshalMap(m, &v)
			return v, err
		},
	}
}

func fullCustomer() customerItem {
	created := time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.UTC)
	it := newCustomerItem("0b1c8e52-5a1f-4d6e-9f3a-1b2c3d4e5f60", customer.Customer{
		ID: "7d9f0c2e-3b4a-4c5d-8e6f-708192a3b4c5", Email: "Ana.Núñez@Example.COM",
		Name: "Ana Núñez 👩‍💻", Username: "ana_n", ExternalID: "CRM-00042",
		Metadata: []customer.Metadata{
			{Key: "plan", Value: []byte(`"pro"`)},
			{Key: "seats", Value: []byte(`12`), Locked: true},
			{Key: "po", Value: []byte(`{"n":"PO-7","tags":["a","b"]}`), DisplayInInvoice: true},
			{Key: "vat", Value: []byte(`"DE123"`), Locked: true, DisplayInInvoice: true},
		},
		Address: customer.Address{
			Line1: "Straße 1", Line2: "3. OG", City: "München", State: "BY",
			Country: "DE", PostalCode: "80331",
		},
		LegalName: "Núñez GmbH", LegalNumber: "HRB 12345", LogoURL: "https://example.com/logo.png",
		Phone: "+49 89 123456", URL: "https://example.com", DiscordID: "123456789012345678",
		CreatedBy: "api", CreatedAt: created, UpdatedAt: created.Add(time.Hour), Version: 7,
	})
	it.LicenseCount = 3
	return it
}

func codecCases() []codecCase {
	partial := fullCustomer()
	partial.Address = &addressItem{City: "東京", Country: "JP"}
	partial.Metadata = partial.Metadata[:1]
	big := fullCustomer()
	big.Version, big.LicenseCount = math.MaxInt64, math.MinInt64
	empty := customerItem{Metadata: []metadataItem{}, Address: &addressItem{}}
	minimal := newCustomerItem("app", customer.Customer{ID: "c", Name: "x"})

	return []codecCase{
		codec("app/zero", appItem{}),
		codec("app/full", appItem{
			PK: appPK("a1"), SK: metaSK, Type: typeApp, GSI3PK: appsPK, GSI3SK: "2024-01-01T00:00:00.000000000Z#a1",
			ID: "a1", Slug: "acme", Name: "Acme ☃", Description: "the \"first\" app\n", Status: "ACTIVE",
			CustomerCount: 1234567890123, CursorKey: []byte("0123456789abcdef0123456789abcdef\x00\xff"),
			CreatedAt: "2024-01-01T00:00:00.000000000Z", Version: 42,
		}),
		codec("app/empty cursor key", appItem{ID: "a2", CursorKey: []byte{}, Version: -1}),
		codec("app/big numbers", appItem{CustomerCount: math.MaxInt64, Version: math.MinInt64}),
		codec("guard/zero", guardItem{}),
		codec("guard/slug", guardItem{PK: slugPK("acme"), SK: slugSK, Type: typeSlugGuard, AppID: "a1"}),
		codec("guard/email", guardItem{PK: appPK("a1"), SK: emailSK("Ä@x.io"), Type: typeEmailGuard, CustomerID: "c1"}),
		codec("customer/zero", customerItem{}),
		codec("customer/minimal", minimal),
		codec("customer/full", fullCustomer()),
		codec("customer/partial address", partial),
		codec("customer/empty metadata and address", empty),
		codec("customer/big numbers", big),
		codec("customer/zero metadata entry", customerItem{Metadata: []metadataItem{{}}}),
		codec("license/zero", licenseItem{}),
		codec("license/no expiry", licenseItem{
			PK: appPK("a1"), SK: licenseSK("c1", "l1"), Type: typeLicense, ID: "l1", CustomerID: "c1",
			Status: "ACTIVE", CreatedAt: "2024-01-01T00:00:00.000000000Z",
		}),
		codec("license/expiring", licenseItem{
			PK: appPK("a1"), SK: licenseIndexSK("l2"), Type: typeLicenseIndex, ID: "l2", CustomerID: "c1",
			Status: "EXPIRED", ExpiresAt: "2025-01-01T00:00:00.000000000Z", CreatedAt: "2024-01-01T00:00:00.000000000Z",
		}),
		codec("key/zero", keyItem{}),
		codec("key/account", keyItem{
			PK: keyPK(strings.Repeat("ab", 32)), SK: keySK, Type: typeKey, ID: "k1", Kind: "account",
			Hint: "ck_…a1b2", Hash: strings.Repeat("ab", 32), CreatedAt: "2024-01-01T00:00:00.000000000Z",
		}),
		codec("key/app", keyItem{
			PK: appPK("a1"), SK: keyRefSK("k2"), Type: typeKeyRef, ID: "k2", AppID: "a1", AppSlug: "acme",
			Kind: "app", Hint: "ak_…c3d4", Hash: strings.Repeat("cd", 32), CreatedAt: "2024-01-01T00:00:00.000000000Z",
		}),
	}
}

func TestItemEncodeMatchesAttributeValue(t *testing.T) {
	for _, c := range codecCases() {
		t.Run(c.name, func(t *testing.T) {
			want, err := attributevalue.MarshalMap(c.item)
			if err != nil {
				t.Fatal(err)
			}
			m, err := marshal("test", c.item)
			if err != nil {
				t.Fatal(err)
			}
			got := toSDK(m)
			for _, name := range slices.Sorted(maps.Keys(union(got, want))) {
				if !reflect.DeepEqual(got[name], want[name]) {
					t.Errorf("%s: got %s, attributevalue wrote %s", name, show(got[name]), show(want[name]))
				}
			}
		})
	}
}

func TestItemDecodeAttributeValueOutput(t *testing.T) {
	for _, c := range codecCases() {
		t.Run(c.name, func(t *testing.T) {
			m, err := attributevalue.MarshalMap(c.item)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.decode(fromSDK(m))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.item) {
				t.Errorf("decoded\n%#v\nwant\n%#v", got, c.item)
			}
		})
	}
}

func TestItemRoundTrip(t *testing.T) {
	for _, c := range codecCases() {
		t.Run(c.name, func(t *testing.T) {
			m, err := marshal("test", c.item)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.decode(m)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.item) {
				t.Errorf("decoded\n%#v\nwant\n%#v", got, c.item)
			}
		})
	}
}

// Items that our writes never produce, but that attributevalue decodes without complaint.
func TestItemDecodeIsLenientLikeAttributeValue(t *testing.T) {
	null := &sdk.AttributeValueMemberNULL{Value: true}
	s := func(v string) sdk.AttributeValue { return &sdk.AttributeValueMemberS{Value: v} }
	tests := []struct {
		name string
		c    codecCase
		item map[string]sdk.AttributeValue
	}{
		{"nil item", codec("", customerItem{}), nil},
		{"missing attributes", codec("", customerItem{}), map[string]sdk.AttributeValue{"id": s("c1")}},
		{"unknown attributes", codec("", appItem{}), map[string]sdk.AttributeValue{
			"id": s("a1"), "ttl": &sdk.AttributeValueMemberN{Value: "1.5"}, "tags": &sdk.AttributeValueMemberSS{Value: []string{"x"}},
		}},
		{"NULL everywhere", codec("", appItem{}), map[string]sdk.AttributeValue{
			"pk": null, "name": &sdk.AttributeValueMemberNULL{}, "customer_count": null, "cursor_key": null, "version": null,
		}},
		{"NULL metadata and address", codec("", customerItem{}), map[string]sdk.AttributeValue{"metadata": null, "address": null}},
		{"NULL in metadata", codec("", customerItem{}), map[string]sdk.AttributeValue{
			"metadata": &sdk.AttributeValueMemberL{Value: []sdk.AttributeValue{null, &sdk.AttributeValueMemberM{
				Value: map[string]sdk.AttributeValue{"key": s("k"), "locked": &sdk.AttributeValueMemberBOOL{Value: false}, "value": null},
			}}},
		}},
		{"NULL in address", codec("", customerItem{}), map[string]sdk.AttributeValue{
			"address": &sdk.AttributeValueMemberM{Value: map[string]sdk.AttributeValue{"city": null, "line1": s("x")}},
		}},
		{"binary without value", codec("", appItem{}), map[string]sdk.AttributeValue{"cursor_key": &sdk.AttributeValueMemberB{}}},
		{"number as string", codec("", keyItem{}), map[string]sdk.AttributeValue{"hint": &sdk.AttributeValueMemberN{Value: "1234"}}},
		{"plus sign", codec("", customerItem{}), map[string]sdk.AttributeValue{"version": &sdk.AttributeValueMemberN{Value: "+7"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := tt.c.reference(tt.item)
			if err != nil {
				t.Fatalf("attributevalue: %v", err)
			}
			got, err := tt.c.decode(fromSDK(tt.item))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded\n%#v\nattributevalue decoded\n%#v", got, want)
			}
		})
	}
}

func TestItemDecodeErrors(t *testing.T) {
	s := &sdk.AttributeValueMemberS{Value: "1"}
	m := func(k string, v sdk.AttributeValue) *sdk.AttributeValueMemberM {
		return &sdk.AttributeValueMemberM{Value: map[string]sdk.AttributeValue{k: v}}
	}
	l := func(v ...sdk.AttributeValue) *sdk.AttributeValueMemberL { return &sdk.AttributeValueMemberL{Value: v} }
	tests := []struct {
		name string
		c    codecCase
		attr string
		av   sdk.AttributeValue
	}{
		{"version as S", codec("", customerItem{}), "version", s},
		{"version not an integer", codec("", appItem{}), "version", &sdk.AttributeValueMemberN{Value: "1.5"}},
		{"version out of range", codec("", appItem{}), "version", &sdk.AttributeValueMemberN{Value: "9223372036854775808"}},
		{"customer_count as SS", codec("", appItem{}), "customer_count", &sdk.AttributeValueMemberSS{Value: []string{"1"}}},
		{"id as BOOL", codec("", keyItem{}), "id", &sdk.AttributeValueMemberBOOL{Value: true}},
		{"pk as M", codec("", guardItem{}), "pk", m("x", s)},
		{"status as L", codec("", licenseItem{}), "status", l(s)},
		{"cursor_key as S", codec("", appItem{}), "cursor_key", s},
		{"metadata as M", codec("", customerItem{}), "metadata", m("key", s)},
		{"metadata entry as S", codec("", customerItem{}), "metadata", l(m("key", s), s)},
		{"metadata locked as S", codec("", customerItem{}), "metadata", l(m("locked", &sdk.AttributeValueMemberS{Value: "true"}))},
		{"metadata value as L", codec("", customerItem{}), "metadata", l(m("value", l()))},
		{"address as L", codec("", customerItem{}), "address", l()},
		{"address city as BOOL", codec("", customerItem{}), "address", m("city", &sdk.AttributeValueMemberBOOL{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := map[string]sdk.AttributeValue{"pk": s, tt.attr: tt.av}
			if _, err := tt.c.reference(item); err == nil {
				t.Fatal("attributevalue decodes it: not an error case")
			}
			_, err := tt.c.decode(fromSDK(item))
			if err == nil {
				t.Fatal("decoded without error")
			}
			if !strings.HasPrefix(err.Error(), "store: test: decode item: ") || !strings.Contains(err.Error(), tt.attr) {
				t.Errorf("error %q does not name the operation and attribute", err)
			}
		})
	}
}

func TestMarshalRejectsOtherTypes(t *testing.T) {
	if _, err := marshal("test", customer.Customer{}); err == nil {
		t.Error("marshal of a customer.Customer: no error")
	}
}

func BenchmarkCustomerItemCodec(b *testing.B) {
	it := fullCustomer()
	b.ReportAllocs()
	for b.Loop() {
		m, err := marshal("bench", it)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := unmarshal[customerItem]("bench", m); err != nil {
			b.Fatal(err)
		}
	}
}

func union[V any](a, b map[string]V) map[string]V {
	u := maps.Clone(a)
	if u == nil {
		u = map[string]V{}
	}
	maps.Copy(u, b)
	return u
}

// toSDK and fromSDK copy attribute values between the store's types and the SDK's, keeping
// nil apart from empty.

func toSDK(m map[string]dynamo.AttributeValue) map[string]sdk.AttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]sdk.AttributeValue, len(m))
	for k, v := range m {
		out[k] = toSDKValue(v)
	}
	return out
}

func toSDKValue(av dynamo.AttributeValue) sdk.AttributeValue {
	switch v := av.(type) {
	case *dynamo.AttributeValueMemberS:
		return &sdk.AttributeValueMemberS{Value: v.Value}
	case *dynamo.AttributeValueMemberN:
		return &sdk.AttributeValueMemberN{Value: v.Value}
	case *dynamo.AttributeValueMemberB:
		return &sdk.AttributeValueMemberB{Value: v.Value}
	case *dynamo.AttributeValueMemberBOOL:
		return &sdk.AttributeValueMemberBOOL{Value: v.Value}
	case *dynamo.AttributeValueMemberNULL:
		return &sdk.AttributeValueMemberNULL{Value: v.Value}
	case *dynamo.AttributeValueMemberM:
		return &sdk.AttributeValueMemberM{Value: toSDK(v.Value)}
	case *dynamo.AttributeValueMemberL:
		var l []sdk.AttributeValue
		if v.Value != nil {
			l = make([]sdk.AttributeValue, len(v.Value))
		}
		for i, e := range v.Value {
			l[i] = toSDKValue(e)
		}
		return &sdk.AttributeValueMemberL{Value: l}
	case *dynamo.AttributeValueMemberSS:
		return &sdk.AttributeValueMemberSS{Value: v.Value}
	case nil:
		return nil
	}
	panic(fmt.Sprintf("toSDK: %T", av))
}

func fromSDK(m map[string]sdk.AttributeValue) map[string]dynamo.AttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]dynamo.AttributeValue, len(m))
	for k, v := range m {
		out[k] = fromSDKValue(v)
	}
	return out
}

func fromSDKValue(av sdk.AttributeValue) dynamo.AttributeValue {
	switch v := av.(type) {
	case *sdk.AttributeValueMemberS:
		return &dynamo.AttributeValueMemberS{Value: v.Value}
	case *sdk.AttributeValueMemberN:
		return &dynamo.AttributeValueMemberN{Value: v.Value}
	case *sdk.AttributeValueMemberB:
		return &dynamo.AttributeValueMemberB{Value: v.Value}
	case *sdk.AttributeValueMemberBOOL:
		return &dynamo.AttributeValueMemberBOOL{Value: v.Value}
	case *sdk.AttributeValueMemberNULL:
		return &dynamo.AttributeValueMemberNULL{Value: v.Value}
	case *sdk.AttributeValueMemberM:
		return &dynamo.AttributeValueMemberM{Value: fromSDK(v.Value)}
	case *sdk.AttributeValueMemberL:
		var l []dynamo.AttributeValue
		if v.Value != nil {
			l = make([]dynamo.AttributeValue, len(v.Value))
		}
		for i, e := range v.Value {
			l[i] = fromSDKValue(e)
		}
		return &dynamo.AttributeValueMemberL{Value: l}
	case *sdk.AttributeValueMemberSS:
		return &dynamo.AttributeValueMemberSS{Value: v.Value}
	case nil:
		return nil
	}
	panic(fmt.Sprintf("fromSDK: %T", av))
}

// show prints an attribute value as DynamoDB's JSON does, with nil apart from empty.
func show(av sdk.AttributeValue) string {
	switch v := av.(type) {
	case nil:
		return "(absent)"
	case *sdk.AttributeValueMemberS:
		return fmt.Sprintf("{S: %q}", v.Value)
	case *sdk.AttributeValueMemberN:
		return fmt.Sprintf("{N: %q}", v.Value)
	case *sdk.AttributeValueMemberB:
		return fmt.Sprintf("{B: %#v}", v.Value)
	case *sdk.AttributeValueMemberBOOL:
		return fmt.Sprintf("{BOOL: %t}", v.Value)
	case *sdk.AttributeValueMemberNULL:
		return fmt.Sprintf("{NULL: %t}", v.Value)
	case *sdk.AttributeValueMemberM:
		var b strings.Builder
		fmt.Fprintf(&b, "{M (nil %t): {", v.Value == nil)
		for _, k := range slices.Sorted(maps.Keys(v.Value)) {
			fmt.Fprintf(&b, "%q: %s, ", k, show(v.Value[k]))
		}
		return b.String() + "}}"
	case *sdk.AttributeValueMemberL:
		var b strings.Builder
		fmt.Fprintf(&b, "{L (nil %t): [", v.Value == nil)
		for _, e := range v.Value {
			b.WriteString(show(e) + ", ")
		}
		return b.String() + "]}"
	}
	return fmt.Sprintf("%#v", av)
}
