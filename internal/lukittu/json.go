package lukittu

import (
	"strconv"

	"github.com/clientele/clientele/internal/web"
)

// The answers are written without encoding/json's reflection, which builds a codec for each
// struct type on its first use, in a function's first invocation. Each AppendJSON writes
// byte for byte what json.Marshal writes of the value by its struct tags (the tests hold
// them to that), HTML-safe as json.Marshal escapes.

// AppendJSON appends the envelope's JSON to b.
func (e envelope) AppendJSON(b []byte) []byte {
	b = append(b, `{"data":`...)
	b = web.AppendAny(b, e.Data)
	b = append(b, `,"result":`...)
	b = e.Result.AppendJSON(b)
	return append(b, '}')
}

// AppendJSON appends the result's JSON to b.
func (r result) AppendJSON(b []byte) []byte {
	b = append(b, `{"timestamp":`...)
	b = web.AppendString(b, r.Timestamp)
	b = append(b, `,"valid":`...)
	b = strconv.AppendBool(b, r.Valid)
	b = append(b, `,"details":`...)
	b = web.AppendString(b, r.Details)
	if r.Code != "" {
		b = append(b, `,"code":`...)
		b = web.AppendString(b, r.Code)
	}
	return append(b, '}')
}

// AppendJSON appends the customer's JSON to b.
func (c customerJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = web.AppendString(b, c.ID)
	b = append(b, `,"email":`...)
	b = web.AppendOptString(b, c.Email)
	b = append(b, `,"fullName":`...)
	b = web.AppendOptString(b, c.FullName)
	b = append(b, `,"username":`...)
	b = web.AppendOptString(b, c.Username)
	b = append(b, `,"metadata":`...)
	b = web.AppendAll(b, c.Metadata)
	if c.Address != nil {
		b = append(b, `,"address":`...)
		b = c.Address.AppendJSON(b)
	}
	if c.DiscordAccount != nil {
		b = append(b, `,"discordAccount":{}`...)
	}
	b = append(b, `,"teamId":`...)
	b = web.AppendString(b, c.TeamID)
	b = append(b, `,"createdByUserId":`...)
	b = web.AppendString(b, c.CreatedByUserID)
	b = append(b, `,"createdAt":`...)
	b = web.AppendString(b, c.CreatedAt)
	b = append(b, `,"updatedAt":`...)
	b = web.AppendString(b, c.UpdatedAt)
	return append(b, '}')
}

// AppendJSON appends the metadata entry's JSON to b.
func (m metadataJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"key":`...)
	b = web.AppendString(b, m.Key)
	b = append(b, `,"value":`...)
	b = web.AppendString(b, m.Value)
	b = append(b, `,"locked":`...)
	b = strconv.AppendBool(b, m.Locked)
	return append(b, '}')
}

// AppendJSON appends the address's JSON to b, null for a nil address.
func (a *addressJSON) AppendJSON(b []byte) []byte {
	if a == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"street":`...)
	b = web.AppendOptString(b, a.Street)
	b = append(b, `,"line1":`...)
	b = web.AppendOptString(b, a.Line1)
	b = append(b, `,"line2":`...)
	b = web.AppendOptString(b, a.Line2)
	b = append(b, `,"city":`...)
	b = web.AppendOptString(b, a.City)
	b = append(b, `,"state":`...)
	b = web.AppendOptString(b, a.State)
	b = append(b, `,"country":`...)
	b = web.AppendOptString(b, a.Country)
	b = append(b, `,"postalCode":`...)
	b = web.AppendOptString(b, a.PostalCode)
	return append(b, '}')
}

// AppendJSON appends the page's JSON to b.
func (l listJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"customers":`...)
	b = web.AppendAll(b, l.Customers)
	b = append(b, `,"totalResults":`...)
	b = strconv.AppendInt(b, l.TotalResults, 10)
	b = append(b, `,"hasNextPage":`...)
	b = strconv.AppendBool(b, l.HasNextPage)
	return append(b, '}')
}

// AppendJSON appends the deletion's JSON to b.
func (d deletedJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"customerId":`...)
	b = web.AppendString(b, d.CustomerID)
	b = append(b, `,"deleted":`...)
	b = strconv.AppendBool(b, d.Deleted)
	return append(b, '}')
}
