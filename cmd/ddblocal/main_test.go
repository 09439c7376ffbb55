package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestParseArgs(t *testing.T) {
	abs, err := filepath.Abs("data")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    options
		wantErr bool
	}{
		{"defaults: free port, in memory", nil, nil, options{}, false},
		{"command after --", []string{"--", "go", "test", "-run", "X"}, nil,
			options{command: []string{"go", "test", "-run", "X"}}, false},
		{"flags before the command", []string{"-port", "8000", "-data", "data", "--", "true"}, nil,
			options{port: 8000, data: abs, command: []string{"true"}}, false},
		{"port and data from the environment", nil, map[string]string{"DYNAMODB_PORT": "9000", "DYNAMODB_DATA": "data"},
			options{port: 9000, data: abs}, false},
		{"flags win over the environment", []string{"-port", "8000"}, map[string]string{"DYNAMODB_PORT": "9000"},
			options{port: 8000}, false},
		{"install only", []string{"-install-only"}, nil, options{installOnly: true}, false},
		{"install only with a command", []string{"-install-only", "--", "true"}, nil, options{}, true},
		{"port out of range", []string{"-port", "70000"}, nil, options{}, true},
		{"port in the environment is not a number", nil, map[string]string{"DYNAMODB_PORT": "x"}, options{}, true},
		{"unknown flag", []string{"-nope"}, nil, options{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseArgs(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseArgs error = %v, want error %v", err, tt.wantErr)
			}
			if got.port != tt.want.port || got.data != tt.want.data || got.installOnly != tt.want.installOnly ||
				!slices.Equal(got.command, tt.want.command) {
				t.Errorf("parseArgs = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name    string
		script  string
		want    int
		wantErr bool
	}{
		{"success", "exit 0", 0, false},
		{"exit status is passed on", "exit 3", 3, false},
		{"killed by SIGTERM is 128+15", "kill -TERM $$", 143, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := exitCode(exec.Command("sh", "-c", tt.script).Run())
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("exitCode = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
	t.Run("a failure to wait is exit code 1 with the error", func(t *testing.T) {
		got, err := exitCode(errors.New("boom"))
		if got != 1 || err == nil {
			t.Errorf("exitCode = %d, %v; want 1 and the error", got, err)
		}
	})
}

// installedDist returns the cached DynamoDB Local, skipping the test when it
// or Java is missing (make test installs it before the tests run).
func installedDist(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip(javaMissing)
	}
	cache, err := cacheDir()
	if err != nil {
		t.Skip(err)
	}
	dist, err := findDist(filepath.Join(cache, npmPackage+"-"+npmVersion))
	if err != nil {
		t.Skipf("DynamoDB Local is not installed (run make ddb-install): %v", err)
	}
	return dist
}

func TestServerStartStop(t *testing.T) {
	dist := installedDist(t)
	tests := []struct {
		name     string
		data     bool // keep the tables in a folder
		wantKept bool // the table is there after a restart
	}{
		{"in memory forgets tables on restart", false, false},
		{"data folder keeps tables across restarts", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := t.TempDir()
			var data string
			if tt.data {
				data = t.TempDir()
			}
			srv := startServer(t, dist, logs, data)
			createTable(t, srv.endpoint, "kept")
			if err := srv.stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}
			select {
			case <-srv.exited:
			default:
				t.Fatal("java still running after stop")
			}
			if err := kill(srv.cmd.Process); err == nil {
				t.Error("java's process group still existed after stop")
			}

			srv = startServer(t, dist, logs, data)
			defer srv.stop()
			names := listTables(t, srv.endpoint)
			if kept := slices.Contains(names, "kept"); kept != tt.wantKept {
				t.Errorf("after restart tables = %q, want kept %v", names, tt.wantKept)
			}
			if entries, _ := os.ReadDir(logs); len(entries) != 1 {
				t.Errorf("log folder holds %d files, want only the running server's log", len(entries))
			}
		})
	}
}

func startServer(t *testing.T, dist, logs, data string) *server {
	t.Helper()
	began := time.Now()
	srv, err := start(t.Context(), dist, logs, 0, data)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Logf("dynamodb local answered on %s after %v", srv.endpoint, time.Since(began).Round(time.Millisecond))
	return srv
}

func client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

func createTable(t *testing.T, endpoint, name string) {
	t.Helper()
	_, err := client(endpoint).CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}

func listTables(t *testing.T, endpoint string) []string {
	t.Helper()
	out, err := client(endpoint).ListTables(t.Context(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	return out.TableNames
}
