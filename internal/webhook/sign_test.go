package webhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/webhook/webhooktest"
)

// The receivers' verifiers, each written from its product's documentation, are in webhooktest.

// formatCase is one format's signer and its receiver's verifier.
type formatCase struct {
	name   string
	signer Signer
	verify func(t *testing.T, h http.Header, body []byte, now time.Time) error
	// header checks what the format sets besides the signature.
	header map[string]string
}

func formatCases(t *testing.T) []formatCase {
	t.Helper()
	key := testLagoKey(t)
	keys := lagoKeyServer(t, &key.PublicKey)
	lago := webhooktest.LagoClient{BaseURL: keys.URL, APIKey: "lago-api-key"}
	nativeSecret := []byte("whsec_native")
	lukittuSecret := []byte("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")
	hmacKey := []byte("5f1c2a7e-0b9d-4c3e-8a61-2f4d9b7c1e05")
	return []formatCase{
		{
			name:   "apps",
			signer: AppsSigner{Secrets: []Secret{{Key: nativeSecret}}},
			verify: func(_ *testing.T, h http.Header, body []byte, now time.Time) error {
				return webhooktest.VerifyApps(h.Get("Clientele-Signature"), body, nativeSecret, now)
			},
		},
		{
			name:   "lukittu",
			signer: LukittuSigner{Secret: lukittuSecret},
			verify: func(_ *testing.T, h http.Header, body []byte, _ time.Time) error {
				return webhooktest.VerifyLukittu(h, body, lukittuSecret)
			},
			header: map[string]string{"X-Lukittu-Event": "CUSTOMER_CREATED"},
		},
		{
			name:   "lago hmac",
			signer: LagoSigner{Algorithm: LagoHMAC, HMACKey: hmacKey},
			verify: func(_ *testing.T, h http.Header, body []byte, _ time.Time) error {
				return webhooktest.VerifyLagoHMAC(h, body, hmacKey)
			},
			header: map[string]string{"X-Lago-Signature-Algorithm": "hmac", "X-Lago-Unique-Key": testMessage.ID},
		},
		{
			name:   "lago jwt",
			signer: LagoSigner{Algorithm: LagoJWT, PrivateKey: key, Issuer: lago.BaseURL},
			verify: func(t *testing.T, h http.Header, body []byte, _ time.Time) error {
				return webhooktest.VerifyLagoJWT(t.Context(), h, body, lago)
			},
			header: map[string]string{"X-Lago-Signature-Algorithm": "jwt", "X-Lago-Unique-Key": testMessage.ID},
		},
	}
}

var testMessage = Message{
	ID:   "0b6f3c8e-5d2a-5e1f-9c4b-7a8d6e5f4c3b",
	Type: "CUSTOMER_CREATED",
	Body: []byte(`{"id":"3f0e1c2d-4b5a-4968-8776-a5b4c3d2e1f0","email":"ada@example.com",` +
		`"fullName":"Ada <&> Lovelace é"}`),
}

