package samtemplate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func loadProjectTemplate(t *testing.T) *Template {
	t.Helper()
	path, err := Find(".")
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	tmpl, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return tmpl
}

func keys(ks []types.KeySchemaElement) string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
	}
	return strings.Join(parts, ", ")
}

// check is one comparison of a converted value with the expected one.
type check struct {
	name      string
	got, want any
}

func runChecks(t *testing.T, checks []check) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

func TestProjectTemplateTable(t *testing.T) {
	tmpl := loadProjectTemplate(t)
	in, err := tmpl.CreateTableInput("Table", "clientele-test")
	if err != nil {
		t.Fatalf("CreateTableInput: %v", err)
	}
	gsi := func(name string) *types.GlobalSecondaryIndex {
		for i := range in.GlobalSecondaryIndexes {
			if aws.ToString(in.GlobalSecondaryIndexes[i].IndexName) == name {
				return &in.GlobalSecondaryIndexes[i]
			}
		}
		return nil
	}
	tests := []check{
		{"table name comes from the caller", aws.ToString(in.TableName), "clientele-test"},
		{"primary key is pk/sk", keys(in.KeySchema), "pk HASH, sk RANGE"},
		{"billing is on demand", in.BillingMode, types.BillingModePayPerRequest},
		{"no provisioned throughput", in.ProvisionedThroughput == nil, true},
		{"fourteen string attributes", len(in.AttributeDefinitions), 14},
		{"eight GSIs", len(in.GlobalSecondaryIndexes), 8},
		{"no LSIs", len(in.LocalSecondaryIndexes), 0},
		{"stream is enabled", aws.ToBool(in.StreamSpecification.StreamEnabled), true},
		{"stream has new and old images", in.StreamSpecification.StreamViewType, types.StreamViewTypeNewAndOldImages},
	}
	for _, x := range []struct {
		name, keys string
		projection types.ProjectionType
		included   int
	}{
		{"gsi1", "gsi1pk HASH, gsi1sk RANGE", types.ProjectionTypeKeysOnly, 0},
		{"gsi2", "gsi2pk HASH, gsi2sk RANGE", types.ProjectionTypeKeysOnly, 0},
		{"gsi3", "gsi3pk HASH, gsi3sk RANGE", types.ProjectionTypeAll, 0},
		{"gsi4", "lpk HASH, lsk_created RANGE", types.ProjectionTypeInclude, 10},
		{"gsi5", "lpk HASH, lsk_updated RANGE", types.ProjectionTypeInclude, 6},
		{"gsi8", "lpk HASH, lsk_email RANGE", types.ProjectionTypeInclude, 6},
	} {
		g := gsi(x.name)
		if g == nil {
			t.Fatalf("index %s missing", x.name)
		}
		tests = append(tests,
			check{x.name + " keys are " + x.keys, keys(g.KeySchema), x.keys},
			check{x.name + " projects " + string(x.projection), g.Projection.ProjectionType, x.projection},
			check{x.name + " includes " + fmt.Sprint(x.included), len(g.Projection.NonKeyAttributes), x.included},
		)
	}
	for _, d := range in.AttributeDefinitions {
		name := "attribute " + aws.ToString(d.AttributeName) + " is a string"
		tests = append(tests, check{name, d.AttributeType, types.ScalarAttributeTypeS})
	}
	runChecks(t, tests)

	t.Run("ttl attribute is ttl", func(t *testing.T) {
		attr, ok := tmpl.TTLAttribute("Table")
		if attr != "ttl" || !ok {
			t.Errorf("TTLAttribute = %q, %v; want \"ttl\", true", attr, ok)
		}
	})
	t.Run("outputs keep their short-form tags", func(t *testing.T) {
		for output, want := range map[string]string{"TableName": "Ref", "TableStreamArn": "GetAtt"} {
			got, ok := Intrinsic(Lookup(tmpl.Root, "Outputs", output, "Value"))
			if !ok || got != want {
				t.Errorf("Outputs.%s.Value: Intrinsic = %q, %v; want %q, true", output, got, ok, want)
			}
		}
	})
}

