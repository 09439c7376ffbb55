// Command floor is the cold-start benchmark's second yardstick: hello plus the least a
// Clientele function does, one GetItem through internal/dynamo on a fresh connection. The
// distance from hello to floor is what any function that reads DynamoDB in its first
// invocation pays; the distance from floor to a function is the function's own.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientele/clientele/internal/awsjson"
	"github.com/clientele/clientele/internal/dynamo"
)

func main() {
	db := dynamo.New(dynamo.Options{
		Region:      os.Getenv("AWS_REGION"),
		Endpoint:    os.Getenv("DYNAMODB_ENDPOINT"),
		Credentials: awsjson.CredentialsFromEnv(),
		HTTP:        awsjson.NewHTTPClient(10 * time.Second),
	})
	table := os.Getenv("TABLE_NAME")
	key := dynamo.Item{"pk": &dynamo.AttributeValueMemberS{Value: "FLOOR"}, "sk": &dynamo.AttributeValueMemberS{Value: "FLOOR"}}
	lambda.Start(func(ctx context.Context, _ map[string]any) (bool, error) {
		out, err := db.GetItem(ctx, &dynamo.GetItemInput{TableName: table, Key: key, ConsistentRead: true})
		if err != nil {
			return false, err
		}
		return out.Item != nil, nil
	})
}
