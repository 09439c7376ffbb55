package web

import (
	"errors"
	"testing"
)

func TestStrictJSONRefusesRepeatedKeysAndLoneSurrogates(t *testing.T) {
	tests := []struct {
		body string
		want error
	}{
		{`{"a":1,"b":2}`, nil},
		{`{"a":1,"a":2}`, ErrDuplicateKey},
		{`{"a":{"b":1},"a":2}`, ErrDuplicateKey},
		{`{"a":{"b":1,"b":2}}`, ErrDuplicateKey},
		{`[{"a":1},{"a":2}]`, nil},                 // one key in each of two objects
		{`{"a":{"a":1}}`, nil},                     // one key in an object and in its parent
		{`{"a":"a","b":"a"}`, nil},                 // a value equal to a key
		{`{"k":["a","a"]}`, nil},                   // values in a list
		{`{"a":1,"\u0061":2}`, ErrDuplicateKey},    // one key, one escaped
		{`{"s":"\ud83d\ude00"}`, nil},              // a pair
		{`{"s":"\ud800"}`, ErrLoneSurrogate},       // high alone
		{`{"s":"\udc00"}`, ErrLoneSurrogate},       // low alone
		{`{"s":"\ud800\u0041"}`, ErrLoneSurrogate}, // high, then not low
		{`{"s":"x\\ud800"}`, nil},                  // an escaped backslash, then text
		{`{"\ud800":1}`, ErrLoneSurrogate},         // in a key
		{`["\udfff"]`, ErrLoneSurrogate},           // in a list
		{`{"s":"\u00e9\uD83D\uDE00"}`, nil},        // upper-case hex
		{`not json`, nil},                          // the dialect's parser refuses it
		{`{"a":1,"a"`, ErrDuplicateKey},            // found before the syntax error
		{``, nil},
	}
	for _, tt := range tests {
		if err := strictJSON([]byte(tt.body)); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("strictJSON(%s) = %v, want %v", tt.body, err, tt.want)
		}
	}
}
