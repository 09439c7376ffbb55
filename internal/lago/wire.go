package lago

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/wire"
)

// Lago's limits on customer metadata.
const (
	maxMetadata      = 5
	maxMetadataKey   = 20
	maxMetadataValue = 100
)

// Lago's error codes used here.
const (
	codeMandatory     = "value_is_mandatory"
	codeInvalid       = "value_is_invalid"
	codeTooLong       = "value_is_too_long"
	codeCountry       = "not_a_valid_country_code"
	codeEmail         = "invalid_email_format"
	codeAlreadyExist  = "value_already_exist"
	codeInvalidCount  = "invalid_count"
	codeInvalidValue  = "invalid_value"
	codeOutOfRange    = "value_is_out_of_range"
	codeTimezone      = "invalid_timezone"
	codeValidation    = "validation_errors"
	codeNotFound      = "customer_not_found"
	codeNoBilling     = "billing_entity_not_found"
	codeInternalError = "internal_error"
)

// customerJSON is a customer as Lago's serializer renders it (in its order of keys), with
// customer_id, the old name of external_id, that older clients read.
type customerJSON struct {
	LagoID                    string          `json:"lago_id"`
	BillingEntityCode         string          `json:"billing_entity_code"`
	ExternalID                string          `json:"external_id"`
	CustomerID                string          `json:"customer_id"`
	AccountType               string          `json:"account_type"`
	Name                      *string         `json:"name"`
	Firstname                 *string         `json:"firstname"`
	Lastname                  *string         `json:"lastname"`
	CustomerType              *string         `json:"customer_type"`
	SequentialID              int64           `json:"sequential_id"`
	Slug                      string          `json:"slug"`
	CreatedAt                 string          `json:"created_at"`
	UpdatedAt                 string          `json:"updated_at"`
	Country                   *string         `json:"country"`
	AddressLine1              *string         `json:"address_line1"`
	AddressLine2              *string         `json:"address_line2"`
	State                     *string         `json:"state"`
	Zipcode                   *string         `json:"zipcode"`
	Email                     *string         `json:"email"`
	City                      *string         `json:"city"`
	URL                       *string         `json:"url"`
	Phone                     *string         `json:"phone"`
	LogoURL                   *string         `json:"logo_url"`
	LegalName                 *string         `json:"legal_name"`
	LegalNumber               *string         `json:"legal_number"`
	Currency                  *string         `json:"currency"`
	TaxIdentificationNumber   *string         `json:"tax_identification_number"`
	Timezone                  *string         `json:"timezone"`
	ApplicableTimezone        string          `json:"applicable_timezone"`
	NetPaymentTerm            *int64          `json:"net_payment_term"`
	FinalizeZeroAmountInvoice string          `json:"finalize_zero_amount_invoice"`
	BillingConfiguration      map[string]any  `json:"billing_configuration"`
	ShippingAddress           shippingAddress `json:"shipping_address"`
	SkipInvoiceCustomSections bool            `json:"skip_invoice_custom_sections"`
	Metadata                  []metadataJSON  `json:"metadata"`
	Taxes                     []struct{}      `json:"taxes"`
	IntegrationCustomers      []struct{}      `json:"integration_customers"`
}

type shippingAddress struct {
	AddressLine1 *string `json:"address_line1"`
	AddressLine2 *string `json:"address_line2"`
	City         *string `json:"city"`
	State        *string `json:"state"`
	Zipcode      *string `json:"zipcode"`
	Country      *string `json:"country"`
}

type metadataJSON struct {
	LagoID           string `json:"lago_id"`
	Key              string `json:"key"`
	Value            string `json:"value"`
	DisplayInInvoice bool   `json:"display_in_invoice"`
	CreatedAt        string `json:"created_at"`
}

// Where Lago's own fields live in customer.Customer's Lago section: under their names, the
// shipping address and billing configuration flattened to one key per sub-field
// ("shipping_address.city"), so that a partial update reaches each sub-field as Lago's does.
const (
	fieldFirstname      = "firstname"
	fieldLastname       = "lastname"
	fieldCustomerType   = "customer_type"
	fieldAccountType    = "account_type"
	fieldTaxID          = "tax_identification_number"
	fieldCurrency       = "currency"
	fieldTimezone       = "timezone"
	fieldNetPaymentTerm = "net_payment_term"
	fieldFinalizeZero   = "finalize_zero_amount_invoice"
	fieldSkipSections   = "skip_invoice_custom_sections"
	fieldTaxCodes       = "tax_codes"
	fieldSectionCodes   = "invoice_custom_section_codes"
	shippingPrefix      = "shipping_address."
	billingPrefix       = "billing_configuration."
)

