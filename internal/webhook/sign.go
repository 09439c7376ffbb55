package webhook

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// ErrSigner is returned when a signer lacks what its format needs to sign: a key, an
// algorithm, an issuer. It is a configuration fault, not the receiver's.
var ErrSigner = errors.New("webhook: signer not usable")

// Signer makes the headers that sign one message for one endpoint, at the time of an attempt.
// Each attempt is signed anew: the native and Lukittu signatures carry that time.
type Signer interface {
	Sign(m Message, now time.Time) (http.Header, error)
}

// Header names.
const (
	AppsSignatureHeader    = "Clientele-Signature"
	LagoSignatureHeader    = "X-Lago-Signature"
	LagoAlgorithmHeader    = "X-Lago-Signature-Algorithm"
	LagoUniqueKeyHeader    = "X-Lago-Unique-Key"
	LukittuSignatureHeader = "X-Lukittu-Signature"
	LukittuTimestampHeader = "X-Lukittu-Timestamp"
	LukittuEventHeader     = "X-Lukittu-Event"
)

// Tolerance is how far from its receiver's clock a native signature's t may be, Stripe's
// default: receivers refuse older ones, which stops replays.
const Tolerance = 5 * time.Minute

// RollOverlap is how long a native secret that was replaced keeps signing beside the new one.
const RollOverlap = 24 * time.Hour

// Secret is one signing secret of a native endpoint.
type Secret struct {
	Key     []byte
	Expires time.Time // zero while it is the current secret; it signs until then
}

// active reports whether s still signs at now.
func (s Secret) active(now time.Time) bool {
	return s.Expires.IsZero() || now.Before(s.Expires)
}

// Roll returns the secrets of an endpoint after its secret is replaced by key at now: key
// first, then the secrets that signed until now, each signing RollOverlap longer at most.
// Secrets already expired are dropped.
func Roll(secrets []Secret, key []byte, now time.Time) []Secret {
	out := []Secret{{Key: key}}
	end := now.Add(RollOverlap)
	for _, s := range secrets {
		if !s.active(now) {
			continue
		}
		if s.Expires.IsZero() || s.Expires.After(end) {
			s.Expires = end
		}
		out = append(out, s)
	}
	return out
}

// AppsSigner signs in the native format, Stripe's construction under Clientele's name:
// Clientele-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">, with one v1
// for each secret still signing (two while a rolled secret overlaps the new one).
type AppsSigner struct {
	Secrets []Secret
}

// Sign implements Signer.
func (s AppsSigner) Sign(m Message, now time.Time) (http.Header, error) {
	t := strconv.FormatInt(now.Unix(), 10)
	parts := []string{"t=" + t}
	for _, sec := range s.Secrets {
		if !sec.active(now) {
			continue
		}
		if len(sec.Key) == 0 {
			return nil, fmt.Errorf("%w: an empty native secret", ErrSigner)
		}
		parts = append(parts, "v1="+hexHMAC(sec.Key, t, m.Body))
	}
	if len(parts) == 1 {
		return nil, fmt.Errorf("%w: no native secret signs at %s", ErrSigner, now.UTC().Format(time.RFC3339))
	}
	h := http.Header{}
	h.Set(AppsSignatureHeader, strings.Join(parts, ","))
	setDefaults(h)
	return h, nil
}

// LukittuSigner signs as Lukittu does: X-Lukittu-Signature is the hex HMAC-SHA256 of
// "<timestamp>.<body>" with the endpoint's secret, X-Lukittu-Timestamp the time in
// milliseconds, X-Lukittu-Event the event type.
type LukittuSigner struct {
	Secret []byte
}

