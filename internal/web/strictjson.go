package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
)

// Errors of a JSON body that encoding/json would take but would not keep as sent.
var (
	ErrDuplicateKey  = errors.New("the JSON body has an object with one key twice")
	ErrLoneSurrogate = errors.New("the JSON body has a \\u escape of half a UTF-16 surrogate pair")
)

// strictJSON refuses a body whose objects repeat a key (encoding/json keeps the last one) or
// whose strings escape a lone surrogate (encoding/json turns it into U+FFFD): it walks the
// body's tokens with encoding/json's Decoder and reads each string's escapes as sent. A body
// that is not JSON passes: its dialect's parser refuses it in its own words.
func strictJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type level struct {
		object bool
		keys   map[string]bool
		key    bool // the next token of an object is a key
	}
	var stack []*level
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or not JSON: not ours to refuse
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &level{object: true, keys: map[string]bool{}, key: true})
			case '[':
				stack = append(stack, &level{})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true
				}
			}
			continue
		case string:
			if err := escapes(body[start:dec.InputOffset()]); err != nil {
				return err
			}
			if top != nil && top.object && top.key {
				if top.keys[t] {
					return fmt.Errorf("%w: %q", ErrDuplicateKey, t)
				}
				top.keys[t], top.key = true, false
				continue
			}
		}
		if top != nil && top.object {
			top.key = true // a value was read
		}
	}
}

// escapes checks the \u escapes of one string token as sent (with what precedes it: a colon,
// a comma, spaces): a high surrogate must be followed by a low one, and a low one follow a high.
func escapes(raw []byte) error {
	i := bytes.IndexByte(raw, '"')
	if i < 0 {
		return nil
	}
	s := raw[i+1:]
	for j := 0; j < len(s); j++ {
		if s[j] != '\\' {
			continue
		}
		j++
		if j >= len(s) || s[j] != 'u' || j+4 >= len(s) {
			continue
		}
		r := hex4(s[j+1 : j+5])
		j += 4
		switch {
		case utf16.IsSurrogate(r) && r < 0xdc00: // high: a low one must follow
			if j+6 < len(s) && s[j+1] == '\\' && s[j+2] == 'u' {
				if low := hex4(s[j+3 : j+7]); low >= 0xdc00 && low <= 0xdfff {
					j += 6
					continue
				}
			}
			return ErrLoneSurrogate
		case utf16.IsSurrogate(r):
			return ErrLoneSurrogate
		}
	}
	return nil
}

func hex4(b []byte) rune {
	n, err := strconv.ParseUint(string(b), 16, 32)
	if err != nil {
		return -1
	}
	return rune(n)
}
