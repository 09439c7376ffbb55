// Command coldstart measures every function's cold start the way Lambda pays it: each real
// bootstrap binary runs in a fresh process against a minimal Lambda Runtime API served
// here. It prints, per function, the binary's size, the median init (exec to the first poll
// for an event: Lambda's Init Duration), cold and warm invocation and start-up (cold minus
// warm), as ratios to three yardsticks built with the same flags and measured in the same
// round-robin run: hello (the smallest aws-lambda-go function), sdk-floor (hello plus the
// SDK's DynamoDB client built as the functions build it, plus one GetItem) and usual
// (config.LoadDefaultConfig, dynamodb.NewFromConfig and one GetItem).
//
//	go run ./cmd/ddblocal -- go run ./cmd/coldstart -bin bin/host -events events
//
// The binaries must be built for this machine (make bench does it); DYNAMODB_ENDPOINT
// must point at DynamoDB Local, where a fresh table with the demo app my-app is made.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/samtemplate"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
)

func main() {
	bin := flag.String("bin", "bin/host",
		"folder of <function>/bootstrap binaries built for this machine, with hello/bootstrap")
	eventsDir := flag.String("events", "events", "folder of <function>.json events")
	samples := flag.Int("samples", 25, "fresh processes per function")
	flag.Parse()
	if err := run(*bin, *eventsDir, *samples); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

type figures struct {
	name                  string
	size                  int64
	init, cold, warm, own time.Duration // medians; own is the start-up, cold minus warm
}

// The yardsticks, and the limits a function is held to.
const (
	hello, sdkFloor, usual = "hello", "sdk-floor", "usual"

	maxInitToFloor  = 1.15 // init against sdk-floor's
	maxInitToUsual  = 0.5  // init against usual's
	maxStartToFloor = 1.15 // start-up against sdk-floor's, for functions that only read
	maxSizeToHello  = 1.5  // binary size against hello's
)

// run measures every binary under bin. Samples go round-robin (one fresh process of each
// binary per round) so that a slow spell of the machine or of DynamoDB Local is shared by
// all rather than charged to whichever function was being measured.
//
// Init is the process start, package initialisation and main's wiring, up to the first poll
// for an event. Start-up is what the first invocation costs more than a warm one: init plus
// everything done lazily on the first call (connection, SDK caches, first-use page faults).
// It is only fair where both invocations do the same work, so it is judged for the
// functions that only read; a write's second invocation meets the first one's record.
func run(bin, eventsDir string, samples int) error {
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	if endpoint == "" {
		return errors.New("DYNAMODB_ENDPOINT is not set: run through go run ./cmd/ddblocal")
	}
	table, err := makeTable(endpoint)
	if err != nil {
		return err
	}
	dirs, err := os.ReadDir(bin)
	if err != nil {
		return err
	}
	type subject struct {
		name, path string
		size       int64
		event      []byte
		runs       []run1
	}
	var subjects []*subject
	for _, d := range dirs {
		path := filepath.Join(bin, d.Name(), "bootstrap")
		st, err := os.Stat(path)
		if err != nil {
			continue
		}
		event := []byte("{}")
		if !yardstick(d.Name()) {
			if event, err = os.ReadFile(filepath.Join(eventsDir, d.Name()+".json")); err != nil {
				return fmt.Errorf("%s: %w", d.Name(), err)
			}
		}
		subjects = append(subjects, &subject{name: d.Name(), path: path, size: st.Size(), event: event})
	}
	// One discarded round first: DynamoDB Local (a JVM) answers its first requests of each
	// kind slowly, and the binaries' pages are not yet in the page cache.
	for round := -1; round < samples; round++ {
		for _, sub := range subjects {
			r, err := sample(sub.path, sub.event, endpoint, table)
			if err != nil {
				return fmt.Errorf("%s: %w", sub.name, err)
			}
			if round >= 0 {
				sub.runs = append(sub.runs, r)
			}
		}
	}
	var results []figures
	yard := map[string]figures{}
	for _, sub := range subjects {
		f := figures{name: sub.name, size: sub.size}
		f.init = median(sub.runs, func(r run1) time.Duration { return r.init })
		f.cold = median(sub.runs, func(r run1) time.Duration { return r.cold })
		f.warm = median(sub.runs, func(r run1) time.Duration { return r.warm })
		f.own = median(sub.runs, func(r run1) time.Duration { return r.cold - r.warm })
		if yardstick(sub.name) {
			yard[sub.name] = f
		} else {
			results = append(results, f)
		}
	}
	for _, name := range []string{hello, sdkFloor, usual} {
		if yard[name].size == 0 {
			return fmt.Errorf("no %s/%s/bootstrap to compare with", bin, name)
		}
	}
	h, fl, u := yard[hello], yard[sdkFloor], yard[usual]
	reads := readers()
	slices.SortFunc(results, func(a, b figures) int { return cmp.Compare(b.init, a.init) })
	fmt.Printf("%-30s %6s %6s %7s %7s %7s %7s %7s %8s %7s\n", "function", "size", "/hello",
		"init", "/floor", "/usual", "cold", "warm", "start-up", "/floor")
	row := func(f figures, read bool) {
		start := "-"
		if read || yardstick(f.name) {
			start = fmt.Sprintf("%6.2fx", ms(f.own)/ms(fl.own))
		}
		fmt.Printf("%-30s %5.1fM %5.2fx %5.1fms %6.2fx %6.2fx %5.1fms %5.1fms %6.1fms %7s\n", f.name, float64(f.size)/(1<<20),
			float64(f.size)/float64(h.size), ms(f.init), ms(f.init)/ms(fl.init), ms(f.init)/ms(u.init), ms(f.cold), ms(f.warm),
			ms(f.own), start)
	}
	row(h, false)
	row(fl, false)
	row(u, false)
	var worstInitFloor, worstInitUsual, worstStart, worstSize float64
	for _, f := range results {
		row(f, reads[f.name])
		worstInitFloor = max(worstInitFloor, ms(f.init)/ms(fl.init))
		worstInitUsual = max(worstInitUsual, ms(f.init)/ms(u.init))
		worstSize = max(worstSize, float64(f.size)/float64(h.size))
		if reads[f.name] {
			worstStart = max(worstStart, ms(f.own)/ms(fl.own))
		}
	}
	verdict := func(ratio, limit float64) string {
		if ratio <= limit {
			return fmt.Sprintf("%.2fx, within %.2fx", ratio, limit)
		}
		return fmt.Sprintf("%.2fx, OVER %.2fx", ratio, limit)
	}
	fmt.Printf("\n%d functions, %d fresh processes each, round-robin (medians). Worst of all functions:\n",
		len(results), samples)
	fmt.Printf("  init against sdk-floor's:                   %s\n", verdict(worstInitFloor, maxInitToFloor))
	fmt.Printf("  init against usual's:                       %s\n", verdict(worstInitUsual, maxInitToUsual))
	fmt.Printf("  start-up against sdk-floor's (reads only):  %s\n", verdict(worstStart, maxStartToFloor))
	fmt.Printf("  binary size against hello's:                %s\n", verdict(worstSize, maxSizeToHello))
	fmt.Println("init: exec to the first poll for an event (Lambda's Init Duration); cold: exec to the first response;")
	fmt.Println("warm: the second request in the same process; start-up: cold minus warm.")
	return nil
}

func yardstick(name string) bool { return name == hello || name == sdkFloor || name == usual }

// readers returns the functions whose sample event only reads: the HTTP GET routes and the
// authorizer.
func readers() map[string]bool {
	out := map[string]bool{routes.AuthorizerFunction: true}
	for _, r := range routes.All() {
		if r.Method == "GET" && len(r.Access.Actions) > 0 {
			out[r.Function] = true
		}
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// run1 is one fresh process: when it first polled for an event, answered the first
// (cold) and the second (warm) invocation.
type run1 struct{ init, cold, warm time.Duration }

func median(runs []run1, of func(run1) time.Duration) time.Duration {
	ds := make([]time.Duration, len(runs))
	for i, r := range runs {
		ds[i] = of(r)
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func sample(path string, event []byte, endpoint, table string) (run1, error) {
	api, err := newRuntimeAPI()
	if err != nil {
		return run1{}, err
	}
	defer api.close()
	api.events <- event
	api.events <- event
	cmd := exec.Command(path)
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + api.addr(),
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_LAMBDA_FUNCTION_NAME=" + filepath.Base(filepath.Dir(path)), "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"_HANDLER=bootstrap", "TZ=:UTC",
		"TABLE_NAME=" + table, "DYNAMODB_ENDPOINT=" + endpoint, "EVENT_BUS_NAME=bench",
		"EVENTBRIDGE_ENDPOINT=http://" + api.addr(),
		// The sealing and delivering functions' settings; KMS and SQS, like EventBridge, stay on loopback.
		"KMS_KEY_ID=arn:aws:kms:us-east-1:000000000000:key/bench", "KMS_ENDPOINT=http://" + api.addr(),
		"DELIVERY_QUEUE_URL=http://" + api.addr() + "/000000000000/deliveries", "SQS_ENDPOINT=http://" + api.addr(),
		"WEBHOOK_ISSUER=http://127.0.0.1/api",
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return run1{}, err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	first, err := api.await(10 * time.Second)
	if err != nil {
		return run1{}, fmt.Errorf("first invocation: %w", err)
	}
	second, err := api.await(10 * time.Second)
	if err != nil {
		return run1{}, fmt.Errorf("second invocation: %w", err)
	}
	return run1{init: api.firstPoll().Sub(start), cold: first.at.Sub(start), warm: second.at.Sub(second.handed)}, nil
}

// makeTable creates a fresh table from template.yaml with the demo app my-app.
func makeTable(endpoint string) (string, error) {
	ctx := context.Background()
	path, err := samtemplate.Find(".")
	if err != nil {
		return "", err
	}
	tmpl, err := samtemplate.Load(path)
	if err != nil {
		return "", err
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	name := "coldstart-" + hex.EncodeToString(suffix)
	in, err := tmpl.CreateTableInput("Table", name)
	if err != nil {
		return "", err
	}
	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	if _, err := db.CreateTable(ctx, in); err != nil {
		return "", fmt.Errorf("create table: %w", err)
	}
	if _, err := store.New(db, name).CreateApp(ctx, tenant.App{Slug: "my-app", Name: "My App"}); err != nil {
		return "", err
	}
	return name, nil
}
