package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/store"
)

func TestBootstrapKey(t *testing.T) {
	tbl := dynamotest.New(t)
	endpoint, _ := dynamotest.Endpoint()
	env := map[string]string{"DYNAMODB_ENDPOINT": endpoint}
	getenv := func(k string) string { return env[k] }

	var keys []string
	for range 2 {
		var stdout, stderr bytes.Buffer
		args := []string{"-table", tbl.Name, "-region", "eu-west-1"}
		if code := run(context.Background(), args, getenv, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		out := stdout.String()
		key := strings.TrimSuffix(out, "\n")
		if strings.Count(out, "\n") != 1 || !auth.Plausible(key) || !strings.HasPrefix(key, "ak_") {
			t.Fatalf("stdout %q is not one account key on a line", out)
		}
		if strings.Contains(stderr.String(), key) {
			t.Error("the key is printed on stderr too")
		}
		got, err := store.New(tbl.Client, tbl.Name).KeyByHash(context.Background(), auth.Hash(key))
		if err != nil {
			t.Fatalf("KeyByHash of the printed key: %v", err)
		}
		if got.Kind != auth.Account || got.AppID != "" || got.ID == "" || got.Hint != auth.Hint(key) {
			t.Errorf("stored key %+v, want an account key", got)
		}
		keys = append(keys, key)
	}
	if keys[0] == keys[1] {
		t.Error("two runs printed the same key")
	}

	t.Run("table from TABLE_NAME", func(t *testing.T) {
		env := map[string]string{"DYNAMODB_ENDPOINT": endpoint, "TABLE_NAME": tbl.Name}
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), nil, func(k string) string { return env[k] }, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	})
	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{nil, {"-table", tbl.Name, "extra"}, {"-nope"}} {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), args, getenv, &stdout, &stderr); code != 2 || stdout.Len() != 0 {
				t.Errorf("%q: exit %d, stdout %q; want 2 and nothing", args, code, stdout.String())
			}
		}
	})
	t.Run("missing table", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		args := []string{"-table", tbl.Name + "-missing"}
		if code := run(context.Background(), args, getenv, &stdout, &stderr); code != 1 || stdout.Len() != 0 {
			t.Errorf("exit %d, stdout %q; want 1 and nothing", code, stdout.String())
		}
		if !strings.Contains(stderr.String(), tbl.Name+"-missing") {
			t.Errorf("stderr %q does not name the table", stderr.String())
		}
	})
}
