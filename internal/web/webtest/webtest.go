// Package webtest holds what the dialects' tests share to check their answers' hand-written
// JSON (web.Appender) against encoding/json.
package webtest

import (
	"encoding/json"
	"testing"

	"github.com/clientele/clientele/internal/web"
)

// Strings that encoding/json escapes, or that are easy to get wrong.
const (
	Quoted  = "say \"hi\" \\ back/slash"
	Control = "tab\there\nnew\rline\x00\x01\x1f\x7f\b\f"
	HTMLish = "<script>a && b</script>"
	LineSep = "a\u2028b\u2029c"
	BadUTF8 = "bad \xff\xfe utf-8 \xc3"
	Unicode = "Zoë O'Brien — 日本語 🙂"
)

// AppendsAsMarshal fails t unless v's AppendJSON writes, alone and after other bytes, byte
// for byte what json.Marshal writes of v.
func AppendsAsMarshal(t *testing.T, v web.Appender) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.AppendJSON(nil); string(got) != string(want) {
		t.Errorf("AppendJSON wrote\n%s\njson.Marshal writes\n%s", got, want)
	}
	if got := v.AppendJSON([]byte("prefix{")); string(got) != "prefix{"+string(want) {
		t.Errorf("AppendJSON after a prefix wrote\n%s\nwant prefix{%s", got, want)
	}
}
