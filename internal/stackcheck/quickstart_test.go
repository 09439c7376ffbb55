package stackcheck

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/clientele/clientele/internal/awsclient"
)

// What `make local` prints with its defaults (cmd/local: PORT 3000, TABLE_NAME clientele;
// the Makefile: DYNAMODB_PORT 8000), which the README shows.
const (
	localDefaultURL      = "http://127.0.0.1:3000"
	localDefaultEndpoint = "http://127.0.0.1:8000"
	localDefaultTable    = "clientele"
)

// statusMarker ends each curl call's output in TestQuickstart: the status and the URL.
const statusMarker = "--quickstart-status "

// TestQuickstart runs the README's quickstart, as written, against the local API, and checks
// every answer against the one the README shows and against the others.
//
// It reads the shell blocks of the README's Quickstart section (the same extraction
// TestDocsCommands uses) and runs them in order:
//
//   - `make local` is started as make local starts it: the Makefile's local rule builds
//     ./cmd/local and runs it beside DynamoDB Local (cmd/ddblocal); this test builds
//     ./cmd/local and runs it with the DynamoDB Local the test runs beside (DYNAMODB_ENDPOINT,
//     set by `go run ./cmd/ddblocal -- go test`), on a free port and a table of its own, and
//     matches its banner against the README's;
//   - a line `NAME=value` is what the reader fills in from the banner or an answer: the test
//     sets NAME itself (API, AK, SK and TEAM from the banner; ID from the create's answer)
//     and checks that the README's value, a pattern, matches it;
//   - every other command runs with bash (set -euo pipefail, those variables exported), and
//     curl is a function that adds a status line after each answer;
//   - a ```text block right after a shell block is what that block prints: the answers of its
//     curl calls, one a line. "…" stands for any text within a line, a line of only "…" for
//     any lines; the rest must match exactly.
//
// Then every answer must be 2xx, and the story must hold: a customer created through the
// Apps API (201), found by a list, and read back through the Apps API, Lukittu (by team and
// customer UUID) and Lago (by external id), each time with its id and email.
//
// It fails, never skips, when bash, curl, go or DynamoDB Local is missing. It takes a few
// seconds once the build cache is warm.
func TestQuickstart(t *testing.T) {
	root := projectRoot(t)
	endpoint := os.Getenv(awsclient.EnvDynamoDBEndpoint)
	if endpoint == "" {
		t.Fatalf("%s is not set: run this test beside DynamoDB Local, as make test does "+
			"(go run ./cmd/ddblocal -- go test ./internal/stackcheck)", awsclient.EnvDynamoDBEndpoint)
	}
	tools := map[string]string{}
	for _, tool := range []string{"bash", "curl", "go"} {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("the quickstart needs %s on PATH: %v", tool, err)
		}
		tools[tool] = path
	}
	blocks, lines := quickstartBlocks(t, root)
	checkMakeLocalRule(t, root)

	// Start the local API as make local does, on a free port and a table of its own.
	table := "quickstart-" + strings.ToLower(rand.Text()[:12])
	deleteTableAtEnd(t, endpoint, table)
	server := startLocal(t, root, tools["go"], table)
	t.Logf("local API on %s (table %s)", server.url, table)

	vars := map[string]string{} // what the commands run with
	fill := map[string]func() (string, error){
		"API":  func() (string, error) { return server.url, nil },
		"AK":   func() (string, error) { return server.accountKey, nil },
		"SK":   func() (string, error) { return server.appKey, nil },
		"TEAM": func() (string, error) { return server.appUUID, nil },
	}
	// shown turns a value into what the README shows for it (make local's defaults).
	shown := func(v string) string { return strings.ReplaceAll(v, server.url, localDefaultURL) }

	var calls []curlCall
	sawLocal := false
	for bi, b := range blocks {
		if !b.shell() {
			continue
		}
		var outputs []string
		for _, c := range b.commands() {
			where := fmt.Sprintf("%s:%d", readmeFile, c.line)
			if c.text == "make local" {
				sawLocal = true
				outputs = append(outputs, server.normalizedBanner())
				continue
			}
			if !sawLocal {
				t.Fatalf("%s: %q runs before `make local`", where, c.text)
			}
			if strings.HasPrefix(c.text, "make ") {
				t.Fatalf("%s: TestQuickstart runs `make local` only, not %q", where, c.text)
			}
			if name, pattern, ok := assignment(c.text); ok {
				f, known := fill[name]
				if !known {
					t.Fatalf("%s: the quickstart sets %s, which TestQuickstart does not know how to fill in", where, name)
				}
				v, err := f()
				if err != nil {
					t.Fatalf("%s: %s: %v", where, name, err)
				}
				if !matchOutput(pattern, shown(v)) {
					t.Errorf("%s: the README sets %s=%s, but the value is %s", where, name, pattern, shown(v))
				}
				vars[name] = v
				continue
			}
			got := runQuickstartCommand(t, tools["bash"], root, vars, c)
			for _, call := range got {
				outputs = append(outputs, call.body)
				if call.status == 201 && regexp.MustCompile(`^/api/v1/apps/[^/]+/customers$`).MatchString(call.path) {
					id, err := jsonString(call.body, "data", "id")
					if err != nil {
						t.Fatalf("%s: the create's answer: %v", where, err)
					}
					fill["ID"] = func() (string, error) { return strings.TrimPrefix(id, "cus_"), nil }
				}
			}
			calls = append(calls, got...)
		}
		// The block's output, as the README shows it.
		if bi+1 < len(blocks) && blocks[bi+1].lang == "text" && adjacent(lines, b, blocks[bi+1]) {
			want := strings.Join(blocks[bi+1].body, "\n")
			got := strings.Join(outputs, "\n")
			if !matchOutput(want, got) {
				t.Errorf("%s:%d: the output differs from the README's\n--- README\n%s\n--- got\n%s",
					readmeFile, blocks[bi+1].line, want, got)
			}
		}
	}
	if !sawLocal {
		t.Fatalf("the %s's quickstart never runs `make local`", readmeFile)
	}
	checkQuickstartStory(t, calls, server.appUUID)
}

