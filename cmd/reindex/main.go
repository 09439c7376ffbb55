// Command reindex re-indexes the apps of a Clientele table: it gives every customer the index
// and search attributes of this version (store.Reindex), without changing any customer's
// version or publishing a change event, then marks the app re-indexed, from which on its
// lists read the list indexes alone. It can be stopped and run again.
//
// Usage:
//
//	TABLE_NAME=<table> go run ./cmd/reindex -app <slug or id>
//	TABLE_NAME=<table> go run ./cmd/reindex -all
//
// It reads TABLE_NAME and, for DynamoDB Local, DYNAMODB_ENDPOINT, like the functions (AWS_REGION
// and the credentials otherwise), and prints one line per app. Run it after the functions of
// this version serve every request (docs/operations.md, "Upgrading").
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run does the work of main and returns the exit code: 0, 1 for a failure, 2 for bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	fs.SetOutput(stderr)
	app := fs.String("app", "", "the app's slug or id")
	all := fs.Bool("all", false, "every active app of the table")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: reindex -app <slug or id> | -all")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || (*app == "") == !*all {
		fmt.Fprintln(stderr, "reindex: give -app or -all")
		fs.Usage()
		return 2
	}
	db, table, err := routes.DynamoDBFromEnv()
	if err != nil {
		fmt.Fprintf(stderr, "reindex: %v\n", err)
		return 1
	}
	s := store.New(db, table)
	report := func(a tenant.App, st store.ReindexStats) {
		fmt.Fprintf(stdout, "%s (%s): %d customers, %d rewritten, %d keys named\n", a.Slug, a.ID, st.Customers,
			st.Rewritten, st.Keys)
	}
	if *all {
		err = s.ReindexAll(ctx, report)
	} else {
		err = reindexOne(ctx, s, *app, report)
	}
	if err != nil {
		fmt.Fprintf(stderr, "reindex: %v\n", err)
		return 1
	}
	return 0
}

// reindexOne re-indexes the app named by its slug or id.
func reindexOne(ctx context.Context, s *store.Store, app string, report func(tenant.App, store.ReindexStats)) error {
	var (
		a   tenant.App
		err error
	)
	if id, ok := customer.ParseID(app); ok {
		a, err = s.GetApp(ctx, id)
	} else {
		a, err = s.AppBySlug(ctx, app)
	}
	if err != nil {
		return fmt.Errorf("app %s: %w", app, err)
	}
	st, err := s.Reindex(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("app %s: %w", a.Slug, err)
	}
	report(a, st)
	return nil
}
