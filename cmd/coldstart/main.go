// Command coldstart measures every function's cold start the way Lambda pays it: each real
// bootstrap binary runs in a fresh process against a minimal Lambda Runtime API served
// here, and the time from exec to its first completed invocation is compared with that of
// a hello-world aws-lambda-go binary built with the same flags. It prints, per function,
// the binary's size, the median init, cold and warm invocation, and the ratios to hello, and
// to floor: hello plus one GetItem, the least a function that reads DynamoDB does.
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

	"github.com/clientele/clientele/internal/samtemplate"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
)

func main() {
	bin := flag.String("bin", "bin/host", "folder of <function>/bootstrap binaries built for this machine, with hello/bootstrap")
	eventsDir := flag.String("events", "events", "folder of <function>.json events")
	samples := flag.Int("samples", 15, "fresh processes per function")
	flag.Parse()
	if err := run(*bin, *eventsDir, *samples); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

type figures struct {
	name                  string
	size                  int64
	init, cold, warm, own time.Duration // medians
}

// Limits the issue sets: a function's own start-up (see run) at most 1.3x hello's, and its
// binary at most 1.6x hello's.
const maxColdRatio, maxSizeRatio = 1.3, 1.6

// run measures every binary under bin. Samples go round-robin (one fresh process of each
// binary per round) so that a slow spell of the machine or of DynamoDB Local is shared by
// all rather than charged to whichever function was being measured.
//
// A function's first invocation does its DynamoDB work, which hello has none of and which
// every invocation pays, warm or cold. So the figure compared with hello is the function's
// own start-up: exec to first response minus the same request warm (its "cold-warm"), i.e.
// the process start, package initialisation, main's wiring and everything done lazily on
// the first call (connection, SDK caches, first-use page faults).
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
		if d.Name() != "hello" && d.Name() != "floor" {
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
	var hello, floor figures
	for _, sub := range subjects {
		f := figures{name: sub.name, size: sub.size}
		f.init = median(sub.runs, func(r run1) time.Duration { return r.init })
		f.cold = median(sub.runs, func(r run1) time.Duration { return r.cold })
		f.warm = median(sub.runs, func(r run1) time.Duration { return r.warm })
		f.own = median(sub.runs, func(r run1) time.Duration { return r.cold - r.warm })
		switch sub.name {
		case "hello":
			hello = f
		case "floor":
			floor = f
		default:
			results = append(results, f)
		}
	}
	if hello.size == 0 || floor.size == 0 {
		return fmt.Errorf("no %s/hello/bootstrap or %[1]s/floor/bootstrap to compare with", bin)
	}
	slices.SortFunc(results, func(a, b figures) int { return cmp.Compare(b.own, a.own) })
	fmt.Printf("%-30s %7s %6s %8s %8s %8s %9s %6s %7s\n", "function", "size", "x", "init", "cold", "warm", "cold-warm", "x", "x floor")
	row := func(f figures) {
		fmt.Printf("%-30s %6.1fM %5.2fx %6.1fms %6.1fms %6.1fms %7.1fms %5.2fx %6.2fx\n", f.name, float64(f.size)/(1<<20),
			float64(f.size)/float64(hello.size), ms(f.init), ms(f.cold), ms(f.warm), ms(f.own), ms(f.own)/ms(hello.own),
			ms(f.own)/ms(floor.own))
	}
	row(hello)
	row(floor)
	worstCold, worstFloor, worstSize := 0.0, 0.0, 0.0
	for _, f := range results {
		row(f)
		worstCold = max(worstCold, ms(f.own)/ms(hello.own))
		worstFloor = max(worstFloor, ms(f.own)/ms(floor.own))
		worstSize = max(worstSize, float64(f.size)/float64(hello.size))
	}
	verdict := func(ratio, limit float64) string {
		if ratio <= limit {
			return fmt.Sprintf("within %.1fx", limit)
		}
		return fmt.Sprintf("OVER %.1fx", limit)
	}
	fmt.Printf("\n%d functions, %d fresh processes each (medians): worst cold ratio %.2fx to hello (%s), %.2fx to floor;"+
		" worst size ratio %.2fx (%s)\n", len(results), samples, worstCold, verdict(worstCold, maxColdRatio), worstFloor,
		worstSize, verdict(worstSize, maxSizeRatio))
	fmt.Println("init: exec to the first poll for an event; cold: exec to the first response; warm: the second request, same process;")
	fmt.Println("cold-warm: the start-up, compared with hello's (x) and with floor's (hello + one GetItem on a fresh connection).")
	return nil
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
