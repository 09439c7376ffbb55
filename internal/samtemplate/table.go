package samtemplate

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"
)

// TableType is the CloudFormation type of a DynamoDB table.
const TableType = "AWS::DynamoDB::Table"

type tableProperties struct {
	AttributeDefinitions []struct {
		AttributeName string `yaml:"AttributeName"`
		AttributeType string `yaml:"AttributeType"`
	} `yaml:"AttributeDefinitions"`
	BillingMode            string                 `yaml:"BillingMode"`
	KeySchema              []keySchemaElement     `yaml:"KeySchema"`
	GlobalSecondaryIndexes []secondaryIndex       `yaml:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes  []secondaryIndex       `yaml:"LocalSecondaryIndexes"`
	ProvisionedThroughput  *provisionedThroughput `yaml:"ProvisionedThroughput"`
	StreamSpecification    *struct {
		StreamViewType string `yaml:"StreamViewType"`
	} `yaml:"StreamSpecification"`
	TimeToLiveSpecification *struct {
		AttributeName string `yaml:"AttributeName"`
		Enabled       bool   `yaml:"Enabled"`
	} `yaml:"TimeToLiveSpecification"`
}

type keySchemaElement struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

type secondaryIndex struct {
	IndexName  string             `yaml:"IndexName"`
	KeySchema  []keySchemaElement `yaml:"KeySchema"`
	Projection struct {
		ProjectionType   string   `yaml:"ProjectionType"`
		NonKeyAttributes []string `yaml:"NonKeyAttributes"`
	} `yaml:"Projection"`
	ProvisionedThroughput *provisionedThroughput `yaml:"ProvisionedThroughput"`
}

type provisionedThroughput struct {
	ReadCapacityUnits  cfnInt `yaml:"ReadCapacityUnits"`
	WriteCapacityUnits cfnInt `yaml:"WriteCapacityUnits"`
}

// cfnInt is an integer that CloudFormation templates write either bare (5) or
// quoted ("5").
type cfnInt int64

func (i *cfnInt) UnmarshalYAML(n *yaml.Node) error {
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("line %d: %q is not an integer", n.Line, n.Value)
	}
	*i = cfnInt(v)
	return nil
}

// table returns the AWS::DynamoDB::Table resource logicalID with its shape
// properties decoded.
func (t *Template) table(logicalID string) (*tableProperties, error) {
	r, err := t.Resource(logicalID)
	if err != nil {
		return nil, err
	}
	if r.Type != TableType {
		return nil, fmt.Errorf("samtemplate: resource %q is a %s, not a %s", logicalID, r.Type, TableType)
	}
	if r.Properties == nil {
		return nil, fmt.Errorf("samtemplate: table %q has no Properties", logicalID)
	}
	// The properties converted by CreateTableInput must be literals: a local
	// table cannot resolve !Ref or !If. TableName is not among them (the caller
	// names the table), nor are the properties that do not change how the table
	// behaves for its items (SSESpecification, PointInTimeRecoverySpecification,
	// Tags, TableClass, ContributorInsightsSpecification) or that would get in a
	// test's way (DeletionProtectionEnabled).
	shape := []string{
		"AttributeDefinitions",
		"BillingMode",
		"GlobalSecondaryIndexes",
		"KeySchema",
		"LocalSecondaryIndexes",
		"ProvisionedThroughput",
		"StreamSpecification",
		"TimeToLiveSpecification",
	}
	for _, key := range shape {
		if err := literal(Lookup(r.Properties, key), logicalID+".Properties."+key); err != nil {
			return nil, err
		}
	}
	var p tableProperties
	if err := r.Properties.Decode(&p); err != nil {
		return nil, fmt.Errorf("samtemplate: table %q: %w", logicalID, err)
	}
	return &p, nil
}

// literal returns an error if n or any node under it is an intrinsic function.
func literal(n *yaml.Node, path string) error {
	if n == nil {
		return nil
	}
	if name, ok := Intrinsic(n); ok {
		return fmt.Errorf("samtemplate: line %d: %s uses the intrinsic function %s, "+
			"which cannot be resolved outside CloudFormation", n.Line, path, name)
	}
	for _, c := range resolve(n).Content {
		if err := literal(c, path); err != nil {
			return err
		}
	}
	return nil
}

// CreateTableInput converts the AWS::DynamoDB::Table resource logicalID into
// the input that creates the same table, named tableName, through the
// DynamoDB API: attribute definitions, key schema, global and local secondary
// indexes, billing mode, provisioned throughput and stream. Time to live is
// not part of CreateTable: see [Template.TTLAttribute].
func (t *Template) CreateTableInput(logicalID, tableName string) (*dynamodb.CreateTableInput, error) {
	p, err := t.table(logicalID)
	if err != nil {
		return nil, err
	}
	wrap := func(err error) error {
		return fmt.Errorf("samtemplate: table %q: %w", logicalID, err)
	}
	if len(p.AttributeDefinitions) == 0 {
		return nil, wrap(errors.New("no AttributeDefinitions"))
	}
	in := &dynamodb.CreateTableInput{TableName: aws.String(tableName)}
	for _, d := range p.AttributeDefinitions {
		typ, err := enum[types.ScalarAttributeType]("AttributeType", d.AttributeType)
		if err != nil {
			return nil, wrap(err)
		}
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(d.AttributeName),
			AttributeType: typ,
		})
	}
	if in.KeySchema, err = keySchema(p.KeySchema); err != nil {
		return nil, wrap(err)
	}
	if p.BillingMode != "" {
		if in.BillingMode, err = enum[types.BillingMode]("BillingMode", p.BillingMode); err != nil {
			return nil, wrap(err)
		}
	}
	in.ProvisionedThroughput = throughput(p.ProvisionedThroughput)
	for _, x := range p.GlobalSecondaryIndexes {
		ks, proj, err := index(x)
		if err != nil {
			return nil, wrap(err)
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:             aws.String(x.IndexName),
			KeySchema:             ks,
			Projection:            proj,
			ProvisionedThroughput: throughput(x.ProvisionedThroughput),
		})
	}
	for _, x := range p.LocalSecondaryIndexes {
		ks, proj, err := index(x)
		if err != nil {
			return nil, wrap(err)
		}
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName:  aws.String(x.IndexName),
			KeySchema:  ks,
			Projection: proj,
		})
	}
	if s := p.StreamSpecification; s != nil {
		view, err := enum[types.StreamViewType]("StreamViewType", s.StreamViewType)
		if err != nil {
			return nil, wrap(err)
		}
		in.StreamSpecification = &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: view,
		}
	}
	return in, nil
}

// TTLAttribute returns the time-to-live attribute of the AWS::DynamoDB::Table
// resource logicalID, and whether the table declares one and enables it.
func (t *Template) TTLAttribute(logicalID string) (string, bool) {
	p, err := t.table(logicalID)
	if err != nil || p.TimeToLiveSpecification == nil {
		return "", false
	}
	ttl := p.TimeToLiveSpecification
	if !ttl.Enabled || ttl.AttributeName == "" {
		return "", false
	}
	return ttl.AttributeName, true
}

func index(x secondaryIndex) ([]types.KeySchemaElement, *types.Projection, error) {
	if x.IndexName == "" {
		return nil, nil, errors.New("index without IndexName")
	}
	ks, err := keySchema(x.KeySchema)
	if err != nil {
		return nil, nil, fmt.Errorf("index %s: %w", x.IndexName, err)
	}
	pt, err := enum[types.ProjectionType]("ProjectionType", x.Projection.ProjectionType)
	if err != nil {
		return nil, nil, fmt.Errorf("index %s: %w", x.IndexName, err)
	}
	return ks, &types.Projection{ProjectionType: pt, NonKeyAttributes: x.Projection.NonKeyAttributes}, nil
}

func keySchema(elems []keySchemaElement) ([]types.KeySchemaElement, error) {
	if len(elems) == 0 {
		return nil, errors.New("no KeySchema")
	}
	out := make([]types.KeySchemaElement, 0, len(elems))
	for _, e := range elems {
		kt, err := enum[types.KeyType]("KeyType", e.KeyType)
		if err != nil {
			return nil, err
		}
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(e.AttributeName), KeyType: kt})
	}
	return out, nil
}

func throughput(p *provisionedThroughput) *types.ProvisionedThroughput {
	if p == nil {
		return nil
	}
	return &types.ProvisionedThroughput{
		ReadCapacityUnits:  aws.Int64(int64(p.ReadCapacityUnits)),
		WriteCapacityUnits: aws.Int64(int64(p.WriteCapacityUnits)),
	}
}

// enum checks that v is one of the values the SDK knows for the enum type T.
func enum[T interface {
	~string
	Values() []T
}](field, v string) (T, error) {
	var zero T
	if !slices.Contains(zero.Values(), T(v)) {
		return zero, fmt.Errorf("%s %q is not one of %v", field, v, zero.Values())
	}
	return T(v), nil
}
