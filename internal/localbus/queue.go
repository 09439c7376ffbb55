package localbus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// What the queue does as the template's DeliveryQueue does: batches of 10, a message that
// fails is received again after the visibility timeout, and dropped after MaxReceives.
const (
	BatchSize   = 10
	Visibility  = 30 * time.Second
	MaxReceives = 5
	PollEvery   = 50 * time.Millisecond
)

// SQSHandler handles a batch of messages, as deliver.Handler.Handle does.
type SQSHandler func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error)

type message struct {
	id       string
	body     string
	visible  time.Time
	receives int
}

// Queue is an in-process queue that takes SendMessage (deliver.Queue) and feeds a handler.
type Queue struct {
	mu   sync.Mutex
	msgs []*message
	wake chan struct{}
	now  func() time.Time
	log  *slog.Logger
}

// NewQueue returns an empty queue; now is its clock (nil for time.Now).
func NewQueue(log *slog.Logger, now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	return &Queue{wake: make(chan struct{}, 1), now: now, log: log}
}

// SendMessage queues a message, visible after its DelaySeconds; the queue URL is not read.
func (q *Queue) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (
	*sqs.SendMessageOutput, error) {
	if in.MessageBody == nil {
		return nil, errors.New("localbus: a message without a body")
	}
	id := newID()
	q.mu.Lock()
	q.msgs = append(q.msgs, &message{id: id, body: *in.MessageBody,
		visible: q.now().Add(time.Duration(in.DelaySeconds) * time.Second)})
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return &sqs.SendMessageOutput{MessageId: aws.String(id)}, nil
}

// Run feeds the handler the visible messages, in batches, until ctx ends.
func (q *Queue) Run(ctx context.Context, handle SQSHandler) {
	tick := time.NewTicker(PollEvery)
	defer tick.Stop()
	for {
		for batch := q.receive(); len(batch) > 0; batch = q.receive() {
			q.handle(ctx, handle, batch)
		}
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		case <-tick.C:
		}
	}
}

// receive takes up to BatchSize visible messages and hides them for Visibility.
func (q *Queue) receive() []*message {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	var batch []*message
	for _, m := range q.msgs {
		if len(batch) == BatchSize {
			break
		}
		if !m.visible.After(now) {
			m.receives++
			m.visible = now.Add(Visibility)
			batch = append(batch, m)
		}
	}
	return batch
}

func (q *Queue) handle(ctx context.Context, handle SQSHandler, batch []*message) {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(batch))}
	for i, m := range batch {
		ev.Records[i] = events.SQSMessage{MessageId: m.id, Body: m.body, EventSource: "aws:sqs",
			Attributes: map[string]string{"ApproximateReceiveCount": strconv.Itoa(m.receives)}}
	}
	failed := map[string]bool{}
	resp, err := handle(ctx, ev)
	if err != nil { // the whole batch is received again
		q.log.WarnContext(ctx, "local queue: batch failed", "error", err.Error())
		for _, m := range batch {
			failed[m.id] = true
		}
	}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	kept := q.msgs[:0]
	for _, m := range q.msgs {
		switch {
		case !inBatch(batch, m):
			kept = append(kept, m)
		case failed[m.id] && m.receives < MaxReceives:
			kept = append(kept, m)
		case failed[m.id]:
			q.log.ErrorContext(ctx, "local queue: message dropped after its last receive, as to a dead-letter queue",
				"message_id", m.id, "receives", m.receives, "body", m.body)
		}
	}
	q.msgs = kept
}

// Len is the number of messages in the queue, visible or not.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs)
}

func inBatch(batch []*message, m *message) bool {
	for _, b := range batch {
		if b == m {
			return true
		}
	}
	return false
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
