// Package deliver is the deliver-webhooks function: it reads customer change events (whole
// EventBridge events, through an SQS queue) and retry messages of its own from the same
// queue, and sends each change, signed, to every endpoint of the app whose format shows it.
// A failed delivery to one endpoint is retried alone, on its format's schedule, through a
// message the function sends to its queue (docs/webhooks.md#delivery).
package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/clientele/clientele/internal/changes"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/tenant"
	"github.com/clientele/clientele/internal/webhook"
)

// MaxDelay is the longest delay SQS gives a message; longer waits hop (Retry.Due).
const MaxDelay = 15 * time.Minute

// Metrics of delivery attempts, whose ratio the template's WebhookDeliveryErrorRateAlarm watches.
const (
	MetricAttempts = "WebhookAttempts"
	MetricFailures = "WebhookFailures"
)

// Apps reads an app, whatever its status.
type Apps interface {
	GetApp(ctx context.Context, appID string) (tenant.App, error)
}

// Endpoints reads an app's endpoints with what signs their deliveries (store.Webhooks).
type Endpoints interface {
	SigningEndpoints(ctx context.Context, appID string) ([]webhook.Signing, error)
	SigningEndpoint(ctx context.Context, appID, id string) (webhook.Signing, error)
	RecordDelivery(ctx context.Context, appID string, d webhook.Delivery) error
}

// Queue sends messages to the function's own queue (the SQS client).
type Queue interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (
		*sqs.SendMessageOutput, error)
}

// Convert turns an event's detail into a change of the app (changes.ChangeOf).
type Convert func(d changes.Detail, app webhook.App, at time.Time) (webhook.Change, error)

// Retry is the message that makes a later attempt of one delivery: one endpoint, one event.
type Retry struct {
	AppID      string         `json:"app_id"` // the app's UUID
	EndpointID string         `json:"endpoint_id"`
	Detail     changes.Detail `json:"detail"` // the event's detail, a snapshot: every attempt sends the same event
	Time       time.Time      `json:"time"`   // the event's time
	Attempt    int            `json:"attempt"`
	Due        time.Time      `json:"due"` // when the attempt is due; a message received before is delayed again
}

// envelope is an SQS message's body: an EventBridge event, or a retry under "retry".
type envelope struct {
	events.EventBridgeEvent
	Retry *Retry `json:"retry"`
}

// Deps are what a Handler uses.
type Deps struct {
	Apps      Apps
	Endpoints Endpoints
	Renders   map[webhook.Format]webhook.Render
	Convert   Convert
	Client    *webhook.Client
	Queue     Queue
	QueueURL  string
	Issuer    string // the API's URL, the iss of Lago's jwt
	Log       *slog.Logger
	Now       func() time.Time // nil for time.Now
	Rand      func() float64   // uniform in [0, 1), for the jitter of waits; nil for rand.Float64
}

// Handler is the function's Lambda handler.
type Handler struct{ d Deps }

// New returns a Handler.
func New(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Float64
	}
	return &Handler{d: d}
}

