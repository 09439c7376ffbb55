package ingest

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientele/clientele/internal/telemetry"
)

// Report is what became of one message of a batch.
type Report struct {
	MessageID string
	Result    Result
	Err       error // nil on success; a *RejectedError when the message can never succeed
}

// Retry reports whether the message should come back to the queue.
func (r Report) Retry() bool { return Retryable(r.Err) }

// errSkipped marks the messages of a FIFO batch left untouched after an earlier one failed.
var errSkipped = errors.New("not processed: an earlier message of this FIFO batch failed")

// maxInFlight bounds the messages of one batch processed at once (SQS batches hold at most
// 10 messages, so in practice the whole batch).
const maxInFlight = 10

// Handle is the ingestion function's Lambda handler. It processes an SQS batch and returns, as batch item
// failures, the messages that may succeed when delivered again; rejected messages are logged with their reason
// and dropped.
// It never fails the batch as a whole: messages already applied are not redone.
//
// The function's event source mapping must set FunctionResponseTypes: [ReportBatchItemFailures],
// else Lambda ignores the response and deletes the whole batch.
func (in *Ingester) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	reports := in.ProcessBatch(ctx, ev.Records)
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	rejected := 0
	for _, r := range reports {
		switch {
		case r.Retry():
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageID})
		case r.Err != nil:
			rejected++
		}
	}
	in.log.InfoContext(ctx, "batch processed", "messages", len(reports),
		"applied", len(reports)-rejected-len(resp.BatchItemFailures), "rejected", rejected,
		"retried", len(resp.BatchItemFailures))
	return resp, nil
}

// ProcessBatch applies a batch of messages and reports on each, in the batch's order, logging
// as it goes; Handle is this plus the response. Messages of a standard queue are processed
// concurrently; those of a FIFO queue in order, and after a retryable failure the rest of the
// batch is left for the next delivery so that the order holds.
//
// Close to the invocation's deadline the work stops early, leaving the time to answer:
// messages cut short fail with a context error and are retried.
func (in *Ingester) ProcessBatch(ctx context.Context, msgs []events.SQSMessage) []Report {
	ctx = telemetry.WithDims(telemetry.WithLogger(ctx, in.log), telemetry.Dim{Name: "Dialect", Value: "ingest"})
	ctx, cancel := withMargin(ctx)
	defer cancel()
	reports := make([]Report, len(msgs))
	if fifo(msgs) {
		failed := false
		for i, m := range msgs {
			if failed {
				reports[i] = Report{MessageID: m.MessageId, Err: errSkipped}
				in.logReport(ctx, m, reports[i])
				continue
			}
			reports[i] = in.process(ctx, m)
			failed = reports[i].Retry()
		}
		return reports
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxInFlight)
	for i, m := range msgs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			reports[i] = in.process(ctx, m)
		}()
	}
	wg.Wait()
	return reports
}

func (in *Ingester) process(ctx context.Context, m events.SQSMessage) Report {
	res, err := in.Process(ctx, []byte(m.Body))
	r := Report{MessageID: m.MessageId, Result: res, Err: err}
	in.logReport(ctx, m, r)
	return r
}

// logReport logs what became of a message, and counts it: Writes (by Operation) or
// IdempotentReplays for one applied, IngestFailures (by Reason: rejected or retry) for one
// that was not.
func (in *Ingester) logReport(ctx context.Context, m events.SQSMessage, r Report) {
	attrs := []slog.Attr{slog.String("message_id", r.MessageID)}
	if r.Result.Action != "" {
		attrs = append(attrs, slog.String("action", string(r.Result.Action)))
	}
	if r.Result.App != "" {
		attrs = append(attrs, slog.String("app", r.Result.App))
	}
	if r.Result.CustomerID != "" {
		attrs = append(attrs, slog.String("customer_id", "cus_"+r.Result.CustomerID))
	}
	var rej *RejectedError
	switch {
	case r.Err == nil:
		attrs = append(attrs, slog.String("outcome", string(r.Result.Outcome)), slog.Int64("version", r.Result.Version),
			slog.Bool("replayed", r.Result.Replayed))
		in.log.LogAttrs(ctx, slog.LevelDebug, "message processed", attrs...)
		switch o := r.Result.Outcome; {
		case r.Result.Replayed:
			telemetry.Count(ctx, "IdempotentReplays")
		case o == Created || o == Updated || o == Deleted:
			telemetry.Count(ctx, "Writes",
				telemetry.Dim{Name: "Operation", Value: string(o)},
				telemetry.Dim{Name: "Resource", Value: "customer"})
		}
	case errors.As(r.Err, &rej):
		attrs = append(attrs, slog.String("reason", string(rej.Reason)), slog.String("error", rej.Message))
		in.log.LogAttrs(ctx, slog.LevelError, "message rejected: it can never succeed and is dropped", attrs...)
		telemetry.Count(ctx, "IngestFailures", telemetry.Dim{Name: "Reason", Value: "rejected"})
	default:
		attrs = append(attrs, slog.String("error", r.Err.Error()),
			slog.String("receive_count", m.Attributes["ApproximateReceiveCount"]))
		in.log.LogAttrs(ctx, slog.LevelWarn, "message failed: it will be retried", attrs...)
		telemetry.Count(ctx, "IngestFailures", telemetry.Dim{Name: "Reason", Value: "retry"})
	}
}

// fifo reports whether the batch comes from a FIFO queue, whose messages carry a group id.
func fifo(msgs []events.SQSMessage) bool {
	for _, m := range msgs {
		if m.Attributes["MessageGroupId"] != "" {
			return true
		}
	}
	return false
}

// withMargin shortens the context's deadline, if it has one, by a tenth of the time left (at
// most a second), so that the handler answers before Lambda times the invocation out: a
// timed-out invocation returns the whole batch to the queue.
func withMargin(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := min(time.Until(deadline)/10, time.Second)
	return context.WithDeadline(ctx, deadline.Add(-margin))
}