func TestFind(t *testing.T) {
	tests := []struct {
		name    string
		files   []string // created under the temporary root
		start   string   // relative to the temporary root
		want    string   // relative to the temporary root; "" means an error
		wantErr string
	}{
		{"template beside go.mod", []string{"go.mod", "template.yaml"}, ".", "template.yaml", ""},
		{"walks up from a nested package", []string{"go.mod", "template.yaml", "internal/x/x.go"},
			"internal/x", "template.yaml", ""},
		{"nearest go.mod wins", []string{"go.mod", "template.yaml", "sub/go.mod", "sub/template.yaml", "sub/a/a.go"},
			"sub/a", "sub/template.yaml", ""},
		{"go.mod without a template", []string{"go.mod", "a/a.go"}, "a", "", "module root has no template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for _, f := range tt.files {
				path := filepath.Join(root, filepath.FromSlash(f))
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := Find(filepath.Join(root, filepath.FromSlash(tt.start)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Find = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if want := filepath.Join(root, filepath.FromSlash(tt.want)); got != want {
				t.Errorf("Find = %q, want %q", got, want)
			}
		})
	}
}

// shortForm uses CloudFormation's short-form tags on scalars, sequences and
// mappings, in conditions, resources and outputs.
const shortForm = `
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Parameters:
  Stage:
    Type: String
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: bootstrap
      Environment:
        Variables:
          TABLE_NAME: !Ref Items
          STREAM: !GetAtt Items.StreamArn
          URL: !Sub "https://${AWS::Region}.example/${Stage}"
          MODE: !If [IsProd, strict, lax]
          PARTS: !Join ["-", [!Select [0, !Split [",", "a,b"]], b]]
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Items
      Events:
        Get:
          Type: HttpApi
          Properties:
            Path: /items/{id}
            Method: GET
  Items:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-items"
      BillingMode: PROVISIONED
      ProvisionedThroughput:
        ReadCapacityUnits: "5"
        WriteCapacityUnits: 2
      AttributeDefinitions:
        - {AttributeName: id, AttributeType: S}
        - {AttributeName: at, AttributeType: N}
        - {AttributeName: email, AttributeType: S}
      KeySchema:
        - {AttributeName: id, KeyType: HASH}
        - {AttributeName: at, KeyType: RANGE}
      LocalSecondaryIndexes:
        - IndexName: byEmail
          KeySchema:
            - {AttributeName: id, KeyType: HASH}
            - {AttributeName: email, KeyType: RANGE}
          Projection:
            ProjectionType: INCLUDE
            NonKeyAttributes: [name, status]
      GlobalSecondaryIndexes:
        - IndexName: email
          KeySchema:
            - {AttributeName: email, KeyType: HASH}
          Projection:
            ProjectionType: KEYS_ONLY
          ProvisionedThroughput: {ReadCapacityUnits: 1, WriteCapacityUnits: 1}
      TimeToLiveSpecification:
        AttributeName: expires
        Enabled: false
      Tags:
        - Key: stage
          Value: !Ref Stage
Outputs:
  Arn:
    Value: !GetAtt [Items, Arn]
  Name:
    Value: {"Fn::Sub": "${Items}"}
`

func TestParseShortFormTags(t *testing.T) {
	tmpl, err := Parse([]byte(shortForm))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	vars := []string{"Resources", "Fn", "Properties", "Environment", "Variables"}
	tests := []struct {
		name      string
		path      []string
		intrinsic string // "" means not an intrinsic
		value     string // the scalar's value, when it is one
	}{
		{"!Ref keeps its argument", append(vars, "TABLE_NAME"), "Ref", "Items"},
		{"!GetAtt with a dotted argument", append(vars, "STREAM"), "GetAtt", "Items.StreamArn"},
		{"!Sub keeps its string", append(vars, "URL"), "Sub", "https://${AWS::Region}.example/${Stage}"},
		{"!If on a sequence", append(vars, "MODE"), "If", ""},
		{"nested !Join", append(vars, "PARTS"), "Join", ""},
		{"!Equals in a condition", []string{"Conditions", "IsProd"}, "Equals", ""},
		{"!GetAtt on a sequence", []string{"Outputs", "Arn", "Value"}, "GetAtt", ""},
		{"long-form Fn::Sub", []string{"Outputs", "Name", "Value"}, "Sub", ""},
		{"plain scalar is not an intrinsic", []string{"Resources", "Fn", "Properties", "Handler"}, "", "bootstrap"},
		{"event path is read as written", []string{"Resources", "Fn", "Properties", "Events", "Get", "Properties", "Path"},
			"", "/items/{id}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := Lookup(tmpl.Root, tt.path...)
			if n == nil {
				t.Fatalf("Lookup(%v) = nil", tt.path)
			}
			got, ok := Intrinsic(n)
			if got != tt.intrinsic || ok != (tt.intrinsic != "") {
				t.Errorf("Intrinsic = %q, %v; want %q", got, ok, tt.intrinsic)
			}
			if tt.value != "" && n.Value != tt.value {
				t.Errorf("Value = %q, want %q", n.Value, tt.value)
			}
		})
	}

	t.Run("resources in document order", func(t *testing.T) {
		rs, err := tmpl.Resources()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rs {
			got = append(got, r.LogicalID+" "+r.Type)
		}
		want := []string{"Fn AWS::Serverless::Function", "Items AWS::DynamoDB::Table"}
		if !slices.Equal(got, want) {
			t.Errorf("Resources = %q, want %q", got, want)
		}
	})
	t.Run("function resource type and properties", func(t *testing.T) {
		r, err := tmpl.Resource("Fn")
		if err != nil {
			t.Fatal(err)
		}
		if r.Type != "AWS::Serverless::Function" {
			t.Errorf("Type = %q", r.Type)
		}
		policy := Lookup(r.Properties, "Policies")
		if policy == nil || len(policy.Content) != 1 {
			t.Fatalf("Policies = %v, want a one-element sequence", policy)
		}
		if got, _ := Intrinsic(Lookup(policy.Content[0], "DynamoDBCrudPolicy", "TableName")); got != "Ref" {
			t.Errorf("policy TableName intrinsic = %q, want Ref", got)
		}
	})
}

