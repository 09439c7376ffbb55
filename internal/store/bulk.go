package store

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

// BulkItems returns the items of a customer as CreateCustomer writes them (the customer,
// counted in shard, and its guards), for bulk loaders of tests and benchmarks, which write
// them without conditions and add to the shard's counter themselves (storetest.Load).
func BulkItems(appID string, c customer.Customer, shard int) ([]map[string]types.AttributeValue, error) {
	it := newCustomerItem(appID, c)
	it.Shard = &shard
	cust, err := marshal("bulk", it)
	if err != nil {
		return nil, err
	}
	items := []map[string]types.AttributeValue{cust}
	if c.Email != "" {
		g, err := marshal("bulk", guardItem{PK: appPK(appID), SK: emailSK(c.Email), Type: typeEmailGuard, CustomerID: c.ID})
		if err != nil {
			return nil, err
		}
		items = append(items, g)
	}
	if c.ExternalID != "" {
		g, err := marshal("bulk", guardItem{PK: appPK(appID), SK: externalIDSK(c.ExternalID), Type: typeExtGuard,
			CustomerID: c.ID})
		if err != nil {
			return nil, err
		}
		items = append(items, g)
	}
	return items, nil
}

// BulkShardCount is the update that adds n to an app's shard's counter, for bulk loaders
// (BulkItems).
func BulkShardCount(table, appID string, shard int, n int64) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: itemKey(appPK(appID), shardSK(shard)),
		UpdateExpression:          aws.String("ADD customer_count :n"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(n)},
	}
}
