// Command import bulk-imports customers from a JSON Lines file through the ingestion
// function's code, locally.
//
// Usage:
//
//	go run ./cmd/import -app <slug> [-action upsert|get_or_create] [-batch 10] [-workers 4] [-v] file.jsonl
//
// Each line of the file is one customer object with the Apps API's field names (email, name,
// external_id, metadata, address, …). The command wraps each line into the command the
// ingestion queue carries ({"app", "action", "customer"}), groups them into SQS-like batches
// (message id = line number) and runs each batch through the ingestion handler's code
// (ingest.ProcessBatch, which the Lambda handler runs too), several batches at once. A batch
// whose messages fail transiently (DynamoDB busy) has them tried again, up to 5 times, as the
// queue's redrive policy would.
//
// It reads TABLE_NAME and, for DynamoDB Local, DYNAMODB_ENDPOINT, like the functions (AWS_REGION
// and credentials otherwise), shows a progress bar on stderr, prints a summary on stdout
// (created, updated, unchanged, failed with each failure's line number and reason) and exits
// with 1 when any line failed, 2 on a usage error.
//
//	go run ./cmd/ddblocal -port 8000 &   # or any DynamoDB Local
//	DYNAMODB_ENDPOINT=http://127.0.0.1:8000 TABLE_NAME=clientele go run ./cmd/import -app acme customers.jsonl
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/clientele/clientele/internal/ingest"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	app     string
	action  ingest.Action
	batch   int
	workers int
	verbose bool
	file    string
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var opts options
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr,
			"usage: import -app <slug> [-action upsert|get_or_create] [-batch 10] [-workers 4] [-v] file.jsonl")
		fs.PrintDefaults()
	}
	action := fs.String("action", string(ingest.Upsert), "upsert (keyed on external_id) or get_or_create (keyed on email)")
	fs.StringVar(&opts.app, "app", "", "the app's slug or id (required)")
	fs.IntVar(&opts.batch, "batch", 10, "messages per batch, 1 to 10 (an SQS batch holds at most 10)")
	fs.IntVar(&opts.workers, "workers", 4, "batches processed at once")
	fs.BoolVar(&opts.verbose, "v", false, "write the handler's JSON log to stderr")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	fail := func(format string, a ...any) (options, error) {
		err := fmt.Errorf(format, a...)
		fmt.Fprintf(stderr, "import: %v\n", err)
		fs.Usage()
		return options{}, err
	}
	opts.action = ingest.Action(*action)
	switch {
	case opts.app == "":
		return fail("-app is required")
	case opts.action != ingest.Upsert && opts.action != ingest.GetOrCreate:
		return fail("-action must be upsert or get_or_create, not %q", *action)
	case opts.batch < 1 || opts.batch > 10:
		return fail("-batch must be between 1 and 10")
	case opts.workers < 1:
		return fail("-workers must be at least 1")
	case fs.NArg() != 1:
		return fail("one file is required")
	}
	opts.file = fs.Arg(0)
	return opts, nil
}

// run does the work of main and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	db, table, err := routes.DynamoDBFromEnv()
	if err != nil {
		fmt.Fprintf(stderr, "import: %v\n", err)
		return 1
	}
	handler := slog.DiscardHandler
	if opts.verbose {
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	}
	in := ingest.New(store.New(db, table), slog.New(handler))

	f, err := os.Open(opts.file)
	if err != nil {
		fmt.Fprintf(stderr, "import: %v\n", err)
		return 1
	}
	defer f.Close()
	total, err := countLines(f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		fmt.Fprintf(stderr, "import: read %s: %v\n", opts.file, err)
		return 1
	}

	bar := newProgress(stderr, total)
	imp := &importer{in: in, app: opts.app, action: opts.action, batch: opts.batch, workers: opts.workers,
		retries: 5, backoff: 100 * time.Millisecond, progress: bar.add}
	stopBar := bar.start()
	sum, err := imp.run(ctx, f)
	stopBar()
	sum.print(stdout)
	if err != nil {
		fmt.Fprintf(stderr, "import: %v\n", err)
		return 1
	}
	if len(sum.Failures) > 0 {
		return 1
	}
	return 0
}