// checkMakeLocalRule checks that make local runs ./cmd/local beside cmd/ddblocal, which is
// what TestQuickstart runs in its stead.
func checkMakeLocalRule(t *testing.T, root string) {
	t.Helper()
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^local:.*\n((?:\t.*\n)+)`).FindSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile has no local rule")
	}
	for _, s := range []string{"./cmd/local", "./cmd/ddblocal"} {
		if !bytes.Contains(m[1], []byte(s)) {
			t.Errorf("make local no longer builds %s, which TestQuickstart assumes:\n%s", s, m[1])
		}
	}
}

// localServer is a running cmd/local and what its banner said.
type localServer struct {
	url, endpoint, table        string
	accountKey, appKey, appUUID string
	banner                      string
	cmd                         *exec.Cmd
	stdoutPath, stderrPath      string
}

// normalizedBanner is the banner with make local's defaults for the URL, the endpoint and
// the table, as the README shows it.
func (s *localServer) normalizedBanner() string {
	return strings.NewReplacer(s.url, localDefaultURL, s.endpoint, localDefaultEndpoint,
		"table "+s.table+" ", "table "+localDefaultTable+" ").Replace(s.banner)
}

var (
	bannerComplete = regexp.MustCompile(`(?s)\nTry:\n\n.+\n\n$`)
	bannerURL      = regexp.MustCompile(`serving on (http://\S+) \(table (\S+) on DynamoDB Local (\S+)\)`)
	bannerAccount  = regexp.MustCompile(`(?m)^\s*account key\s+(ak_live_[0-9a-f]+)$`)
	bannerApp      = regexp.MustCompile(`(?m)^\s*demo app\s+my-app\s+id app_\S+ \(uuid ([0-9a-f-]{36})\)$`)
	bannerAppKey   = regexp.MustCompile(`(?m)^\s*demo secret key\s+(sk_live_[0-9a-f]+)$`)
)

// startLocal builds ./cmd/local (with -race when this test is built with it, to share the
// build cache) and runs it until the test ends; it returns once the banner is printed.
func startLocal(t *testing.T, root, goTool, table string) *localServer {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "local")
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	build := exec.Command(goTool, append(args, "./cmd/local")...)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/local: %v\n%s", err, out)
	}

	s := &localServer{stdoutPath: filepath.Join(dir, "stdout"), stderrPath: filepath.Join(dir, "stderr")}
	stdout, err := os.Create(s.stdoutPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(s.stderrPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	s.cmd = exec.Command(bin)
	s.cmd.Dir = root
	s.cmd.Env = append(withoutEnv(os.Environ(), "BOOTSTRAP_ACCOUNT_KEY", "TABLE_NAME", "PORT"),
		"TABLE_NAME="+table, "PORT=0")
	// The server writes straight into the files: once the banner is there, it is whole.
	s.cmd.Stdout, s.cmd.Stderr = stdout, stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-exited
			t.Error("cmd/local did not stop on SIGTERM")
		}
		if t.Failed() {
			logs, _ := os.ReadFile(s.stderrPath)
			if len(logs) > 8000 {
				logs = logs[len(logs)-8000:]
			}
			t.Logf("cmd/local's log (its end):\n%s", logs)
		}
	})

	deadline := time.After(time.Minute)
	for {
		out, _ := os.ReadFile(s.stdoutPath)
		if bannerComplete.Match(out) {
			s.banner = strings.TrimSpace(string(out))
			break
		}
		select {
		case err := <-exited:
			logs, _ := os.ReadFile(s.stderrPath)
			t.Fatalf("cmd/local exited before serving: %v\nstdout:\n%s\nstderr:\n%s", err, out, logs)
		case <-deadline:
			logs, _ := os.ReadFile(s.stderrPath)
			t.Fatalf("cmd/local printed no whole banner within a minute\nstdout:\n%s\nstderr:\n%s", out, logs)
		case <-time.After(20 * time.Millisecond):
		}
	}
	m := bannerURL.FindStringSubmatch(s.banner)
	if m == nil {
		t.Fatalf("no URL in the banner:\n%s", s.banner)
	}
	s.url, s.table, s.endpoint = m[1], m[2], m[3]
	for _, f := range []struct {
		re  *regexp.Regexp
		dst *string
	}{{bannerAccount, &s.accountKey}, {bannerApp, &s.appUUID}, {bannerAppKey, &s.appKey}} {
		m := f.re.FindStringSubmatch(s.banner)
		if m == nil {
			t.Fatalf("the banner lacks %s:\n%s", f.re, s.banner)
		}
		*f.dst = m[1]
	}
	if s.table != table {
		t.Fatalf("cmd/local serves table %s, want %s", s.table, table)
	}
	return s
}

