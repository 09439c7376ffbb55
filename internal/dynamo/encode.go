package dynamo

import (
	"encoding/base64"
	"strconv"

	"github.com/clientele/clientele/internal/jsontext"
)

// The requests are written without encoding/json: its reflection builds a codec for each
// struct type on first use, about 1.5 ms of CPU in the first invocation of a function. Each
// input's AppendJSON writes byte for byte what json.Marshal writes of it by its struct tags
// (the tests hold them to that): the same field order and omitempty rules, maps with their
// keys sorted, strings escaped as encoding/json escapes them (HTML-safe), []byte in base64
// and nil maps, slices and pointers as null.

// AppendJSON appends the request's JSON to b.
func (in *GetItemInput) AppendJSON(b []byte) []byte {
	if in == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendStringField(b, "TableName", in.TableName)
	b = appendItemField(b, "Key", in.Key)
	b = appendTrueField(b, "ConsistentRead", in.ConsistentRead)
	b = appendStringFieldOmitEmpty(b, "ProjectionExpression", in.ProjectionExpression)
	b = appendNamesFieldOmitEmpty(b, "ExpressionAttributeNames", in.ExpressionAttributeNames)
	return append(b, '}')
}

// AppendJSON appends the request's JSON to b.
func (in *QueryInput) AppendJSON(b []byte) []byte {
	if in == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendStringField(b, "TableName", in.TableName)
	b = appendStringFieldOmitEmpty(b, "IndexName", in.IndexName)
	b = appendStringFieldOmitEmpty(b, "KeyConditionExpression", in.KeyConditionExpression)
	b = appendStringFieldOmitEmpty(b, "FilterExpression", in.FilterExpression)
	b = appendStringFieldOmitEmpty(b, "ProjectionExpression", in.ProjectionExpression)
	b = appendNamesFieldOmitEmpty(b, "ExpressionAttributeNames", in.ExpressionAttributeNames)
	b = appendItemFieldOmitEmpty(b, "ExpressionAttributeValues", in.ExpressionAttributeValues)
	b = appendTrueField(b, "ConsistentRead", in.ConsistentRead)
	if in.ScanIndexForward != nil {
		b = appendName(b, "ScanIndexForward")
		b = strconv.AppendBool(b, *in.ScanIndexForward)
	}
	if in.Limit != 0 {
		b = appendName(b, "Limit")
		b = strconv.AppendInt(b, int64(in.Limit), 10)
	}
	b = appendItemFieldOmitEmpty(b, "ExclusiveStartKey", in.ExclusiveStartKey)
	b = appendStringFieldOmitEmpty(b, "Select", string(in.Select))
	return append(b, '}')
}

// AppendJSON appends the keys' JSON to b.
func (k *KeysAndAttributes) AppendJSON(b []byte) []byte {
	if k == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendName(b, "Keys")
	b = jsontext.AppendArray(b, k.Keys, appendItem)
	b = appendTrueField(b, "ConsistentRead", k.ConsistentRead)
	b = appendStringFieldOmitEmpty(b, "ProjectionExpression", k.ProjectionExpression)
	b = appendNamesFieldOmitEmpty(b, "ExpressionAttributeNames", k.ExpressionAttributeNames)
	return append(b, '}')
}

// AppendJSON appends the request's JSON to b.
func (in *BatchGetItemInput) AppendJSON(b []byte) []byte {
	if in == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendName(b, "RequestItems")
	b = jsontext.AppendObject(b, in.RequestItems, true, func(b []byte, k KeysAndAttributes) []byte {
		return k.AppendJSON(b)
	})
	return append(b, '}')
}

// AppendJSON appends the request's JSON to b.
func (r *WriteRequest) AppendJSON(b []byte) []byte {
	if r == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	if r.PutRequest != nil {
		b = appendName(b, "PutRequest")
		b = r.PutRequest.AppendJSON(b)
	}
	if r.DeleteRequest != nil {
		b = appendName(b, "DeleteRequest")
		b = r.DeleteRequest.AppendJSON(b)
	}
	return append(b, '}')
}

// AppendJSON appends the request's JSON to b.
func (r *PutRequest) AppendJSON(b []byte) []byte {
	if r == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendItemField(b, "Item", r.Item)
	return append(b, '}')
}

// AppendJSON appends the request's JSON to b.
func (r *DeleteRequest) AppendJSON(b []byte) []byte {
	if r == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendItemField(b, "Key", r.Key)
	return append(b, '}')
}

