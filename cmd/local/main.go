// Command local serves Clientele's API on 127.0.0.1 as it runs in AWS: every route that
// template.yaml declares, behind the local API Gateway (internal/gateway) with the
// authorizer in front, each function with its own DynamoDB client, against DynamoDB Local.
// `make local` runs it beside DynamoDB Local (cmd/ddblocal).
//
// It reads:
//
//	DYNAMODB_ENDPOINT      DynamoDB Local's URL (required; cmd/ddblocal sets it)
//	TABLE_NAME             the table, created from template.yaml when missing (default clientele)
//	PORT                   the port to serve on, on 127.0.0.1 (default 3000; 0 picks a free one)
//	BOOTSTRAP_ACCOUNT_KEY  an account key to register (ak_live_ and 48 hex digits); without
//	                       it a new account key is made at each start
//	SEAL_LOCAL_KEY         the AES-256 key (32 bytes, base64) that seals webhook secrets in
//	                       place of KMS; without it a new one is made at each start, and the
//	                       secrets sealed before it no longer open (set it with DYNAMODB_DATA)
//
// It sets WEBHOOKS_LOCAL=true for the functions: webhook endpoints may be http on loopback.
//
// At each start it makes sure the demo app my-app exists, makes it a fresh secret key, and
// prints the URL, the keys and a sample curl. Logs are JSON on standard error. SIGINT or
// SIGTERM shuts it down cleanly. The purge worker does not run locally: a deleted app stays
// tombstoned (unreachable, its slug taken).
//
// Webhooks are delivered in process (internal/localbus): the table's stream is read every
// 100 ms from the start on, and its changes go through publish-changes' and deliver-webhooks'
// handlers, as in AWS, to the apps' endpoints.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/smithy-go"

	"github.com/clientele/clientele/docs"
	"github.com/clientele/clientele/internal/appsapi"
	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/authorizer"
	"github.com/clientele/clientele/internal/awsclient"
	"github.com/clientele/clientele/internal/changes"
	"github.com/clientele/clientele/internal/deliver"
	"github.com/clientele/clientele/internal/gateway"
	"github.com/clientele/clientele/internal/lago"
	"github.com/clientele/clientele/internal/localbus"
	"github.com/clientele/clientele/internal/lukittu"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/samtemplate"
	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
	"github.com/clientele/clientele/internal/webhook"
)

// Defaults and names.
const (
	defaultTable = "clientele"
	defaultPort  = "3000"
	tableID      = "Table" // logical id of the table in template.yaml
	demoSlug     = "my-app"
	envBootstrap = "BOOTSTRAP_ACCOUNT_KEY"
	streamPoll   = 100 * time.Millisecond // how often the table's stream is read
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintf(os.Stderr, "local: %v\n", err)
		os.Exit(1)
	}
}

// info is what a start prints.
type info struct {
	URL        string
	Endpoint   string
	Table      string
	AccountKey string
	App        tenant.App // the demo app; zero when its slug is held by an app being deleted
	AppKey     string     // a fresh secret key of the demo app
}