// deleteTableAtEnd deletes the table cmd/local creates, when the test ends.
func deleteTableAtEnd(t *testing.T, endpoint, table string) {
	t.Helper()
	env, err := awsclient.FromEnv(true)
	if err != nil {
		t.Fatal(err)
	}
	db := awsclient.DynamoDB(env, endpoint)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
}

// raceEnabled reports whether this test binary was built with -race.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || name == n
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

var assignmentLine = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(\S*)(?:\s+#.*)?$`)

// assignment splits a line `NAME=value  # comment` into its name and value.
func assignment(command string) (name, value string, ok bool) {
	m := assignmentLine.FindStringSubmatch(command)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// curlCall is one curl call of a quickstart command.
type curlCall struct {
	where  string // README.md:line
	status int
	path   string // the URL's path
	body   string
}

// runQuickstartCommand runs one command with bash, the variables exported, curl wrapped to
// report each call's status and URL after its answer, and returns its calls.
func runQuickstartCommand(t *testing.T, bash, root string, vars map[string]string, c mdCommand) []curlCall {
	t.Helper()
	where := fmt.Sprintf("%s:%d", readmeFile, c.line)
	script := "set -euo pipefail\n" +
		// -q first: no ~/.curlrc; the marker line after each answer, on stdout.
		`curl() { command curl -q --silent --show-error --max-time 20 --write-out '\n` + statusMarker +
		`%{http_code} %{url_effective}\n' "$@"; }` + "\n" +
		c.text + "\n"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-c", script)
	cmd.Dir = t.TempDir()
	cmd.Env = withoutEnv(os.Environ(), "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")
	cmd.Env = append(cmd.Env, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %s: %v\nstdout:\n%s\nstderr:\n%s", where, c.text, err, stdout.String(), stderr.String())
	}
	var (
		calls []curlCall
		body  []string
	)
	for _, line := range strings.Split(stdout.String(), "\n") {
		rest, ok := strings.CutPrefix(line, statusMarker)
		if !ok {
			body = append(body, line)
			continue
		}
		var (
			status int
			raw    string
		)
		if _, err := fmt.Sscanf(rest, "%d %s", &status, &raw); err != nil {
			t.Fatalf("%s: bad status line %q", where, line)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		calls = append(calls, curlCall{
			where:  where,
			status: status,
			path:   u.Path,
			body:   strings.TrimSpace(strings.Join(body, "\n")),
		})
		body = nil
	}
	if rest := strings.TrimSpace(strings.Join(body, "\n")); rest != "" {
		t.Errorf("%s: output outside a curl answer: %q", where, rest)
	}
	if len(calls) == 0 {
		t.Errorf("%s: %q calls no API: TestQuickstart checks only curl's answers", where, c.text)
	}
	for _, call := range calls {
		if call.status < 200 || call.status > 299 {
			t.Errorf("%s: %s answered %d: %s", where, call.path, call.status, call.body)
		}
	}
	return calls
}

// matchOutput matches text against a pattern from the README: "…" stands for any text within
// a line, a line of only "…" for any lines; trailing spaces and blank lines at either end do
// not count.
func matchOutput(pattern, text string) bool {
	trim := func(s string) []string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t")
		}
		return lines
	}
	var re strings.Builder
	re.WriteString(`^`)
	for i, l := range trim(pattern) {
		if i > 0 {
			re.WriteString(`\n`)
		}
		if strings.TrimSpace(l) == "…" {
			re.WriteString(`(?s:.*)`)
			continue
		}
		parts := strings.Split(l, "…")
		for j, p := range parts {
			if j > 0 {
				re.WriteString(`.*`)
			}
			re.WriteString(regexp.QuoteMeta(p))
		}
	}
	re.WriteString(`$`)
	return regexp.MustCompile(re.String()).MatchString(strings.Join(trim(text), "\n"))
}

// jsonString reads the string at a path of object keys in a JSON document.
func jsonString(doc string, path ...string) (string, error) {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return "", err
	}
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("%s: not an object at %q", strings.Join(path, "."), k)
		}
		v = m[k]
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s is not a string: %v", strings.Join(path, "."), v)
	}
	return s, nil
}

