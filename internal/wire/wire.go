// Package wire holds the JSON conventions that every wire format of Clientele shares: an
// unset string is null, a time is RFC 3339 in UTC, and an explicit null is told apart from
// an absent key.
package wire

import (
	"bytes"
	"encoding/json"
	"time"
)

// OptString is s as a JSON string, or nil (null) when s is empty.
func OptString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Time is t as the wire writes times: RFC 3339 in UTC, to the second.
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// IsNull reports whether raw is the JSON null, white space aside.
func IsNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }
