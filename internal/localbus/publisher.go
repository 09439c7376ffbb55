package localbus

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Publisher is a changes.Publisher that puts each event, whole, on the queue, as the
// template's DeliveryRule sends the bus's customer events to DeliveryQueue.
type Publisher struct {
	Queue *Queue
	Now   func() time.Time // nil for time.Now
}

// Publish queues every entry; an entry that does not encode is failed.
func (p Publisher) Publish(ctx context.Context, entries []types.PutEventsRequestEntry) ([]int, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	var failed []int
	var first error
	for i, e := range entries {
		at := now().UTC()
		if e.Time != nil {
			at = e.Time.UTC()
		}
		body, err := json.Marshal(events.EventBridgeEvent{Version: "0", ID: newID(), DetailType: aws.ToString(e.DetailType),
			Source: aws.ToString(e.Source), AccountID: "000000000000", Time: at, Region: "local",
			Resources: e.Resources, Detail: json.RawMessage(aws.ToString(e.Detail))})
		if err == nil {
			_, err = p.Queue.SendMessage(ctx, &sqs.SendMessageInput{MessageBody: aws.String(string(body))})
		}
		if err != nil {
			failed = append(failed, i)
			if first == nil {
				first = fmt.Errorf("localbus: entry %d: %w", i, err)
			}
		}
	}
	return failed, first
}