// The values of Lago's enumerations, the first one its default where it has one.
var (
	customerTypes    = []string{"company", "individual"}
	accountTypes     = []string{"customer", "partner"}
	finalizeZero     = []string{"inherit", "skip", "finalize"}
	paymentProviders = []string{"stripe", "gocardless", "cashfree", "adyen", "flutterwave", "moneyhash"}
	shippingFields   = []string{"address_line1", "address_line2", "city", "state", "zipcode", "country"}
	billingFields    = []string{
		"invoice_grace_period", "subscription_invoice_issuing_date_anchor", "subscription_invoice_issuing_date_adjustment",
		"payment_provider", "payment_provider_code", "provider_customer_id", "sync", "sync_with_provider",
		"document_locale", "provider_payment_methods",
	}
	billingAlways = []string{
		"invoice_grace_period", "payment_provider", "payment_provider_code", "document_locale",
		"subscription_invoice_issuing_date_anchor", "subscription_invoice_issuing_date_adjustment",
	}
	billingOfProvider = []string{"provider_customer_id", "provider_payment_methods"}
)

// section reads the customer's Lago section.
type section map[string]json.RawMessage

func (s section) str(name string) *string {
	var v string
	if json.Unmarshal(s[name], &v) != nil || v == "" {
		return nil
	}
	return &v
}

func (s section) value(name string) any {
	var v any
	if json.Unmarshal(s[name], &v) != nil {
		return nil
	}
	return v
}

// toCustomerJSON is a customer of the organization o as Lago renders it.
func toCustomerJSON(c customer.Customer, o org) customerJSON {
	sec := section(c.Lago)
	out := customerJSON{
		LagoID: c.ID, BillingEntityCode: o.billingEntity, ExternalID: c.ExternalID, CustomerID: c.ExternalID,
		AccountType: accountTypes[0], Name: wire.OptString(c.Name), Firstname: sec.str(fieldFirstname),
		Lastname: sec.str(fieldLastname), CustomerType: sec.str(fieldCustomerType),
		SequentialID: c.SequentialID, Slug: o.slug(c),
		CreatedAt: wire.Time(c.CreatedAt), UpdatedAt: wire.Time(c.UpdatedAt),
		Country: wire.OptString(c.Address.CountryCode()), AddressLine1: wire.OptString(c.Address.Line1),
		AddressLine2: wire.OptString(c.Address.Line2), State: wire.OptString(c.Address.State),
		Zipcode: wire.OptString(c.Address.PostalCode), Email: wire.OptString(c.Email), City: wire.OptString(c.Address.City),
		URL: wire.OptString(c.URL), Phone: wire.OptString(c.Phone), LogoURL: wire.OptString(c.LogoURL),
		LegalName: wire.OptString(c.LegalName), LegalNumber: wire.OptString(c.LegalNumber),
		Currency: sec.str(fieldCurrency), TaxIdentificationNumber: sec.str(fieldTaxID),
		Timezone: sec.str(fieldTimezone), ApplicableTimezone: "UTC",
		FinalizeZeroAmountInvoice: finalizeZero[0],
		BillingConfiguration:      map[string]any{},
		ShippingAddress: shippingAddress{
			AddressLine1: sec.str(shippingPrefix + "address_line1"), AddressLine2: sec.str(shippingPrefix + "address_line2"),
			City: sec.str(shippingPrefix + "city"), State: sec.str(shippingPrefix + "state"),
			Zipcode: sec.str(shippingPrefix + "zipcode"), Country: sec.str(shippingPrefix + "country"),
		},
		Metadata: make([]metadataJSON, len(c.Metadata)), Taxes: []struct{}{}, IntegrationCustomers: []struct{}{},
	}
	if v := sec.str(fieldAccountType); v != nil {
		out.AccountType = *v
	}
	if out.Timezone != nil {
		out.ApplicableTimezone = *out.Timezone
	}
	if v := sec.str(fieldFinalizeZero); v != nil {
		out.FinalizeZeroAmountInvoice = *v
	}
	var n int64
	if json.Unmarshal(sec[fieldNetPaymentTerm], &n) == nil {
		out.NetPaymentTerm = &n
	}
	_ = json.Unmarshal(sec[fieldSkipSections], &out.SkipInvoiceCustomSections)
	for _, f := range billingAlways {
		out.BillingConfiguration[f] = sec.value(billingPrefix + f)
	}
	if sec.str(billingPrefix+"payment_provider") != nil {
		for _, f := range billingOfProvider {
			out.BillingConfiguration[f] = sec.value(billingPrefix + f)
		}
	}
	for i, m := range c.Metadata {
		out.Metadata[i] = metadataJSON{
			LagoID: m.EntryID(c.ID), Key: m.Key, Value: m.Text(),
			DisplayInInvoice: m.DisplayInInvoice, CreatedAt: wire.Time(c.CreatedAt),
		}
	}
	return out
}

