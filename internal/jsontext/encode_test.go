package jsontext

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// appendStringTests are strings that encoding/json escapes, or could be thought to.
var appendStringTests = []struct{ name, s string }{
	{"empty", ""},
	{"plain ASCII", "plain ASCII, with spaces"},
	{"quote, backslash and slash", `" \ /`},
	{"control characters of short escapes", "\b\f\n\r\t"},
	{"other control characters, and DEL", "\x00\x01\x07\x0b\x0e\x1b\x1f\x7f"},
	{"HTML characters", "<script>alert('&amp;')</script>"},
	{"line and paragraph separators", "line\u2028separator\u2029paragraph"},
	{"non-ASCII", "naïve café, 日本語, 😀, \u00a0\ufeff\uffff"},
	{"invalid UTF-8", "an invalid byte \xff, an overlong \xc0\xaf, a truncated \xe2\x82, a surrogate \xed\xa0\x80, too high \xf4\x90\x80\x80"},
	{"an invalid byte alone", "\xff"},
	{"a truncated rune at the end", "é\xe2"},
	{"U+FFFD itself", "\ufffd"},
	{"long", strings.Repeat("long <string> & more ", 100)},
	{"all of these at once", "\"quotes\" \\ / \b\f\n\r\t \x00\x01\x1f\x7f <html>&amp; é 日本 😀 \u2028\u2029 \xff\xc3( \ufffd"},
}

// marshal is encoding/json's JSON of s: json.Marshal's, or with escapeHTML false an
// Encoder's after SetEscapeHTML(false), without its newline.
func marshal(t *testing.T, s string, escapeHTML bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendStringEscapesAsEncodingJSON(t *testing.T) {
	for _, tt := range appendStringTests {
		t.Run(tt.name, func(t *testing.T) {
			for _, escapeHTML := range []bool{true, false} {
				want := marshal(t, tt.s, escapeHTML)
				if got := AppendString([]byte("prefix"), tt.s, escapeHTML); string(got) != "prefix"+string(want) {
					t.Errorf("escapeHTML %v: appended %s, want %s", escapeHTML, got[len("prefix"):], want)
				}
			}
		})
	}
}

func FuzzAppendStringEscapesAsEncodingJSON(f *testing.F) {
	for _, tt := range appendStringTests {
		f.Add(tt.s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, escapeHTML := range []bool{true, false} {
			if got, want := AppendString(nil, s, escapeHTML), marshal(t, s, escapeHTML); !bytes.Equal(got, want) {
				t.Errorf("AppendString(%q, escapeHTML %v) = %s, encoding/json writes %s", s, escapeHTML, got, want)
			}
		}
	})
}
