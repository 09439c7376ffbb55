package webhook

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestEndpointWants(t *testing.T) {
	tests := []struct {
		name  string
		types []string
		want  bool
	}{
		{"nil: every type", nil, true},
		{"empty: none", []string{}, false},
		{"listed", []string{"customer.updated", "customer.created"}, true},
		{"not listed", []string{"customer.updated"}, false},
	}
	for _, tt := range tests {
		if got := (Endpoint{EventTypes: tt.types}).Wants("customer.created"); got != tt.want {
			t.Errorf("%s: Wants = %v", tt.name, got)
		}
	}
}

func TestPatchApply(t *testing.T) {
	cur := Endpoint{URL: "https://a.example", Name: "a", EventTypes: []string{"customer.created"},
		Algorithm: LagoJWT, Format: Lago}
	url, empty, hmacAlgo := "https://b.example", "", LagoHMAC
	none, all := []string{}, []string(nil)
	tests := []struct {
		name  string
		patch Patch
		want  Endpoint
	}{
		{"nothing", Patch{}, cur},
		{"url and algorithm", Patch{URL: &url, Algorithm: &hmacAlgo},
			Endpoint{URL: url, Name: "a", EventTypes: []string{"customer.created"}, Algorithm: LagoHMAC, Format: Lago}},
		{"name cleared", Patch{Name: &empty},
			Endpoint{URL: cur.URL, EventTypes: []string{"customer.created"}, Algorithm: LagoJWT, Format: Lago}},
		{"every type", Patch{EventTypes: &all},
			Endpoint{URL: cur.URL, Name: "a", Algorithm: LagoJWT, Format: Lago}},
		{"no type", Patch{EventTypes: &none},
			Endpoint{URL: cur.URL, Name: "a", EventTypes: []string{}, Algorithm: LagoJWT, Format: Lago}},
	}
	for _, tt := range tests {
		got := tt.patch.Apply(cur)
		if !reflect.DeepEqual(got, tt.want) || (got.EventTypes == nil) != (tt.want.EventTypes == nil) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if cur.EventTypes[0] != "customer.created" {
		t.Error("Apply changed the endpoint it was given")
	}
}

func TestEndpointCheck(t *testing.T) {
	ok := []Endpoint{
		{Format: Apps, URL: "https://x.example", EventTypes: []string{"customer.deleted"}},
		{Format: Lago, URL: "https://x.example", Algorithm: LagoHMAC, EventTypes: []string{"invoice.voided"}},
		{Format: Lukittu, URL: "https://x.example", EventTypes: []string{"CUSTOMER_DELETED"}},
	}
	for _, e := range ok {
		if err := e.Check(); err != nil {
			t.Errorf("%+v: %v", e, err)
		}
	}
	bad := map[string]Endpoint{
		"unknown format":            {Format: "stripe", URL: "https://x.example"},
		"no URL":                    {Format: Apps},
		"a URL too long":            {Format: Apps, URL: "https://" + strings.Repeat("x", MaxURLLength)},
		"a name too long":           {Format: Apps, URL: "https://x.example", Name: strings.Repeat("n", MaxNameLength+1)},
		"Lago without an algorithm": {Format: Lago, URL: "https://x.example"},
		"an algorithm outside Lago": {Format: Apps, URL: "https://x.example", Algorithm: LagoJWT},
		"Lago's customer.deleted": {Format: Lago, URL: "https://x.example", Algorithm: LagoJWT,
			EventTypes: []string{"customer.deleted"}},
		"Lago's names in Lukittu": {Format: Lukittu, URL: "https://x.example", EventTypes: []string{"customer.created"}},
		"invoices in the native":  {Format: Apps, URL: "https://x.example", EventTypes: []string{"invoice.voided"}},
	}
	for name, e := range bad {
		if err := e.Check(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestNewSecretHasEachFormatsShape(t *testing.T) {
	shapes := map[Format]*regexp.Regexp{
		Apps:    regexp.MustCompile(`^whsec_[A-Za-z0-9_-]{43}$`),
		Lukittu: regexp.MustCompile(`^[0-9a-f]{64}$`),
	}
	for f, shape := range shapes {
		a, b := NewSecret(f), NewSecret(f)
		if !shape.Match(a) || string(a) == string(b) || !f.HasSecret() {
			t.Errorf("%s: %q then %q, want two different secrets matching %s", f, a, b, shape)
		}
	}
	if NewSecret(Lago) != nil || Lago.HasSecret() {
		t.Error("a Lago endpoint got a secret of its own")
	}
}

// TestNewLagoKeys: Lago's HMAC key is a UUID; the RSA key is 2048 bits, and its public
// key renders as lago-go-client reads it (base64 of a PKIX PEM).
func TestNewLagoKeys(t *testing.T) {
	k, err := NewLagoKeys()
	if err != nil {
		t.Fatal(err)
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !uuid.Match(k.HMACKey) {
		t.Errorf("HMAC key %q is not a UUID v4", k.HMACKey)
	}
	if k.PrivateKey.N.BitLen() != LagoRSABits || k.PublicKey.N.Cmp(k.PrivateKey.N) != 0 {
		t.Errorf("RSA key of %d bits; its public key: %v", k.PrivateKey.N.BitLen(), k.PublicKey.N.Cmp(k.PrivateKey.N) == 0)
	}
	text, err := LagoPublicKey(k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(text, "\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("not a PUBLIC KEY block: %q", raw)
	}
	if pub, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil || !k.PublicKey.Equal(pub) {
		t.Errorf("the rendered public key is not the app's: %v", err)
	}
}

// TestSigningSigner: each format's signing material gives its format's signer, which signs.
func TestSigningSigner(t *testing.T) {
	key, err := lagoKey()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	m := Message{ID: "ev_1", Type: "customer.created", Body: []byte(`{"a":1}`)}
	tests := []struct {
		name   string
		s      Signing
		header string
	}{
		{"apps", Signing{Endpoint: Endpoint{Format: Apps}, Secrets: []Secret{{Key: NewSecret(Apps)}}}, AppsSignatureHeader},
		{"lukittu", Signing{Endpoint: Endpoint{Format: Lukittu}, Secrets: []Secret{{Key: NewSecret(Lukittu)}}},
			LukittuSignatureHeader},
		{"lago jwt", Signing{Endpoint: Endpoint{Format: Lago, Algorithm: LagoJWT}, Lago: LagoKeys{PrivateKey: key}},
			LagoSignatureHeader},
		{"lago hmac", Signing{Endpoint: Endpoint{Format: Lago, Algorithm: LagoHMAC}, Lago: LagoKeys{HMACKey: []byte("k")}},
			LagoSignatureHeader},
	}
	for _, tt := range tests {
		signer, err := tt.s.Signer("https://api.example")
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		h, err := signer.Sign(m, now)
		if err != nil || h.Get(tt.header) == "" {
			t.Errorf("%s: %v, headers %v", tt.name, err, h)
		}
	}
	if _, err := (Signing{Endpoint: Endpoint{Format: Lukittu}}).Signer(""); err == nil {
		t.Error("a Lukittu endpoint without its secret got a signer")
	}
}

func TestPolicyFromEnv(t *testing.T) {
	for v, local := range map[string]bool{"": false, "false": false, "true": true} {
		t.Setenv(EnvLocal, v)
		if p, err := PolicyFromEnv(); err != nil || p.Local != local {
			t.Errorf("%q: %+v, %v", v, p, err)
		}
	}
	for _, v := range []string{"1", "yes", "TRUE"} {
		t.Setenv(EnvLocal, v)
		if _, err := PolicyFromEnv(); err == nil {
			t.Errorf("%q: no error", v)
		}
	}
}
