package awsjson

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sdkAuthorization is the Authorization the SDK's signer computes for req (as sent or as
// received) at the time of its X-Amz-Date, signing the same headers as req's Authorization
// names and nothing else.
func sdkAuthorization(t *testing.T, req *http.Request, body []byte, creds Credentials, service, region string) string {
	t.Helper()
	auth := req.Header.Get("Authorization")
	_, signed, ok := strings.Cut(auth, "SignedHeaders=")
	if !ok {
		t.Fatalf("Authorization %q names no signed headers", auth)
	}
	signed, _, _ = strings.Cut(signed, ",")
	when, err := time.Parse(amzDateFmt, req.Header.Get("X-Amz-Date"))
	if err != nil {
		t.Fatalf("X-Amz-Date: %v", err)
	}
	scheme := "http"
	if req.URL.Scheme != "" {
		scheme = req.URL.Scheme
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	sdkReq, err := http.NewRequest(http.MethodPost, scheme+"://"+host+req.URL.EscapedPath(), nil) // ContentLength 0: the SDK would sign content-length otherwise
	if err != nil {
		t.Fatal(err)
	}
	sdkReq.Host = host
	for _, h := range strings.Split(signed, ";") {
		if h != "host" {
			sdkReq.Header[http.CanonicalHeaderKey(h)] = req.Header.Values(h)
		}
	}
	hash := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{
		AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
	}, sdkReq, hex.EncodeToString(hash[:]), service, region, when)
	if err != nil {
		t.Fatal(err)
	}
	return sdkReq.Header.Get("Authorization")
}

func TestSignatureEqualsSDKSigner(t *testing.T) {
	static := Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	temporary := Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret/with+symbols=", SessionToken: "FwoGZXIvYXdzEJr//////////wEaDOPk  token with  spaces=="}
	dynamo := Client{Service: "dynamodb", Region: "eu-west-1", TargetPrefix: "DynamoDB_20120810", JSONVersion: "1.0"}
	events := Client{Service: "events", Region: "eu-central-1", TargetPrefix: "AWSEvents", JSONVersion: "1.1"}
	tests := []struct {
		name     string
		base     *Client
		endpoint string
		creds    Credentials
		op, body string
		when     time.Time
		wantHost string
	}{
		{"dynamodb, static credentials", &dynamo, Endpoint("dynamodb", "eu-west-1"), static, "GetItem",
			`{"TableName":"t","Key":{"pk":{"S":"a"}}}`, time.Date(2025, 11, 22, 10, 0, 1, 0, time.UTC), "dynamodb.eu-west-1.amazonaws.com"},
		{"dynamodb, session token", &dynamo, Endpoint("dynamodb", "eu-west-1"), temporary, "TransactWriteItems",
			`{"TransactItems":[]}`, time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC), "dynamodb.eu-west-1.amazonaws.com"},
		{"events, session token", &events, Endpoint("events", "eu-central-1"), temporary, "PutEvents",
			`{"Entries":[{"Source":"clientele","Detail":"{\"a\":\"é\"}"}]}`, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "events.eu-central-1.amazonaws.com"},
		{"local endpoint with a port", &dynamo, "http://127.0.0.1:8000", static, "Query",
			`{}`, time.Date(2025, 6, 30, 12, 30, 0, 0, time.UTC), "127.0.0.1:8000"},
		{"default https port dropped", &dynamo, "https://dynamodb.eu-west-1.amazonaws.com:443/", static, "PutItem",
			`{"Item":{}}`, time.Date(2025, 6, 30, 12, 30, 0, 0, time.UTC), "dynamodb.eu-west-1.amazonaws.com"},
		{"default http port dropped", &dynamo, "http://localhost:80", temporary, "PutItem",
			`{"Item":{}}`, time.Date(2025, 6, 30, 12, 30, 0, 0, time.UTC), "localhost"},
		{"endpoint with a path", &events, "http://127.0.0.1:4566/proxy/a b", static, "PutEvents",
			`{"Entries":[]}`, time.Date(2025, 6, 30, 12, 30, 0, 0, time.UTC), "127.0.0.1:4566"},
		{"empty body", &dynamo, Endpoint("dynamodb", "cn-north-1"), static, "ListTables",
			``, time.Date(2025, 6, 30, 12, 30, 0, 0, time.FixedZone("CEST", 2*3600)), "dynamodb.cn-north-1.amazonaws.com.cn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{Service: tt.base.Service, Region: tt.base.Region, TargetPrefix: tt.base.TargetPrefix,
				JSONVersion: tt.base.JSONVersion, Endpoint: tt.endpoint, Credentials: tt.creds}
			tg, err := c.target(tt.op)
			if err != nil {
				t.Fatal(err)
			}
			req, err := http.NewRequest(http.MethodPost, tg.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			c.sign(req, tg, []byte(tt.body), tt.when)

			if req.Host != tt.wantHost {
				t.Errorf("Host = %q, want %q", req.Host, tt.wantHost)
			}
			wantSigned := "content-type;host;x-amz-date;x-amz-target"
			if tt.creds.SessionToken != "" {
				wantSigned = "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
				if got := req.Header.Get("X-Amz-Security-Token"); got != tt.creds.SessionToken {
					t.Errorf("X-Amz-Security-Token = %q", got)
				}
			}
			got := req.Header.Get("Authorization")
			if !strings.Contains(got, "SignedHeaders="+wantSigned+",") {
				t.Errorf("Authorization %q does not sign %s", got, wantSigned)
			}
			if want := sdkAuthorization(t, req, []byte(tt.body), tt.creds, c.Service, c.Region); got != want {
				t.Errorf("Authorization:\n got %s\nwant %s (the SDK's)", got, want)
			}
			if want := tt.when.UTC().Format(amzDateFmt); req.Header.Get("X-Amz-Date") != want {
				t.Errorf("X-Amz-Date = %q, want %q", req.Header.Get("X-Amz-Date"), want)
			}
		})
	}
}

