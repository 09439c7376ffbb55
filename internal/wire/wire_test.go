package wire

import (
	"encoding/json"
	"testing"
	"time"
)

func TestOptStringIsNullWhenEmpty(t *testing.T) {
	if OptString("") != nil {
		t.Error(`OptString("") is not nil`)
	}
	if p := OptString("a"); p == nil || *p != "a" {
		t.Errorf(`OptString("a") = %v`, p)
	}
}

func TestTimeIsRFC3339InUTC(t *testing.T) {
	at := time.Date(2024, 5, 6, 9, 8, 7, 654321, time.FixedZone("CEST", 2*3600))
	if got := Time(at); got != "2024-05-06T07:08:07Z" {
		t.Errorf("Time = %q", got)
	}
}

func TestIsNull(t *testing.T) {
	cases := map[string]bool{"null": true, " null\n": true, `"null"`: false, "": false, "{}": false, "nul": false}
	for raw, want := range cases {
		if got := IsNull(json.RawMessage(raw)); got != want {
			t.Errorf("IsNull(%q) = %v, want %v", raw, got, want)
		}
	}
}
