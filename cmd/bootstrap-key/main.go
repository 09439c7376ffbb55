// Command bootstrap-key creates an account key in a deployed Clientele table, with the
// operator's own AWS credentials, and prints it once. The account key manages apps and their
// keys through the API; nothing else can make the first one.
//
// Usage:
//
//	go run ./cmd/bootstrap-key -table <TableName> [-region <region>]
//
// The table is the stack's TableName output (`sam list stack-outputs`), or $TABLE_NAME.
// Credentials and region come from the standard AWS configuration (environment, profile,
// SSO, ...); -region overrides the region. The key goes to standard output alone, the
// messages to standard error, so that `KEY=$(go run ./cmd/bootstrap-key -table T)` works.
// Only the key's SHA-256 is stored: a lost key cannot be shown again; make another.
//
// The credentials need dynamodb:PutItem on the table (the key is written with
// TransactWriteItems). With DYNAMODB_ENDPOINT set (DynamoDB Local), that endpoint is used,
// with placeholder credentials unless AWS_ACCESS_KEY_ID is set, and region us-east-1 unless
// one is configured.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/awsclient"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/store"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run does the work of main and returns the exit code: 0, 1 for a failure, 2 for bad usage.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bootstrap-key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	table := fs.String("table", getenv(routes.EnvTable),
		"the Clientele table (the stack's TableName output); default $"+routes.EnvTable)
	region := fs.String("region", "", "the table's AWS region (default: from the AWS configuration)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bootstrap-key -table <TableName> [-region <region>]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || *table == "" {
		if *table == "" {
			fmt.Fprintln(stderr, "bootstrap-key: -table is required")
		} else {
			fmt.Fprintf(stderr, "bootstrap-key: unexpected arguments %q\n", fs.Args())
		}
		fs.Usage()
		return 2
	}

	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	db, err := client(ctx, *region, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "bootstrap-key: %v\n", err)
		return 1
	}
	key, err := create(ctx, store.New(db, *table))
	if err != nil {
		fmt.Fprintf(stderr, "bootstrap-key: table %s: %v\n", *table, err)
		return 1
	}
	fmt.Fprintln(stdout, key)
	fmt.Fprintf(stderr, "Created an account key in table %s "+
		"(printed above, and shown only this once: only its hash is stored).\n"+
		"Use it as \"Authorization: Bearer <key>\" to create apps (POST /api/v1/apps) and their keys.\n", *table)
	return 0
}

// create stores a new account key and returns it.
func create(ctx context.Context, s *store.Store) (string, error) {
	secret, hash := auth.Generate(auth.Account)
	if _, err := s.CreateKey(ctx, hash, auth.Key{Kind: auth.Account, Hint: auth.Hint(secret)}); err != nil {
		return "", err
	}
	return secret, nil
}

// client builds a DynamoDB client from the standard AWS configuration, pointed at
// DYNAMODB_ENDPOINT when it is set.
func client(ctx context.Context, region string, getenv func(string) string) (*dynamodb.Client, error) {
	endpoint := getenv(awsclient.EnvDynamoDBEndpoint)
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if endpoint != "" && getenv("AWS_ACCESS_KEY_ID") == "" {
		// DynamoDB Local checks no signature; this spares a search of the credential chain
		// (which would end at the EC2 metadata service and its timeouts).
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		if endpoint == "" {
			return nil, errors.New("no AWS region: pass -region, or set AWS_REGION or a profile's region")
		}
		cfg.Region = "us-east-1"
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}
