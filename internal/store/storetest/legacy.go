package storetest

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/clientele/clientele/internal/customer"
)

// Legacy puts customers of an app back in the shape the store wrote before the list indexes
// (docs/storage.md, "Apps of before the list indexes"): in gsi3 by creation, without list keys,
// filter attributes or sequential id, and the app's #META without an index version, so that a
// test can show such an app's lists and its re-index.
func Legacy(ctx context.Context, db DB, table, appID string, cs []customer.Customer) error {
	removed := strings.Join([]string{"lpk", "lsk_created", "lsk_updated", "lsk_name", "lsk_username", "lsk_email",
		"addr", "md", "lago_idx", "seq"}, ", ")
	for _, c := range cs {
		values, err := attributevalue.MarshalMap(map[string]string{
			":pk": "APP#" + appID, ":sk": c.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + c.ID,
		})
		if err != nil {
			return err
		}
		key, err := attributevalue.MarshalMap(map[string]string{"pk": "APP#" + appID, "sk": "CUS#" + c.ID})
		if err != nil {
			return err
		}
		_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(table), Key: key, ConditionExpression: aws.String("attribute_exists(pk)"),
			UpdateExpression:          aws.String("SET gsi3pk = :pk, gsi3sk = :sk REMOVE " + removed),
			ExpressionAttributeValues: values,
		})
		if err != nil {
			return fmt.Errorf("storetest: customer %s: %w", c.ID, err)
		}
	}
	meta, err := attributevalue.MarshalMap(map[string]string{"pk": "APP#" + appID, "sk": "#META"})
	if err != nil {
		return err
	}
	_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: meta, UpdateExpression: aws.String("REMOVE index_version"),
	})
	return err
}
