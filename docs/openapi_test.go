package docs_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/clientele/clientele/docs"
)

var update = flag.Bool("update", false, "write openapi.json from openapi.yaml (go generate ./docs)")

// toJSON converts the YAML document to compact JSON: mappings become objects (their keys
// as written: the status codes of `responses` are keys, not numbers), the rest the JSON
// value yaml.v3 decodes it to.
func toJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	v, err := value(&doc)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func value(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return value(n.Content[0])
	case yaml.AliasNode:
		return value(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Value == "<<" {
				return nil, fmt.Errorf("line %d: only plain keys are allowed", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: key %q twice", k.Line, k.Value)
			}
			v, err := value(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := value(c)
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, fmt.Errorf("line %d: %w", n.Line, err)
	}
	if _, ok := v.(time.Time); ok {
		return n.Value, nil // a date stays as written
	}
	return v, nil
}

// TestOpenAPIJSONIsTheYAML holds openapi.json, which the function serves, to
// openapi.yaml, which people edit; with -update (go generate ./docs) it writes it.
func TestOpenAPIJSONIsTheYAML(t *testing.T) {
	src, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := toJSON(src)
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if *update {
		if err := os.WriteFile("openapi.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(docs.OpenAPIJSON, want) {
		t.Fatal("openapi.json is not openapi.yaml in JSON: run go generate ./docs")
	}
}

// TestOpenAPIDocumentValidates loads the document with kin-openapi and validates it,
// examples included (each must fit its own schema).
func TestOpenAPIDocumentValidates(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(docs.OpenAPIJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
}
