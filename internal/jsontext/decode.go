// Package jsontext is JSON text read and written without reflection, with encoding/json's
// rules.
//
// encoding/json builds a codec for each Go type by reflection the first time it meets the
// type, which a Lambda function pays on its cold start. The packages that decode and encode
// their types by hand instead share what does not depend on the types: a Decoder that reads
// values as json.Unmarshal reads them (the same syntax, nesting limit, unescaping, choice of
// struct field and conversion of numbers), and AppendString, AppendArray and AppendObject,
// which write strings, slices and maps as encoding/json writes them.
package jsontext

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is encoding/json's limit on nesting: how many arrays and objects may be open at
// once.
const MaxDepth = 10000

// A Decoder reads a JSON text held in memory, a value at a time, and checks its syntax as
// json.Unmarshal does. Unlike json.Unmarshal, which checks the whole text before decoding
// any of it, it stops at the first error, of syntax or of type.
//
// The zero Decoder reads an empty text; Reset gives it one.
type Decoder struct {
	data  []byte
	off   int // the next byte to read
	depth int // arrays and objects open
}

// Reset makes d read data from its start.
func (d *Decoder) Reset(data []byte) {
	*d = Decoder{data: data}
}

// Kind is the kind of a JSON value, which its first byte tells.
type Kind byte

// The kinds of JSON values.
const (
	Invalid Kind = iota // no value: the end of the text, or a byte that begins none
	Null
	Bool
	Number
	String
	Object
	Array
)

// kinds is the kind of value that each byte begins.
var kinds = [256]Kind{
	'n': Null, 't': Bool, 'f': Bool, '"': String, '{': Object, '[': Array,
	'-': Number, '0': Number, '1': Number, '2': Number, '3': Number, '4': Number,
	'5': Number, '6': Number, '7': Number, '8': Number, '9': Number,
}

// String returns the name that encoding/json's UnmarshalTypeError gives values of kind k:
// null, bool, number, string, object or array.
func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "bool"
	case Number:
		return "number"
	case String:
		return "string"
	case Object:
		return "object"
	case Array:
		return "array"
	}
	return "invalid"
}

// Kind skips whitespace and returns the kind of the next value, without reading it.
func (d *Decoder) Kind() Kind {
	return kinds[d.peek()]
}

// peek skips whitespace and returns the next byte, 0 at the end of the text.
func (d *Decoder) peek() byte {
	for d.off < len(d.data) {
		c := d.data[d.off]
		if c > ' ' || c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
		d.off++
	}
	return 0
}

// End checks that nothing but whitespace follows the value read.
func (d *Decoder) End() error {
	if d.peek(); d.off < len(d.data) {
		return d.syntaxError("after top-level value")
	}
	return nil
}

// Null reads a null, which must be next.
func (d *Decoder) Null() error {
	d.peek()
	return d.literal("null")
}

// Bool reads true or false, one of which must be next.
func (d *Decoder) Bool() (bool, error) {
	if d.peek() == 't' {
		return true, d.literal("true")
	}
	return false, d.literal("false")
}

// literal reads word: true, false or null.
func (d *Decoder) literal(word string) error {
	for i := range len(word) {
		if d.off >= len(d.data) || d.data[d.off] != word[i] {
			return d.syntaxError("in literal " + word)
		}
		d.off++
	}
	return nil
}

// Number reads a number, which must be next, and returns its text: a part of the input.
func (d *Decoder) Number() ([]byte, error) {
	d.peek()
	start := d.off
	if d.at('-') {
		d.off++
	}
	switch {
	case d.at('0'):
		d.off++
	case d.digit():
		d.digits()
	default:
		return nil, d.syntaxError("in numeric literal")
	}
	if d.at('.') {
		d.off++
		if !d.digit() {
			return nil, d.syntaxError("after decimal point in numeric literal")
		}
		d.digits()
	}
	if d.at('e') || d.at('E') {
		d.off++
		if d.at('+') || d.at('-') {
			d.off++
		}
		if !d.digit() {
			return nil, d.syntaxError("in exponent of numeric literal")
		}
		d.digits()
	}
	return d.data[start:d.off], nil
}

func (d *Decoder) at(c byte) bool { return d.off < len(d.data) && d.data[d.off] == c }

func (d *Decoder) digit() bool {
	return d.off < len(d.data) && '0' <= d.data[d.off] && d.data[d.off] <= '9'
}

func (d *Decoder) digits() {
	for d.digit() {
		d.off++
	}
}

// Int reads a number, which must be next, as encoding/json decodes one into an integer of
// bitSize bits: a number with a fraction or an exponent, or out of range, is a *TypeError.
func (d *Decoder) Int(bitSize int) (int64, error) {
	text, err := d.Number()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(text), 10, bitSize)
	if err != nil {
		return 0, &TypeError{Found: Number, Number: string(text), Want: "int" + strconv.Itoa(bitSize)}
	}
	return n, nil
}

// Float reads a number, which must be next, as encoding/json decodes one into a float of
// bitSize bits: a number out of range is a *TypeError.
func (d *Decoder) Float(bitSize int) (float64, error) {
	text, err := d.Number()
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(text), bitSize)
	if err != nil {
		return 0, &TypeError{Found: Number, Number: string(text), Want: "float" + strconv.Itoa(bitSize)}
	}
	return f, nil
}

// String reads a string, which must be next, and returns it unescaped as encoding/json
// unescapes it: invalid UTF-8, and an escaped surrogate that is not half of a pair, become
// U+FFFD.
func (d *Decoder) String() (string, error) {
	s, err := d.StringBytes()
	return string(s), err
}

// StringBytes is String as bytes, which are a part of the input when the string has
// nothing to unescape.
func (d *Decoder) StringBytes() ([]byte, error) {
	if d.peek() != '"' {
		return nil, d.Mismatch("a string")
	}
	return d.stringBytes()
}

// stringBytes is StringBytes after its check that a string is next.
func (d *Decoder) stringBytes() ([]byte, error) {
	s, plain, err := d.scanString()
	if err != nil || plain {
		return s, err
	}
	return unquote(s), nil
}

// scanString reads a string (the next byte is '"') and returns its contents as they are
// written; plain says they need no unescaping: no escape, valid UTF-8.
func (d *Decoder) scanString() (s []byte, plain bool, err error) {
	start := d.off + 1
	plain, ascii := true, true
	for i := start; i < len(d.data); {
		switch c := d.data[i]; {
		case c == '"':
			s = d.data[start:i]
			d.off = i + 1
			if !ascii && plain {
				plain = utf8.Valid(s)
			}
			return s, plain, nil
		case c == '\\':
			plain = false
			i++
			if i < len(d.data) {
				switch d.data[i] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					i++
					continue
				case 'u':
					i++
					for range 4 {
						if i >= len(d.data) || !isHex(d.data[i]) {
							d.off = i
							return nil, false, d.syntaxError(`in \u hexadecimal character escape`)
						}
						i++
					}
					continue
				}
				d.off = i
				return nil, false, d.syntaxError("in string escape code")
			}
		case c < ' ':
			d.off = i
			return nil, false, d.syntaxError("in string literal")
		case c >= utf8.RuneSelf:
			ascii = false
			i++
		default:
			i++
		}
	}
	d.off = len(d.data)
	return nil, false, d.syntaxError("in string literal")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unquote unescapes the contents of a valid string as encoding/json's unquoteBytes does.
func unquote(s []byte) []byte {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch e := s[i+1]; e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					// A valid pair is one rune; anything else makes this escape U+FFFD and
					// leaves what follows to be read on its own.
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, hex4(s[i+2:])); dec != unicode.ReplacementChar {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
				continue
			default: // " \ /
				b = append(b, e)
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			b = utf8.AppendRune(b, r) // U+FFFD for an invalid byte
			i += size
		}
	}
	return b
}

// hex4 is the value of the four hexadecimal digits that s starts with, or -1.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// Object reads an object, which must be next, calling member for each of its members with
// the member's name, unescaped and valid only during the call, and the decoder at the
// member's value, which member must read. A *TypeError that member returns gets the name
// in front of its Path.
func (d *Decoder) Object(member func(name []byte) error) error {
	more, err := d.open('{', '}', "an object")
	if err != nil {
		return err
	}
	for more {
		if d.peek() != '"' {
			return d.syntaxError("looking for beginning of object key string")
		}
		name, err := d.stringBytes()
		if err != nil {
			return err
		}
		if d.peek() != ':' {
			return d.syntaxError("after object key")
		}
		d.off++
		if err := member(name); err != nil {
			if e, ok := err.(*TypeError); ok {
				e.Path = joinPath(string(name), e.Path)
			}
			return err
		}
		var ok bool
		if more, ok = d.next('}'); !ok {
			return d.syntaxError("after object key:value pair")
		}
	}
	return nil
}

// Struct reads an object, which must be next, as encoding/json reads one into a struct
// with the given fields. A member's name selects the field of that name, else the first
// equal to it under Unicode case folding; for each member that selects a field, Struct
// calls field with the field's name and the decoder at the member's value, which field
// must read. It skips the other members.
func (d *Decoder) Struct(fields []string, field func(name string) error) error {
	return d.Object(func(name []byte) error {
		if f := selectField(name, fields); f != "" {
			return field(f)
		}
		return d.Skip()
	})
}

// Array reads an array, which must be next, calling elem for each of its elements with the
// decoder at the element, which elem must read. A *TypeError that elem returns gets the
// index in front of its Path.
func (d *Decoder) Array(elem func(i int) error) error {
	more, err := d.open('[', ']', "an array")
	if err != nil {
		return err
	}
	for i := 0; more; i++ {
		if err := elem(i); err != nil {
			if e, ok := err.(*TypeError); ok {
				e.Path = joinPath("["+strconv.Itoa(i)+"]", e.Path)
			}
			return err
		}
		var ok bool
		if more, ok = d.next(']'); !ok {
			return d.syntaxError("after array element")
		}
	}
	return nil
}

