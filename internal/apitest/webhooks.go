package apitest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go/middleware"

	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/seal/awskms"
)

// kmsKeyID is the stack's KMS key, as the functions are told it.
const kmsKeyID = "arn:aws:kms:us-east-1:123456789012:key/5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"

// standInKMS is a KMS on loopback for the functions' sealers: it answers Encrypt and
// Decrypt (told apart by their bodies) as KMS's JSON protocol does, with AES-GCM under a key
// of its own, so that a blob opens only under the key and encryption context it was made
// with. The functions reach it through the SDK's KMS client and awskms, as in AWS.
type standInKMS struct {
	srv  *httptest.Server
	aead cipher.AEAD
}

func newStandInKMS(t *testing.T) *standInKMS {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	k := &standInKMS{aead: aead}
	k.srv = httptest.NewServer(k)
	t.Cleanup(k.srv.Close)
	return k
}

func (k *standInKMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		KeyId             string
		Plaintext         []byte
		CiphertextBlob    []byte
		EncryptionContext map[string]string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		kmsFault(w, "SerializationException")
		return
	}
	aad, _ := json.Marshal([]any{in.KeyId, in.EncryptionContext}) // encoding/json sorts the map's keys
	switch {
	case in.KeyId != kmsKeyID:
		kmsFault(w, "NotFoundException")
	case in.Plaintext != nil:
		nonce := make([]byte, k.aead.NonceSize())
		_, _ = rand.Read(nonce)
		answer(w, map[string]any{"CiphertextBlob": k.aead.Seal(nonce, nonce, in.Plaintext, aad), "KeyId": kmsKeyID})
	case len(in.CiphertextBlob) > k.aead.NonceSize():
		n := k.aead.NonceSize()
		plain, err := k.aead.Open(nil, in.CiphertextBlob[:n], in.CiphertextBlob[n:], aad)
		if err != nil {
			kmsFault(w, "InvalidCiphertextException")
			return
		}
		answer(w, map[string]any{"Plaintext": plain, "KeyId": kmsKeyID})
	default:
		kmsFault(w, "InvalidCiphertextException")
	}
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func kmsFault(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": code})
}

// sealer is a function's sealer: awskms over the SDK's KMS client on the stand-in, whose
// calls the recorder holds to the function's grants.
func (k *standInKMS) sealer(fn string, iam *recorder) seal.Sealer {
	client := kms.New(kms.Options{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(k.srv.URL), RetryMaxAttempts: 1,
		APIOptions: []func(*middleware.Stack) error{func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("iamRecorder",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
					middleware.InitializeOutput, middleware.Metadata, error,
				) {
					iam.recordKMS(fn, awsmiddleware.GetOperationName(ctx))
					return next.HandleInitialize(ctx, in)
				}), middleware.After)
		}},
	})
	return awskms.New(client, kmsKeyID)
}

// Hosts is the resolver of the functions' webhook URL checks: it answers from its table and
// sends no query. A name it does not hold is public (PublicAddr), unless it is under
// "nxdomain.", which does not resolve.
type Hosts struct {
	mu    sync.Mutex
	names map[string][]netip.Addr
}

// PublicAddr is the address of the names Hosts does not hold.
var PublicAddr = netip.MustParseAddr("93.184.215.14")

// The names Hosts holds from the start, each leading to a range the URL rules refuse.
var defaultHosts = map[string][]string{
	"private.example.com":  {"10.1.2.3"},
	"metadata.example.com": {"169.254.169.254"},
	"loopback.example.com": {"127.0.0.1"},
	"localhost":            {"127.0.0.1", "::1"},
	"mixed.example.com":    {"93.184.215.14", "fd00:ec2::254"},
}

func newHosts() *Hosts {
	h := &Hosts{names: map[string][]netip.Addr{}}
	for name, addrs := range defaultHosts {
		h.Set(name, addrs...)
	}
	return h
}

// Set makes name resolve to addrs.
func (h *Hosts) Set(name string, addrs ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.names[name] = nil
	for _, a := range addrs {
		h.names[name] = append(h.names[name], netip.MustParseAddr(a))
	}
}

// LookupNetIP implements webhook.Resolver.
func (h *Hosts) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if addrs, ok := h.names[host]; ok {
		return slices.Clone(addrs), nil
	}
	if strings.HasPrefix(host, "nxdomain.") {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []netip.Addr{PublicAddr}, nil
}
