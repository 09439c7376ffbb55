package dynamo

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"github.com/clientele/clientele/internal/jsontext"
)

// The responses are read without encoding/json, for the reason the requests are written
// without it (see encode.go). A decoder reads a body, with a jsontext.Decoder, as
// json.Unmarshal read it into the structs that this package decoded with before:
//
//   - the same documents are valid JSON: the syntax is checked as strictly, nesting included;
//   - strings are unescaped alike, invalid UTF-8 and lone surrogate escapes becoming U+FFFD;
//   - a member's name selects the field of that name, else one equal to it under Unicode
//     case folding (bytes.EqualFold); members of no field are skipped;
//   - null leaves a string, boolean or number alone and makes a map, list or pointer nil;
//     a value of another type than the field's is an error;
//   - an attribute value is its first member present and not null, in the order S N B BOOL
//     NULL M L SS NS BS. One of none is an error, but only if it is taken into an item: not
//     inside a member that an earlier one outranks.
//
// Where an object gives a name twice, the last value counts here, where encoding/json merged
// a map, or the elements of a list, given twice; DynamoDB does not write such objects.

var errNoKnownType = errors.New("attribute value of no known type")

// decoder reads one JSON document.
type decoder struct {
	jsontext.Decoder
	bad error // the first attribute value of no known type taken into an item
}

func newDecoder(data []byte) *decoder {
	d := new(decoder)
	d.Reset(data)
	return d
}

// decode reads data whole with read, which reads one value. Errors name what was read.
func decode(data []byte, what string, read func(*decoder) error) error {
	d := newDecoder(data)
	err := d.run(read)
	if err == nil {
		err = d.bad
	}
	if err != nil {
		return fmt.Errorf("dynamo: %s: %w", what, err)
	}
	return nil
}

// run reads the document whole with read. It leaves d.bad to the caller: encoding/json
// decoded a whole body, reporting its errors of syntax and type, before it converted the
// attribute values.
func (d *decoder) run(read func(*decoder) error) error {
	if err := read(d); err != nil {
		return err
	}
	return d.End()
}

// stringInto reads a string into p; null leaves p alone.
func (d *decoder) stringInto(p *string) error {
	s, ok, err := d.optString()
	if ok {
		*p = s
	}
	return err
}

// boolInto reads a boolean into p; null leaves p alone.
func (d *decoder) boolInto(p *bool) error {
	v, ok, err := d.optBool()
	if ok {
		*p = v
	}
	return err
}

// int32Into reads an integer into p; null leaves p alone.
func (d *decoder) int32Into(p *int32) error {
	switch d.Kind() {
	case jsontext.Null:
		return d.Null()
	case jsontext.Number:
		n, err := d.Int(32)
		if err != nil {
			return err
		}
		*p = int32(n)
		return nil
	}
	return d.Mismatch("an integer")
}

// optString reads a string; ok is false for null.
func (d *decoder) optString() (s string, ok bool, err error) {
	switch d.Kind() {
	case jsontext.Null:
		return "", false, d.Null()
	case jsontext.String:
		s, err = d.String()
		return s, true, err
	}
	return "", false, d.Mismatch("a string")
}

// optBool reads a boolean; ok is false for null.
func (d *decoder) optBool() (v, ok bool, err error) {
	switch d.Kind() {
	case jsontext.Null:
		return false, false, d.Null()
	case jsontext.Bool:
		v, err = d.Bool()
		return v, true, err
	}
	return false, false, d.Mismatch("a boolean")
}

