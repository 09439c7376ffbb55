package awsjson

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AWS Signature Version 4, for the one request shape this package sends: a POST of a JSON
// body to a path without query, signing content-type, host, x-amz-date, x-amz-target and,
// with temporary credentials, x-amz-security-token.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDateFmt   = "20060102T150405Z"
)

// signingKey is a key derived for one date, credential, region and service.
type signingKey struct {
	date, secret, region, service string
	key                           []byte
}

// sign sets the request's signed headers and its Authorization.
func (c *Client) sign(req *http.Request, t target, body []byte, now time.Time) {
	now = now.UTC()
	amzDate := now.Format(amzDateFmt)
	date := amzDate[:8]
	creds := c.Credentials

	h := req.Header
	h["Content-Type"] = []string{t.contentType}
	h["X-Amz-Target"] = []string{t.amzTarget}
	h["X-Amz-Date"] = []string{amzDate}
	// DynamoDB's X-Amz-Crc32 is of the body as sent: keep the transport from asking for gzip
	// and decompressing behind our back, as the SDK does.
	h["Accept-Encoding"] = []string{"identity"}
	req.Host = t.host

	signed := "content-type;host;x-amz-date;x-amz-target"
	if creds.SessionToken != "" {
		signed = "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
		h["X-Amz-Security-Token"] = []string{creds.SessionToken}
	}
	payloadHash := sha256.Sum256(body)

	var b strings.Builder
	b.Grow(512)
	b.WriteString("POST\n")
	b.WriteString(t.path)
	b.WriteString("\n\n") // no query
	b.WriteString("content-type:")
	b.WriteString(canonicalValue(t.contentType))
	b.WriteString("\nhost:")
	b.WriteString(t.host)
	b.WriteString("\nx-amz-date:")
	b.WriteString(amzDate)
	if creds.SessionToken != "" {
		b.WriteString("\nx-amz-security-token:")
		b.WriteString(canonicalValue(creds.SessionToken))
	}
	b.WriteString("\nx-amz-target:")
	b.WriteString(canonicalValue(t.amzTarget))
	b.WriteString("\n\n")
	b.WriteString(signed)
	b.WriteByte('\n')
	b.WriteString(hex.EncodeToString(payloadHash[:]))
	canonicalHash := sha256.Sum256([]byte(b.String()))

	scope := date + "/" + c.Region + "/" + c.Service + "/aws4_request"
	stringToSign := sigAlgorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(canonicalHash[:])
	signature := hex.EncodeToString(hmacSHA256(c.signingKey(date), stringToSign))

	h["Authorization"] = []string{sigAlgorithm + " Credential=" + creds.AccessKeyID + "/" + scope +
		", SignedHeaders=" + signed + ", Signature=" + signature}
}

// signingKey returns the key for a date, derived once a day (and when the credentials
// change) rather than with four HMACs a request.
func (c *Client) signingKey(date string) []byte {
	secret := c.Credentials.SecretAccessKey
	if k := c.key.Load(); k != nil && k.date == date && k.secret == secret && k.region == c.Region && k.service == c.Service {
		return k.key
	}
	key := deriveKey(secret, date, c.Region, c.Service)
	c.key.Store(&signingKey{date: date, secret: secret, region: c.Region, service: c.Service, key: key})
	return key
}

// deriveKey is SigV4's key derivation.
func deriveKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalValue trims a header value and folds its runs of spaces into one.
func canonicalValue(v string) string {
	if !strings.Contains(v, "  ") && strings.TrimSpace(v) == v {
		return v
	}
	return strings.Join(strings.Fields(v), " ")
}

// canonicalHost is the Host header sent and signed: the endpoint's host, without a default
// port (the SDK signs it so, and Go would otherwise send the port).
func canonicalHost(u *url.URL) string {
	host, port := u.Host, u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		host = strings.TrimSuffix(host, ":"+port)
	}
	return host
}

// canonicalURI is SigV4's URI of a path already escaped once: every service but S3 has it
// escaped a second time, '/' aside.
func canonicalURI(escaped string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(escaped); i++ {
		ch := escaped[i]
		if unreserved(ch) || ch == '/' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[ch>>4])
		b.WriteByte(hexDigits[ch&15])
	}
	return b.String()
}

func unreserved(ch byte) bool {
	return 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' ||
		ch == '-' || ch == '.' || ch == '_' || ch == '~'
}
