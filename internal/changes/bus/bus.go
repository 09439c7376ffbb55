// Package bus publishes change events on EventBridge: the client of the publishing
// function, apart from package changes, so that what reads the events (deliver-webhooks)
// does not link the EventBridge client.
package bus

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/clientele/clientele/internal/awsclient"
)

// Limits of one PutEvents call.
const (
	maxEntriesPerCall = 10
	maxBytesPerCall   = 256 * 1024
)

// PutEventsAPI is the part of the EventBridge client the publisher uses.
type PutEventsAPI interface {
	PutEvents(
		ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options),
	) (*eventbridge.PutEventsOutput, error)
}

// EventBridge publishes with PutEvents, in calls of at most 10 entries and 256 KiB. Entries
// that fail one by one (EventBridge throttling or failing internally for some of a call's
// entries) are tried again, twice, before they are reported; whole calls are retried by the
// SDK's retryer.
type EventBridge struct {
	client   PutEventsAPI
	attempts int
	backoff  time.Duration
}

// NewEventBridge returns a publisher over an EventBridge client.
func NewEventBridge(client PutEventsAPI) *EventBridge {
	return &EventBridge{client: client, attempts: 3, backoff: 50 * time.Millisecond}
}

// Publish implements changes.Publisher.
func (p *EventBridge) Publish(ctx context.Context, entries []types.PutEventsRequestEntry) ([]int, error) {
	var (
		failed []int
		errs   []error
	)
	for _, chunk := range chunks(entries) {
		pending := chunk
		for attempt := 1; len(pending) > 0; attempt++ {
			batch := make([]types.PutEventsRequestEntry, len(pending))
			for i, idx := range pending {
				batch[i] = entries[idx]
			}
			out, err := p.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: batch})
			if err != nil {
				errs = append(errs, fmt.Errorf("put events: %w", err))
				failed = append(failed, pending...)
				break
			}
			var again []int
			for i, idx := range pending {
				if i >= len(out.Entries) || out.Entries[i].ErrorCode != nil || out.Entries[i].EventId == nil {
					again = append(again, idx)
				}
			}
			if len(again) > 0 && attempt >= p.attempts {
				failed = append(failed, again...)
				break
			}
			pending = again
			if len(pending) > 0 {
				select {
				case <-ctx.Done():
					errs = append(errs, ctx.Err())
					failed = append(failed, pending...)
					pending = nil
				case <-time.After(p.backoff << (attempt - 1)):
				}
			}
		}
	}
	return failed, errors.Join(errs...)
}

// chunks splits entries into the index lists of PutEvents calls.
func chunks(entries []types.PutEventsRequestEntry) [][]int {
	var (
		out  [][]int
		cur  []int
		size int
	)
	for i, e := range entries {
		n := entrySize(e)
		if len(cur) > 0 && (len(cur) == maxEntriesPerCall || size+n > maxBytesPerCall) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, i)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// entrySize is an entry's size as EventBridge counts it against the call's limit.
func entrySize(e types.PutEventsRequestEntry) int {
	n := len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// Environment variables of the publishing function.
const (
	EnvEventBus            = "EVENT_BUS_NAME"
	EnvEventBridgeEndpoint = "EVENTBRIDGE_ENDPOINT" // set only to reach a stand-in; never in AWS
)

// FromEnv builds the publisher from the environment Lambda provides (awsclient.FromEnv), with
// the SDK's EventBridge client and its standard retryer, and returns it with the bus that
// EVENT_BUS_NAME names.
func FromEnv() (*EventBridge, string, error) {
	bus := os.Getenv(EnvEventBus)
	if bus == "" {
		return nil, "", fmt.Errorf("%s is not set", EnvEventBus)
	}
	env, err := awsclient.FromEnv(false)
	if err != nil {
		return nil, "", err
	}
	opts := eventbridge.Options{
		Region:           env.Region,
		Credentials:      env.Credentials,
		RetryMode:        env.RetryMode,
		RetryMaxAttempts: env.MaxAttempts,
		HTTPClient:       awsclient.HTTPClient(),
	}
	if endpoint := os.Getenv(EnvEventBridgeEndpoint); endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	return NewEventBridge(eventbridge.New(opts)), bus, nil
}
