// Package awskms seals with AWS KMS: each value is one Encrypt under the stack's symmetric
// key, with the app's id as its encryption context, so that a value copied to another app's
// item does not open there. It is a package apart from seal so that only the functions that
// seal link the KMS client.
package awskms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/clientele/clientele/internal/awsclient"
	"github.com/clientele/clientele/internal/seal"
)

// Environment of a function that seals.
const (
	EnvKeyID    = "KMS_KEY_ID"   // the stack's KMS key (template.yaml: WebhookSecretsKey)
	EnvEndpoint = "KMS_ENDPOINT" // set only to reach a stand-in; never in AWS
)

// ContextKey is the encryption context's key; its value is the app's id.
const ContextKey = "clientele:app"

// API is the part of the KMS client the sealer uses.
type API interface {
	Encrypt(ctx context.Context, in *kms.EncryptInput, optFns ...func(*kms.Options)) (*kms.EncryptOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// Sealer seals with one KMS key.
type Sealer struct {
	client API
	keyID  string
}

// New returns a sealer over a KMS client and the key to encrypt under.
func New(client API, keyID string) *Sealer { return &Sealer{client: client, keyID: keyID} }

// Seal implements seal.Sealer: SchemeKMS, then KMS's ciphertext blob.
func (s *Sealer) Seal(ctx context.Context, appID string, plaintext []byte) ([]byte, error) {
	if len(plaintext) > seal.MaxPlaintext {
		return nil, fmt.Errorf("seal: %d bytes, more than %d", len(plaintext), seal.MaxPlaintext)
	}
	out, err := s.client.Encrypt(ctx, &kms.EncryptInput{
		KeyId: aws.String(s.keyID), Plaintext: plaintext, EncryptionContext: map[string]string{ContextKey: appID},
	})
	if err != nil {
		return nil, failure("encrypt", err)
	}
	return append([]byte{seal.SchemeKMS}, out.CiphertextBlob...), nil
}

// Open implements seal.Sealer. It names the key, so that a blob of another key is refused.
func (s *Sealer) Open(ctx context.Context, appID string, sealed []byte) ([]byte, error) {
	if err := seal.CheckScheme(sealed, seal.SchemeKMS); err != nil {
		return nil, err
	}
	out, err := s.client.Decrypt(ctx, &kms.DecryptInput{
		KeyId: aws.String(s.keyID), CiphertextBlob: sealed[1:], EncryptionContext: map[string]string{ContextKey: appID},
	})
	if err != nil {
		return nil, failure("decrypt", err)
	}
	return out.Plaintext, nil
}

// transient are the KMS errors a later try may not meet (the SDK's retryer has tried again).
var transient = map[string]bool{
	"ThrottlingException": true, "KMSInternalException": true, "DependencyTimeoutException": true,
	"KeyUnavailableException": true, "LimitExceededException": true,
}

// failure is a KMS error as the store sees it: seal.ErrUnavailable when a retry may pass
// (the message kept for the logs, not the SDK's error); the error itself when it is not.
func failure(op string, err error) error {
	var ae smithy.APIError
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("seal: kms %s: %w", op, context.Canceled)
	case errors.As(err, &ae) && !transient[ae.ErrorCode()]:
		return fmt.Errorf("seal: kms %s: %w", op, err)
	}
	return fmt.Errorf("seal: kms %s: %w: %s", op, seal.ErrUnavailable, err.Error())
}

// FromEnv returns the sealer the environment names: KMS with the key EnvKeyID, or the local
// key seal.EnvLocalKey (`make local` and tests). Both set is an error; neither is
// seal.ErrNotConfigured. The KMS client is built with the SDK's constructor from Lambda's
// environment (awsclient), its endpoint overridden only when EnvEndpoint is set.
func FromEnv() (seal.Sealer, error) {
	keyID, local := os.Getenv(EnvKeyID), os.Getenv(seal.EnvLocalKey)
	switch {
	case keyID != "" && local != "":
		return nil, fmt.Errorf("seal: both %s and %s are set: a function seals one way", EnvKeyID, seal.EnvLocalKey)
	case keyID == "":
		return seal.LocalFromEnv()
	}
	endpoint := os.Getenv(EnvEndpoint)
	env, err := awsclient.FromEnv(endpoint != "")
	if err != nil {
		return nil, err
	}
	opts := kms.Options{
		Region:           env.Region,
		Credentials:      env.Credentials,
		RetryMode:        env.RetryMode,
		RetryMaxAttempts: env.MaxAttempts,
		HTTPClient:       awsclient.HTTPClient(),
	}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	return New(kms.New(opts), keyID), nil
}

// MustFromEnv is FromEnv for a function's main: it exits the process when the environment
// names no way to seal, as a function that seals cannot serve without one.
func MustFromEnv(log *slog.Logger) seal.Sealer {
	s, err := FromEnv()
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	return s
}
