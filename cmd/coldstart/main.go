// Command coldstart measures every function's cold start the way Lambda pays it: each real
// bootstrap binary runs in a fresh process against a minimal Lambda Runtime API served
// here, and the time from exec to its first completed invocation is compared with that of
// a hello-world aws-lambda-go binary built with the same flags. It prints, per function,
// the binary's size, the median cold and warm invocation and the ratios to hello.
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
	samples := flag.Int("samples", 11, "fresh processes per function")
	flag.Parse()
	if err := run(*bin, *eventsDir, *samples); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

type figures struct {
	name       string
	size       int64
	cold, warm time.Duration
}

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
	// One discarded run of each function first: DynamoDB Local (a JVM) answers its first
	// requests of each kind slowly, which would be charged to whichever function came first.
	for _, d := range dirs {
		path := filepath.Join(bin, d.Name(), "bootstrap")
		if event, err := os.ReadFile(filepath.Join(eventsDir, d.Name()+".json")); err == nil {
			if _, _, err := sample(path, event, endpoint, table); err != nil {
				return fmt.Errorf("%s: %w", d.Name(), err)
			}
		}
	}
	var results []figures
	var hello figures
	for _, d := range dirs {
		path := filepath.Join(bin, d.Name(), "bootstrap")
		st, err := os.Stat(path)
		if err != nil {
			continue
		}
		event := []byte("{}")
		if d.Name() != "hello" {
			if event, err = os.ReadFile(filepath.Join(eventsDir, d.Name()+".json")); err != nil {
				return fmt.Errorf("%s: %w", d.Name(), err)
			}
		}
		f := figures{name: d.Name(), size: st.Size()}
		if f.cold, f.warm, err = measure(path, event, samples, endpoint, table); err != nil {
			return fmt.Errorf("%s: %w", d.Name(), err)
		}
		if d.Name() == "hello" {
			hello = f
			continue
		}
		results = append(results, f)
	}
	if hello.size == 0 {
		return fmt.Errorf("no %s/hello/bootstrap to compare with", bin)
	}
	slices.SortFunc(results, func(a, b figures) int { return cmp.Compare(b.cold, a.cold) })
	fmt.Printf("%-30s %9s %6s %9s %6s %9s\n", "function", "size", "x", "cold", "x", "warm")
	row := func(f figures) {
		fmt.Printf("%-30s %8.1fM %5.2fx %7.1fms %5.2fx %7.2fms\n", f.name, float64(f.size)/(1<<20),
			float64(f.size)/float64(hello.size), ms(f.cold), ms(f.cold)/ms(hello.cold), ms(f.warm))
	}
	row(hello)
	worstCold, worstSize := 0.0, 0.0
	for _, f := range results {
		row(f)
		worstCold = max(worstCold, ms(f.cold)/ms(hello.cold))
		worstSize = max(worstSize, float64(f.size)/float64(hello.size))
	}
	fmt.Printf("\n%d functions, %d fresh processes each: worst cold ratio %.2fx, worst size ratio %.2fx\n",
		len(results), samples, worstCold, worstSize)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// measure runs the binary in fresh processes and returns the medians of the first (cold)
// and the second (warm) invocation.
func measure(path string, event []byte, samples int, endpoint, table string) (cold, warm time.Duration, err error) {
	var colds, warms []time.Duration
	for range samples {
		c, w, err := sample(path, event, endpoint, table)
		if err != nil {
			return 0, 0, err
		}
		colds, warms = append(colds, c), append(warms, w)
	}
	return median(colds), median(warms), nil
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func sample(path string, event []byte, endpoint, table string) (cold, warm time.Duration, err error) {
	api, err := newRuntimeAPI()
	if err != nil {
		return 0, 0, err
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
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	first, err := api.await(10 * time.Second)
	if err != nil {
		return 0, 0, fmt.Errorf("first invocation: %w", err)
	}
	second, err := api.await(10 * time.Second)
	if err != nil {
		return 0, 0, fmt.Errorf("second invocation: %w", err)
	}
	return first.at.Sub(start), second.at.Sub(second.handed), nil
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