// checkQuickstartStory checks that the quickstart's calls tell the README's story: one
// customer created through the Apps API, then found by a list and read back through each
// dialect with the same id and email.
func checkQuickstartStory(t *testing.T, calls []curlCall, teamID string) {
	t.Helper()
	var (
		created                 bool
		id, email, externalID   string
		listed, apps, luk, lago bool
	)
	appsCustomers := regexp.MustCompile(`^/api/v1/apps/[^/]+/customers$`)
	appsCustomer := regexp.MustCompile(`^/api/v1/apps/[^/]+/customers/[^/]+$`)
	lukCustomer := regexp.MustCompile(`^/api/v1/dev/teams/([^/]+)/customers/[^/]+$`)
	lagoCustomer := regexp.MustCompile(`^/api/v1/customers/[^/]+$`)
	for _, c := range calls {
		var doc map[string]any
		if err := json.Unmarshal([]byte(c.body), &doc); err != nil {
			t.Errorf("%s: %s: not JSON: %v", c.where, c.path, err)
			continue
		}
		get := func(path ...string) string {
			s, _ := jsonString(c.body, path...)
			return s
		}
		switch {
		case c.status == 201 && appsCustomers.MatchString(c.path):
			if created {
				t.Errorf("%s: a second customer created", c.where)
			}
			created, id, email, externalID = true, get("data", "id"), get("data", "email"), get("data", "external_id")
			if !strings.HasPrefix(id, "cus_") || email == "" || externalID == "" {
				t.Errorf("%s: the create answered %s", c.where, c.body)
			}
		case !created:
			t.Errorf("%s: %s is called before the customer is created", c.where, c.path)
		case appsCustomers.MatchString(c.path):
			list, _ := doc["data"].([]any)
			for _, item := range list {
				if m, _ := item.(map[string]any); m != nil && m["id"] == id && m["email"] == email {
					listed = true
				}
			}
			if !listed {
				t.Errorf("%s: the list lacks %s: %s", c.where, id, c.body)
			}
		case appsCustomer.MatchString(c.path):
			apps = true
			if get("data", "id") != id || get("data", "email") != email {
				t.Errorf("%s: the Apps API read answered %s, want %s (%s)", c.where, c.body, id, email)
			}
		case lukCustomer.MatchString(c.path):
			luk = true
			if team := lukCustomer.FindStringSubmatch(c.path)[1]; team != teamID {
				t.Errorf("%s: team %s, want the demo app's uuid %s", c.where, team, teamID)
			}
			if get("data", "id") != strings.TrimPrefix(id, "cus_") || get("data", "email") != email {
				t.Errorf("%s: the Lukittu read answered %s, want %s (%s)", c.where, c.body, id, email)
			}
		case lagoCustomer.MatchString(c.path):
			lago = true
			if get("customer", "lago_id") != strings.TrimPrefix(id, "cus_") || get("customer", "email") != email ||
				get("customer", "external_id") != externalID {
				t.Errorf("%s: the Lago read answered %s, want %s (%s, %s)", c.where, c.body, id, email, externalID)
			}
		}
	}
	for _, step := range []struct {
		done bool
		what string
	}{
		{created, "create a customer through the Apps API (201)"},
		{listed, "list the app's customers and find it"},
		{apps, "read it through the Apps API"},
		{luk, "read it through the Lukittu API"},
		{lago, "read it through the Lago API"},
	} {
		if !step.done {
			t.Errorf("the quickstart does not %s", step.what)
		}
	}
}
