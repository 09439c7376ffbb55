package gateway_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestOneEmailInNFCAndNFD: an address spelt with a precomposed accent and with a combining
// one is one address in every dialect: stored in NFC, found by either spelling, and taken
// for both.
func TestOneEmailInNFCAndNFD(t *testing.T) {
	e := newEnv(t)
	app := e.createApp(t, "unicode")
	sk := e.as(t, app.secret)
	const nfc, nfd = "jos\u00e9@example.com", "jose\u0301@example.com"

	c := e.createCustomer(t, app.secret, "unicode", map[string]any{"email": nfd})
	if c.Email == nil || *c.Email != nfc {
		t.Errorf("stored email %q, want its NFC form %q", str(c.Email), nfc)
	}
	if got := sk.post("/api/v1/apps/unicode/customers", map[string]any{"email": nfc}).wantError(409, "conflict", "email"); got.ExistingID != c.ID {
		t.Errorf("existing_id %s, want %s", got.ExistingID, c.ID)
	}
	if got := data[customerJSON](sk.get("/api/v1/apps/unicode/customers/by-email?email=" + url.QueryEscape(strings.ToUpper(nfd))).want(200)); got.ID != c.ID {
		t.Errorf("by-email in NFD upper case found %s, want %s", got.ID, c.ID)
	}
	lagoErr(t, sk.post("/api/v1/customers", map[string]any{"customer": map[string]any{"external_id": "nfd", "email": nfc}}), 422,
		"validation_errors", map[string]string{"email": "value_already_exist"})
	r := sk.post("/api/v1/dev/teams/"+app.UUID+"/customers", map[string]any{"email": nfc, "metadata": []any{}})
	if r.Status != 409 {
		t.Errorf("Lukittu create of the NFC spelling: %d %s, want 409", r.Status, r.Body)
	}
}

// TestInvisibleCharactersInEmailsAreRefused: control, bidi and zero-width characters make an
// email invalid (422), rather than being stored or silently dropped.
func TestInvisibleCharactersInEmailsAreRefused(t *testing.T) {
	e := newEnv(t)
	e.createApp(t, "invisible")
	acct := e.as(t, e.accountKey)
	for _, r := range []string{"\u0085", "\u202e", "\u200b", "\u2066"} {
		acct.post("/api/v1/apps/invisible/customers", map[string]any{"email": "ab" + r + "c@example.com"}).wantError(422, "validation_error", "email")
	}
}
