package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/webhook"
)

// An endpoint's recent deliveries, one item per event under the app's partition:
//
//	WHDLV#<endpoint id>#<event id>   how the event's last attempt to the endpoint ended
//
// Each expires DeliveryTTL after its last attempt (the table's time to live).
const (
	typeDelivery   = "WEBHOOK_DELIVERY"
	deliveryPrefix = "WHDLV#"
)

// DeliveryTTL is how long a delivery's record is kept after its last attempt.
const DeliveryTTL = 30 * 24 * time.Hour

func deliverySK(endpointID, eventID string) string {
	return deliveryPrefix + endpointID + "#" + eventID
}

type deliveryItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	Type       string `dynamodbav:"type"`
	EndpointID string `dynamodbav:"endpoint_id"`
	EventID    string `dynamodbav:"event_id"`
	EventType  string `dynamodbav:"event_type"`
	Class      string `dynamodbav:"class"`
	Attempts   int    `dynamodbav:"attempts"`
	Status     int    `dynamodbav:"last_status"`
	UpdatedAt  string `dynamodbav:"updated_at"`
	TTL        int64  `dynamodbav:"ttl"`
}

// RecordDelivery keeps how an attempt of a delivery ended. A record of more attempts is kept
// over it: an attempt that comes late (a change published twice) does not undo a later one.
func (w *Webhooks) RecordDelivery(ctx context.Context, appID string, d webhook.Delivery) error {
	const op = "record a webhook delivery"
	if _, ok := customer.ParseID(appID); !ok {
		return ErrAppNotFound
	}
	item, err := marshal(op, deliveryItem{
		PK: appPK(appID), SK: deliverySK(d.EndpointID, d.EventID), Type: typeDelivery,
		EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.Type, Class: string(d.Class),
		Attempts: d.Attempts, Status: d.Status, UpdatedAt: formatTime(d.UpdatedAt),
		TTL: d.UpdatedAt.Add(DeliveryTTL).Unix(),
	})
	if err != nil {
		return err
	}
	_, err = w.s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(w.s.table),
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR attempts <= :attempts"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":attempts": num(int64(d.Attempts))},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil
	}
	if err != nil {
		return fail(op, err)
	}
	return nil
}

// Deliveries returns the kept deliveries of an endpoint, in the order of their event ids.
func (w *Webhooks) Deliveries(ctx context.Context, appID, endpointID string) ([]webhook.Delivery, error) {
	const op = "list webhook deliveries"
	if _, ok := customer.ParseID(appID); !ok {
		return nil, ErrAppNotFound
	}
	in := &dynamodb.QueryInput{
		TableName:              aws.String(w.s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(appPK(appID)), ":prefix": str(deliveryPrefix + endpointID + "#"),
		},
		ConsistentRead: aws.Bool(true),
	}
	var out []webhook.Delivery
	for {
		page, err := w.s.db.Query(ctx, in)
		if err != nil {
			return nil, fail(op, err)
		}
		for _, m := range page.Items {
			it, err := unmarshal[deliveryItem](op, m)
			if err != nil {
				return nil, err
			}
			at, err := time.Parse(stamp, it.UpdatedAt)
			if err != nil {
				return nil, fmt.Errorf("store: %s: updated_at %q: %w", op, it.UpdatedAt, err)
			}
			out = append(out, webhook.Delivery{EndpointID: it.EndpointID, EventID: it.EventID, Type: it.EventType,
				Class: webhook.Class(it.Class), Attempts: it.Attempts, Status: it.Status, UpdatedAt: at})
		}
		if page.LastEvaluatedKey == nil {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
