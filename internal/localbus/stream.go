// Package localbus runs, in one process, what AWS runs between the table's stream and the
// webhook delivery function: a reader of the stream (DynamoDB Local's, through the SDK's
// dynamodbstreams client), a changes.Publisher that hands each event, as the delivery rule
// would, to a queue, and an in-process queue that feeds the delivery handler. cmd/local runs
// them, so that `make local` delivers webhooks through the same code as AWS.
package localbus

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/clientele/clientele/internal/store"
)

// Stream reads the records of a table's stream, each shard from where the last read ended.
type Stream struct {
	client *dynamodbstreams.Client
	arn    string
	start  streamtypes.ShardIteratorType // for the shards known when the stream was opened
	iters  map[string]*string            // shard id -> next iterator; nil once the shard is closed
}

// Open opens the stream of a table. fromStart reads the shards known now from their oldest
// record; otherwise from their latest (what is written after Open). Shards found later are
// read from their oldest record.
func Open(ctx context.Context, db *dynamodb.Client, client *dynamodbstreams.Client, table string,
	fromStart bool) (*Stream, error) {
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return nil, fmt.Errorf("localbus: describe table %s: %w", table, err)
	}
	if out.Table.LatestStreamArn == nil {
		return nil, fmt.Errorf("localbus: table %s has no stream", table)
	}
	s := &Stream{client: client, arn: *out.Table.LatestStreamArn, start: streamtypes.ShardIteratorTypeTrimHorizon,
		iters: map[string]*string{}}
	if fromStart {
		return s, nil
	}
	s.start = streamtypes.ShardIteratorTypeLatest
	if _, err := s.Read(ctx); err != nil { // positions every shard known now at its end
		return nil, err
	}
	s.start = streamtypes.ShardIteratorTypeTrimHorizon
	return s, nil
}

// Read returns the records written since the last read, in the order of their sequence numbers.
func (s *Stream) Read(ctx context.Context) ([]events.DynamoDBEventRecord, error) {
	desc, err := s.client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(s.arn)})
	if err != nil {
		return nil, fmt.Errorf("localbus: describe stream: %w", err)
	}
	var recs []events.DynamoDBEventRecord
	for _, sh := range desc.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		it, known := s.iters[id]
		if !known {
			out, err := s.client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: aws.String(s.arn), ShardId: sh.ShardId, ShardIteratorType: s.start,
			})
			if err != nil {
				return nil, fmt.Errorf("localbus: shard iterator of %s: %w", id, err)
			}
			it = out.ShardIterator
		}
		for it != nil {
			out, err := s.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			if err != nil {
				return nil, fmt.Errorf("localbus: records of %s: %w", id, err)
			}
			for _, r := range out.Records {
				recs = append(recs, store.EventRecord(s.arn, r))
			}
			it = out.NextShardIterator
			s.iters[id] = it
			if len(out.Records) == 0 {
				break
			}
		}
	}
	sort.SliceStable(recs, func(i, j int) bool {
		return seqLess(recs[i].Change.SequenceNumber, recs[j].Change.SequenceNumber)
	})
	return recs, nil
}

func seqLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// StreamHandler handles a batch of stream records, as changes.Handler.Handle does.
type StreamHandler func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Tail reads the stream every interval and hands its records to the handler until ctx ends.
// Records from the first one the handler reports failed are handed again at the next read,
// as Lambda's event source mapping retries a batch from its first failed item.
func Tail(ctx context.Context, s *Stream, handle StreamHandler, every time.Duration, log *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	var pending []events.DynamoDBEventRecord
	for {
		recs, err := s.Read(ctx)
		if err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "local stream: read failed", "error", err.Error())
		}
		pending = append(pending, recs...)
		if len(pending) > 0 {
			pending = handleBatch(ctx, handle, pending, log)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// handleBatch hands the records to the handler and returns those to hand again.
func handleBatch(ctx context.Context, handle StreamHandler, recs []events.DynamoDBEventRecord,
	log *slog.Logger) []events.DynamoDBEventRecord {
	resp, err := handle(ctx, events.DynamoDBEvent{Records: recs})
	if err != nil {
		log.WarnContext(ctx, "local stream: batch failed", "error", err.Error())
		return recs
	}
	first := len(recs)
	for _, f := range resp.BatchItemFailures {
		for i, r := range recs {
			if r.Change.SequenceNumber == f.ItemIdentifier && i < first {
				first = i
			}
		}
	}
	return recs[first:]
}