// input reads Lago's customer object: every key present changes its field, an explicit
// null clears it; keys Clientele does not keep are accepted and ignored, as Lago's own
// parameter filtering does.
type input struct {
	fields  map[string]json.RawMessage
	details map[string][]string
	lago    map[string]json.RawMessage // the patch of the Lago section
}

func (in *input) add(field, code string) {
	if in.details == nil {
		in.details = map[string][]string{}
	}
	if !slices.Contains(in.details[field], code) {
		in.details[field] = append(in.details[field], code)
	}
}

var null = json.RawMessage("null")

func (in *input) str(name string) customer.Opt[string] {
	raw, ok := in.fields[name]
	if !ok {
		return customer.Opt[string]{}
	}
	if wire.IsNull(raw) {
		return customer.Some("")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		in.add(name, codeInvalid)
		return customer.Opt[string]{}
	}
	return customer.Some(s)
}

// country reads country, an ISO 3166-1 alpha-2 code in any case, as Lago takes it.
func (in *input) country() customer.Opt[string] {
	o := in.str("country")
	if o.Value = strings.TrimSpace(o.Value); o.Value != "" && !customer.IsCountryCode(o.Value) {
		in.add("country", codeCountry)
	}
	return o
}

// ofBillingEntity reports whether billing_entity_code, if sent, names the app's one billing
// entity (code): Lago takes null or a blank code for the default entity, and answers 404 to
// a code none of the organization's has.
func (in *input) ofBillingEntity(code string) bool {
	raw, ok := in.fields["billing_entity_code"]
	if !ok || wire.IsNull(raw) {
		return true
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && (strings.TrimSpace(s) == "" || s == code)
}

// externalID reads external_id, or its old name customer_id.
func (in *input) externalID() string {
	o := in.str("external_id")
	if !o.Set {
		o = in.str("customer_id")
	}
	return o.Value
}

// set puts a value (or null, which clears it) into the section's patch.
func (in *input) set(key string, v any) {
	if in.lago == nil {
		in.lago = map[string]json.RawMessage{}
	}
	if v == nil {
		in.lago[key] = null
		return
	}
	b, _ := json.Marshal(v) // strings, numbers, bools and lists of strings
	in.lago[key] = b
}

// checker decides the value of one of Lago's own fields from its JSON, or its error code.
type checker func(raw json.RawMessage) (value any, code string)

// sectionField reads one of Lago's own fields from raw (present) into the section's patch
// under key, with check deciding its value or its error code; a JSON null (and, for the
// text fields, "") clears it.
func (in *input) sectionField(errField, key string, raw json.RawMessage, check checker) {
	if wire.IsNull(raw) {
		in.set(key, nil)
		return
	}
	v, code := check(raw)
	if code != "" {
		in.add(errField, code)
		return
	}
	if s, ok := v.(string); ok && s == "" {
		v = nil
	}
	in.set(key, v)
}

func text(max int) checker {
	return func(raw json.RawMessage) (any, string) {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, codeInvalid
		}
		if s = strings.TrimSpace(s); utf8.RuneCountInString(s) > max {
			return nil, codeTooLong
		}
		return s, ""
	}
}

