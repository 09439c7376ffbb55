package idempotency

import (
	"errors"
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
		err    error
	}{
		{"no header", nil, "", nil},
		{"a uuid", []string{"7f0c9a52-1f5e-4b8e-9a57-3d2f0d1c6b11"}, "7f0c9a52-1f5e-4b8e-9a57-3d2f0d1c6b11", nil},
		{"printable ASCII with spaces", []string{"order 42 / retry ~1"}, "order 42 / retry ~1", nil},
		{"255 characters", []string{strings.Repeat("k", 255)}, strings.Repeat("k", 255), nil},
		{"256 characters", []string{strings.Repeat("k", 256)}, "", ErrInvalidKey},
		{"empty", []string{""}, "", ErrInvalidKey},
		{"non-ASCII", []string{"clé"}, "", ErrInvalidKey},
		{"a tab", []string{"a\tb"}, "", ErrInvalidKey},
		{"DEL", []string{"a\x7f"}, "", ErrInvalidKey},
		{"sent twice", []string{"a", "a"}, "", ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.values)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("ParseKey(%q) = %q, %v; want %q, %v", tt.values, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestFingerprintCoversMethodRouteBodyAndIfMatch(t *testing.T) {
	const path, body = "/api/v1/apps/a/customers", `{"email":"a@example.com"}`
	base := Fingerprint("PUT", path, []byte(body), "")
	if base != Fingerprint("PUT", path, []byte(body), "") {
		t.Fatal("the same request has two fingerprints")
	}
	if base != LegacyFingerprint("PUT", path, []byte(body)) {
		t.Error("without If-Match the fingerprint is not the one records of before hold")
	}
	for name, other := range map[string]string{
		"method":   Fingerprint("POST", path, []byte(body), ""),
		"route":    Fingerprint("PUT", "/api/v1/apps/b/customers", []byte(body), ""),
		"body":     Fingerprint("PUT", path, []byte(`{"email":"b@example.com"}`), ""),
		"If-Match": Fingerprint("PUT", path, []byte(body), "7"),
		// The separators keep the parts apart: moving bytes between them is another request.
		"boundary": Fingerprint("PUT", path+"{", []byte(body[1:]), ""),
	} {
		if other == base {
			t.Errorf("another %s gives the same fingerprint", name)
		}
	}
	if Fingerprint("PUT", path, []byte(body), "1") == Fingerprint("PUT", path, []byte(body), "7") {
		t.Error("two If-Match values give one fingerprint")
	}
}