// open reads the byte that opens an object or array, which must be next, and reports
// whether a member or element follows; if none does, it reads the closing byte too.
func (d *Decoder) open(open, close byte, want string) (more bool, err error) {
	if d.peek() != open {
		return false, d.Mismatch(want)
	}
	if d.depth++; d.depth > MaxDepth {
		return false, d.syntaxError("exceeding the maximum depth of nesting")
	}
	d.off++
	if d.peek() == close {
		d.off++
		d.depth--
		return false, nil
	}
	return true, nil
}

// next reads what follows a member or element: a comma, reporting that another follows,
// or the closing byte; ok is false for anything else, which it leaves.
func (d *Decoder) next(close byte) (more, ok bool) {
	switch d.peek() {
	case ',':
		d.off++
		return true, true
	case close:
		d.off++
		d.depth--
		return false, true
	}
	return false, false
}

func joinPath(step, path string) string {
	switch {
	case path == "":
		return step
	case path[0] == '[':
		return step + path
	}
	return step + "." + path
}

// Skip reads a value of any kind.
func (d *Decoder) Skip() error {
	switch d.Kind() {
	case Object:
		return d.Object(func([]byte) error { return d.Skip() })
	case Array:
		return d.Array(func(int) error { return d.Skip() })
	case String:
		_, _, err := d.scanString()
		return err
	case Number:
		_, err := d.Number()
		return err
	case Bool:
		_, err := d.Bool()
		return err
	case Null:
		return d.Null()
	}
	return d.syntaxError("looking for beginning of value")
}

// Value reads a value of any kind as encoding/json decodes one into an interface{}: an
// object as a map[string]any, an array as a []any, a number as a float64 (one out of its
// range is a *TypeError), a string, a bool, or null as nil.
func (d *Decoder) Value() (any, error) {
	switch d.Kind() {
	case Object:
		m := make(map[string]any)
		err := d.Object(func(name []byte) error {
			v, err := d.Value()
			m[string(name)] = v
			return err
		})
		return m, err
	case Array:
		a := make([]any, 0)
		err := d.Array(func(int) error {
			v, err := d.Value()
			a = append(a, v)
			return err
		})
		return a, err
	case String:
		return d.String()
	case Number:
		return d.Float(64)
	case Bool:
		return d.Bool()
	case Null:
		return nil, d.Null()
	}
	return nil, d.syntaxError("looking for beginning of value")
}

// Mismatch returns the error for the next value, which is not what the caller wants: a
// *TypeError naming its kind and want, or a *SyntaxError if no value begins there. It does
// not read the value.
func (d *Decoder) Mismatch(want string) error {
	k := d.Kind()
	if k == Invalid {
		return d.syntaxError("looking for beginning of value")
	}
	return &TypeError{Found: k, Want: want}
}

// selectField returns the field among fields that a member's name selects, as
// encoding/json selects a struct field; "" for none.
func selectField(name []byte, fields []string) string {
	for _, f := range fields {
		if string(name) == f {
			return f
		}
	}
	for _, f := range fields {
		if bytes.EqualFold(name, []byte(f)) {
			return f
		}
	}
	return ""
}

// A SyntaxError is a text that is not JSON, or JSON nested deeper than MaxDepth.
type SyntaxError struct {
	Offset  int    // where: the offset of the byte in error, or the text's length if it ends too soon
	Context string // what was being read there: "in string literal", "after object key"...

	c   byte // the byte in error
	end bool // the text ends too soon
}

func (d *Decoder) syntaxError(context string) error {
	if d.off >= len(d.data) {
		return &SyntaxError{Offset: len(d.data), Context: context, end: true}
	}
	return &SyntaxError{Offset: d.off, Context: context, c: d.data[d.off]}
}

func (e *SyntaxError) Error() string {
	if e.end {
		return "invalid JSON: unexpected end of input"
	}
	return fmt.Sprintf("invalid JSON: unexpected %q at offset %d %s", e.c, e.Offset, e.Context)
}

// A TypeError is a JSON value that does not fit what it is read into: a value of another
// kind, or a number that the Go type wanted cannot hold. encoding/json reports both with an
// UnmarshalTypeError.
type TypeError struct {
	Found  Kind   // the kind of the value
	Number string // the number that does not fit; "" for a value of another kind
	Want   string // what was wanted: a Go type ("int64"), or words ("an array of strings")
	Path   string // where the value is in the outermost array or object read: "a.b[0]"
}

func (e *TypeError) Error() string {
	var s string
	if e.Number != "" {
		s = "number " + e.Number + " is no " + e.Want
	} else {
		var found string
		switch e.Found {
		case Null:
			found = "null"
		case Bool:
			found = "a boolean"
		case Number:
			found = "a number"
		case String:
			found = "a string"
		case Object:
			found = "an object"
		case Array:
			found = "an array"
		}
		s = "found " + found + ", want " + e.Want
	}
	if e.Path != "" {
		return e.Path + ": " + s
	}
	return s
}
