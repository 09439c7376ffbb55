// Package idempotency holds the rules of the Idempotency-Key header, whatever the dialect:
// which keys are valid, what a request's fingerprint covers, how long a record lives, and
// the answer a record keeps to replay.
package idempotency

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Header names.
const (
	Header         = "Idempotency-Key"
	ReplayedHeader = "Idempotent-Replayed" // "true" on an answer replayed from a record
)

// MaxKeyLength is the longest key accepted, in bytes (a key is ASCII).
const MaxKeyLength = 255

// TTL is how long a record is kept, from the write it guards.
const TTL = 24 * time.Hour

// ErrInvalidKey is the error of a key that is empty, too long or not printable ASCII, or
// of a request that sends the header more than once.
var ErrInvalidKey = errors.New("an Idempotency-Key is 1 to 255 printable ASCII characters, sent once")

// ParseKey returns the key of a request from the values of its Idempotency-Key header:
// "" when there is none.
func ParseKey(values []string) (string, error) {
	switch len(values) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", ErrInvalidKey
	}
	k := values[0]
	if k == "" || len(k) > MaxKeyLength {
		return "", ErrInvalidKey
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return "", ErrInvalidKey
		}
	}
	return k, nil
}

// FingerprintVersion is the version of Fingerprint's rule that records hold.
const FingerprintVersion = 2

// Fingerprint identifies a request under a key: its method, its route (the path as sent,
// with the ids it names), its body byte for byte, and the If-Match it sent, which changes what
// a write does (docs/apps-api.md, "Idempotency keys"). Other headers are left out: a retry
// may carry a new request id or date. Without If-Match it is LegacyFingerprint.
func Fingerprint(method, route string, body []byte, ifMatch string) string {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(route))
	h.Write([]byte{0})
	h.Write(body)
	if ifMatch != "" {
		h.Write([]byte("\x00If-Match\x00" + ifMatch))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// LegacyFingerprint is the fingerprint of FingerprintVersion 1, which left If-Match out.
func LegacyFingerprint(method, route string, body []byte) string {
	return Fingerprint(method, route, body, "")
}

// Answer is what a write answered, as a record keeps it to replay: the status, the headers
// that describe the body, and the body byte for byte.
type Answer struct {
	Status int
	Header map[string]string
	Body   []byte
}