// binary reads a []byte as encoding/json decodes one: base64 (StdEncoding), or an array of
// numbers from 0 to 255; null is nil.
func (d *decoder) binary() ([]byte, error) {
	switch d.Kind() {
	case jsontext.Null:
		return nil, d.Null()
	case jsontext.String:
		s, err := d.StringBytes()
		if err != nil {
			return nil, err
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(b, s)
		if err != nil {
			return nil, fmt.Errorf("invalid base64: %w", err)
		}
		return b[:n], nil
	case jsontext.Array:
		b := []byte{}
		err := d.Array(func(int) error {
			switch d.Kind() {
			case jsontext.Null:
				b = append(b, 0)
				return d.Null()
			case jsontext.Number:
			default:
				return d.Mismatch("a byte (a number)")
			}
			num, err := d.Number()
			if err != nil {
				return err
			}
			n, err := strconv.ParseUint(string(num), 10, 8)
			if err != nil {
				return fmt.Errorf("number %s is no byte", num)
			}
			b = append(b, byte(n))
			return nil
		})
		return b, err
	}
	return nil, d.Mismatch("base64 (a string)")
}

// list reads an array, each element with read; null is nil. An element's error is wrapped
// with what the element is and its index: "item 2: ...".
func list[E any](d *decoder, want, what string, read func(i int) (E, error)) ([]E, error) {
	switch d.Kind() {
	case jsontext.Null:
		return nil, d.Null()
	case jsontext.Array:
	default:
		return nil, d.Mismatch(want)
	}
	s := []E{}
	err := d.Array(func(i int) error {
		e, err := read(i)
		if err != nil {
			return fmt.Errorf("%s %d: %w", what, i, err)
		}
		s = append(s, e)
		return nil
	})
	return s, err
}

// strings reads a list of strings; null is nil, a null element "".
func (d *decoder) strings() ([]string, error) {
	return list(d, "an array of strings", "element", func(int) (s string, err error) {
		err = d.stringInto(&s)
		return s, err
	})
}

// binaries reads a list of []byte; null is nil.
func (d *decoder) binaries() ([][]byte, error) {
	return list(d, "an array of base64 strings", "element", func(int) ([]byte, error) {
		return d.binary()
	})
}

// names reads a map of strings (ExpressionAttributeNames); null is nil, a null value "".
func (d *decoder) names() (map[string]string, error) {
	switch d.Kind() {
	case jsontext.Null:
		return nil, d.Null()
	case jsontext.Object:
	default:
		return nil, d.Mismatch("an object of strings")
	}
	m := map[string]string{}
	err := d.Object(func(name []byte) error {
		var s string
		if err := d.stringInto(&s); err != nil {
			return fmt.Errorf("%q: %w", name, err)
		}
		m[string(name)] = s
		return nil
	})
	return m, err
}

// members reads an object into a struct of the given fields (see jsontext.Decoder.Struct)
// with field, whose errors it wraps with the field's name; null leaves the struct alone.
func (d *decoder) members(want string, fields []string, field func(name string) error) error {
	switch d.Kind() {
	case jsontext.Null:
		return d.Null()
	case jsontext.Object:
		return d.Struct(fields, func(f string) error {
			if err := field(f); err != nil {
				return fmt.Errorf("%s: %w", f, err)
			}
			return nil
		})
	}
	return d.Mismatch(want)
}

// memberTypes are the members of an attribute value, in the order they outrank each other.
var memberTypes = []string{"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}

// attributeValue reads an attribute value. For one of no known type it returns a nil value
// and the error in bad: an error only if the value is taken into an item.
func (d *decoder) attributeValue() (v AttributeValue, bad, err error) {
	if d.Kind() == jsontext.Null {
		return nil, errNoKnownType, d.Null()
	}
	// The members present and not null, as the pointers, maps and slices of the struct
	// that encoding/json decoded into told them.
	var (
		s, n             string
		hasS, hasN       bool
		bin              []byte
		boolean, null    bool
		hasBOOL, hasNULL bool
		m                Item
		l                []AttributeValue
		mBad, lBad       error
		ss, ns           []string
		bs               [][]byte
	)
	err = d.members("an attribute value (an object)", memberTypes, func(f string) (err error) {
		switch f {
		case "S":
			s, hasS, err = d.optString()
		case "N":
			n, hasN, err = d.optString()
		case "B":
			bin, err = d.binary()
		case "BOOL":
			boolean, hasBOOL, err = d.optBool()
		case "NULL":
			null, hasNULL, err = d.optBool()
		case "M":
			m, mBad, err = d.attributes()
		case "L":
			l, lBad, err = d.list()
		case "SS":
			ss, err = d.strings()
		case "NS":
			ns, err = d.strings()
		case "BS":
			bs, err = d.binaries()
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	switch {
	case hasS:
		return &AttributeValueMemberS{Value: s}, nil, nil
	case hasN:
		return &AttributeValueMemberN{Value: n}, nil, nil
	case bin != nil:
		return &AttributeValueMemberB{Value: bin}, nil, nil
	case hasBOOL:
		return &AttributeValueMemberBOOL{Value: boolean}, nil, nil
	case hasNULL:
		return &AttributeValueMemberNULL{Value: null}, nil, nil
	case m != nil:
		if mBad != nil {
			return nil, mBad, nil
		}
		return &AttributeValueMemberM{Value: m}, nil, nil
	case l != nil:
		if lBad != nil {
			return nil, lBad, nil
		}
		return &AttributeValueMemberL{Value: l}, nil, nil
	case ss != nil:
		return &AttributeValueMemberSS{Value: ss}, nil, nil
	case ns != nil:
		return &AttributeValueMemberNS{Value: ns}, nil, nil
	case bs != nil:
		return &AttributeValueMemberBS{Value: bs}, nil, nil
	}
	return nil, errNoKnownType, nil
}

// attributes reads attribute values by name (an item, or an M); null is nil. bad is the
// first value of no known type.
func (d *decoder) attributes() (m Item, bad, err error) {
	switch d.Kind() {
	case jsontext.Null:
		return nil, nil, d.Null()
	case jsontext.Object:
	default:
		return nil, nil, d.Mismatch("attribute values by name (an object)")
	}
	m = Item{}
	err = d.Object(func(name []byte) error {
		v, vbad, err := d.attributeValue()
		if err != nil {
			return fmt.Errorf("attribute %q: %w", name, err)
		}
		if vbad != nil && bad == nil {
			bad = fmt.Errorf("attribute %q: %w", name, vbad)
		}
		m[string(name)] = v
		return nil
	})
	return m, bad, err
}

// list reads the elements of an L; null is nil. bad is the first of no known type.
func (d *decoder) list() (l []AttributeValue, bad, err error) {
	l, err = list(d, "a list of attribute values (an array)", "element", func(i int) (AttributeValue, error) {
		v, vbad, err := d.attributeValue()
		if vbad != nil && bad == nil {
			bad = fmt.Errorf("element %d: %w", i, vbad)
		}
		return v, err
	})
	return l, bad, err
}

// item reads an item, or a key; null is nil. An attribute value of no known type is
// recorded in d.bad.
func (d *decoder) item() (Item, error) {
	m, bad, err := d.attributes()
	if bad != nil && d.bad == nil {
		d.bad = bad
	}
	return m, err
}

// items reads a list of items; null is nil, a null element a nil item.
func (d *decoder) items() ([]Item, error) {
	return list(d, "a list of items (an array)", "item", func(int) (Item, error) {
		return d.item()
	})
}

// The responses and their parts. Those that had an UnmarshalJSON of their own, which set
// every field, are reset first; the others (WriteRequest, BatchWriteItemOutput) keep what
// their body does not set, as encoding/json left it.

func (o *GetItemOutput) read(d *decoder) error {
	*o = GetItemOutput{}
	return d.members("an object", []string{"Item"}, func(string) (err error) {
		o.Item, err = d.item()
		return err
	})
}

func (o *QueryOutput) read(d *decoder) error {
	*o = QueryOutput{}
	return d.members("an object", []string{"Items", "Count", "ScannedCount", "LastEvaluatedKey"}, func(f string) (err error) {
		switch f {
		case "Items":
			o.Items, err = d.items()
		case "Count":
			err = d.int32Into(&o.Count)
		case "ScannedCount":
			err = d.int32Into(&o.ScannedCount)
		case "LastEvaluatedKey":
			o.LastEvaluatedKey, err = d.item()
		}
		return err
	})
}

func (k *KeysAndAttributes) read(d *decoder) error {
	*k = KeysAndAttributes{}
	fields := []string{"Keys", "ConsistentRead", "ProjectionExpression", "ExpressionAttributeNames"}
	return d.members("keys and attributes (an object)", fields, func(f string) (err error) {
		switch f {
		case "Keys":
			k.Keys, err = d.items()
		case "ConsistentRead":
			err = d.boolInto(&k.ConsistentRead)
		case "ProjectionExpression":
			err = d.stringInto(&k.ProjectionExpression)
		case "ExpressionAttributeNames":
			k.ExpressionAttributeNames, err = d.names()
		}
		return err
	})
}

func (o *BatchGetItemOutput) read(d *decoder) error {
	*o = BatchGetItemOutput{Responses: map[string][]Item{}}
	return d.members("an object", []string{"Responses", "UnprocessedKeys"}, func(f string) (err error) {
		switch f {
		case "Responses":
			o.Responses = map[string][]Item{}
			_, err = d.tables(func(table string) (err error) {
				o.Responses[table], err = d.items()
				return err
			})
		case "UnprocessedKeys":
			keys := map[string]KeysAndAttributes{}
			var ok bool
			ok, err = d.tables(func(table string) error {
				var k KeysAndAttributes
				err := k.read(d)
				keys[table] = k
				return err
			})
			o.UnprocessedKeys = nil
			if ok {
				o.UnprocessedKeys = keys
			}
		}
		return err
	})
}

// tables reads an object by table name, calling table to read each value; for null it
// returns false.
func (d *decoder) tables(table func(name string) error) (bool, error) {
	switch d.Kind() {
	case jsontext.Null:
		return false, d.Null()
	case jsontext.Object:
		return true, d.Object(func(name []byte) error {
			if err := table(string(name)); err != nil {
				return fmt.Errorf("table %q: %w", name, err)
			}
			return nil
		})
	}
	return false, d.Mismatch("values by table name (an object)")
}

func (r *PutRequest) read(d *decoder) error {
	*r = PutRequest{}
	return d.members("a put request (an object)", []string{"Item"}, func(string) (err error) {
		r.Item, err = d.item()
		return err
	})
}

func (r *DeleteRequest) read(d *decoder) error {
	*r = DeleteRequest{}
	return d.members("a delete request (an object)", []string{"Key"}, func(string) (err error) {
		r.Key, err = d.item()
		return err
	})
}

func (w *WriteRequest) read(d *decoder) error {
	return d.members("a write request (an object)", []string{"PutRequest", "DeleteRequest"}, func(f string) error {
		switch f {
		case "PutRequest":
			return pointer(d, &w.PutRequest, (*PutRequest).read)
		case "DeleteRequest":
			return pointer(d, &w.DeleteRequest, (*DeleteRequest).read)
		}
		return nil
	})
}

// pointer reads null into *p as nil, or else a new value with read.
func pointer[T any](d *decoder, p **T, read func(*T, *decoder) error) error {
	*p = nil
	if d.Kind() == jsontext.Null {
		return d.Null()
	}
	*p = new(T)
	return read(*p, d)
}

func (o *BatchWriteItemOutput) read(d *decoder) error {
	return d.members("an object", []string{"UnprocessedItems"}, func(string) error {
		items := map[string][]WriteRequest{}
		ok, err := d.tables(func(table string) error {
			reqs, err := d.writeRequests()
			items[table] = reqs
			return err
		})
		if err != nil {
			return err
		}
		o.UnprocessedItems = nil
		if ok {
			o.UnprocessedItems = items
		}
		return nil
	})
}

// writeRequests reads a list of write requests; null is nil.
func (d *decoder) writeRequests() ([]WriteRequest, error) {
	return list(d, "a list of write requests (an array)", "request", func(int) (r WriteRequest, err error) {
		err = r.read(d)
		return r, err
	})
}

func (*TransactWriteItemsOutput) read(d *decoder) error {
	return d.members("an object", nil, nil) // no field: every member is skipped
}

// cancellationReasons decodes the body of a TransactionCanceledException: its reasons, nil
// for none. err is an error of syntax or type, bad an item's attribute value of no known type.
func cancellationReasons(body []byte) (reasons []CancellationReason, bad, err error) {
	d := newDecoder(body)
	if err := d.run(func(d *decoder) error { return d.cancellationReasons(&reasons) }); err != nil {
		return nil, nil, err
	}
	if d.bad != nil {
		return nil, d.bad, nil
	}
	if len(reasons) == 0 {
		return nil, nil, nil
	}
	return reasons, nil, nil
}

func (d *decoder) cancellationReasons(reasons *[]CancellationReason) error {
	return d.members("an object", []string{"CancellationReasons"}, func(string) (err error) {
		*reasons, err = list(d, "an array", "reason", func(int) (r CancellationReason, err error) {
			err = r.read(d)
			return r, err
		})
		return err
	})
}

func (r *CancellationReason) read(d *decoder) error {
	return d.members("a cancellation reason (an object)", []string{"Code", "Message", "Item"}, func(f string) (err error) {
		switch f {
		case "Code":
			err = d.stringInto(&r.Code)
		case "Message":
			err = d.stringInto(&r.Message)
		case "Item":
			r.Item, err = d.item()
		}
		return err
	})
}
