package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkWriteToDelivery's creates, and how far apart they are started: DynamoDB Local's
// stream reads (GetRecords) keep up with a few creates a second, not with creates sent back to back.
const (
	benchWrites = 1000
	benchPace   = 200 * time.Millisecond
)

// BenchmarkWriteToDelivery times, under make local's pipeline, each customer create through
// the local gateway from the moment its request is sent to the moment a native endpoint on
// loopback receives its customer.created webhook; a create starts every benchPace.
// Its yardsticks, in the same run: the create's own answer time, and a bare loopback POST
// to the same receiver.
func BenchmarkWriteToDelivery(b *testing.B) {
	if !localEnv(b) {
		return
	}
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		var ev struct {
			Data struct{ Object struct{ ID string } }
		}
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &ev) == nil && ev.Data.Object.ID != "" {
			mu.Lock()
			if _, seen := arrived[ev.Data.Object.ID]; !seen {
				arrived[ev.Data.Object.ID] = at
			}
			mu.Unlock()
		}
	}))
	defer rcv.Close()
	in, _, stderr, _ := start(b)
	base := in.URL + "/api/v1/apps/" + in.App.Slug
	if code, body := request(b, "POST", base+"/webhook-endpoints", in.AccountKey,
		fmt.Sprintf(`{"format":"apps","url":%q,"event_types":["customer.created"]}`, rcv.URL+"/hook")); code != 201 {
		b.Fatalf("create the endpoint: %d %s", code, body)
	}
	for b.Loop() {
		sent := map[string]time.Time{}
		var writes, posts []time.Duration
		pace := time.NewTicker(benchPace)
		defer pace.Stop()
		for i := range benchWrites {
			<-pace.C
			t0 := time.Now()
			code, body := request(b, "POST", base+"/customers", in.AppKey,
				fmt.Sprintf(`{"email":"bench-%d-%s@example.com"}`, i, rand.Text()[:6]))
			writes = append(writes, time.Since(t0))
			var c struct{ Data struct{ ID string } }
			if code != http.StatusCreated || json.Unmarshal(body, &c) != nil {
				b.Fatalf("create: %d %s", code, body)
			}
			sent[c.Data.ID] = t0
			t1 := time.Now()
			request(b, "POST", rcv.URL+"/yardstick", "", `{}`)
			posts = append(posts, time.Since(t1))
		}
		deadline := time.Now().Add(time.Minute)
		for {
			mu.Lock()
			n := len(arrived)
			mu.Unlock()
			if n >= len(sent) || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		var lat []time.Duration
		for id, t0 := range sent {
			if at, ok := arrived[id]; ok {
				lat = append(lat, at.Sub(t0))
			}
		}
		clear(arrived)
		mu.Unlock()
		if len(lat) != len(sent) {
			var warns []string
			for _, l := range strings.Split(stderr.String(), "\n") {
				if strings.Contains(l, `"level":"WARN"`) || strings.Contains(l, `"level":"ERROR"`) {
					warns = append(warns, l)
				}
			}
			b.Fatalf("%d of %d writes delivered within a minute; %d warnings, the first: %v", len(lat), len(sent),
				len(warns), warns[:min(5, len(warns))])
		}
		med, p99 := quantile(lat, 0.5), quantile(lat, 0.99)
		b.ReportMetric(float64(med)/1e6, "median-ms")
		b.ReportMetric(float64(p99)/1e6, "p99-ms")
		b.ReportMetric(float64(quantile(writes, 0.5))/1e6, "write-median-ms")
		b.ReportMetric(float64(med)/float64(quantile(writes, 0.5)), "median/write")
		b.ReportMetric(float64(med)/float64(quantile(posts, 0.5)), "median/bare-POST")
	}
}

func quantile(d []time.Duration, q float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}
