package stackcheck

import (
	"testing"

	"github.com/clientele/clientele/internal/samtemplate"
	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/seal/awskms"
)

// TestWebhookSecretsKey holds the KMS key that seals webhook secrets: retained with the
// table (without it no stored secret opens), rotated yearly by KMS, and named by
// KMS_KEY_ID to the functions that seal, and to no other; no function is given the local
// key, which only `make local` and tests use.
func TestWebhookSecretsKey(t *testing.T) {
	p := loadProject(t)
	key := p.resource(t, webhookKeyID)
	checks := []struct {
		what      string
		got, want any
	}{
		{"Type", key.Type, "AWS::KMS::Key"},
		{"DeletionPolicy", scalar(samtemplate.Lookup(key.Node, "DeletionPolicy")), "Retain"},
		{"UpdateReplacePolicy", scalar(samtemplate.Lookup(key.Node, "UpdateReplacePolicy")), "Retain"},
		{"EnableKeyRotation", scalar(samtemplate.Lookup(key.Properties, "EnableKeyRotation")), "true"},
		{"KeyPolicy", samtemplate.Lookup(key.Properties, "KeyPolicy", "Statement") != nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s %s: got %v, want %v", webhookKeyID, c.what, c.got, c.want)
		}
	}
	global := p.tmpl.GlobalFunctionProperty("Environment")
	for _, name := range []string{awskms.EnvKeyID, seal.EnvLocalKey, awskms.EnvEndpoint} {
		if samtemplate.Lookup(global, "Variables", name) != nil {
			t.Errorf("Globals.Function sets %s: only the functions that seal name the key", name)
		}
	}
	resources := p.functionResources(t)
	for name, fn := range expectedFunctions(t) {
		r, ok := resources[logicalID(name)]
		if !ok {
			continue // TestFunctionFolders reports it
		}
		vars := samtemplate.Lookup(r.Properties, "Environment", "Variables")
		got := refTarget(samtemplate.Lookup(vars, awskms.EnvKeyID))
		want := ""
		if len(fn.access.KMS) > 0 {
			want = webhookKeyID
		}
		if got != want {
			t.Errorf("%s: %s is !Ref %q, want %q", name, awskms.EnvKeyID, got, want)
		}
		if samtemplate.Lookup(vars, seal.EnvLocalKey) != nil {
			t.Errorf("%s sets %s, the key of make local", name, seal.EnvLocalKey)
		}
	}
}
