package lago

import (
	"strconv"

	"github.com/clientele/clientele/internal/jsontext"
	"github.com/clientele/clientele/internal/web"
)

// The answers are written without encoding/json's reflection, which builds a codec for each
// struct type on its first use, in a function's first invocation. Each AppendJSON writes
// byte for byte what json.Marshal writes of the value by its struct tags (the tests hold
// them to that), HTML-safe as json.Marshal escapes.

// AppendJSON appends the error's JSON to b.
func (e errorJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, `,"error":`...)
	b = web.AppendString(b, e.Error)
	if e.Code != "" {
		b = append(b, `,"code":`...)
		b = web.AppendString(b, e.Code)
	}
	if len(e.ErrorDetails) > 0 {
		b = append(b, `,"error_details":`...)
		b = jsontext.AppendObject(b, e.ErrorDetails, true, web.AppendStrings)
	}
	return append(b, '}')
}

// AppendJSON appends the answer's JSON to b.
func (c customerBody) AppendJSON(b []byte) []byte {
	b = append(b, `{"customer":`...)
	b = c.Customer.AppendJSON(b)
	return append(b, '}')
}

// AppendJSON appends the customer's JSON to b.
func (c customerJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"lago_id":`...)
	b = web.AppendString(b, c.LagoID)
	b = append(b, `,"external_id":`...)
	b = web.AppendString(b, c.ExternalID)
	b = append(b, `,"customer_id":`...)
	b = web.AppendString(b, c.CustomerID)
	b = append(b, `,"name":`...)
	b = web.AppendOptString(b, c.Name)
	b = append(b, `,"email":`...)
	b = web.AppendOptString(b, c.Email)
	b = append(b, `,"address_line1":`...)
	b = web.AppendOptString(b, c.AddressLine1)
	b = append(b, `,"address_line2":`...)
	b = web.AppendOptString(b, c.AddressLine2)
	b = append(b, `,"city":`...)
	b = web.AppendOptString(b, c.City)
	b = append(b, `,"state":`...)
	b = web.AppendOptString(b, c.State)
	b = append(b, `,"zipcode":`...)
	b = web.AppendOptString(b, c.Zipcode)
	b = append(b, `,"country":`...)
	b = web.AppendOptString(b, c.Country)
	b = append(b, `,"legal_name":`...)
	b = web.AppendOptString(b, c.LegalName)
	b = append(b, `,"legal_number":`...)
	b = web.AppendOptString(b, c.LegalNumber)
	b = append(b, `,"logo_url":`...)
	b = web.AppendOptString(b, c.LogoURL)
	b = append(b, `,"phone":`...)
	b = web.AppendOptString(b, c.Phone)
	b = append(b, `,"url":`...)
	b = web.AppendOptString(b, c.URL)
	b = append(b, `,"metadata":`...)
	b = web.AppendAll(b, c.Metadata)
	b = append(b, `,"billing_configuration":{},"shipping_address":`...)
	b = c.ShippingAddress.AppendJSON(b)
	b = append(b, `,"created_at":`...)
	b = web.AppendString(b, c.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = web.AppendString(b, c.UpdatedAt)
	return append(b, '}')
}

// AppendJSON appends the shipping address's JSON to b.
func (a shippingAddress) AppendJSON(b []byte) []byte {
	b = append(b, `{"address_line1":`...)
	b = web.AppendOptString(b, a.AddressLine1)
	b = append(b, `,"address_line2":`...)
	b = web.AppendOptString(b, a.AddressLine2)
	b = append(b, `,"city":`...)
	b = web.AppendOptString(b, a.City)
	b = append(b, `,"state":`...)
	b = web.AppendOptString(b, a.State)
	b = append(b, `,"zipcode":`...)
	b = web.AppendOptString(b, a.Zipcode)
	b = append(b, `,"country":`...)
	b = web.AppendOptString(b, a.Country)
	return append(b, '}')
}

// AppendJSON appends the metadata entry's JSON to b.
func (m metadataJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"lago_id":`...)
	b = web.AppendString(b, m.LagoID)
	b = append(b, `,"key":`...)
	b = web.AppendString(b, m.Key)
	b = append(b, `,"value":`...)
	b = web.AppendString(b, m.Value)
	b = append(b, `,"display_in_invoice":`...)
	b = strconv.AppendBool(b, m.DisplayInInvoice)
	b = append(b, `,"created_at":`...)
	b = web.AppendString(b, m.CreatedAt)
	return append(b, '}')
}

// AppendJSON appends the page's JSON to b.
func (l listJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"customers":`...)
	b = web.AppendAll(b, l.Customers)
	b = append(b, `,"meta":`...)
	b = l.Meta.AppendJSON(b)
	return append(b, '}')
}

// AppendJSON appends the page's metadata's JSON to b.
func (m metaJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"current_page":`...)
	b = strconv.AppendInt(b, int64(m.CurrentPage), 10)
	b = append(b, `,"next_page":`...)
	b = appendOptInt(b, m.NextPage)
	b = append(b, `,"prev_page":`...)
	b = appendOptInt(b, m.PrevPage)
	b = append(b, `,"total_pages":`...)
	b = strconv.AppendInt(b, int64(m.TotalPages), 10)
	b = append(b, `,"total_count":`...)
	b = strconv.AppendInt(b, m.TotalCount, 10)
	return append(b, '}')
}

func appendOptInt(b []byte, n *int) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*n), 10)
}
