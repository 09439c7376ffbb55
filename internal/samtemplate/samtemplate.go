// Package samtemplate reads the project's AWS SAM / CloudFormation template.
//
// The template is the single description of the infrastructure: tests and local
// tools build their DynamoDB tables from it (see [Template.CreateTableInput]) so
// that what runs locally cannot drift from what is deployed.
//
// Parsing keeps the whole document as a generic [yaml.Node] tree. CloudFormation's
// short-form intrinsic functions (!Ref, !GetAtt, !Sub, !If, ...) are YAML local
// tags; they parse like any other node and stay visible in [yaml.Node.Tag], so
// code that reads other parts of the template (functions, policies, events) can
// tell a literal from an intrinsic. The long form ({"Ref": ...}, {"Fn::Sub": ...})
// is an ordinary mapping.
package samtemplate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// FileName is the name of the template at the module root.
const FileName = "template.yaml"

// Template is a parsed SAM or CloudFormation template.
type Template struct {
	// Root is the document's top-level mapping (AWSTemplateFormatVersion,
	// Resources, Outputs, ...). Read it with [Lookup].
	Root *yaml.Node
}

// Resource is one entry of the template's Resources section.
type Resource struct {
	LogicalID string
	Type      string // for example "AWS::DynamoDB::Table"
	// Properties is the resource's Properties mapping, or nil when it has none.
	Properties *yaml.Node
	// Node is the whole resource mapping, for the attributes beside Properties
	// (Condition, DependsOn, DeletionPolicy, Metadata, ...).
	Node *yaml.Node
}

// Find walks up from the directory start to the nearest directory holding
// go.mod and returns the path of the template in that directory.
func Find(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", fmt.Errorf("samtemplate: %w", err)
	}
	for {
		_, err := os.Stat(filepath.Join(dir, "go.mod"))
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("samtemplate: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("samtemplate: no go.mod in %s or any parent directory", start)
		}
		dir = parent
	}
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("samtemplate: module root has no template: %w", err)
	}
	return path, nil
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	t, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Parse parses a template from its YAML text.
func Parse(data []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("samtemplate: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, errors.New("samtemplate: empty template")
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("samtemplate: line %d: template is not a mapping", root.Line)
	}
	return &Template{Root: root}, nil
}

// Resource returns the resource with the given logical id.
func (t *Template) Resource(logicalID string) (*Resource, error) {
	resources := Lookup(t.Root, "Resources")
	if resources == nil {
		return nil, errors.New("samtemplate: template has no Resources")
	}
	n := Lookup(resources, logicalID)
	if n == nil {
		return nil, fmt.Errorf("samtemplate: resource %q not found", logicalID)
	}
	return newResource(logicalID, n)
}

// Resources returns every resource of the template in document order.
func (t *Template) Resources() ([]*Resource, error) {
	resources := Lookup(t.Root, "Resources")
	if resources == nil {
		return nil, errors.New("samtemplate: template has no Resources")
	}
	if resources.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("samtemplate: line %d: Resources is not a mapping", resources.Line)
	}
	var out []*Resource
	for i := 0; i+1 < len(resources.Content); i += 2 {
		r, err := newResource(resources.Content[i].Value, resolve(resources.Content[i+1]))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func newResource(logicalID string, n *yaml.Node) (*Resource, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("samtemplate: line %d: resource %q is not a mapping", n.Line, logicalID)
	}
	typ := Lookup(n, "Type")
	if typ == nil || typ.Kind != yaml.ScalarNode || typ.Value == "" {
		return nil, fmt.Errorf("samtemplate: line %d: resource %q has no Type", n.Line, logicalID)
	}
	r := &Resource{LogicalID: logicalID, Type: typ.Value, Node: n}
	if p := Lookup(n, "Properties"); p != nil {
		if p.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("samtemplate: line %d: %s.Properties is not a mapping", p.Line, logicalID)
		}
		r.Properties = p
	}
	return r, nil
}

// Lookup follows a path of mapping keys from n and returns the node found, or
// nil if n is nil, a step is not a mapping, or a key is absent. Aliases are
// followed.
func Lookup(n *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		n = resolve(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return resolve(n)
}

// Intrinsic reports whether n is a CloudFormation intrinsic function, in short
// form (a "!Name" tag) or long form (a one-key mapping "Ref" or "Fn::Name"),
// and returns its name ("Ref", "GetAtt", "Sub", ...).
func Intrinsic(n *yaml.Node) (string, bool) {
	n = resolve(n)
	if n == nil {
		return "", false
	}
	if tag, ok := strings.CutPrefix(n.Tag, "!"); ok && !strings.HasPrefix(tag, "!") {
		return tag, true
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		key := n.Content[0].Value
		if key == "Ref" || key == "Condition" {
			return key, true
		}
		if name, ok := strings.CutPrefix(key, "Fn::"); ok {
			return name, true
		}
	}
	return "", false
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}
