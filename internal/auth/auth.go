// Package auth holds API keys and the principal a request acts as. Keys are random secrets
// shown once; only their SHA-256 is ever stored.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Kind of a key, which fixes its reach.
type Kind string

const (
	// Account keys manage apps and reach every app.
	Account Kind = "account"
	// Secret keys read and write one app.
	Secret Kind = "secret"
	// Publishable keys only read one app.
	Publishable Kind = "publishable"
)

// prefixes by kind; the prefix tells a key's kind at a glance, as in the Blackwalnut API.
func (k Kind) prefix() string {
	switch k {
	case Account:
		return "ak_live_"
	case Secret:
		return "sk_live_"
	case Publishable:
		return "pk_live_"
	}
	return ""
}

// ParseKind reads a kind name as the API takes it ("secret", "publishable").
func ParseKind(s string) (Kind, bool) {
	switch k := Kind(s); k {
	case Secret, Publishable:
		return k, true
	}
	return "", false
}

// Key is a stored API key, without its secret.
type Key struct {
	ID        string // UUID
	AppID     string // empty for an account key
	AppSlug   string // the app's slug (fixed for the app's life), for app keys
	AppName   string // the app's name (fixed too), for app keys; "" for a key made before keys held it
	Kind      Kind
	Hint      string // the key's first characters, to tell keys apart in lists
	CreatedAt time.Time
}

// Generate returns a new secret of the kind and its stored record (without id or times).
func Generate(kind Kind) (secret string, hash string) {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	secret = kind.prefix() + hex.EncodeToString(b)
	return secret, Hash(secret)
}

// Hash is the form under which a key is stored and looked up.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Hint returns what may be shown of a secret: its prefix and four characters.
func Hint(secret string) string {
	if len(secret) < 12 {
		return ""
	}
	return secret[:12] + "…"
}

// Plausible reports whether s has the shape of one of our keys, so that garbage is refused
// without a database read.
func Plausible(s string) bool {
	if len(s) != 8+48 {
		return false
	}
	if !strings.HasPrefix(s, Account.prefix()) && !strings.HasPrefix(s, Secret.prefix()) &&
		!strings.HasPrefix(s, Publishable.prefix()) {
		return false
	}
	for _, c := range s[8:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// BearerToken extracts the token of an "Authorization: Bearer <token>" header value.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// Principal is who a request acts as, as the authorizer established it.
type Principal struct {
	KeyID   string
	AppID   string // empty for an account key
	AppSlug string // the app's slug, for app keys
	AppName string // the app's name, for app keys; "" for a key made before keys held it
	Kind    Kind
}

// CanWrite reports whether the principal may change data.
func (p Principal) CanWrite() bool { return p.Kind == Account || p.Kind == Secret }

// Errors of a request's key.
var (
	ErrNoKey    = errors.New("auth: a valid API key is required") // missing, unknown or revoked
	ErrReadOnly = errors.New("auth: the key only reads")          // a write with a publishable key
)

// Need is what a request needs of its key: to read an app's data, or to change it too.
type Need int

// What a request needs.
const (
	Read Need = iota
	Write
)

// Allow is ErrReadOnly when the principal may not do what a request that needs n does.
func (p Principal) Allow(n Need) error {
	if n == Write && !p.CanWrite() {
		return ErrReadOnly
	}
	return nil
}

// Reaches reports whether the principal may see the app at all.
func (p Principal) Reaches(appID string) bool { return p.Kind == Account || p.AppID == appID }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of a request.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && p.Kind != ""
}

// Keys of the authorizer's context, as API Gateway hands it to every function.
const (
	ctxKeyID   = "key_id"
	ctxAppID   = "app_id"
	ctxAppSlug = "app_slug"
	ctxAppName = "app_name"
	ctxKind    = "kind"
)

// AuthorizerContext is what the authorizer returns for a valid key. An invalid key gets an
// empty context: the request still reaches the function, which answers 401 in its own
// dialect's format (API Gateway's own 403 would not be).
func (p Principal) AuthorizerContext() map[string]any {
	return map[string]any{
		ctxKeyID: p.KeyID, ctxAppID: p.AppID, ctxAppSlug: p.AppSlug, ctxAppName: p.AppName, ctxKind: string(p.Kind),
	}
}

// PrincipalFromAuthorizer reads the authorizer's context; ok is false for an invalid key. The
// app's name may be missing (a key made before keys held it, or an answer of the authorizer
// cached from before): what needs it reads it from the app.
func PrincipalFromAuthorizer(m map[string]any) (Principal, bool) {
	get := func(k string) string { s, _ := m[k].(string); return s }
	p := Principal{
		KeyID: get(ctxKeyID), AppID: get(ctxAppID), AppSlug: get(ctxAppSlug), AppName: get(ctxAppName),
		Kind: Kind(get(ctxKind)),
	}
	switch p.Kind {
	case Account:
		return p, p.KeyID != ""
	case Secret, Publishable:
		return p, p.KeyID != "" && p.AppID != "" && p.AppSlug != ""
	}
	return Principal{}, false
}
