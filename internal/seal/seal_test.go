package seal

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func newLocal(t *testing.T) *Local {
	t.Helper()
	l, err := NewLocal(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLocalOpensWhatItSealedForTheSameAppOnly(t *testing.T) {
	ctx := context.Background()
	l := newLocal(t)
	secret := []byte("whsec_the-secret")
	sealed, err := l.Seal(ctx, "app-1", secret)
	if err != nil {
		t.Fatal(err)
	}
	if sealed[0] != SchemeLocal || bytes.Contains(sealed, secret) {
		t.Fatalf("sealed value %x: want SchemeLocal first and no plaintext in it", sealed)
	}
	again, _ := l.Seal(ctx, "app-1", secret)
	if bytes.Equal(again, sealed) {
		t.Error("sealing twice gave the same bytes: the nonce is not random")
	}
	got, err := l.Open(ctx, "app-1", sealed)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	tests := []struct {
		name   string
		app    string
		sealed []byte
	}{
		{"another app's id", "app-2", sealed},
		{"a flipped byte", "app-1", flip(sealed, len(sealed)-1)},
		{"a flipped nonce", "app-1", flip(sealed, 3)},
		{"too short", "app-1", sealed[:10]},
		{"empty", "app-1", nil},
		{"another scheme", "app-1", append([]byte{SchemeKMS}, sealed[1:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := l.Open(ctx, tt.app, tt.sealed); err == nil {
				t.Errorf("Open = %q, want an error", got)
			}
		})
	}
	other, _ := NewLocal(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(ctx, "app-1", sealed); err == nil {
		t.Error("another key opened the value")
	}
}

func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 1
	return out
}

func TestLocalRefusesWhatKMSWouldRefuse(t *testing.T) {
	l := newLocal(t)
	if _, err := l.Seal(context.Background(), "app", make([]byte, MaxPlaintext+1)); err == nil {
		t.Error("sealed more than MaxPlaintext bytes")
	}
	if _, err := l.Seal(context.Background(), "app", make([]byte, MaxPlaintext)); err != nil {
		t.Errorf("MaxPlaintext bytes: %v", err)
	}
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := NewLocal(make([]byte, n)); err == nil {
			t.Errorf("a key of %d bytes was accepted", n)
		}
	}
}

func TestLocalFromEnv(t *testing.T) {
	t.Setenv(EnvLocalKey, "")
	if _, err := LocalFromEnv(); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("unset: %v, want ErrNotConfigured", err)
	}
	for _, bad := range []string{"not base64!", "c2hvcnQ="} {
		t.Setenv(EnvLocalKey, bad)
		if _, err := LocalFromEnv(); err == nil || errors.Is(err, ErrNotConfigured) {
			t.Errorf("%q: %v, want a configuration error", bad, err)
		}
	}
	key := NewLocalKey()
	t.Setenv(EnvLocalKey, key)
	l, err := LocalFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := l.Seal(context.Background(), "app", []byte("x"))
	if strings.Contains(string(sealed), key) {
		t.Error("the key is in the sealed value")
	}
	if NewLocalKey() == key {
		t.Error("NewLocalKey gave the same key twice")
	}
}
