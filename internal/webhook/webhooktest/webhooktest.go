// Package webhooktest holds webhook receivers for tests: each format's signature verified as
// its product documents it, written from that documentation and not from the signers, and a
// mirror of lago-go-client's receiver side, which the module proxy does not serve.
//
// It is imported only by tests, never linked into a function (internal/stackcheck checks).
package webhooktest

import (
	"context"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// VerifyApps checks a native signature the way Stripe documents manual verification of
// Stripe-Signature: split the header on "," and each element on "=", take t and every v1,
// sign "<t>.<body>" with HMAC-SHA256 and the endpoint's secret, accept when some v1 equals
// it (in constant time) and t is within the tolerance of now.
func VerifyApps(header string, body, secret []byte, now time.Time) error {
	var t string
	var sigs []string
	for _, item := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			t = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	ts, err := strconv.ParseInt(t, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("no timestamp or no v1 signature")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("timestamp outside the tolerance")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(t + "." + string(body)))
	want := mac.Sum(nil)
	for _, s := range sigs {
		got, err := hex.DecodeString(s)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no v1 signature matches")
}

// VerifyLukittu checks X-Lukittu-Signature as Lukittu's docs say: HMAC-SHA256(secret,
// timestamp + '.' + requestBody), compared in constant time; the code sends it as hex.
func VerifyLukittu(h http.Header, body, secret []byte) error {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(h.Get("X-Lukittu-Timestamp") + "." + string(body)))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(h.Get("X-Lukittu-Signature")), []byte(want)) {
		return errors.New("X-Lukittu-Signature does not match")
	}
	return nil
}

// VerifyLagoHMAC checks X-Lago-Signature as Lago's docs say for hmac: the base64
// HMAC-SHA256 of the request body with the HMAC key equals the header.
func VerifyLagoHMAC(h http.Header, body, key []byte) error {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	if h.Get("X-Lago-Signature") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		return errors.New("X-Lago-Signature does not match")
	}
	return nil
}

// VerifyLagoJWT checks a Lago jwt signature twice: with the mirror of lago-go-client's
// ValidateBody (the key fetched from the Lago API's public_key route), and as Lago's docs
// show it in Python (RS256 only, iss required to be the API's URL, data equal to the body).
func VerifyLagoJWT(ctx context.Context, h http.Header, body []byte, lago LagoClient) error {
	ok, err := lago.ValidateBody(ctx, h.Get("X-Lago-Signature"), string(body))
	if err != nil {
		return fmt.Errorf("ValidateBody: %w", err)
	}
	if !ok {
		return errors.New("ValidateBody: data is not the body")
	}
	pub, err := lago.GetPublicKey(ctx)
	if err != nil {
		return err
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(h.Get("X-Lago-Signature"), claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(lago.BaseURL))
	if err != nil {
		return fmt.Errorf("documented decode: %w", err)
	}
	if claims["data"] != string(body) {
		return errors.New("documented decode: data is not the body")
	}
	return nil
}

// LagoClient mirrors lago-go-client's Webhook() receiver side, which the module proxy does
// not serve: its behaviour as read in webhook.go of github.com/getlago/lago-go-client
// (commit 693c2780a00b9e4c6ff659f4eb47b106c7736593), rewritten here, with the same
// golang-jwt/jwt/v5 it uses:
//   - GetPublicKey: GET <base URL>/api/v1/webhooks/public_key with the API key as Bearer;
//     an error status fails; the answer's text is base64-decoded (StdEncoding, which skips
//     the line breaks of Ruby's Base64.encode64), must hold a PEM block of type
//     "PUBLIC KEY", parsed with x509.ParsePKIXPublicKey, which must be RSA;
//   - ValidateBody: jwt.Parse of the signature with a key function that refuses any method
//     but RSA and returns that key; a valid token whose MapClaims "data" equals the body.
type LagoClient struct {
	BaseURL string // the Lago API's URL, as lago-go-client's SetBaseURL takes it
	APIKey  string
}

// GetPublicKey is lago-go-client's Webhook().GetPublicKey.
func (w LagoClient) GetPublicKey(ctx context.Context) (*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.BaseURL+"/api/v1/webhooks/public_key", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+w.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		return nil, fmt.Errorf("public key: %s", resp.Status)
	}
	der, err := base64.StdEncoding.DecodeString(string(text))
	if err != nil {
		return nil, fmt.Errorf("cannot decode the key: %w", err)
	}
	block, _ := pem.Decode(der)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("failed to decode pem block containing public key")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("unexpected type of public key")
	}
	return rsaPub, nil
}

// ValidateBody is lago-go-client's Webhook().ValidateBody.
func (w LagoClient) ValidateBody(ctx context.Context, signature, body string) (bool, error) {
	pub, err := w.GetPublicKey(ctx)
	if err != nil {
		return false, err
	}
	token, err := jwt.Parse(signature, func(token *jwt.Token) (any, error) {
		if _, ok := token.Method.(*jwt.SigningMethodRSA); !ok {
			return nil, fmt.Errorf("unexpected signing method: %v", token.Header["alg"])
		}
		return pub, nil
	})
	if err != nil || !token.Valid {
		return false, fmt.Errorf("cannot parse token: %w", err)
	}
	claims, ok := token.Claims.(jwt.MapClaims)
	if !ok {
		return false, errors.New("error casting claims")
	}
	return claims["data"] == body, nil
}

// LagoKeyServer serves Lago's public key route on loopback, answering text (what
// webhook.LagoPublicKey makes) to a request with a Bearer key, as a Lago API would.
func LagoKeyServer(t testing.TB, text string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/webhooks/public_key", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, text)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
