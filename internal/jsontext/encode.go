package jsontext

import (
	"slices"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// What AppendString escapes of the ASCII bytes: escapes[c] has always set for the bytes it
// escapes always, html for those it escapes with escapeHTML.
const (
	always = 1 << iota
	html
)

var escapes = [utf8.RuneSelf]uint8{
	0x00: always, 0x01: always, 0x02: always, 0x03: always, 0x04: always, 0x05: always, 0x06: always, 0x07: always,
	0x08: always, 0x09: always, 0x0a: always, 0x0b: always, 0x0c: always, 0x0d: always, 0x0e: always, 0x0f: always,
	0x10: always, 0x11: always, 0x12: always, 0x13: always, 0x14: always, 0x15: always, 0x16: always, 0x17: always,
	0x18: always, 0x19: always, 0x1a: always, 0x1b: always, 0x1c: always, 0x1d: always, 0x1e: always, 0x1f: always,
	'"': always, '\\': always, '<': html, '>': html, '&': html,
}

// AppendString appends s to b as a JSON string escaped as encoding/json escapes it: " and \,
// control characters, U+2028 and U+2029, and each byte of invalid UTF-8 as \ufffd; with
// escapeHTML, also <, > and & as \u003c, \u003e and \u0026, as json.Marshal does (an
// Encoder does not after SetEscapeHTML(false)).
func AppendString(b []byte, s string, escapeHTML bool) []byte {
	escape := uint8(always)
	if escapeHTML {
		escape |= html
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if escapes[c]&escape == 0 {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendArray appends s as encoding/json writes a slice: an array of its elements, each
// appended by elem, or null for a nil slice.
func AppendArray[E any](b []byte, s []E, elem func([]byte, E) []byte) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, e := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, e)
	}
	return append(b, ']')
}

// AppendObject appends m as encoding/json writes a map of strings to values: an object of
// its entries sorted by key, each key escaped as AppendString escapes it and each value
// appended by value, or null for a nil map.
func AppendObject[V any](b []byte, m map[string]V, escapeHTML bool, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k, escapeHTML)
		b = append(b, ':')
		b = value(b, m[k])
	}
	return append(b, '}')
}
