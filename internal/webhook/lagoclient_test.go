package webhook

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// lagoWebhooks mirrors lago-go-client's Webhook() receiver side, which the module proxy does
// not serve: its behaviour as read in webhook.go of github.com/getlago/lago-go-client
// (commit 693c2780a00b9e4c6ff659f4eb47b106c7736593), rewritten here, with the same
// golang-jwt/jwt/v5 it uses:
//   - GetPublicKey: GET <base URL>/api/v1/webhooks/public_key with the API key as Bearer;
//     an error status fails; the answer's text is base64-decoded (StdEncoding, which skips
//     the line breaks of Ruby's Base64.encode64), must hold a PEM block of type
//     "PUBLIC KEY", parsed with x509.ParsePKIXPublicKey, which must be RSA;
//   - ValidateBody: jwt.Parse of the signature with a key function that refuses any method
//     but RSA and returns that key; a valid token whose MapClaims "data" equals the body.
type lagoWebhooks struct {
	baseURL string // the Lago API's URL, as lago-go-client's SetBaseURL takes it
	apiKey  string
}

func (w lagoWebhooks) getPublicKey(ctx context.Context) (*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.baseURL+"/api/v1/webhooks/public_key", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+w.apiKey)
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

func (w lagoWebhooks) validateBody(ctx context.Context, signature, body string) (bool, error) {
	pub, err := w.getPublicKey(ctx)
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

// lagoKeyServer serves Lago's public key route for key, as a Lago API would (and as
// Clientele's Lago dialect will, from LagoPublicKey), on loopback.
func lagoKeyServer(t *testing.T, key *rsa.PublicKey) *httptest.Server {
	t.Helper()
	text, err := LagoPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
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
