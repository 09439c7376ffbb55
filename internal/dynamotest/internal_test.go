package dynamotest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func TestTableName(t *testing.T) {
	tests := []struct {
		name       string
		testName   string
		wantPrefix string
	}{
		{"plain name is kept", "TestCreate", "TestCreate-"},
		{"subtest slash becomes underscore", "TestCreate/email_taken", "TestCreate_email_taken-"},
		{"spaces and punctuation become underscores", "TestX/a b:c#d", "TestX_a_b_c_d-"},
		{"dots and dashes are kept", "TestX/v1.2-rc", "TestX_v1.2-rc-"},
		{"each non-ASCII rune is one underscore", "TestX/é", "TestX__-"},
		{"long name is cut to fit", strings.Repeat("a", 300), strings.Repeat("a", 242) + "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tableName(tt.testName)
			if !strings.HasPrefix(got, tt.wantPrefix) {
				t.Errorf("tableName(%q) = %q, want prefix %q", tt.testName, got, tt.wantPrefix)
			}
			if len(got) < 3 || len(got) > maxTableName {
				t.Errorf("len(tableName(%q)) = %d, want 3..%d", tt.testName, len(got), maxTableName)
			}
			if i := strings.IndexFunc(got, func(r rune) bool {
				return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("_-.", r))
			}); i >= 0 {
				t.Errorf("tableName(%q) = %q has a character DynamoDB rejects at %d", tt.testName, got, i)
			}
			if again := tableName(tt.testName); again == got {
				t.Errorf("tableName(%q) returned %q twice", tt.testName, got)
			}
		})
	}
}

// stopTB records how New stopped a test. Like testing.T, its Skip and Fatal
// end the goroutine that calls them.
type stopTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (s *stopTB) Helper() {}

func (s *stopTB) Skip(args ...any) {
	s.skipped, s.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

func (s *stopTB) Fatal(args ...any) {
	s.failed, s.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

func (s *stopTB) Fatalf(format string, args ...any) {
	s.Fatal(fmt.Sprintf(format, args...))
}

func TestNewWithoutEndpoint(t *testing.T) {
	tests := []struct {
		name        string
		require     string
		wantSkipped bool
		wantFailed  bool
	}{
		{"skips by default", "", true, false},
		{"skips when require is not 1", "0", true, false},
		{"fails when required", "1", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EndpointEnv, "")
			t.Setenv(RequireEnv, tt.require)
			tb := &stopTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				New(tb)
			}()
			<-done
			if tb.skipped != tt.wantSkipped || tb.failed != tt.wantFailed {
				t.Fatalf("skipped, failed = %v, %v; want %v, %v (message %q)",
					tb.skipped, tb.failed, tt.wantSkipped, tt.wantFailed, tb.msg)
			}
			if !strings.Contains(tb.msg, "make test") || !strings.Contains(tb.msg, EndpointEnv) {
				t.Errorf("message %q does not say to run make test", tb.msg)
			}
		})
	}
}