func TestCreateTableInputInline(t *testing.T) {
	tmpl, err := Parse([]byte(shortForm))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	in, err := tmpl.CreateTableInput("Items", "items-1")
	if err != nil {
		t.Fatalf("CreateTableInput: %v", err)
	}
	runChecks(t, []check{
		{"TableName !Sub is replaced by the caller's name", aws.ToString(in.TableName), "items-1"},
		{"provisioned billing", in.BillingMode, types.BillingModeProvisioned},
		{"quoted read capacity", aws.ToInt64(in.ProvisionedThroughput.ReadCapacityUnits), int64(5)},
		{"bare write capacity", aws.ToInt64(in.ProvisionedThroughput.WriteCapacityUnits), int64(2)},
		{"number attribute", in.AttributeDefinitions[1].AttributeType, types.ScalarAttributeTypeN},
		{"primary key", keys(in.KeySchema), "id HASH, at RANGE"},
		{"one LSI", len(in.LocalSecondaryIndexes), 1},
		{"LSI keys", keys(in.LocalSecondaryIndexes[0].KeySchema), "id HASH, email RANGE"},
		{"LSI INCLUDE projection", in.LocalSecondaryIndexes[0].Projection.ProjectionType, types.ProjectionTypeInclude},
		{"LSI non-key attributes", strings.Join(in.LocalSecondaryIndexes[0].Projection.NonKeyAttributes, ","), "name,status"},
		{"GSI KEYS_ONLY projection", in.GlobalSecondaryIndexes[0].Projection.ProjectionType, types.ProjectionTypeKeysOnly},
		{"GSI hash-only key", keys(in.GlobalSecondaryIndexes[0].KeySchema), "email HASH"},
		{"GSI throughput", aws.ToInt64(in.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits), int64(1)},
		{"no stream when none declared", in.StreamSpecification == nil, true},
	})
}

// table wraps AWS::DynamoDB::Table properties in a template.
func table(props string) string {
	return "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n" + props
}

const validProps = `
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
`