// TestDeriveKeyMatchesAWSExample checks the key derivation against the example of AWS's
// documentation ("Examples of how to derive a signing key for Signature Version 4").
func TestDeriveKeyMatchesAWSExample(t *testing.T) {
	got := hex.EncodeToString(deriveKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam"))
	if want := "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"; got != want {
		t.Errorf("kSigning = %s, want %s", got, want)
	}
}

func TestSigningKeyIsDerivedOncePerDateAndCredentials(t *testing.T) {
	c := &Client{Service: "dynamodb", Region: "eu-west-1", Credentials: Credentials{AccessKeyID: "AK", SecretAccessKey: "one"}}
	first := c.signingKey("20250101")
	if again := c.signingKey("20250101"); &again[0] != &first[0] {
		t.Error("the same date derived the key again")
	}
	steps := []struct {
		name   string
		change func()
		date   string
	}{
		{"next day", func() {}, "20250102"},
		{"other secret", func() { c.Credentials.SecretAccessKey = "two" }, "20250102"},
		{"other region", func() { c.Region = "us-east-1" }, "20250102"},
		{"other service", func() { c.Service = "events" }, "20250102"},
	}
	for _, s := range steps {
		s.change()
		got := c.signingKey(s.date)
		want := deriveKey(c.Credentials.SecretAccessKey, s.date, c.Region, c.Service)
		if hex.EncodeToString(got) != hex.EncodeToString(want) {
			t.Errorf("%s: stale key %x, want %x", s.name, got, want)
		}
	}
}

func TestCanonicalURIEscapesTwice(t *testing.T) {
	tests := []struct{ escaped, want string }{
		{"/", "/"},
		{"/proxy/a%20b", "/proxy/a%2520b"},
		{"/a-b_c.d~e/", "/a-b_c.d~e/"},
	}
	for _, tt := range tests {
		if got := canonicalURI(tt.escaped); got != tt.want {
			t.Errorf("canonicalURI(%q) = %q, want %q", tt.escaped, got, tt.want)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	c := &Client{Service: "dynamodb", Region: "eu-west-1", TargetPrefix: "DynamoDB_20120810", JSONVersion: "1.0",
		Endpoint: "https://dynamodb.eu-west-1.amazonaws.com", Credentials: Credentials{AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "TOKEN"}}
	tg, err := c.target("GetItem")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"TableName":"t","Key":{"pk":{"S":"a"},"sk":{"S":"b"}}}`)
	now := time.Now()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, tg.url, nil)
		c.sign(req, tg, body, now)
	}
}
