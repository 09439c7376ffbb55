// Package seal encrypts the secrets the store keeps (webhook signing secrets and keys), so
// that a read of the table alone reveals none of them. A Sealer binds each sealed value to
// its app: what one app's value was sealed under does not open under another app's id.
//
// Two implementations: AWS KMS (package awskms, what the functions use in AWS) and Local,
// AES-256-GCM under a key given in the environment, for `make local` and tests. Neither is
// chosen unless configured: awskms.FromEnv fails when the environment names neither.
package seal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
)

// Sealer seals and opens small secrets (at most MaxPlaintext bytes) for one app.
type Sealer interface {
	Seal(ctx context.Context, appID string, plaintext []byte) ([]byte, error)
	Open(ctx context.Context, appID string, sealed []byte) ([]byte, error)
}

// MaxPlaintext is the most a Sealer takes: KMS's limit on one Encrypt.
const MaxPlaintext = 4096

// Errors of sealing.
var (
	// ErrUnavailable: the service that seals failed or throttled; a retry may pass.
	ErrUnavailable = errors.New("seal: unavailable")
	// ErrNotConfigured: the environment names no way to seal.
	ErrNotConfigured = errors.New("seal: no KMS key and no local key configured")
)

// Schemes, the first byte of every sealed value: what sealed it.
const (
	SchemeKMS   byte = 1
	SchemeLocal byte = 2
)

// EnvLocalKey is the local key: 32 bytes in standard base64. It is set by `make local` and
// tests only.
const EnvLocalKey = "SEAL_LOCAL_KEY"

// Local seals with AES-256-GCM under one key, the app id as additional data.
type Local struct {
	aead cipher.AEAD
}

// NewLocal returns a Local sealer over a 32-byte key.
func NewLocal(key []byte) (*Local, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("seal: a local key is 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Local{aead: aead}, nil
}

// LocalFromEnv returns the Local sealer of EnvLocalKey, or ErrNotConfigured when it is unset.
func LocalFromEnv() (*Local, error) {
	v := os.Getenv(EnvLocalKey)
	if v == "" {
		return nil, ErrNotConfigured
	}
	key, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("seal: %s is not standard base64: %w", EnvLocalKey, err)
	}
	return NewLocal(key)
}

// NewLocalKey returns a fresh local key in EnvLocalKey's form.
func NewLocalKey() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return base64.StdEncoding.EncodeToString(key)
}

// Seal implements Sealer: SchemeLocal, a random nonce, the ciphertext and its tag.
func (l *Local) Seal(_ context.Context, appID string, plaintext []byte) ([]byte, error) {
	if len(plaintext) > MaxPlaintext {
		return nil, fmt.Errorf("seal: %d bytes, more than %d", len(plaintext), MaxPlaintext)
	}
	out := make([]byte, 1+l.aead.NonceSize(), 1+l.aead.NonceSize()+len(plaintext)+l.aead.Overhead())
	out[0] = SchemeLocal
	_, _ = rand.Read(out[1:])
	return l.aead.Seal(out, out[1:], plaintext, []byte(appID)), nil
}

// Open implements Sealer.
func (l *Local) Open(_ context.Context, appID string, sealed []byte) ([]byte, error) {
	n := l.aead.NonceSize()
	if err := CheckScheme(sealed, SchemeLocal); err != nil {
		return nil, err
	}
	if len(sealed) < 1+n+l.aead.Overhead() {
		return nil, errors.New("seal: a local value too short to open")
	}
	plain, err := l.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(appID))
	if err != nil {
		return nil, fmt.Errorf("seal: open under app %s: %w", appID, err)
	}
	return plain, nil
}

// CheckScheme says whether sealed was sealed by scheme.
func CheckScheme(sealed []byte, scheme byte) error {
	switch {
	case len(sealed) == 0:
		return errors.New("seal: an empty sealed value")
	case sealed[0] != scheme:
		return fmt.Errorf("seal: sealed by scheme %d, this sealer opens scheme %d", sealed[0], scheme)
	}
	return nil
}