// run serves until ctx ends. ready, when not nil, is called once the server listens.
func run(ctx context.Context, stdout, stderr io.Writer, ready func(info)) error {
	endpoint := os.Getenv(awsclient.EnvDynamoDBEndpoint)
	if endpoint == "" {
		return fmt.Errorf("%s is not set: run `make local`, which starts DynamoDB Local and sets it",
			awsclient.EnvDynamoDBEndpoint)
	}
	table := os.Getenv(routes.EnvTable)
	if table == "" {
		table = defaultTable
		// The functions read it, as they do in Lambda (routes.DynamoDBFromEnv).
		if err := os.Setenv(routes.EnvTable, table); err != nil {
			return err
		}
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = defaultPort
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))

	path, err := samtemplate.Find(".")
	if err != nil {
		return err
	}
	tmpl, err := samtemplate.Load(path)
	if err != nil {
		return err
	}
	api, err := gateway.FromTemplate(tmpl)
	if err != nil {
		return err
	}

	db, _, err := routes.DynamoDBFromEnv()
	if err != nil {
		return err
	}
	setupCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := ensureTable(setupCtx, db, tmpl, table, log); err != nil {
		return err
	}
	admin := store.New(db, table)
	in := info{Endpoint: endpoint, Table: table}
	if in.AccountKey, err = accountKey(setupCtx, admin, os.Getenv(envBootstrap)); err != nil {
		return err
	}
	if in.App, in.AppKey, err = demoApp(setupCtx, admin, log); err != nil {
		return err
	}

	sealer, policy, err := localWebhooks(log)
	if err != nil {
		return err
	}
	// Each function gets its own client and store, as separate Lambda functions would.
	depsFor := func(fn string) routes.Deps {
		db, _, err := routes.DynamoDBFromEnv()
		if err != nil {
			panic(err) // the same environment just worked above
		}
		return routes.Deps{Store: store.New(db, table), Log: log.With("function", fn), Document: docs.OpenAPIJSON,
			Sealer: sealer, Webhooks: policy}
	}
	authz := depsFor(api.Authorizer.Function)
	gw, err := gateway.New(api, authorizer.New(authz.Store, authz.Log).Handle, depsFor,
		gateway.Options{Log: log.With("source", "gateway")})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return err
	}
	in.URL = "http://" + ln.Addr().String()
	srv := &http.Server{
		Handler:           gw,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	deliveryCtx, stopDelivery := context.WithCancel(context.Background())
	delivered, err := startDelivery(deliveryCtx, db, table, sealer, policy, in.URL, log)
	if err != nil {
		stopDelivery()
		ln.Close()
		return err
	}
	defer func() { stopDelivery(); delivered.Wait() }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	printBanner(stdout, in)
	log.Info("serving", "url", in.URL, "routes", len(api.Routes), "table", table, "dynamodb", endpoint)
	if ready != nil {
		ready(in)
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startDelivery runs webhook delivery in process, as AWS runs it (internal/localbus): the
// table's stream, read from now on, feeds publish-changes' handler, whose events go to a
// queue that feeds deliver-webhooks' handler, with the same renders and conversion.
func startDelivery(ctx context.Context, db *dynamodb.Client, table string, sealer seal.Sealer,
	policy webhook.Policy, issuer string, log *slog.Logger) (*sync.WaitGroup, error) {
	env, err := awsclient.FromEnv(true)
	if err != nil {
		return nil, err
	}
	streams := dynamodbstreams.New(dynamodbstreams.Options{Region: env.Region, Credentials: env.Credentials,
		BaseEndpoint: aws.String(os.Getenv(awsclient.EnvDynamoDBEndpoint)), HTTPClient: awsclient.HTTPClient()})
	stream, err := localbus.Open(ctx, db, streams, table, false)
	if err != nil {
		return nil, err
	}
	q := localbus.NewQueue(log.With("function", routes.DeliverFunction), nil)
	s := store.New(db, table)
	h := deliver.New(deliver.Deps{
		Apps:      s,
		Endpoints: s.Webhooks(sealer),
		Renders: map[webhook.Format]webhook.Render{
			webhook.Apps: appsapi.RenderChange, webhook.Lago: lago.RenderChange, webhook.Lukittu: lukittu.RenderChange,
		},
		Convert:  changes.ChangeOf,
		Client:   webhook.NewClient(webhook.Options{Policy: policy}),
		Queue:    q,
		QueueURL: "local",
		Issuer:   issuer,
		Log:      log.With("function", routes.DeliverFunction),
	})
	publish := changes.New(localbus.Publisher{Queue: q}, "local", log.With("function", routes.PublishFunction))
	var wg sync.WaitGroup
	wg.Go(func() { q.Run(ctx, h.Handle) })
	wg.Go(func() { localbus.Tail(ctx, stream, publish.Handle, streamPoll, log.With("source", "stream")) })
	return &wg, nil
}

// localWebhooks is what the functions seal webhook secrets with locally (the local key of
// SEAL_LOCAL_KEY, made when unset) and the local setting of webhook URLs, which it sets in
// the environment as the functions read it.
func localWebhooks(log *slog.Logger) (seal.Sealer, webhook.Policy, error) {
	if err := os.Setenv(webhook.EnvLocal, "true"); err != nil {
		return nil, webhook.Policy{}, err
	}
	policy, err := webhook.PolicyFromEnv()
	if err != nil {
		return nil, webhook.Policy{}, err
	}
	if os.Getenv(seal.EnvLocalKey) == "" {
		if err := os.Setenv(seal.EnvLocalKey, seal.NewLocalKey()); err != nil {
			return nil, webhook.Policy{}, err
		}
		log.Info("webhook secrets are sealed with a new local key: set " + seal.EnvLocalKey +
			" (32 random bytes in base64: openssl rand -base64 32) to keep them readable after a restart")
	}
	sealer, err := seal.LocalFromEnv()
	if err != nil {
		return nil, webhook.Policy{}, err
	}
	return sealer, policy, nil
}

// ensureTable creates the table from template.yaml when it does not exist, as
// internal/dynamotest does for tests.
func ensureTable(
	ctx context.Context, db *dynamodb.Client, tmpl *samtemplate.Template, table string, log *slog.Logger,
) error {
	_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	var rnf *types.ResourceNotFoundException
	if err == nil {
		log.Info("using the existing table", "table", table)
		return nil
	}
	if !errors.As(err, &rnf) {
		return fmt.Errorf("describe table %s: %w", table, err)
	}
	in, err := tmpl.CreateTableInput(tableID, table)
	if err != nil {
		return err
	}
	if _, err := db.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute); err != nil {
		return fmt.Errorf("table %s: %w", table, err)
	}
	if attr, ok := tmpl.TTLAttribute(tableID); ok {
		_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               aws.String(table),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attr), Enabled: aws.Bool(true)},
		})
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			log.Warn("time to live not enabled", "table", table, "error", err.Error())
		} else if err != nil {
			return fmt.Errorf("enable time to live on %s: %w", table, err)
		}
	}
	log.Info("created the table from template.yaml", "table", table)
	return nil
}

