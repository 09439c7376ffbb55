package jsontext

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
)

// The methods and functions ending in Into decode the next value into a Go value as
// json.Unmarshal decodes into one of its type: null leaves a string, number, bool or struct
// as it is and sets a map, slice or pointer to nil; a value of the wrong kind is a
// *TypeError, returned after the value is read (unless it is malformed: encoding/json
// reports a syntax error first). Decoding twice into the same value, as a key given twice
// does, decodes into what is there: a map gets the new entries, a struct the new fields,
// and a slice's elements are decoded in place.

// StructInto decodes an object into a struct of Go type typ with the given fields, as
// Struct does; null leaves the struct as it is.
func (d *Decoder) StructInto(typ string, fields []string, field func(name string) error) error {
	switch d.Kind() {
	case Object:
		return d.Struct(fields, field)
	case Null:
		return d.Null()
	}
	return d.Reject(typ)
}

// StringInto decodes a string into *p.
func (d *Decoder) StringInto(p *string) error {
	switch d.Kind() {
	case String:
		s, err := d.String()
		if err != nil {
			return err
		}
		*p = s
		return nil
	case Null:
		return d.Null()
	}
	return d.Reject("string")
}

// BoolInto decodes true or false into *p.
func (d *Decoder) BoolInto(p *bool) error {
	switch d.Kind() {
	case Bool:
		v, err := d.Bool()
		*p = v
		return err
	case Null:
		return d.Null()
	}
	return d.Reject("bool")
}

// Int64Into decodes an integer into *p.
func (d *Decoder) Int64Into(p *int64) error {
	switch d.Kind() {
	case Number:
		n, err := d.Int(64)
		if err != nil {
			return err
		}
		*p = n
		return nil
	case Null:
		return d.Null()
	}
	return d.Reject("int64")
}

// Uint8Into decodes an integer from 0 to 255 into *p.
func (d *Decoder) Uint8Into(p *uint8) error {
	switch d.Kind() {
	case Number:
		text, err := d.Number()
		if err != nil {
			return err
		}
		n, err := strconv.ParseUint(string(text), 10, 8)
		if err != nil {
			return &TypeError{Found: Number, Number: string(text), Want: "uint8"}
		}
		*p = uint8(n)
		return nil
	case Null:
		return d.Null()
	}
	return d.Reject("uint8")
}

// BytesInto decodes into *p as encoding/json decodes into a []byte: a string as standard
// base64 (a fresh slice, empty for ""), an array as a slice of uint8.
func (d *Decoder) BytesInto(p *[]byte) error {
	switch d.Kind() {
	case String:
		s, err := d.StringBytes()
		if err != nil {
			return err
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(b, s)
		if err != nil {
			return fmt.Errorf("base64: %w", err)
		}
		*p = b[:n]
		return nil
	}
	return SliceInto(d, p, "[]uint8", d.Uint8Into)
}

// StringsInto decodes an array of strings into *p.
func (d *Decoder) StringsInto(p *[]string) error {
	return SliceInto(d, p, "[]string", d.StringInto)
}

// StringMapInto decodes an object of strings into *p.
func (d *Decoder) StringMapInto(p *map[string]string) error {
	return MapInto(d, p, "map[string]string", func() (s string, err error) {
		err = d.StringInto(&s)
		return s, err
	})
}

// ValueMapInto decodes an object of any values into *p, each as Value decodes it.
func (d *Decoder) ValueMapInto(p *map[string]any) error {
	return MapInto(d, p, "map[string]interface {}", d.Value)
}

// SliceInto decodes an array into *p, a slice of Go type typ, each element with elem, as
// encoding/json decodes into a slice: into its elements in place, growing it as needed,
// then cutting it to the array's length (an empty array gives an empty, non-nil slice).
func SliceInto[E any](d *Decoder, p *[]E, typ string, elem func(*E) error) error {
	switch d.Kind() {
	case Array:
		s := *p
		n := 0
		err := d.Array(func(i int) error {
			if i < cap(s) {
				s = s[:i+1]
			} else {
				var zero E
				s = append(s, zero)
			}
			n = i + 1
			return elem(&s[i])
		})
		if err != nil {
			return err
		}
		if n == 0 {
			s = []E{}
		}
		*p = s[:n]
		return nil
	case Null:
		*p = nil
		return d.Null()
	}
	return d.Reject(typ)
}

// MapInto decodes an object into *p, a map of Go type typ, adding to the map there is; each
// value is what value returns, which decodes into a zero value of V.
func MapInto[V any](d *Decoder, p *map[string]V, typ string, value func() (V, error)) error {
	switch d.Kind() {
	case Object:
		if *p == nil {
			*p = make(map[string]V)
		}
		m := *p
		return d.Object(func(key []byte) error {
			v, err := value()
			if err != nil {
				return err
			}
			m[string(key)] = v
			return nil
		})
	case Null:
		*p = nil
		return d.Null()
	}
	return d.Reject(typ)
}

// PointerInto decodes into **p with decode, allocating *p when it is nil; null sets *p to
// nil. Errors come with no usable value, so *p may be allocated for a value decode rejects.
func PointerInto[T any](d *Decoder, p **T, decode func(*T) error) error {
	switch d.Kind() {
	case Null:
		*p = nil
		return d.Null()
	}
	if *p == nil {
		*p = new(T)
	}
	return decode(*p)
}

// Reject reads past a value that does not fit Go type typ and returns the *TypeError that
// says so, or the *SyntaxError of a malformed value.
func (d *Decoder) Reject(typ string) error {
	err := d.Mismatch(typ)
	if serr := d.Skip(); serr != nil {
		return serr
	}
	return err
}

// DecodeError words an error of decoding data as encoding/json words it, a *TypeError
// naming where the value is by its Path, or by top for the top-level value: "cannot decode
// JSON number 1.5 into a.b of type int64". Other errors are returned as they are.
func DecodeError(data []byte, err error, top string) error {
	switch e := err.(type) {
	case *TypeError:
		value := e.Found.String()
		if e.Number != "" {
			value = "number " + e.Number
		}
		at := e.Path
		if at == "" {
			at = top
		}
		return fmt.Errorf("cannot decode JSON %s into %s of type %s", value, at, e.Want)
	case *SyntaxError:
		if e.Offset >= len(data) {
			return errors.New("unexpected end of JSON input")
		}
		return fmt.Errorf("invalid character %q %s at offset %d", data[e.Offset], e.Context, e.Offset)
	}
	return err
}
