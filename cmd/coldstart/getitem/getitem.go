// Package getitem is the handler the DynamoDB yardsticks of the cold-start benchmark share:
// one consistent GetItem of a fixed key per invocation.
package getitem

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Start serves invocations with one GetItem each on the table TABLE_NAME names.
func Start(db *dynamodb.Client) {
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
