package localbus

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func TestQueueDelaysRedeliversAndDropsAsSQSDoes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		delay     int32
		fail      int // how many receives fail
		steps     []time.Duration
		wantCalls []int // receives seen after each step
		wantLen   int   // messages left at the end
	}{
		{"delivered at once", 0, 0, []time.Duration{0}, []int{1}, 0},
		{"held until its delay", 60, 0, []time.Duration{59 * time.Second, time.Second}, []int{0, 1}, 0},
		{"failed, received again after the visibility", 0, 1,
			[]time.Duration{0, Visibility - time.Second, time.Second}, []int{1, 1, 2}, 0},
		{"dropped after its last receive", 0, 99,
			[]time.Duration{0, Visibility, Visibility, Visibility, Visibility, Visibility}, []int{1, 2, 3, 4, 5, 5}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{now: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)}
			q := NewQueue(slog.New(slog.NewTextHandler(io.Discard, nil)), clk.Now)
			calls := 0
			handle := func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				var resp events.SQSEventResponse
				for _, m := range ev.Records {
					calls++
					if calls <= tc.fail {
						resp.BatchItemFailures = append(resp.BatchItemFailures,
							events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
					}
				}
				return resp, nil
			}
			_, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{MessageBody: aws.String("{}"),
				DelaySeconds: tc.delay})
			if err != nil {
				t.Fatal(err)
			}
			for i, d := range tc.steps {
				clk.advance(d)
				for batch := q.receive(); len(batch) > 0; batch = q.receive() {
					q.handle(context.Background(), handle, batch)
				}
				if calls != tc.wantCalls[i] {
					t.Errorf("after step %d: %d receives, want %d", i, calls, tc.wantCalls[i])
				}
			}
			if q.Len() != tc.wantLen {
				t.Errorf("%d messages left, want %d", q.Len(), tc.wantLen)
			}
		})
	}
}

func TestQueueTakesBatchesOfTen(t *testing.T) {
	q := NewQueue(slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	for range 25 {
		if _, err := q.SendMessage(context.Background(), &sqs.SendMessageInput{MessageBody: aws.String("{}")}); err != nil {
			t.Fatal(err)
		}
	}
	var sizes []int
	for batch := q.receive(); len(batch) > 0; batch = q.receive() {
		sizes = append(sizes, len(batch))
		q.handle(context.Background(), func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			return events.SQSEventResponse{}, nil
		}, batch)
	}
	if len(sizes) != 3 || sizes[0] != 10 || sizes[1] != 10 || sizes[2] != 5 || q.Len() != 0 {
		t.Errorf("batches %v, %d left; want 10, 10, 5 and none", sizes, q.Len())
	}
}