// Handle delivers the messages of a batch, concurrently, and reports as failures those whose
// work could not be done or handed on to a retry message. The event source mapping must set
// FunctionResponseTypes: [ReportBatchItemFailures].
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	ctx = telemetry.WithLogger(ctx, h.d.Log)
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	failed := make([]bool, len(ev.Records))
	var wg sync.WaitGroup
	for i, rec := range ev.Records {
		wg.Go(func() {
			if err := h.message(ctx, rec.Body); err != nil {
				h.d.Log.WarnContext(ctx, "message failed: it will be received again", "message_id", rec.MessageId,
					"error", err.Error())
				failed[i] = true
			}
		})
	}
	wg.Wait()
	for i, f := range failed {
		if f {
			resp.BatchItemFailures = append(resp.BatchItemFailures,
				events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp, nil
}

// message handles one SQS message; an error means it is to be received again.
func (h *Handler) message(ctx context.Context, body string) error {
	var env envelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		// Receiving it again cannot decode it better.
		h.d.Log.ErrorContext(ctx, "message dropped: it does not decode", "error", err.Error())
		return nil
	}
	if env.Retry != nil {
		return h.retry(ctx, *env.Retry)
	}
	var d changes.Detail
	if err := json.Unmarshal(env.Detail, &d); err != nil {
		h.d.Log.ErrorContext(ctx, "event dropped: its detail does not decode", "id", env.ID, "error", err.Error())
		return nil
	}
	appID := strings.TrimPrefix(d.AppID, "app_")
	c, ok, err := h.change(ctx, appID, d, env.Time)
	if err != nil || !ok {
		return err
	}
	list, err := h.d.Endpoints.SigningEndpoints(ctx, appID)
	if errors.Is(err, store.ErrAppNotActive) || errors.Is(err, store.ErrAppNotFound) {
		return nil // deleted since it was read
	}
	if err != nil {
		return fmt.Errorf("read the app's endpoints: %w", err)
	}
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	for i, s := range list {
		r := Retry{AppID: appID, EndpointID: s.Endpoint.ID, Detail: d, Time: env.Time, Attempt: 1}
		wg.Go(func() { errs[i] = h.attempt(ctx, c, r, s) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// change reads the app of an event and converts its detail; ok is false when the app is gone
// or not active: a deleted app's endpoints send nothing.
func (h *Handler) change(ctx context.Context, appID string, d changes.Detail, at time.Time) (
	webhook.Change, bool, error,
) {
	app, err := h.d.Apps.GetApp(ctx, appID)
	if errors.Is(err, store.ErrAppNotFound) || err == nil && app.Status != tenant.Active {
		return webhook.Change{}, false, nil
	}
	if err != nil {
		return webhook.Change{}, false, fmt.Errorf("read the app: %w", err)
	}
	c, err := h.d.Convert(d, webhook.App{ID: app.ID, Slug: app.Slug, Name: app.Name}, at)
	if err != nil {
		h.d.Log.ErrorContext(ctx, "event dropped: its detail does not convert", "app_id", appID, "error", err.Error())
		return webhook.Change{}, false, nil
	}
	return c, true, nil
}

// retry makes the attempt a retry message asks for, or delays it again when it is early.
func (h *Handler) retry(ctx context.Context, r Retry) error {
	if wait := r.Due.Sub(h.d.Now()); wait > 0 {
		return h.enqueue(ctx, r, wait)
	}
	c, ok, err := h.change(ctx, r.AppID, r.Detail, r.Time)
	if err != nil || !ok {
		return err
	}
	s, err := h.d.Endpoints.SigningEndpoint(ctx, r.AppID, r.EndpointID)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAppNotFound) ||
		errors.Is(err, store.ErrAppNotActive) {
		return nil // the endpoint or its app was deleted since
	}
	if err != nil {
		return fmt.Errorf("read the endpoint: %w", err)
	}
	return h.attempt(ctx, c, r, s)
}

// attempt renders, signs and sends a change to one endpoint, and on failure sends the retry
// its format's schedule asks for; the error says only that a retry could not be sent.
func (h *Handler) attempt(ctx context.Context, c webhook.Change, r Retry, s webhook.Signing) error {
	e := s.Endpoint
	log := h.d.Log.With("app_id", r.AppID, "endpoint_id", e.ID, "attempt", r.Attempt)
	render, ok := h.d.Renders[e.Format]
	if !ok {
		log.ErrorContext(ctx, "no render of the endpoint's format", "format", string(e.Format))
		return nil
	}
	m, ok, err := render(c)
	if err != nil {
		log.ErrorContext(ctx, "change not rendered", "error", err.Error())
		return nil
	}
	if !ok || !e.Wants(m.Type) {
		return nil
	}
	log = log.With("event_id", m.ID, "type", m.Type)
	signer, err := s.Signer(h.d.Issuer)
	if err != nil {
		log.ErrorContext(ctx, "endpoint cannot sign", "error", err.Error())
		return nil
	}
	now := h.d.Now()
	header, err := signer.Sign(m, now)
	if err != nil {
		log.ErrorContext(ctx, "message not signed", "error", err.Error())
		return nil
	}
	o := h.d.Client.Send(ctx, e.URL, m.Body, header)
	telemetry.Count(ctx, MetricAttempts)
	if !o.Delivered() {
		telemetry.Count(ctx, MetricFailures)
	}
	// A lost record loses no delivery: it is logged, and the delivery goes on.
	if err := h.d.Endpoints.RecordDelivery(ctx, r.AppID, webhook.Delivery{EndpointID: e.ID, EventID: m.ID,
		Type: m.Type, Class: o.Class, Attempts: r.Attempt, Status: o.Status, UpdatedAt: now}); err != nil {
		log.WarnContext(ctx, "delivery not recorded", "error", err.Error())
	}
	if o.Delivered() {
		log.InfoContext(ctx, "delivered", "status", o.Status)
		return nil
	}
	log = log.With("class", string(o.Class), "status", o.Status, "error", o.Err.Error())
	if o.Class == webhook.ClassRefused {
		log.WarnContext(ctx, "delivery refused by the URL policy: not retried")
		return nil
	}
	wait, ok := e.Format.Backoff(r.Attempt)
	if !ok {
		log.WarnContext(ctx, "delivery given up")
		return nil
	}
	wait += e.Format.Jitter(r.Attempt, h.d.Rand())
	log.WarnContext(ctx, "delivery failed: retried", "wait", wait.String())
	r.Attempt++
	r.Due = now.Add(wait)
	return h.enqueue(ctx, r, wait)
}

// enqueue sends a retry message, delayed by wait or by SQS's most, MaxDelay.
func (h *Handler) enqueue(ctx context.Context, r Retry, wait time.Duration) error {
	body, err := json.Marshal(struct {
		Retry Retry `json:"retry"`
	}{r})
	if err != nil {
		return fmt.Errorf("encode a retry: %w", err)
	}
	// Rounded up: a message received before it is due would be delayed again.
	delay := int32((min(wait, MaxDelay) + time.Second - 1) / time.Second)
	_, err = h.d.Queue.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:     aws.String(h.d.QueueURL),
		MessageBody:  aws.String(string(body)),
		DelaySeconds: delay,
	})
	if err != nil {
		return fmt.Errorf("send attempt %s of endpoint %s: %w", strconv.Itoa(r.Attempt), r.EndpointID, err)
	}
	return nil
}
