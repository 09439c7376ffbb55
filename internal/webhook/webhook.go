// Package webhook holds the core of outgoing webhooks, free of storage and AWS: the headers
// and signatures of each format as its product makes them (Lago, Lukittu, and the native
// Apps API format modelled on Stripe's), each format's retry schedule, the rules that keep an
// endpoint URL from reaching private or metadata addresses, and one delivery attempt through
// an HTTP client that enforces them again at connect time.
//
// The facts each format reproduces, where they were read, and the choices made where the
// products are silent, are in docs/webhooks.md.
package webhook

import "net/http"

// Format is the wire format of an endpoint's deliveries, as stored on the endpoint.
type Format string

// The formats.
const (
	Apps    Format = "apps" // native: Clientele-Signature, modelled on Stripe-Signature
	Lago    Format = "lago"
	Lukittu Format = "lukittu"
)

// Valid reports whether f is one of the formats.
func (f Format) Valid() bool {
	switch f {
	case Apps, Lago, Lukittu:
		return true
	}
	return false
}

// Message is one event as an endpoint receives it.
type Message struct {
	ID   string // the event's id, derived from what it describes; Lago's X-Lago-Unique-Key
	Type string // the event type in the format's words: customer.created, CUSTOMER_CREATED
	Body []byte // exactly the bytes that are sent and signed
}

// setDefaults sets the headers every delivery carries, where the format has not set them.
func setDefaults(h http.Header) {
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", userAgent)
	}
}

const userAgent = "Clientele-Webhooks/1.0"