// AppendJSON appends the request's JSON to b.
func (in *BatchWriteItemInput) AppendJSON(b []byte) []byte {
	if in == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendName(b, "RequestItems")
	b = jsontext.AppendObject(b, in.RequestItems, true, func(b []byte, reqs []WriteRequest) []byte {
		return jsontext.AppendArray(b, reqs, func(b []byte, r WriteRequest) []byte { return r.AppendJSON(b) })
	})
	return append(b, '}')
}

// AppendJSON appends the write's JSON to b.
func (w *TransactWriteItem) AppendJSON(b []byte) []byte {
	if w == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	if w.Put != nil {
		b = appendName(b, "Put")
		b = w.Put.AppendJSON(b)
	}
	if w.Update != nil {
		b = appendName(b, "Update")
		b = w.Update.AppendJSON(b)
	}
	if w.Delete != nil {
		b = appendName(b, "Delete")
		b = w.Delete.AppendJSON(b)
	}
	if w.ConditionCheck != nil {
		b = appendName(b, "ConditionCheck")
		b = w.ConditionCheck.AppendJSON(b)
	}
	return append(b, '}')
}

// AppendJSON appends the write's JSON to b.
func (p *Put) AppendJSON(b []byte) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendStringField(b, "TableName", p.TableName)
	b = appendItemField(b, "Item", p.Item)
	b = appendStringFieldOmitEmpty(b, "ConditionExpression", p.ConditionExpression)
	b = appendNamesFieldOmitEmpty(b, "ExpressionAttributeNames", p.ExpressionAttributeNames)
	b = appendItemFieldOmitEmpty(b, "ExpressionAttributeValues", p.ExpressionAttributeValues)
	b = appendStringFieldOmitEmpty(b, "ReturnValuesOnConditionCheckFailure", string(p.ReturnValuesOnConditionCheckFailure))
	return append(b, '}')
}

// AppendJSON appends the write's JSON to b.
func (u *Update) AppendJSON(b []byte) []byte {
	if u == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendStringField(b, "TableName", u.TableName)
	b = appendItemField(b, "Key", u.Key)
	b = appendStringField(b, "UpdateExpression", u.UpdateExpression)
	b = appendStringFieldOmitEmpty(b, "ConditionExpression", u.ConditionExpression)
	b = appendNamesFieldOmitEmpty(b, "ExpressionAttributeNames", u.ExpressionAttributeNames)
	b = appendItemFieldOmitEmpty(b, "ExpressionAttributeValues", u.ExpressionAttributeValues)
	b = appendStringFieldOmitEmpty(b, "ReturnValuesOnConditionCheckFailure", string(u.ReturnValuesOnConditionCheckFailure))
	return append(b, '}')
}

// AppendJSON appends the write's JSON to b.
func (d *Delete) AppendJSON(b []byte) []byte {
	if d == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendStringField(b, "TableName", d.TableName)
	b = appendItemField(b, "Key", d.Key)
	b = appendStringFieldOmitEmpty(b, "ConditionExpression", d.ConditionExpression)
	b = appendNamesFieldOmitEmpty(b, "ExpressionAttributeNames", d.ExpressionAttributeNames)
	b = appendItemFieldOmitEmpty(b, "ExpressionAttributeValues", d.ExpressionAttributeValues)
	b = appendStringFieldOmitEmpty(b, "ReturnValuesOnConditionCheckFailure", string(d.ReturnValuesOnConditionCheckFailure))
	return append(b, '}')
}

// AppendJSON appends the check's JSON to b.
func (c *ConditionCheck) AppendJSON(b []byte) []byte {
	if c == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendStringField(b, "TableName", c.TableName)
	b = appendItemField(b, "Key", c.Key)
	b = appendStringField(b, "ConditionExpression", c.ConditionExpression)
	b = appendNamesFieldOmitEmpty(b, "ExpressionAttributeNames", c.ExpressionAttributeNames)
	b = appendItemFieldOmitEmpty(b, "ExpressionAttributeValues", c.ExpressionAttributeValues)
	b = appendStringFieldOmitEmpty(b, "ReturnValuesOnConditionCheckFailure", string(c.ReturnValuesOnConditionCheckFailure))
	return append(b, '}')
}

// AppendJSON appends the request's JSON to b.
func (in *TransactWriteItemsInput) AppendJSON(b []byte) []byte {
	if in == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	b = appendName(b, "TransactItems")
	b = jsontext.AppendArray(b, in.TransactItems, func(b []byte, w TransactWriteItem) []byte { return w.AppendJSON(b) })
	b = appendStringFieldOmitEmpty(b, "ClientRequestToken", in.ClientRequestToken)
	return append(b, '}')
}

