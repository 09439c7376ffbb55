package auth

import (
	"context"
	"strings"
	"testing"
)

func TestGeneratedKeysArePlausibleAndHashed(t *testing.T) {
	for _, kind := range []Kind{Account, Secret, Publishable} {
		secret, hash := Generate(kind)
		if !Plausible(secret) {
			t.Errorf("%s key %q is not plausible", kind, secret)
		}
		if hash != Hash(secret) || len(hash) != 64 || strings.Contains(hash, secret) {
			t.Errorf("%s key hash %q", kind, hash)
		}
		if !strings.HasPrefix(Hint(secret), kind.prefix()) || len(Hint(secret)) >= len(secret) {
			t.Errorf("%s hint %q reveals too much or too little", kind, Hint(secret))
		}
	}
	a, _ := Generate(Secret)
	b, _ := Generate(Secret)
	if a == b {
		t.Error("two generated keys are equal")
	}
}

func TestPlausibleRejectsGarbage(t *testing.T) {
	secret, _ := Generate(Secret)
	for _, s := range []string{
		"", "sk_live_", secret + "0", "xx_live_" + secret[8:], strings.ToUpper(secret), secret[:len(secret)-1] + "g",
	} {
		if Plausible(s) {
			t.Errorf("Plausible(%q) = true", s)
		}
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header, want string
		ok           bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer   abc  ", "abc", true},
		{"Basic abc", "", false},
		{"Bearer ", "", false},
		{"abc", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := BearerToken(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAuthorizerContextRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		p    Principal
		ok   bool
	}{
		{"account key", Principal{KeyID: "k", Kind: Account}, true},
		{"secret key", Principal{KeyID: "k", AppID: "a", AppSlug: "s", AppName: "Ünïcode app", Kind: Secret}, true},
		{"a key made before keys held the app's name", Principal{KeyID: "k", AppID: "a", AppSlug: "s", Kind: Secret},
			true},
		{"app key without app", Principal{KeyID: "k", Kind: Publishable}, false},
		{"unknown kind", Principal{KeyID: "k", Kind: "root"}, false},
	}
	for _, tt := range tests {
		got, ok := PrincipalFromAuthorizer(tt.p.AuthorizerContext())
		if ok != tt.ok || (ok && got != tt.p) {
			t.Errorf("%s: got %+v, %v", tt.name, got, ok)
		}
	}
	if _, ok := PrincipalFromAuthorizer(nil); ok {
		t.Error("an empty context authorizes")
	}
}

func TestPrincipalReach(t *testing.T) {
	acct := Principal{Kind: Account}
	sk := Principal{Kind: Secret, AppID: "a"}
	pk := Principal{Kind: Publishable, AppID: "a"}
	if !acct.Reaches("x") || !sk.Reaches("a") || sk.Reaches("b") {
		t.Error("reach is wrong")
	}
	if !acct.CanWrite() || !sk.CanWrite() || pk.CanWrite() {
		t.Error("write permission is wrong")
	}
	ctx := WithPrincipal(context.Background(), sk)
	if got, ok := FromContext(ctx); !ok || got != sk {
		t.Errorf("FromContext = %+v, %v", got, ok)
	}
	if _, ok := FromContext(context.Background()); ok {
		t.Error("an empty context has a principal")
	}
}
