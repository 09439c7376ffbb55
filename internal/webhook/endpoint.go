package webhook

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// Endpoint is a URL that receives an app's events in one format.
type Endpoint struct {
	ID     string // a UUID v4
	Format Format
	URL    string
	Name   string
	// EventTypes are the event types it receives, in its format's words: nil for every one
	// (Lago's null), empty for none (Lago's []).
	EventTypes []string
	Algorithm  string // Lago's signature_algo, LagoJWT or LagoHMAC; "" in the other formats
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// Wants reports whether the endpoint receives events of type t.
func (e Endpoint) Wants(t string) bool {
	return e.EventTypes == nil || slices.Contains(e.EventTypes, t)
}

// Limits of endpoints.
const (
	MaxEndpoints  = 10 // an app's endpoints, of every format: Lago's WebhookEndpoint::LIMIT
	MaxURLLength  = 2048
	MaxNameLength = 255
)

// Patch is a change to an endpoint; nil fields stay as they are.
type Patch struct {
	URL, Name, Algorithm *string
	EventTypes           *[]string // a nil slice: every event type
}

// Apply returns e with p's changes.
func (p Patch) Apply(e Endpoint) Endpoint {
	if p.URL != nil {
		e.URL = *p.URL
	}
	if p.Name != nil {
		e.Name = *p.Name
	}
	if p.Algorithm != nil {
		e.Algorithm = *p.Algorithm
	}
	if p.EventTypes != nil {
		e.EventTypes = slices.Clone(*p.EventTypes)
		if *p.EventTypes != nil && e.EventTypes == nil {
			e.EventTypes = []string{}
		}
	}
	return e
}

// Check reports what makes e unfit to be stored, once each dialect has checked its fields
// in its own words: a bug if it is ever not nil.
func (e Endpoint) Check() error {
	switch {
	case !e.Format.Valid():
		return fmt.Errorf("webhook: format %q", e.Format)
	case e.URL == "" || len(e.URL) > MaxURLLength || len(e.Name) > MaxNameLength:
		return fmt.Errorf("webhook: URL of %d bytes, name of %d", len(e.URL), len(e.Name))
	case (e.Format == Lago) != (e.Algorithm == LagoJWT || e.Algorithm == LagoHMAC):
		return fmt.Errorf("webhook: signature algorithm %q for format %s", e.Algorithm, e.Format)
	}
	for _, t := range e.EventTypes {
		if !e.Format.Accepts(t) {
			return fmt.Errorf("webhook: event type %q for format %s", t, e.Format)
		}
	}
	return nil
}

// Sends lists the event types Clientele sends in format f.
func (f Format) Sends() []string {
	switch f {
	case Apps:
		return []string{"customer.created", "customer.updated", "customer.deleted"}
	case Lago: // Lago has no customer.deleted
		return []string{"customer.created", "customer.updated"}
	case Lukittu:
		return []string{"CUSTOMER_CREATED", "CUSTOMER_UPDATED", "CUSTOMER_DELETED"}
	}
	return nil
}

// Accepts reports whether an endpoint of format f may ask for event type t: those f sends,
// and in Lago every type Lago knows, as a Lago client may ask for invoice events too (they
// are never sent).
func (f Format) Accepts(t string) bool {
	return slices.Contains(f.Sends(), t) || f == Lago && slices.Contains(lagoEventTypes, t)
}

// lagoEventTypes are the names of Lago's webhook event types (lago-api,
// config/webhook_event_types.yml), which its API accepts in an endpoint's event_types.
var lagoEventTypes = []string{
	"alert.triggered", "billable_metric.created", "billable_metric.updated", "billable_metric.deleted",
	"customer.created", "customer.updated", "customer.accounting_provider_created",
	"customer.accounting_provider_error", "customer.crm_provider_created", "customer.crm_provider_error",
	"customer.payment_provider_created", "customer.payment_provider_error", "customer.checkout_url_generated",
	"customer.tax_provider_error", "customer.vies_check", "credit_note.created", "credit_note.generated",
	"credit_note.provider_refund_failure", "dunning_campaign.finished", "event.error", "events.errors",
	"feature.created", "feature.updated", "feature.deleted", "fee.created", "fee.tax_provider_error",
	"invoice.created", "invoice.one_off_created", "invoice.paid_credit_added", "invoice.generated",
	"invoice.drafted", "invoice.ready_to_finalize", "invoice.voided", "invoice.deleted",
	"invoice.payment_dispute_lost", "invoice.payment_status_updated", "invoice.payment_overdue",
	"invoice.payment_failure", "invoice.resynced", "integration.provider_error", "order.created",
	"order.executed", "order_form.created", "order_form.signed", "order_form.expired", "order_form.voided",
	"payment.succeeded", "payment.requires_action", "payment_provider.error", "payment_receipt.created",
	"payment_receipt.generated", "payment_request.created", "payment_request.payment_failure",
	"payment_request.payment_status_updated", "plan.created", "plan.updated", "plan.deleted", "quote.created",
	"quote.approved", "quote.voided", "subscription.canceled", "subscription.incomplete",
	"subscription.terminated", "subscription.started", "subscription.updated", "subscription.termination_alert",
	"subscription.trial_ended", "subscription.usage_threshold_reached", "wallet.created",
	"wallet.depleted_ongoing_balance", "wallet.terminated", "wallet.updated", "wallet_transaction.created",
	"wallet_transaction.updated", "wallet_transaction.payment_failure",
}

// HasSecret reports whether endpoints of format f sign with a secret of their own; Lago's
// sign with their app's keys.
func (f Format) HasSecret() bool { return f == Apps || f == Lukittu }

// NewSecret returns a new secret of an endpoint of format f, as its text, which is also the
// HMAC key (as Stripe's and Lukittu's libraries use it): "whsec_" and 32 random bytes in
// unpadded base64url for the native format; 32 random bytes in hex for Lukittu, as Lukittu
// makes them. Nil for Lago.
func NewSecret(f Format) []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	switch f {
	case Apps:
		return []byte("whsec_" + base64.RawURLEncoding.EncodeToString(b))
	case Lukittu:
		return []byte(hex.EncodeToString(b))
	}
	return nil
}