func oneOf(values []string, code string) checker {
	return func(raw json.RawMessage) (any, string) {
		var s string
		if json.Unmarshal(raw, &s) != nil || !slices.Contains(values, s) {
			return nil, code
		}
		return s, ""
	}
}

// wholeNumber is a JSON integer of at least 0; a negative one is out of range.
func wholeNumber(raw json.RawMessage) (any, string) {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return nil, codeInvalid
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	switch {
	case err != nil:
		return nil, codeInvalid
	case i < 0:
		return nil, codeOutOfRange
	}
	return i, ""
}

func boolean(raw json.RawMessage) (any, string) {
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		return nil, codeInvalid
	}
	return b, ""
}

func stringList(raw json.RawMessage) (any, string) {
	var ss []string
	if json.Unmarshal(raw, &ss) != nil {
		return nil, codeInvalid
	}
	return ss, ""
}

// lagoCurrencies lists the 142 ISO 4217 codes Lago accepts (its Currencies::ACCEPTED_CURRENCIES).
const lagoCurrencies = "" +
	"AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BWP " +
	"BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ETB EUR FJD FKP GBP " +
	"GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IRR ISK JMD JOD JPY KES KGS " +
	"KHR KMF KRW KWD KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRO MUR MVR MWK " +
	"MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR " +
	"SBD SCR SEK SGD SHP SLL SOS SRD STD SZL THB TJS TOP TRY TTD TWD TZS UAH UGX USD UYU UZS " +
	"VND VUV WST XAF XCD XOF XPF YER ZAR ZMW"

// currencyCode is an ISO 4217 code, as Lago writes them (upper case).
func currencyCode(raw json.RawMessage) (any, string) {
	var s string
	if json.Unmarshal(raw, &s) != nil || !validCurrency(s) {
		return nil, codeInvalid
	}
	return s, ""
}

// validCurrency reports whether s is one of Lago's currencies, written as Lago does (upper case).
func validCurrency(s string) bool { return listed(lagoCurrencies, s) }

// listed reports whether s is one of the space-separated words of list.
func listed(list, s string) bool {
	return s != "" && !strings.ContainsRune(s, ' ') && strings.Contains(" "+list+" ", " "+s+" ")
}

// lagoTimezones lists the 134 IANA names Lago accepts besides "UTC": the values of Rails'
// ActiveSupport::TimeZone::MAPPING with Lago's fixes (Asia/Yangon, Europe/Kyiv,
// America/Nuuk, and no Rangoon).
const lagoTimezones = "" +
	"Africa/Algiers Africa/Cairo Africa/Casablanca Africa/Harare Africa/Johannesburg " +
	"Africa/Monrovia Africa/Nairobi America/Argentina/Buenos_Aires America/Bogota " +
	"America/Caracas America/Chicago America/Chihuahua America/Denver America/Guatemala " +
	"America/Guyana America/Halifax America/Indiana/Indianapolis America/Juneau " +
	"America/La_Paz America/Lima America/Los_Angeles America/Mazatlan America/Mexico_City " +
	"America/Monterrey America/Montevideo America/New_York America/Nuuk America/Phoenix " +
	"America/Puerto_Rico America/Regina America/Santiago America/Sao_Paulo America/St_Johns " +
	"America/Tijuana Asia/Almaty Asia/Baghdad Asia/Baku Asia/Bangkok Asia/Chongqing " +
	"Asia/Colombo Asia/Dhaka Asia/Hong_Kong Asia/Irkutsk Asia/Jakarta Asia/Jerusalem " +
	"Asia/Kabul Asia/Kamchatka Asia/Karachi Asia/Kathmandu Asia/Kolkata Asia/Krasnoyarsk " +
	"Asia/Kuala_Lumpur Asia/Kuwait Asia/Magadan Asia/Muscat Asia/Novosibirsk Asia/Riyadh " +
	"Asia/Seoul Asia/Shanghai Asia/Singapore Asia/Srednekolymsk Asia/Taipei Asia/Tashkent " +
	"Asia/Tbilisi Asia/Tehran Asia/Tokyo Asia/Ulaanbaatar Asia/Urumqi Asia/Vladivostok " +
	"Asia/Yakutsk Asia/Yangon Asia/Yekaterinburg Asia/Yerevan Atlantic/Azores " +
	"Atlantic/Cape_Verde Atlantic/South_Georgia Australia/Adelaide Australia/Brisbane " +
	"Australia/Darwin Australia/Hobart Australia/Melbourne Australia/Perth Australia/Sydney " +
	"Etc/UTC Europe/Amsterdam Europe/Athens Europe/Belgrade Europe/Berlin Europe/Bratislava " +
	"Europe/Brussels Europe/Bucharest Europe/Budapest Europe/Copenhagen Europe/Dublin " +
	"Europe/Helsinki Europe/Istanbul Europe/Kaliningrad Europe/Kyiv Europe/Lisbon " +
	"Europe/Ljubljana Europe/London Europe/Madrid Europe/Minsk Europe/Moscow Europe/Paris " +
	"Europe/Prague Europe/Riga Europe/Rome Europe/Samara Europe/Sarajevo Europe/Skopje " +
	"Europe/Sofia Europe/Stockholm Europe/Tallinn Europe/Vienna Europe/Vilnius " +
	"Europe/Volgograd Europe/Warsaw Europe/Zagreb Europe/Zurich Pacific/Apia Pacific/Auckland " +
	"Pacific/Chatham Pacific/Fakaofo Pacific/Fiji Pacific/Guadalcanal Pacific/Guam " +
	"Pacific/Honolulu Pacific/Majuro Pacific/Midway Pacific/Noumea Pacific/Pago_Pago " +
	"Pacific/Port_Moresby Pacific/Tongatapu"