func TestEachFormatsSignatureVerifiesAsItsProductDocumentsAndRefusesAChangedBody(t *testing.T) {
	now := time.Now()
	for _, c := range formatCases(t) {
		t.Run(c.name, func(t *testing.T) {
			h, err := c.signer.Sign(testMessage, now)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.verify(t, h, testMessage.Body, now); err != nil {
				t.Fatalf("the signed body is refused: %v", err)
			}
			for k, v := range c.header {
				if got := h.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			changed := []byte(string(testMessage.Body))
			changed[len(changed)/2] ^= 0x01
			if err := c.verify(t, h, changed, now); err == nil {
				t.Fatal("a body changed by one byte is accepted")
			}
		})
	}
}

func TestLukittuTimestampIsTheAttemptTimeInMilliseconds(t *testing.T) {
	now := time.UnixMilli(1767225600123)
	h, err := LukittuSigner{Secret: []byte("s")}.Sign(testMessage, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get("X-Lukittu-Timestamp"); got != "1767225600123" {
		t.Errorf("X-Lukittu-Timestamp = %q, want the time in milliseconds", got)
	}
}

func TestAppsSignatureIsRefusedOutsideTheFiveMinuteTolerance(t *testing.T) {
	secret := []byte("whsec_native")
	signedAt := time.Unix(1767225600, 0)
	h, err := AppsSigner{Secrets: []Secret{{Key: secret}}}.Sign(testMessage, signedAt)
	if err != nil {
		t.Fatal(err)
	}
	header := h.Get("Clientele-Signature")
	if !strings.HasPrefix(header, "t=1767225600,v1=") {
		t.Fatalf("Clientele-Signature = %q, want t=<unix seconds>,v1=…", header)
	}
	for _, c := range []struct {
		after time.Duration
		ok    bool
	}{{0, true}, {Tolerance, true}, {Tolerance + time.Second, false}} {
		err := webhooktest.VerifyApps(header, testMessage.Body, secret, signedAt.Add(c.after))
		if (err == nil) != c.ok {
			t.Errorf("received %v after signing: err = %v, want accepted %v", c.after, err, c.ok)
		}
	}
}

func TestRolledSecretSignsBesideTheNewOneFor24Hours(t *testing.T) {
	oldKey, newKey := []byte("whsec_old"), []byte("whsec_new")
	rolledAt := time.Unix(1767225600, 0)
	secrets := Roll([]Secret{{Key: oldKey}}, newKey, rolledAt)

	for _, c := range []struct {
		name     string
		at       time.Time
		v1       int
		oldValid bool
	}{
		{"at the roll", rolledAt, 2, true},
		{"just before 24 h", rolledAt.Add(RollOverlap - time.Second), 2, true},
		{"at 24 h", rolledAt.Add(RollOverlap), 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := AppsSigner{Secrets: secrets}.Sign(testMessage, c.at)
			if err != nil {
				t.Fatal(err)
			}
			header := h.Get("Clientele-Signature")
			if n := strings.Count(header, "v1="); n != c.v1 {
				t.Fatalf("%q has %d v1=, want %d", header, n, c.v1)
			}
			if err := webhooktest.VerifyApps(header, testMessage.Body, newKey, c.at); err != nil {
				t.Errorf("the new secret does not verify: %v", err)
			}
			if err := webhooktest.VerifyApps(header, testMessage.Body, oldKey, c.at); (err == nil) != c.oldValid {
				t.Errorf("the old secret verifies: %v, want %v", err == nil, c.oldValid)
			}
		})
	}
}

func TestRollKeepsAnEarlierOverlapAndDropsExpiredSecrets(t *testing.T) {
	t0 := time.Unix(1767225600, 0)
	a, b, c := []byte("a"), []byte("b"), []byte("c")
	secrets := Roll([]Secret{{Key: a}}, b, t0)                         // a until t0+24h
	secrets = Roll(secrets, c, t0.Add(time.Hour))                      // b until t0+25h, a still until t0+24h
	got := Roll(secrets, []byte("d"), t0.Add(RollOverlap+2*time.Hour)) // a is gone, b is gone, c until +24h
	want := []string{"d", "c"}
	if len(got) != len(want) {
		t.Fatalf("got %d secrets, want %d", len(got), len(want))
	}
	for i, s := range got {
		if string(s.Key) != want[i] {
			t.Errorf("secret %d is %q, want %q", i, s.Key, want[i])
		}
	}
	if secrets[2].Expires != t0.Add(RollOverlap) {
		t.Errorf("a second roll moved the first overlap's end to %v", secrets[2].Expires)
	}
}

func TestSignersRefuseWhatTheirFormatCannotSign(t *testing.T) {
	key := testLagoKey(t)
	expired := Secret{Key: []byte("k"), Expires: time.Unix(1, 0)}
	for _, c := range []struct {
		name   string
		signer Signer
		m      Message
	}{
		{"native without a secret", AppsSigner{}, testMessage},
		{"native whose secrets all expired", AppsSigner{Secrets: []Secret{expired}}, testMessage},
		{"lukittu without a secret", LukittuSigner{}, testMessage},
		{"lukittu without an event type", LukittuSigner{Secret: []byte("s")}, Message{ID: "x", Body: []byte("{}")}},
		{"lago without an id", LagoSigner{Algorithm: LagoHMAC, HMACKey: []byte("k")}, Message{Body: []byte("{}")}},
		{"lago without an algorithm", LagoSigner{HMACKey: []byte("k")}, testMessage},
		{"lago hmac without a key", LagoSigner{Algorithm: LagoHMAC}, testMessage},
		{"lago jwt without an issuer", LagoSigner{Algorithm: LagoJWT, PrivateKey: key}, testMessage},
		{"lago jwt of a body that is not UTF-8", LagoSigner{Algorithm: LagoJWT, PrivateKey: key, Issuer: "https://x"},
			Message{ID: "x", Body: []byte{'"', 0xff, '"'}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := c.signer.Sign(c.m, time.Now()); !errors.Is(err, ErrSigner) {
				t.Errorf("err = %v, want ErrSigner", err)
			}
		})
	}
}

func TestLagoPublicKeyIsBase64OfThePEMInLinesOf60(t *testing.T) {
	text, err := LagoPublicKey(&testLagoKey(t).PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for i, l := range lines[:len(lines)-1] {
		if len(l) != 60 {
			t.Fatalf("line %d has %d characters, want 60 as Ruby's Base64.encode64", i, len(l))
		}
	}
	pemText, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(text, "\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pemText), "-----BEGIN PUBLIC KEY-----\n") {
		t.Errorf("decoded text starts %q, want a PKIX public key PEM", pemText[:30])
	}
}