// LagoKeys are an app's keys for Lago's two algorithms. A reader gets the parts it asked for.
type LagoKeys struct {
	HMACKey    []byte          // the organization's HMAC key: a UUID, as its text
	PrivateKey *rsa.PrivateKey // signs jwt
	PublicKey  *rsa.PublicKey  // verifies jwt: GET /api/v1/webhooks/public_key
}

// LagoRSABits is the size of an app's RSA key (Lago's own is 2048 bits).
const LagoRSABits = 2048

// NewLagoKeys makes an app's Lago keys.
func NewLagoKeys() (LagoKeys, error) {
	priv, err := rsa.GenerateKey(rand.Reader, LagoRSABits)
	if err != nil {
		return LagoKeys{}, fmt.Errorf("webhook: Lago RSA key: %w", err)
	}
	return LagoKeys{HMACKey: []byte(newUUID()), PrivateKey: priv, PublicKey: &priv.PublicKey}, nil
}

// newUUID is a random UUID v4.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Signing is an endpoint with what signs its deliveries, opened: its own secrets (Apps:
// the current one first, then those that still sign after a roll; Lukittu: one), or its
// app's Lago keys.
type Signing struct {
	Endpoint Endpoint
	Secrets  []Secret
	Lago     LagoKeys
}

// Signer is the endpoint's signer; issuer is the API's URL, the iss of Lago's jwt.
func (s Signing) Signer(issuer string) (Signer, error) {
	switch s.Endpoint.Format {
	case Apps:
		return AppsSigner{Secrets: s.Secrets}, nil
	case Lukittu:
		if len(s.Secrets) != 1 {
			return nil, fmt.Errorf("%w: a Lukittu endpoint has one secret, not %d", ErrSigner, len(s.Secrets))
		}
		return LukittuSigner{Secret: s.Secrets[0].Key}, nil
	case Lago:
		return LagoSigner{Algorithm: s.Endpoint.Algorithm, PrivateKey: s.Lago.PrivateKey, Issuer: issuer,
			HMACKey: s.Lago.HMACKey}, nil
	}
	return nil, fmt.Errorf("%w: format %q", ErrSigner, s.Endpoint.Format)
}

// Delivery is what is kept of an event's delivery to one endpoint: how its last attempt ended.
type Delivery struct {
	EndpointID string
	EventID    string
	Type       string // the event type in the endpoint's format
	Class      Class  // how the last attempt ended
	Attempts   int    // the attempts made, the first included
	Status     int    // the last answer's HTTP status; 0 without an answer
	UpdatedAt  time.Time
}
