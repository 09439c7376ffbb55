// Command usual is a yardstick of the cold-start benchmark: what most Go Lambdas do, and
// what a user would otherwise run: config.LoadDefaultConfig, dynamodb.NewFromConfig and one
// GetItem.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint := os.Getenv("DYNAMODB_ENDPOINT"); endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	in := &dynamodb.GetItemInput{
		TableName: aws.String(os.Getenv("TABLE_NAME")),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "FLOOR"},
			"sk": &types.AttributeValueMemberS{Value: "FLOOR"},
		},
		ConsistentRead: aws.Bool(true),
	}
	lambda.Start(func(ctx context.Context, _ map[string]any) (bool, error) {
		out, err := db.GetItem(ctx, in)
		if err != nil {
			return false, err
		}
		return out.Item != nil, nil
	})
}