// accountKey registers the given account key (when its hash is not stored yet) or, without
// one, makes a new account key.
func accountKey(ctx context.Context, s *store.Store, given string) (string, error) {
	if given == "" {
		secret, hash := auth.Generate(auth.Account)
		if _, err := s.CreateKey(ctx, hash, auth.Key{Kind: auth.Account, Hint: auth.Hint(secret)}); err != nil {
			return "", fmt.Errorf("create the account key: %w", err)
		}
		return secret, nil
	}
	sample, _ := auth.Generate(auth.Account)
	prefix := sample[:strings.Index(sample, "_live_")+len("_live_")]
	if !auth.Plausible(given) || !strings.HasPrefix(given, prefix) {
		return "", fmt.Errorf("%s is not an account key: it must be %s followed by 48 lower-case hex digits",
			envBootstrap, prefix)
	}
	hash := auth.Hash(given)
	k, err := s.KeyByHash(ctx, hash)
	switch {
	case err == nil && k.Kind != auth.Account:
		return "", fmt.Errorf("%s is registered as a %s key, not an account key", envBootstrap, k.Kind)
	case err == nil:
		return given, nil
	case !errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("look up %s: %w", envBootstrap, err)
	}
	if _, err := s.CreateKey(ctx, hash, auth.Key{Kind: auth.Account, Hint: auth.Hint(given)}); err != nil {
		return "", fmt.Errorf("register %s: %w", envBootstrap, err)
	}
	return given, nil
}

// demoApp makes sure my-app exists and makes it a fresh secret key.
func demoApp(ctx context.Context, s *store.Store, log *slog.Logger) (tenant.App, string, error) {
	app, err := s.AppBySlug(ctx, demoSlug)
	if errors.Is(err, store.ErrAppNotFound) {
		app, err = s.CreateApp(ctx, tenant.App{Name: "My App", Slug: demoSlug, Description: "Demo app made by make local"})
		if errors.Is(err, store.ErrSlugTaken) { // made by another start in between
			app, err = s.AppBySlug(ctx, demoSlug)
		}
	}
	if err != nil {
		return tenant.App{}, "", fmt.Errorf("demo app %s: %w", demoSlug, err)
	}
	if app.Status != tenant.Active {
		log.Warn("the demo app is being deleted and the purge worker does not run locally: no demo app", "slug", demoSlug)
		return tenant.App{}, "", nil
	}
	secret, hash := auth.Generate(auth.Secret)
	k := auth.Key{AppID: app.ID, AppSlug: app.Slug, AppName: app.Name, Kind: auth.Secret, Hint: auth.Hint(secret)}
	if _, err := s.CreateKey(ctx, hash, k); err != nil {
		return tenant.App{}, "", fmt.Errorf("demo app %s: create a key: %w", demoSlug, err)
	}
	return app, secret, nil
}

func printBanner(w io.Writer, in info) {
	fmt.Fprintf(w, "\nClientele is serving on %s (table %s on DynamoDB Local %s)\n\n", in.URL, in.Table, in.Endpoint)
	fmt.Fprintf(w, "  account key       %s\n", in.AccountKey)
	fmt.Fprintf(w, "                    (manages apps and their keys; reaches every app)\n")
	if in.App.ID != "" {
		fmt.Fprintf(w, "  demo app          %s  id app_%s (uuid %s)\n", in.App.Slug, in.App.ID, in.App.ID)
		fmt.Fprintf(w, "  demo secret key   %s\n", in.AppKey)
	}
	key, slug := in.AppKey, in.App.Slug
	if in.App.ID == "" {
		key, slug = in.AccountKey, "<slug>"
	}
	fmt.Fprintf(w, "\nTry:\n\n")
	fmt.Fprintf(w, "  curl -s %s/api/health\n", in.URL)
	fmt.Fprintf(w, "  curl -s -X POST %s/api/v1/apps/%s/customers \\\n", in.URL, slug)
	fmt.Fprintf(w, "    -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \\\n", key)
	fmt.Fprintf(w, "    -d '{\"email\":\"jane@example.com\",\"name\":\"Jane Smith\"}'\n")
	fmt.Fprintf(w, "  curl -s '%s/api/v1/apps/%s/customers?email=jane' -H 'Authorization: Bearer %s'\n\n",
		in.URL, slug, key)
}
