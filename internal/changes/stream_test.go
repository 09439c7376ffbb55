package changes

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/clientele/clientele/internal/dynamotest"
)

// stream reads every record of a table's stream in DynamoDB Local, in order, as the Lambda
// event source mapping would hand them to the function.
type stream struct {
	tb     testing.TB
	client *dynamodbstreams.Client
	arn    string
	iters  map[string]*string // shard id -> next iterator
}

func openStream(tb testing.TB, tbl *dynamotest.Table) *stream {
	tb.Helper()
	ctx := context.Background()
	out, err := tbl.Client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tbl.Name)})
	if err != nil {
		tb.Fatal(err)
	}
	if out.Table.LatestStreamArn == nil {
		tb.Fatal("the table has no stream: template.yaml's Table must keep its StreamSpecification")
	}
	endpoint, _ := dynamotest.Endpoint()
	return &stream{
		tb: tb,
		client: dynamodbstreams.New(dynamodbstreams.Options{
			Region:       dynamotest.Region,
			BaseEndpoint: aws.String(endpoint),
			Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
			HTTPClient:   http.DefaultClient,
		}),
		arn:   *out.Table.LatestStreamArn,
		iters: map[string]*string{},
	}
}

// read returns the records written since the last read.
func (s *stream) read() []events.DynamoDBEventRecord {
	s.tb.Helper()
	ctx := context.Background()
	desc, err := s.client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(s.arn)})
	if err != nil {
		s.tb.Fatal(err)
	}
	var recs []events.DynamoDBEventRecord
	for _, sh := range desc.StreamDescription.Shards {
		id := aws.ToString(sh.ShardId)
		it, known := s.iters[id]
		if !known {
			out, err := s.client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: aws.String(s.arn), ShardId: sh.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
			})
			if err != nil {
				s.tb.Fatal(err)
			}
			it = out.ShardIterator
		}
		for it != nil {
			out, err := s.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			if err != nil {
				s.tb.Fatal(err)
			}
			for _, r := range out.Records {
				recs = append(recs, toEvent(s.arn, r))
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
	return recs
}

func seqLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// toEvent converts a record as DynamoDB Streams serves it to the record Lambda delivers.
func toEvent(arn string, r streamtypes.Record) events.DynamoDBEventRecord {
	d := r.Dynamodb
	rec := events.DynamoDBEventRecord{
		AWSRegion:      aws.ToString(r.AwsRegion),
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    aws.ToString(r.EventSource),
		EventVersion:   aws.ToString(r.EventVersion),
		EventSourceArn: arn,
		Change: events.DynamoDBStreamRecord{
			Keys:           toEventImage(d.Keys),
			NewImage:       toEventImage(d.NewImage),
			OldImage:       toEventImage(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber),
			SizeBytes:      aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		},
	}
	if d.ApproximateCreationDateTime != nil {
		rec.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
	}
	return rec
}

func toEventImage(m map[string]streamtypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = toEventValue(v)
	}
	return out
}

func toEventValue(v streamtypes.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *streamtypes.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *streamtypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *streamtypes.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *streamtypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *streamtypes.AttributeValueMemberM:
		return events.NewMapAttribute(toEventImage(v.Value))
	case *streamtypes.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = toEventValue(e)
		}
		return events.NewListAttribute(l)
	}
	panic(fmt.Sprintf("unknown attribute value %T", v))
}

// recorder is a Publisher that records what it is given and fails the entries it is told to.
type recorder struct {
	mu      sync.Mutex
	entries []types.PutEventsRequestEntry
	fail    func(i int, e types.PutEventsRequestEntry) bool // nil: none fails
	err     error                                           // returned with the failed ones
}

func (r *recorder) Publish(_ context.Context, entries []types.PutEventsRequestEntry) ([]int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var failed []int
	for i, e := range entries {
		if r.fail != nil && r.fail(i, e) {
			failed = append(failed, i)
			continue
		}
		r.entries = append(r.entries, e)
	}
	if len(failed) == 0 {
		return nil, nil
	}
	return failed, r.err
}

// errPublish stands for EventBridge failing.
var errPublish = errors.New("injected: eventbridge unavailable")

// sameTime reports whether an entry's time is the record's.
func sameTime(e types.PutEventsRequestEntry, rec events.DynamoDBEventRecord) bool {
	want := rec.Change.ApproximateCreationDateTime.Time
	if want.IsZero() {
		return e.Time == nil
	}
	return e.Time != nil && e.Time.Equal(want) && e.Time.Location() == time.UTC
}