func TestCreateTableInputErrors(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		id      string
		wantErr string
	}{
		{"missing resource", table(validProps), "Nope", `resource "Nope" not found`},
		{"no Resources section", "Outputs: {}\n", "T", "no Resources"},
		{"wrong resource type", "Resources:\n  T:\n    Type: AWS::SQS::Queue\n    Properties: {}\n",
			"T", "is a AWS::SQS::Queue, not a AWS::DynamoDB::Table"},
		{"resource without Type", "Resources:\n  T:\n    Properties: {}\n", "T", "has no Type"},
		{"table without Properties", "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n", "T", "has no Properties"},
		{"no attribute definitions", table("      KeySchema: [{AttributeName: pk, KeyType: HASH}]\n"),
			"T", "no AttributeDefinitions"},
		{"no key schema", table("      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n"),
			"T", "no KeySchema"},
		{"unknown attribute type",
			table("      AttributeDefinitions: [{AttributeName: pk, AttributeType: X}]\n" +
				"      KeySchema: [{AttributeName: pk, KeyType: HASH}]\n"),
			"T", `AttributeType "X"`},
		{"unknown key type",
			table("      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n" +
				"      KeySchema: [{AttributeName: pk, KeyType: PRIMARY}]\n"),
			"T", `KeyType "PRIMARY"`},
		{"unknown billing mode", table(validProps + "      BillingMode: FREE\n"), "T", `BillingMode "FREE"`},
		{"unknown stream view", table(validProps + "      StreamSpecification: {StreamViewType: EVERYTHING}\n"),
			"T", `StreamViewType "EVERYTHING"`},
		{"GSI without projection type",
			table(validProps +
				"      GlobalSecondaryIndexes: [{IndexName: g, KeySchema: [{AttributeName: pk, KeyType: HASH}]}]\n"),
			"T", `index g: ProjectionType ""`},
		{"GSI without name",
			table(validProps + "      GlobalSecondaryIndexes: [{KeySchema: [{AttributeName: pk, KeyType: HASH}], " +
				"Projection: {ProjectionType: ALL}}]\n"),
			"T", "without IndexName"},
		{"short-form intrinsic in key schema",
			table("      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n" +
				"      KeySchema: [{AttributeName: !Ref Key, KeyType: HASH}]\n"),
			"T", "T.Properties.KeySchema uses the intrinsic function Ref"},
		{"short-form !If billing mode", table(validProps + "      BillingMode: !If [IsProd, PROVISIONED, PAY_PER_REQUEST]\n"),
			"T", "BillingMode uses the intrinsic function If"},
		{"long-form intrinsic in stream",
			table(validProps + "      StreamSpecification: {StreamViewType: {\"Fn::If\": [c, KEYS_ONLY, NEW_IMAGE]}}\n"),
			"T", "StreamSpecification uses the intrinsic function If"},
		{"throughput is not a number",
			table(validProps + "      ProvisionedThroughput: {ReadCapacityUnits: many, WriteCapacityUnits: 1}\n"),
			"T", `"many" is not an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			in, err := tmpl.CreateTableInput(tt.id, "x")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CreateTableInput = %v, %v; want an error containing %q", in, err, tt.wantErr)
			}
		})
	}
}

func TestTTLAttribute(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		id       string
		wantAttr string
		wantOK   bool
	}{
		{"enabled", table(validProps + "      TimeToLiveSpecification: {AttributeName: expires, Enabled: true}\n"),
			"T", "expires", true},
		{"disabled", table(validProps + "      TimeToLiveSpecification: {AttributeName: expires, Enabled: false}\n"),
			"T", "", false},
		{"not declared", table(validProps), "T", "", false},
		{"missing resource", table(validProps), "Nope", "", false},
		{"not a table", "Resources:\n  T:\n    Type: AWS::SQS::Queue\n    Properties: {}\n", "T", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			attr, ok := tmpl.TTLAttribute(tt.id)
			if attr != tt.wantAttr || ok != tt.wantOK {
				t.Errorf("TTLAttribute = %q, %v; want %q, %v", attr, ok, tt.wantAttr, tt.wantOK)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string
	}{
		{"empty document", "", "empty template"},
		{"comment only", "# nothing\n", "empty template"},
		{"sequence at the top", "- a\n- b\n", "not a mapping"},
		{"invalid YAML", "Resources: [\n", "samtemplate: yaml:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "template.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load error = %v, want a not-exist error", err)
	}
}
