package awskms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/clientele/clientele/internal/seal"
)

// standIn is a KMS on loopback that answers Encrypt and Decrypt as KMS's JSON protocol
// does: a blob opens only with the key and the encryption context it was made under.
// throttle makes that many next calls fail with ThrottlingException.
type standIn struct {
	t        *testing.T
	mu       sync.Mutex
	blobs    map[string]kept
	calls    []string // X-Amz-Target of each call
	throttle int
}

type kept struct {
	plaintext []byte
	keyID     string
	context   map[string]string
}

func newStandIn(t *testing.T) (*standIn, *httptest.Server) {
	s := &standIn{t: t, blobs: map[string]kept{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		KeyId             string
		Plaintext         []byte
		CiphertextBlob    []byte
		EncryptionContext map[string]string
	}
	target := r.Header.Get("X-Amz-Target")
	if !strings.Contains(r.Header.Get("Authorization"), "Credential=AKIDEXAMPLE/") {
		s.t.Errorf("%s: the request is not signed with the environment's credentials", target)
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		kmsError(w, "SerializationException", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, target)
	if s.throttle > 0 {
		s.throttle--
		kmsError(w, "ThrottlingException", "rate exceeded")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch target {
	case "TrentService.Encrypt":
		blob := fmt.Sprintf("blob-%d", len(s.blobs))
		s.blobs[blob] = kept{plaintext: in.Plaintext, keyID: in.KeyId, context: in.EncryptionContext}
		json.NewEncoder(w).Encode(map[string]any{"CiphertextBlob": []byte(blob), "KeyId": in.KeyId})
	case "TrentService.Decrypt":
		k, ok := s.blobs[string(in.CiphertextBlob)]
		if !ok || k.keyID != in.KeyId || !reflect.DeepEqual(k.context, in.EncryptionContext) {
			kmsError(w, "InvalidCiphertextException", "")
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"Plaintext": k.plaintext, "KeyId": k.keyID})
	default:
		kmsError(w, "UnknownOperationException", target)
	}
}

// seen returns the calls so far and what a blob was made under.
func (s *standIn) seen(blob []byte) ([]string, kept) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...), s.blobs[string(blob)]
}

func kmsError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// kmsEnv is a function's environment with the stand-in as its KMS.
func kmsEnv(t *testing.T, endpoint string) {
	t.Setenv(EnvKeyID, "alias/clientele-webhooks")
	t.Setenv(EnvEndpoint, endpoint)
	t.Setenv(seal.EnvLocalKey, "")
	t.Setenv("AWS_REGION", "eu-central-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
}

// TestFromEnvSealsThroughTheSDK: the sealer FromEnv builds encrypts with the SDK's KMS
// client, signed with the environment's credentials, on the endpoint KMS_ENDPOINT names,
// under the key KMS_KEY_ID and the app's id as the encryption context, and what it sealed
// for one app does not open for another.
func TestFromEnvSealsThroughTheSDK(t *testing.T) {
	kms, srv := newStandIn(t)
	kmsEnv(t, srv.URL)
	s, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sealed, err := s.Seal(ctx, "app-1", []byte("whsec_x"))
	if err != nil {
		t.Fatal(err)
	}
	if sealed[0] != seal.SchemeKMS || bytes.Contains(sealed, []byte("whsec_x")) {
		t.Errorf("sealed %q: want SchemeKMS then KMS's blob", sealed)
	}
	want := map[string]string{ContextKey: "app-1"}
	if _, k := kms.seen(sealed[1:]); k.keyID != "alias/clientele-webhooks" || !reflect.DeepEqual(k.context, want) {
		t.Errorf("encrypted under key %q, context %v; want the configured key and %v", k.keyID, k.context, want)
	}
	got, err := s.Open(ctx, "app-1", sealed)
	if err != nil || string(got) != "whsec_x" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(ctx, "app-2", sealed); err == nil || errors.Is(err, seal.ErrUnavailable) {
		t.Errorf("opened under another app: %v, want a permanent error", err)
	}
	calls, _ := kms.seen(nil)
	if !reflect.DeepEqual(calls, []string{"TrentService.Encrypt", "TrentService.Decrypt", "TrentService.Decrypt"}) {
		t.Errorf("calls %v", calls)
	}
	local, _ := seal.NewLocal(make([]byte, 32))
	byLocal, _ := local.Seal(ctx, "app-1", []byte("x"))
	_, err = s.Open(ctx, "app-1", byLocal)
	if calls, _ = kms.seen(nil); err == nil || len(calls) != 3 {
		t.Errorf("a locally sealed value: %v after %d calls, want an error without a call", err, len(calls))
	}
}

// TestThrottlingIsUnavailable: what a retry may cure is seal.ErrUnavailable, which the
// store answers 503; what it cannot is not.
func TestThrottlingIsUnavailable(t *testing.T) {
	kms, srv := newStandIn(t)
	kmsEnv(t, srv.URL)
	s, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	kms.mu.Lock()
	kms.throttle = 1
	kms.mu.Unlock()
	if _, err := s.Seal(context.Background(), "app", []byte("x")); !errors.Is(err, seal.ErrUnavailable) {
		t.Errorf("throttled: %v, want ErrUnavailable", err)
	}
	if _, err := s.Open(context.Background(), "app", []byte{seal.SchemeKMS, 'n', 'o'}); err == nil ||
		errors.Is(err, seal.ErrUnavailable) {
		t.Errorf("an unknown blob: %v, want a permanent error", err)
	}
	if _, err := s.Seal(context.Background(), "app", make([]byte, seal.MaxPlaintext+1)); err == nil {
		t.Error("sealed more than KMS takes")
	}
}

func TestFromEnvNeedsOneWayToSeal(t *testing.T) {
	t.Setenv(EnvKeyID, "")
	t.Setenv(seal.EnvLocalKey, "")
	if _, err := FromEnv(); !errors.Is(err, seal.ErrNotConfigured) {
		t.Errorf("neither: %v, want ErrNotConfigured", err)
	}
	t.Setenv(EnvKeyID, "alias/k")
	t.Setenv(seal.EnvLocalKey, seal.NewLocalKey())
	if _, err := FromEnv(); err == nil {
		t.Error("both: no error")
	}
	t.Setenv(EnvKeyID, "")
	s, err := FromEnv()
	if _, local := s.(*seal.Local); err != nil || !local {
		t.Errorf("the local key alone: %T, %v", s, err)
	}
	t.Setenv(EnvKeyID, "alias/k")
	t.Setenv(seal.EnvLocalKey, "")
	t.Setenv(EnvEndpoint, "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	if _, err := FromEnv(); err == nil {
		t.Error("KMS without a region: no error")
	}
}