// timezoneName is "UTC" or one of Lago's time zones.
func timezoneName(raw json.RawMessage) (any, string) {
	var s string
	if json.Unmarshal(raw, &s) != nil || (s != "UTC" && !listed(lagoTimezones, s)) {
		return nil, codeTimezone
	}
	return s, ""
}

func (in *input) object(name string) (map[string]json.RawMessage, bool) {
	raw, ok := in.fields[name]
	if !ok || wire.IsNull(raw) {
		return nil, ok
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		in.add(name, codeInvalid)
		return nil, false
	}
	return m, true
}

// sectionPatch reads Lago's own fields into the patch of the customer's Lago section.
func (in *input) sectionPatch() {
	fields := []struct {
		name  string
		check checker
	}{
		{fieldFirstname, text(255)}, {fieldLastname, text(255)}, {fieldTaxID, text(255)},
		{fieldCustomerType, oneOf(customerTypes, codeInvalid)}, {fieldAccountType, oneOf(accountTypes, codeInvalid)},
		{fieldCurrency, currencyCode}, {fieldTimezone, timezoneName}, {fieldNetPaymentTerm, wholeNumber},
		{fieldFinalizeZero, oneOf(finalizeZero, codeInvalidValue)}, {fieldSkipSections, boolean},
		{fieldTaxCodes, stringList}, {fieldSectionCodes, stringList},
	}
	for _, f := range fields {
		if raw, ok := in.fields[f.name]; ok {
			in.sectionField(f.name, f.name, raw, f.check)
		}
	}
	in.shippingPatch()
	in.billingPatch()
	if raw, ok := in.fields["integration_customers"]; ok && !wire.IsNull(raw) {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			in.add("integration_customers", codeInvalid)
		}
	}
}

// shippingPatch reads shipping_address into the section's patch, one key per sub-field.
func (in *input) shippingPatch() {
	if m, ok := in.object("shipping_address"); ok {
		for _, f := range shippingFields {
			raw, sent := m[f]
			switch {
			case m == nil: // null: the whole address goes
				in.set(shippingPrefix+f, nil)
			case !sent:
			case f == "country":
				in.sectionField("shipping_country", shippingPrefix+f, raw, countryCode)
			default:
				in.sectionField("shipping_address", shippingPrefix+f, raw, text(255))
			}
		}
	}
}

// billingPatch reads billing_configuration into the section's patch, one key per sub-field.
func (in *input) billingPatch() {
	if m, ok := in.object("billing_configuration"); ok {
		for _, f := range billingFields {
			raw, sent := m[f]
			if m == nil {
				in.set(billingPrefix+f, nil)
				continue
			}
			if !sent {
				continue
			}
			check := text(255)
			switch f {
			case "invoice_grace_period":
				check = wholeNumber
			case "payment_provider":
				check = oneOf(paymentProviders, codeInvalid)
			case "sync", "sync_with_provider":
				check = boolean
			case "provider_payment_methods":
				check = stringList
			}
			in.sectionField("billing_configuration", billingPrefix+f, raw, check)
		}
	}
}

