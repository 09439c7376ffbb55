package changes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/clientele/clientele/internal/awsjson"
)

// Publisher puts events on EventBridge.
type Publisher interface {
	// Publish puts the entries and returns the indexes (into entries) of those that were not
	// put, in increasing order. err, when not nil, says why a call failed as a whole; its
	// entries are among the failed ones.
	Publish(ctx context.Context, entries []PutEventsRequestEntry) (failed []int, err error)
}

// PutEventsRequestEntry is an event to put, as EventBridge's PutEvents takes it (the fields
// this package uses). Empty fields are left out of the request.
type PutEventsRequestEntry struct {
	Source       string     `json:"Source,omitempty"`
	DetailType   string     `json:"DetailType,omitempty"`
	Detail       string     `json:"Detail,omitempty"` // JSON object
	EventBusName string     `json:"EventBusName,omitempty"`
	Resources    []string   `json:"Resources,omitempty"`
	Time         *time.Time `json:"-"` // nil: the time of the call; sent as epoch seconds
}

// MarshalJSON encodes the entry as the JSON protocol wants it: its Time in epoch seconds
// (with milliseconds), as the AWS SDKs send timestamps.
func (e PutEventsRequestEntry) MarshalJSON() ([]byte, error) {
	type fields PutEventsRequestEntry // without this method
	w := struct {
		fields
		Time json.Number `json:"Time,omitempty"`
	}{fields: fields(e)}
	if e.Time != nil {
		w.Time = json.Number(strconv.FormatFloat(float64(e.Time.UnixMilli())/1e3, 'f', -1, 64))
	}
	return json.Marshal(w)
}

// PutEventsInput is the request of PutEvents.
type PutEventsInput struct {
	Entries []PutEventsRequestEntry `json:"Entries"`
}

// PutEventsResultEntry is the result of one entry: an EventId when it was put, an
// ErrorCode (and ErrorMessage) when it was not.
type PutEventsResultEntry struct {
	EventId      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// PutEventsOutput is the answer of PutEvents: one result per entry, in the request's order.
type PutEventsOutput struct {
	FailedEntryCount int                    `json:"FailedEntryCount"`
	Entries          []PutEventsResultEntry `json:"Entries"`
}

// Limits of one PutEvents call.
const (
	maxEntriesPerCall = 10
	maxBytesPerCall   = 256 * 1024
)

// PutEventsAPI is the part of EventBridge the publisher uses.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *PutEventsInput) (*PutEventsOutput, error)
}

// EventsClient calls EventBridge's PutEvents through an awsjson client rather than the
// AWS SDK's eventbridge package, whose initialisation the function would pay on each cold
// start. Its Client is set up as [NewEventsClient] does.
type EventsClient struct {
	Client *awsjson.Client
}

// NewEventsClient returns a client of EventBridge in region, at endpoint (empty: the
// region's public endpoint), sending through hc.
func NewEventsClient(region, endpoint string, creds awsjson.Credentials, hc *http.Client) *EventsClient {
	if endpoint == "" {
		endpoint = awsjson.Endpoint("events", region)
	}
	return &EventsClient{Client: &awsjson.Client{
		Service: "events", Region: region, Endpoint: endpoint,
		TargetPrefix: "AWSEvents", JSONVersion: "1.1",
		Credentials: creds, HTTP: hc,
	}}
}

// PutEvents implements PutEventsAPI.
func (c *EventsClient) PutEvents(ctx context.Context, in *PutEventsInput) (*PutEventsOutput, error) {
	out := new(PutEventsOutput)
	if err := c.Client.Do(ctx, "PutEvents", in, out); err != nil {
		return nil, err
	}
	return out, nil
}

// EventBridge publishes with PutEvents, in calls of at most 10 entries and 256 KiB. Entries
// that fail one by one (EventBridge throttling or failing internally for some of a call's
// entries) are tried again, twice, before they are reported; whole calls are retried by
// awsjson (throttling, 5xx, transport failures).
type EventBridge struct {
	client   PutEventsAPI
	attempts int
	backoff  time.Duration
}

// NewEventBridge returns a publisher over an EventBridge client.
func NewEventBridge(client PutEventsAPI) *EventBridge {
	return &EventBridge{client: client, attempts: 3, backoff: 50 * time.Millisecond}
}

// Publish implements Publisher.
func (p *EventBridge) Publish(ctx context.Context, entries []PutEventsRequestEntry) ([]int, error) {
	var (
		failed []int
		errs   []error
	)
	for _, chunk := range chunks(entries) {
		pending := chunk
		for attempt := 1; len(pending) > 0; attempt++ {
			batch := make([]PutEventsRequestEntry, len(pending))
			for i, idx := range pending {
				batch[i] = entries[idx]
			}
			out, err := p.client.PutEvents(ctx, &PutEventsInput{Entries: batch})
			if err != nil {
				errs = append(errs, fmt.Errorf("put events: %w", err))
				failed = append(failed, pending...)
				break
			}
			var again []int
			for i, idx := range pending {
				if i >= len(out.Entries) || out.Entries[i].ErrorCode != "" || out.Entries[i].EventId == "" {
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
func chunks(entries []PutEventsRequestEntry) [][]int {
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
func entrySize(e PutEventsRequestEntry) int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
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
	EnvEventBridgeEndpoint = "EVENTBRIDGE_ENDPOINT" // set only to reach an emulator; never in AWS
)

// FromEnv builds the handler from the environment Lambda provides (AWS_REGION, the function
// role's credentials, EVENT_BUS_NAME), with an awsjson client rather than the AWS SDK.
func FromEnv(log *slog.Logger) (*Handler, error) {
	bus := os.Getenv(EnvEventBus)
	if bus == "" {
		return nil, fmt.Errorf("%s is not set", EnvEventBus)
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = os.Getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		return nil, fmt.Errorf("AWS_REGION is not set")
	}
	creds := awsjson.CredentialsFromEnv()
	if creds.AccessKeyID == "" {
		return nil, fmt.Errorf("AWS_ACCESS_KEY_ID is not set")
	}
	client := NewEventsClient(region, os.Getenv(EnvEventBridgeEndpoint), creds, awsjson.NewHTTPClient(10*time.Second))
	return New(NewEventBridge(client), bus, log), nil
}
