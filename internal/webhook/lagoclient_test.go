package webhook

import (
	"crypto/rsa"
	"net/http/httptest"
	"testing"

	"github.com/clientele/clientele/internal/webhook/webhooktest"
)

// lagoKeyServer serves Lago's public key route for key, as a Lago API would (and as
// Clientele's Lago dialect does, from LagoPublicKey), on loopback.
func lagoKeyServer(t *testing.T, key *rsa.PublicKey) *httptest.Server {
	t.Helper()
	text, err := LagoPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return webhooktest.LagoKeyServer(t, text)
}
