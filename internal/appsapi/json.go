package appsapi

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/clientele/clientele/internal/jsontext"
	"github.com/clientele/clientele/internal/web"
)

// The answers are written without encoding/json's reflection, which builds a codec for each
// struct type on its first use, in a function's first invocation. Each AppendJSON writes
// byte for byte what json.Marshal writes of the value by its struct tags (the tests hold
// them to that), HTML-safe as json.Marshal escapes.

// AppendJSON appends the customer's JSON to b.
func (c Customer) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = web.AppendString(b, c.ID)
	b = append(b, `,"email":`...)
	b = web.AppendOptString(b, c.Email)
	b = append(b, `,"name":`...)
	b = web.AppendOptString(b, c.Name)
	b = append(b, `,"username":`...)
	b = web.AppendOptString(b, c.Username)
	b = append(b, `,"external_id":`...)
	b = web.AppendOptString(b, c.ExternalID)
	b = append(b, `,"metadata":`...)
	b = appendRaw(b, c.Metadata)
	b = append(b, `,"address":`...)
	b = c.Address.AppendJSON(b)
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
	b = append(b, `,"discord_id":`...)
	b = web.AppendOptString(b, c.DiscordID)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, c.Version, 10)
	b = append(b, `,"created_at":`...)
	b = web.AppendString(b, c.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = web.AppendString(b, c.UpdatedAt)
	return append(b, '}')
}

// AppendJSON appends the address's JSON to b, null for a nil address.
func (a *Address) AppendJSON(b []byte) []byte {
	if a == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"line1":`...)
	b = web.AppendOptString(b, a.Line1)
	b = append(b, `,"line2":`...)
	b = web.AppendOptString(b, a.Line2)
	b = append(b, `,"city":`...)
	b = web.AppendOptString(b, a.City)
	b = append(b, `,"state":`...)
	b = web.AppendOptString(b, a.State)
	b = append(b, `,"country":`...)
	b = web.AppendOptString(b, a.Country)
	b = append(b, `,"postal_code":`...)
	b = web.AppendOptString(b, a.PostalCode)
	return append(b, '}')
}

// AppendJSON appends the license's JSON to b.
func (l licenseJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = web.AppendString(b, l.ID)
	b = append(b, `,"customer_id":`...)
	b = web.AppendString(b, l.CustomerID)
	b = append(b, `,"status":`...)
	b = web.AppendString(b, l.Status)
	b = append(b, `,"expires_at":`...)
	b = web.AppendOptString(b, l.ExpiresAt)
	b = append(b, `,"created_at":`...)
	b = web.AppendString(b, l.CreatedAt)
	return append(b, '}')
}

// AppendJSON appends the app's JSON to b.
func (a appJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = web.AppendString(b, a.ID)
	b = append(b, `,"uuid":`...)
	b = web.AppendString(b, a.UUID)
	b = append(b, `,"slug":`...)
	b = web.AppendString(b, a.Slug)
	b = append(b, `,"name":`...)
	b = web.AppendString(b, a.Name)
	b = append(b, `,"description":`...)
	b = web.AppendOptString(b, a.Description)
	b = append(b, `,"status":`...)
	b = web.AppendString(b, a.Status)
	b = append(b, `,"customer_count":`...)
	b = strconv.AppendInt(b, a.CustomerCount, 10)
	b = append(b, `,"created_at":`...)
	b = web.AppendString(b, a.CreatedAt)
	return append(b, '}')
}

// AppendJSON appends the key's JSON to b.
func (k keyJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = web.AppendString(b, k.ID)
	b = append(b, `,"type":`...)
	b = web.AppendString(b, k.Type)
	if k.Key != nil {
		b = append(b, `,"key":`...)
		b = web.AppendString(b, *k.Key)
	}
	b = append(b, `,"hint":`...)
	b = web.AppendString(b, k.Hint)
	b = append(b, `,"created_at":`...)
	b = web.AppendString(b, k.CreatedAt)
	return append(b, '}')
}

// AppendJSON appends the answer's JSON to b.
func (d data) AppendJSON(b []byte) []byte {
	b = append(b, `{"data":`...)
	switch v := d.Data.(type) {
	case []licenseJSON:
		b = web.AppendAll(b, v)
	case []appJSON:
		b = web.AppendAll(b, v)
	case []keyJSON:
		b = web.AppendAll(b, v)
	case map[string]string:
		b = jsontext.AppendObject(b, v, true, web.AppendString)
	default:
		b = web.AppendAny(b, v)
	}
	return append(b, '}')
}

// AppendJSON appends the page's JSON to b.
func (l listJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"data":`...)
	b = web.AppendAll(b, l.Data)
	b = append(b, `,"meta":`...)
	b = l.Meta.AppendJSON(b)
	return append(b, '}')
}

// AppendJSON appends the page's metadata's JSON to b.
func (m listMeta) AppendJSON(b []byte) []byte {
	b = append(b, `{"total":`...)
	b = strconv.AppendInt(b, m.Total, 10)
	b = append(b, `,"page":`...)
	b = strconv.AppendInt(b, int64(m.Page), 10)
	b = append(b, `,"per_page":`...)
	b = strconv.AppendInt(b, int64(m.PerPage), 10)
	b = append(b, `,"next_cursor":`...)
	b = web.AppendOptString(b, m.NextCursor)
	return append(b, '}')
}

// AppendJSON appends the error's JSON to b.
func (e errorJSON) AppendJSON(b []byte) []byte {
	b = append(b, `{"error":`...)
	b = e.Error.AppendJSON(b)
	return append(b, '}')
}

// AppendJSON appends the problem's JSON to b.
func (p problem) AppendJSON(b []byte) []byte {
	b = append(b, `{"code":`...)
	b = web.AppendString(b, p.Code)
	b = append(b, `,"message":`...)
	b = web.AppendString(b, p.Message)
	if len(p.Details) > 0 {
		b = append(b, `,"details":`...)
		b = jsontext.AppendObject(b, p.Details, true, web.AppendStrings)
	}
	if p.ExistingID != "" {
		b = append(b, `,"existing_id":`...)
		b = web.AppendString(b, p.ExistingID)
	}
	return append(b, '}')
}

// appendRaw appends raw JSON as json.Marshal writes a json.RawMessage: compacted, with <, >,
// &, U+2028 and U+2029 escaped. Invalid JSON, on which json.Marshal fails, is written as null
// so that the answer stays JSON; a rendered customer never holds any (metadata is checked
// when it is written).
func appendRaw(b []byte, raw json.RawMessage) []byte {
	if raw == nil {
		return append(b, "null"...)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return append(b, "null"...)
	}
	buf := bytes.NewBuffer(b)
	json.HTMLEscape(buf, compact.Bytes())
	return buf.Bytes()
}
