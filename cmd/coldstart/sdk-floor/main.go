// Command sdk-floor is a yardstick of the cold-start benchmark: hello, plus the SDK's
// DynamoDB client built exactly as the functions build it (awsclient), plus one GetItem. It
// is the least a function that reads DynamoDB can cost.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/awsclient"
)

func main() {
	endpoint := os.Getenv(awsclient.EnvDynamoDBEndpoint)
	env, err := awsclient.FromEnv(endpoint != "")
	if err != nil {
		panic(err)
	}
	db := awsclient.DynamoDB(env, endpoint)
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
