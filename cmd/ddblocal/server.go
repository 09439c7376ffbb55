package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

const (
	readyTimeout = 60 * time.Second // from start until DynamoDB Local answers
	stopGrace    = 5 * time.Second  // from SIGTERM until SIGKILL
	// startAttempts is how often a free port is tried: another process may
	// take it between our probe and Java's bind.
	startAttempts = 3
)

// server is a running DynamoDB Local.
type server struct {
	endpoint string
	cmd      *exec.Cmd
	log      *os.File
	exited   chan struct{} // closed when Java has exited; then waitErr is set
	waitErr  error
}

// start runs DynamoDB Local from dist on port (a free one if 0), keeping the
// tables in data (in memory if ""), and waits until it answers.
func start(ctx context.Context, dist, cache string, port int, data string) (*server, error) {
	if data != "" {
		if err := os.MkdirAll(data, 0o755); err != nil {
			return nil, err
		}
	}
	for attempt := 1; ; attempt++ {
		p := port
		if p == 0 {
			var err error
			if p, err = freePort(); err != nil {
				return nil, err
			}
		}
		srv, err := startJava(dist, cache, p, data)
		if err != nil {
			return nil, err
		}
		err = waitReady(ctx, srv)
		if err == nil {
			return srv, nil
		}
		select {
		case <-srv.exited:
			if port == 0 && attempt < startAttempts && srv.lostPort() {
				srv.discard()
				continue
			}
		default:
		}
		srv.shutdown()
		if ctx.Err() != nil {
			os.Remove(srv.log.Name()) // interrupted: nothing to look into
			return nil, err
		}
		// The log stays for a look: err names it.
		return nil, fmt.Errorf("dynamodb local did not start: %w", err)
	}
}

// freePort returns a loopback port that nothing listens on.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// javaArgs returns the arguments for java. DynamoDB Local has no option to
// listen on loopback only; it listens on every interface.
func javaArgs(dist string, port int, data string) []string {
	args := []string{
		"-Djava.library.path=" + filepath.Join(dist, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(dist, "DynamoDBLocal.jar"),
		"-sharedDb",         // one database whatever the credentials and region
		"-disableTelemetry", // the machines running tests have no network beyond registries
		"-port", strconv.Itoa(port),
	}
	if data != "" {
		return append(args, "-dbPath", data)
	}
	return append(args, "-inMemory")
}

func startJava(dist, cache string, port int, data string) (*server, error) {
	log, err := os.CreateTemp(cache, "dynamodb-local-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("java", javaArgs(dist, port, data)...)
	cmd.Dir = cache // keep whatever Java writes out of the caller's tree
	cmd.Stdout, cmd.Stderr = log, log
	setSysProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		log.Close()
		os.Remove(log.Name())
		return nil, fmt.Errorf("start java: %w", err)
	}
	srv := &server{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		cmd:      cmd,
		log:      log,
		exited:   make(chan struct{}),
	}
	go func() {
		srv.waitErr = cmd.Wait()
		close(srv.exited)
	}()
	return srv, nil
}

// waitReady waits until the server answers ListTables, it exits, ctx is
// done or readyTimeout passes.
func waitReady(ctx context.Context, srv *server) error {
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		Retryer:      aws.NopRetryer{},
	})
	deadline, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		attempt, cancelAttempt := context.WithTimeout(deadline, 2*time.Second)
		_, err := client.ListTables(attempt, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
		cancelAttempt()
		if err == nil {
			return nil
		}
		select {
		case <-srv.exited:
			return fmt.Errorf("java exited: %v\n%s", srv.waitErr, srv.logTail())
		case <-deadline.Done():
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted: %w", context.Cause(ctx))
			}
			return fmt.Errorf("no answer from %s within %v: %w\n%s", srv.endpoint, readyTimeout, err, srv.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop stops Java and removes its log. It reports Java having exited before
// it was asked to, and then keeps the log.
func (srv *server) stop() error {
	select {
	case <-srv.exited:
		err := fmt.Errorf("dynamodb local exited while in use: %v\n%s", srv.waitErr, srv.logTail())
		srv.shutdown()
		return err
	default:
	}
	srv.shutdown()
	os.Remove(srv.log.Name())
	return nil
}

// shutdown terminates Java's process group, kills it if it is still there
// after stopGrace, and closes the log.
func (srv *server) shutdown() {
	// Signal the group even after Java exited: a child of it may linger.
	_ = terminate(srv.cmd.Process)
	select {
	case <-srv.exited:
	case <-time.After(stopGrace):
		_ = kill(srv.cmd.Process)
		<-srv.exited
	}
	srv.log.Close()
}

// lostPort reports whether Java failed because its port was taken.
func (srv *server) lostPort() bool {
	b, err := os.ReadFile(srv.log.Name())
	return err == nil && bytes.Contains(b, []byte("Address already in use"))
}

// discard cleans up after a server that exited by itself at start.
func (srv *server) discard() {
	<-srv.exited
	srv.log.Close()
	os.Remove(srv.log.Name())
}

// logTail returns the end of Java's log, with its path for the whole.
func (srv *server) logTail() string {
	const max = 4 << 10
	b, err := os.ReadFile(srv.log.Name())
	if err != nil {
		return fmt.Sprintf("(log %s: %v)", srv.log.Name(), err)
	}
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return fmt.Sprintf("--- end of %s ---\n%s", srv.log.Name(), bytes.TrimRight(b, "\n"))
}