// Sign implements Signer.
func (s LukittuSigner) Sign(m Message, now time.Time) (http.Header, error) {
	if len(s.Secret) == 0 {
		return nil, fmt.Errorf("%w: no Lukittu secret", ErrSigner)
	}
	if m.Type == "" {
		return nil, fmt.Errorf("%w: a Lukittu event needs its type", ErrSigner)
	}
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	h := http.Header{}
	h.Set(LukittuSignatureHeader, hexHMAC(s.Secret, ts, m.Body))
	h.Set(LukittuTimestampHeader, ts)
	h.Set(LukittuEventHeader, m.Type)
	setDefaults(h)
	return h, nil
}

// hexHMAC is the hex HMAC-SHA256 of "<t>.<body>", the construction of both the native and
// Lukittu's signature.
func hexHMAC(key []byte, t string, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(t + "."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Lago's signature algorithms, the values of X-Lago-Signature-Algorithm.
const (
	LagoJWT  = "jwt"
	LagoHMAC = "hmac"
)

// LagoSigner signs as Lago does. With LagoJWT, X-Lago-Signature is an RS256 JWT whose claims
// are {"data": <the body as a string>, "iss": Issuer}; with LagoHMAC it is the base64
// HMAC-SHA256 of the body with the app's HMAC key. X-Lago-Unique-Key is the event's id.
type LagoSigner struct {
	Algorithm  string          // LagoJWT or LagoHMAC
	PrivateKey *rsa.PrivateKey // the app's RSA key, for LagoJWT
	Issuer     string          // the API's URL, the JWT's iss, for LagoJWT
	HMACKey    []byte          // the app's HMAC key, for LagoHMAC
}

// Sign implements Signer. Lago's signature does not depend on now.
func (s LagoSigner) Sign(m Message, _ time.Time) (http.Header, error) {
	if m.ID == "" {
		return nil, fmt.Errorf("%w: a Lago event needs its id (X-Lago-Unique-Key)", ErrSigner)
	}
	var sig string
	switch s.Algorithm {
	case LagoJWT:
		if s.PrivateKey == nil || s.Issuer == "" {
			return nil, fmt.Errorf("%w: Lago jwt needs the app's RSA key and the issuer", ErrSigner)
		}
		// The data claim is a JSON string: only valid UTF-8 comes back out of it unchanged.
		if !utf8.Valid(m.Body) {
			return nil, fmt.Errorf("%w: Lago jwt signs UTF-8 bodies only", ErrSigner)
		}
		claims := jwt.MapClaims{"data": string(m.Body), "iss": s.Issuer}
		tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(s.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("webhook: sign Lago jwt: %w", err)
		}
		sig = tok
	case LagoHMAC:
		if len(s.HMACKey) == 0 {
			return nil, fmt.Errorf("%w: Lago hmac needs the app's HMAC key", ErrSigner)
		}
		mac := hmac.New(sha256.New, s.HMACKey)
		mac.Write(m.Body)
		sig = base64.StdEncoding.EncodeToString(mac.Sum(nil))
	default:
		return nil, fmt.Errorf("%w: Lago signature algorithm %q", ErrSigner, s.Algorithm)
	}
	h := http.Header{}
	h.Set(LagoSignatureHeader, sig)
	h.Set(LagoAlgorithmHeader, s.Algorithm)
	h.Set(LagoUniqueKeyHeader, m.ID)
	setDefaults(h)
	return h, nil
}

// LagoPublicKey is the answer of Lago's GET /api/v1/webhooks/public_key for key: the PEM
// (PKIX "PUBLIC KEY") of the key, base64-encoded in lines of 60 characters as Lago's Ruby
// Base64.encode64 writes it. Receivers decode it and verify X-Lago-Signature with it.
func LagoPublicKey(key *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", fmt.Errorf("webhook: Lago public key: %w", err)
	}
	enc := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	var b strings.Builder
	for len(enc) > 0 {
		n := min(len(enc), lagoBase64Line)
		b.WriteString(enc[:n])
		b.WriteByte('\n')
		enc = enc[n:]
	}
	return b.String(), nil
}

const lagoBase64Line = 60