// appendName appends an object member's name and colon, after a comma unless it is the
// object's first member: b ends with the '{' that opened the object or with a member's value,
// and no value ends with '{'.
func appendName(b []byte, name string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = appendString(b, name)
	return append(b, ':')
}

func appendStringField(b []byte, name, s string) []byte {
	return appendString(appendName(b, name), s)
}

func appendStringFieldOmitEmpty(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return appendStringField(b, name, s)
}

func appendTrueField(b []byte, name string, v bool) []byte {
	if !v {
		return b
	}
	return append(appendName(b, name), "true"...)
}

func appendItemField(b []byte, name string, item Item) []byte {
	return appendItem(appendName(b, name), item)
}

func appendItemFieldOmitEmpty(b []byte, name string, item Item) []byte {
	if len(item) == 0 {
		return b
	}
	return appendItemField(b, name, item)
}

func appendNamesFieldOmitEmpty(b []byte, name string, names map[string]string) []byte {
	if len(names) == 0 {
		return b
	}
	return jsontext.AppendObject(appendName(b, name), names, true, appendString)
}

// appendItem appends an item's attribute values by name, the names sorted; nil is null.
func appendItem(b []byte, item Item) []byte {
	return jsontext.AppendObject(b, item, true, appendValue)
}

// appendValue appends an attribute value in DynamoDB's wire form: {"S":"text"}, {"N":"12"},
// {"B":"base64"}... A nil value, or a nil pointer of a member type, is null, as encoding/json
// writes them. A member's nil slice or map is written empty ({"B":""}, {"L":[]}, {"M":{}}),
// but a nil element of a binary set is null.
func appendValue(b []byte, v AttributeValue) []byte {
	switch v := v.(type) {
	case *AttributeValueMemberS:
		if v != nil {
			b = appendString(append(b, `{"S":`...), v.Value)
			return append(b, '}')
		}
	case *AttributeValueMemberN:
		if v != nil {
			b = appendString(append(b, `{"N":`...), v.Value)
			return append(b, '}')
		}
	case *AttributeValueMemberB:
		if v != nil {
			b = append(b, `{"B":"`...)
			b = base64.StdEncoding.AppendEncode(b, v.Value)
			return append(b, `"}`...)
		}
	case *AttributeValueMemberBOOL:
		if v != nil {
			b = strconv.AppendBool(append(b, `{"BOOL":`...), v.Value)
			return append(b, '}')
		}
	case *AttributeValueMemberNULL:
		if v != nil {
			b = strconv.AppendBool(append(b, `{"NULL":`...), v.Value)
			return append(b, '}')
		}
	case *AttributeValueMemberM:
		if v != nil {
			if v.Value == nil {
				return append(b, `{"M":{}}`...)
			}
			b = appendItem(append(b, `{"M":`...), v.Value)
			return append(b, '}')
		}
	case *AttributeValueMemberL:
		if v != nil {
			b = appendArray(append(b, `{"L":`...), v.Value, appendValue)
			return append(b, '}')
		}
	case *AttributeValueMemberSS:
		if v != nil {
			b = appendArray(append(b, `{"SS":`...), v.Value, appendString)
			return append(b, '}')
		}
	case *AttributeValueMemberNS:
		if v != nil {
			b = appendArray(append(b, `{"NS":`...), v.Value, appendString)
			return append(b, '}')
		}
	case *AttributeValueMemberBS:
		if v != nil {
			b = appendArray(append(b, `{"BS":`...), v.Value, appendBase64)
			return append(b, '}')
		}
	}
	return append(b, "null"...)
}

// appendArray appends s as a JSON array of its elements, each appended by elem; nil is [],
// as the lists and sets of attribute values are written.
func appendArray[E any](b []byte, s []E, elem func([]byte, E) []byte) []byte {
	if s == nil {
		s = []E{}
	}
	return jsontext.AppendArray(b, s, elem)
}

// appendBase64 appends p as encoding/json writes a []byte: a base64 string, or null for nil.
func appendBase64(b, p []byte) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, p)
	return append(b, '"')
}

// appendString appends s as a JSON string, escaped as json.Marshal escapes it: with HTML
// escaping.
func appendString(b []byte, s string) []byte {
	return jsontext.AppendString(b, s, true)
}