// countryCode is an ISO 3166-1 alpha-2 code, in any case, or "".
func countryCode(raw json.RawMessage) (any, string) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, codeInvalid
	}
	if s = strings.ToUpper(strings.TrimSpace(s)); s != "" && !customer.IsCountryCode(s) {
		return nil, codeCountry
	}
	return s, ""
}

// metadata reads Lago's metadata list: it replaces the stored one, an entry with the id
// of a stored one updating that one (see customer.Patch.MetadataByID). null leaves the
// metadata as it is, as Lago does.
func (in *input) metadata() customer.Opt[[]customer.Metadata] {
	raw, ok := in.fields["metadata"]
	if !ok || wire.IsNull(raw) {
		return customer.Opt[[]customer.Metadata]{}
	}
	var entries []struct {
		ID               *string         `json:"id"`
		Key              *string         `json:"key"`
		Value            json.RawMessage `json:"value"`
		DisplayInInvoice *bool           `json:"display_in_invoice"`
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		in.add("metadata", codeInvalid)
		return customer.Opt[[]customer.Metadata]{}
	}
	if len(entries) > maxMetadata {
		in.add("metadata", codeInvalidCount)
		return customer.Opt[[]customer.Metadata]{}
	}
	md := make([]customer.Metadata, 0, len(entries))
	keys := map[string]bool{}
	for _, e := range entries {
		var value string
		switch {
		case e.Key == nil || strings.TrimSpace(*e.Key) == "":
			in.add("key", codeMandatory)
			continue
		case utf8.RuneCountInString(*e.Key) > maxMetadataKey:
			in.add("key", codeTooLong)
			continue
		case keys[strings.TrimSpace(*e.Key)]:
			in.add("key", codeAlreadyExist)
			continue
		case len(e.Value) == 0 || wire.IsNull(e.Value):
			in.add("value", codeMandatory)
			continue
		case json.Unmarshal(e.Value, &value) != nil:
			in.add("value", codeInvalid)
			continue
		case utf8.RuneCountInString(value) > maxMetadataValue:
			in.add("value", codeTooLong)
			continue
		}
		keys[strings.TrimSpace(*e.Key)] = true
		v, _ := json.Marshal(value)
		m := customer.Metadata{Key: *e.Key, Value: v, DisplayInInvoice: e.DisplayInInvoice != nil && *e.DisplayInInvoice}
		if e.ID != nil {
			m.ID = *e.ID
		}
		md = append(md, m)
	}
	return customer.Some(md)
}

func (in *input) patch() customer.Patch {
	in.sectionPatch()
	return customer.Patch{
		Name: in.str("name"), Email: in.str("email"), LegalName: in.str("legal_name"),
		LegalNumber: in.str("legal_number"), LogoURL: in.str("logo_url"), Phone: in.str("phone"),
		URL: in.str("url"), Metadata: in.metadata(), MetadataByID: true, KeepLocked: true,
		Address: customer.AddressPatch{
			Line1: in.str("address_line1"), Line2: in.str("address_line2"), City: in.str("city"),
			State: in.str("state"), Country: in.country(), PostalCode: in.str("zipcode"),
		},
		Lago: in.lago,
	}
}

// lagoField names a canonical field as Lago does.
func lagoField(f string) string {
	switch f {
	case "address.line1":
		return "address_line1"
	case "address.line2":
		return "address_line2"
	case "address.postal_code":
		return "zipcode"
	case "address.city", "address.state", "address.country":
		return f[len("address."):]
	}
	return f
}

// lagoCode maps a canonical validation code to Lago's.
func lagoCode(code string) string {
	switch code {
	case customer.CodeInvalidEmail:
		return codeEmail
	case customer.CodeInvalidCountry:
		return codeCountry
	case customer.CodeTooLong:
		return codeTooLong
	case customer.CodeRequired:
		return codeMandatory
	case customer.CodeTooMany:
		return codeInvalidCount
	}
	return codeInvalid
}
