package dynamotest_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/dynamotest"
)

// TestNewWithStream: the table is shaped as template.yaml says, stream included.
func TestNewWithStream(t *testing.T) {
	tbl := dynamotest.NewWithStream(t)
	ctx := t.Context()

	item := map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: "APP#1"},
		"sk":     &types.AttributeValueMemberS{Value: "CUS#1"},
		"gsi1pk": &types.AttributeValueMemberS{Value: "APP#1"},
		"gsi1sk": &types.AttributeValueMemberS{Value: "ada@example.com"},
		"name":   &types.AttributeValueMemberS{Value: "Ada"},
	}
	if _, err := tbl.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl.Name), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	got, err := tbl.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(tbl.Name),
		Key:            map[string]types.AttributeValue{"pk": item["pk"], "sk": item["sk"]},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if name, ok := got.Item["name"].(*types.AttributeValueMemberS); !ok || name.Value != "Ada" {
		t.Errorf("GetItem name = %#v, want Ada", got.Item["name"])
	}
	q, err := tbl.Client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(tbl.Name),
		IndexName:                 aws.String("gsi1"),
		KeyConditionExpression:    aws.String("gsi1pk = :p AND gsi1sk = :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": item["gsi1pk"], ":s": item["gsi1sk"]},
	})
	if err != nil {
		t.Fatalf("Query gsi1: %v", err)
	}
	if q.Count != 1 {
		t.Errorf("Query gsi1 found %d items, want 1", q.Count)
	}

	desc, err := tbl.Client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tbl.Name)})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	var indexes []string
	for _, x := range desc.Table.GlobalSecondaryIndexes {
		indexes = append(indexes, aws.ToString(x.IndexName))
	}
	slices.Sort(indexes)
	ttl, err := tbl.Client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(tbl.Name)})
	if err != nil {
		t.Fatalf("DescribeTimeToLive: %v", err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"table is active", desc.Table.TableStatus, types.TableStatusActive},
		{"GSIs gsi1 to gsi8 exist",
			slices.Equal(indexes, []string{"gsi1", "gsi2", "gsi3", "gsi4", "gsi5", "gsi6", "gsi7", "gsi8"}), true},
		{"stream is enabled",
			desc.Table.StreamSpecification != nil && aws.ToBool(desc.Table.StreamSpecification.StreamEnabled), true},
		{"stream has new and old images", desc.Table.StreamSpecification != nil &&
			desc.Table.StreamSpecification.StreamViewType == types.StreamViewTypeNewAndOldImages, true},
		{"time to live is enabled", ttl.TimeToLiveDescription.TimeToLiveStatus, types.TimeToLiveStatusEnabled},
		{"time to live attribute is ttl", aws.ToString(ttl.TimeToLiveDescription.AttributeName), "ttl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestNewDeletesTableAfterTest(t *testing.T) {
	outer := dynamotest.New(t)
	var inner string
	t.Run("sub test/with odd name é", func(t *testing.T) {
		tbl := dynamotest.New(t)
		inner = tbl.Name
		if inner == outer.Name {
			t.Fatalf("subtest table has the parent's name %s", inner)
		}
	})
	_, err := outer.Client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(inner)})
	if rnf := (*types.ResourceNotFoundException)(nil); !errors.As(err, &rnf) {
		t.Fatalf("DescribeTable(%s) after its test = %v, want ResourceNotFoundException", inner, err)
	}
}

// TestNewLeavesTheStreamOut: New's tables have no stream (see New).
func TestNewLeavesTheStreamOut(t *testing.T) {
	tbl := dynamotest.New(t)
	desc, err := tbl.Client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(tbl.Name)})
	if err != nil {
		t.Fatal(err)
	}
	if s := desc.Table.StreamSpecification; s != nil && aws.ToBool(s.StreamEnabled) {
		t.Errorf("stream %+v, want none", s)
	}
}
