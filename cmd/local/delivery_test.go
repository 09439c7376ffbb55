package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/clientele/clientele/internal/webhook"
	"github.com/clientele/clientele/internal/webhook/webhooktest"
)

func TestLocalDeliversWebhooksFromTheStream(t *testing.T) {
	if !localEnv(t) {
		return
	}
	type hook struct {
		header, body string
	}
	var mu sync.Mutex
	var got []hook
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, hook{r.Header.Get(webhook.AppsSignatureHeader), string(b)})
		mu.Unlock()
	}))
	defer rcv.Close()
	in, _, stderr, _ := start(t)

	base := in.URL + "/api/v1/apps/" + in.App.Slug
	code, body := request(t, "POST", base+"/webhook-endpoints", in.AccountKey,
		fmt.Sprintf(`{"format":"apps","url":%q}`, rcv.URL+"/hook"))
	var ep struct {
		Data struct{ Secret string }
	}
	if code != http.StatusCreated || json.Unmarshal(body, &ep) != nil || ep.Data.Secret == "" {
		t.Fatalf("create the endpoint: %d %s", code, body)
	}
	code, body = request(t, "POST", base+"/customers", in.AppKey, `{"email":"jane@example.com","name":"Jane"}`)
	var c struct {
		Data struct{ ID string }
	}
	if code != http.StatusCreated || json.Unmarshal(body, &c) != nil {
		t.Fatalf("create a customer: %d %s", code, body)
	}
	if code, body := request(t, "PUT", base+"/customers/"+c.Data.ID, in.AppKey, `{"name":"Jane Doe"}`); code != 200 {
		t.Fatalf("update the customer: %d %s", code, body)
	}

	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	types := map[string]bool{}
	for _, h := range got {
		if err := webhooktest.VerifyApps(h.header, []byte(h.body), []byte(ep.Data.Secret), time.Now()); err != nil {
			t.Errorf("delivery %s: %v", h.body, err)
		}
		var ev struct{ Type string }
		_ = json.Unmarshal([]byte(h.body), &ev)
		types[ev.Type] = true
	}
	if len(got) != 2 || !types["customer.created"] || !types["customer.updated"] {
		t.Errorf("the receiver got %d webhooks of types %v, want customer.created and customer.updated\nlog: %s",
			len(got), types, stderr.String())
	}
}
