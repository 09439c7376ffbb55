// Package changes publishes customer change events: the function on the table's stream turns
// each change of a customer item into an EventBridge event (customer.created,
// customer.updated, customer.deleted) carrying the customer before and after, for webhooks
// and other consumers.
//
// Delivery is at least once: a batch whose publication partly failed is retried from the first
// failed record, so that records after it may be published twice. Consumers deduplicate on
// (customer_id, version) for created and updated, and on customer_id for deleted.
package changes

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/store"
)

// Source is the source of every event.
const Source = "clientele"

// Event names, each the detail type of its events.
const (
	EventCreated = "customer.created"
	EventUpdated = "customer.updated"
	EventDeleted = "customer.deleted"
)

// Detail is the detail of every event. Before is null for customer.created, After for
// customer.deleted. Version is the customer's version after the change, or the last one it
// had for customer.deleted.
type Detail struct {
	AppID      string    `json:"app_id"`      // app_<uuid>
	CustomerID string    `json:"customer_id"` // cus_<uuid>
	Version    int64     `json:"version"`
	Before     *Customer `json:"before"`
	After      *Customer `json:"after"`
}

// Handler is the publishing function's Lambda handler.
type Handler struct {
	pub Publisher
	bus string
	log *slog.Logger
}

// New returns a handler that publishes on the named bus through pub.
func New(pub Publisher, bus string, log *slog.Logger) *Handler {
	return &Handler{pub: pub, bus: bus, log: log}
}

// Handle publishes the events of a batch of stream records and reports, as batch item
// failures, the sequence numbers of the records whose events were not published. Records of
// anything but a customer, and modifications that leave a customer's version alone (its
// license counter moving), publish nothing.
//
// The function's event source mapping must set FunctionResponseTypes: [ReportBatchItemFailures].
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	resp := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	var (
		entries []types.PutEventsRequestEntry
		records []events.DynamoDBEventRecord // the record of each entry
	)
	for _, rec := range ev.Records {
		entry, ok, err := h.Entry(rec)
		if err != nil {
			// Retrying cannot decode it better: say so loudly, and let the shard move on.
			h.log.ErrorContext(ctx, "stream record skipped: it does not decode", "event_id", rec.EventID,
				"sequence_number", rec.Change.SequenceNumber, "error", err.Error())
			continue
		}
		if ok {
			entries = append(entries, entry)
			records = append(records, rec)
		}
	}
	if len(entries) == 0 {
		return resp, nil
	}
	failed, err := h.pub.Publish(ctx, entries)
	if err != nil {
		h.log.WarnContext(ctx, "publishing failed", "error", err.Error())
	}
	reported := map[string]bool{}
	for _, i := range failed {
		if i < 0 || i >= len(records) {
			continue
		}
		rec := records[i]
		h.log.WarnContext(ctx, "event not published: its record will be retried", "event_id", rec.EventID,
			"sequence_number", rec.Change.SequenceNumber, "detail_type", aws.ToString(entries[i].DetailType))
		if seq := rec.Change.SequenceNumber; !reported[seq] {
			reported[seq] = true
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
		}
	}
	h.log.InfoContext(ctx, "events published", "records", len(ev.Records), "events", len(entries)-len(failed),
		"failed", len(failed))
	return resp, nil
}

// Entry returns the event of one stream record; ok is false for records that are no customer
// change.
func (h *Handler) Entry(rec events.DynamoDBEventRecord) (entry types.PutEventsRequestEntry, ok bool, err error) {
	before, err := decode(rec.Change.OldImage)
	if err != nil {
		return entry, false, fmt.Errorf("old image: %w", err)
	}
	after, err := decode(rec.Change.NewImage)
	if err != nil {
		return entry, false, fmt.Errorf("new image: %w", err)
	}
	var name string
	switch events.DynamoDBOperationType(rec.EventName) {
	case events.DynamoDBOperationTypeInsert:
		name, before = EventCreated, nil
	case events.DynamoDBOperationTypeModify:
		if after == nil || (before != nil && before.c.Version == after.c.Version) {
			return entry, false, nil
		}
		name = EventUpdated
	case events.DynamoDBOperationTypeRemove:
		name, after = EventDeleted, nil
	default:
		return entry, false, nil
	}
	subject := after
	if subject == nil {
		subject = before
	}
	if subject == nil {
		return entry, false, nil
	}
	detail, err := json.Marshal(Detail{
		AppID:      "app_" + subject.appID,
		CustomerID: "cus_" + subject.c.ID,
		Version:    subject.c.Version,
		Before:     before.render(),
		After:      after.render(),
	})
	if err != nil {
		return entry, false, err
	}
	entry = types.PutEventsRequestEntry{
		Source:     aws.String(Source),
		DetailType: aws.String(name),
		Detail:     aws.String(string(detail)),
	}
	if h.bus != "" {
		entry.EventBusName = aws.String(h.bus)
	}
	if t := rec.Change.ApproximateCreationDateTime.Time; !t.IsZero() {
		entry.Time = aws.Time(t.UTC())
	}
	return entry, true, nil
}

// image is a customer read from a stream record's image.
type image struct {
	appID string
	c     customer.Customer
}

func (im *image) render() *Customer {
	if im == nil {
		return nil
	}
	c := Render(im.c)
	return &c
}

// decode reads an image through the store, the one package that knows item shapes: nil for
// an absent image or an item that is no customer.
func decode(img map[string]events.DynamoDBAttributeValue) (*image, error) {
	if len(img) == 0 {
		return nil, nil
	}
	item, err := store.FromImage(img)
	if err != nil {
		return nil, err
	}
	appID, c, ok, err := store.CustomerFromItem(item)
	if err != nil || !ok {
		return nil, err
	}
	return &image{appID: appID, c: c}, nil
}
