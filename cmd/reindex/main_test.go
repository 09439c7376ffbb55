package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
)

func TestReindexCommand(t *testing.T) {
	tbl := dynamotest.New(t)
	t.Setenv("TABLE_NAME", tbl.Name)
	s := store.New(tbl.Client, tbl.Name)
	ctx := context.Background()
	app, err := s.CreateApp(ctx, tenant.App{Slug: "acme", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"a@example.com", "b@example.com"} {
		if _, err := s.CreateCustomer(ctx, app.ID, customer.Customer{Email: email}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"-app", "acme"}, 0, "acme (" + app.ID + "): 2 customers, 0 rewritten, 0 keys named\n", ""},
		{[]string{"-app", app.ID}, 0, "acme (" + app.ID + "): 2 customers, 0 rewritten, 0 keys named\n", ""},
		{[]string{"-all"}, 0, "acme (" + app.ID + "): 2 customers, 0 rewritten, 0 keys named\n", ""},
		{[]string{"-app", "nobody"}, 1, "", "app nobody: app not found"},
		{nil, 2, "", "give -app or -all"},
		{[]string{"-app", "acme", "-all"}, 2, "", "give -app or -all"},
		{[]string{"-app", "acme", "extra"}, 2, "", "give -app or -all"},
	}
	for _, tt := range tests {
		var out, errs bytes.Buffer
		code := run(ctx, tt.args, &out, &errs)
		if code != tt.code || out.String() != tt.stdout || !strings.Contains(errs.String(), tt.stderr) {
			t.Errorf("reindex %q: exit %d, stdout %q, stderr %q; want %d, %q, %q",
				tt.args, code, out.String(), errs.String(), tt.code, tt.stdout, tt.stderr)
		}
	}
}
