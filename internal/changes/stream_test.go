package changes

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/localbus"
)

// stream reads every record of a table's stream in DynamoDB Local, in order, as the Lambda
// event source mapping would hand them to the function.
type stream struct {
	tb testing.TB
	s  *localbus.Stream
}

func openStream(tb testing.TB, tbl *dynamotest.Table) *stream {
	tb.Helper()
	endpoint, _ := dynamotest.Endpoint()
	client := dynamodbstreams.New(dynamodbstreams.Options{
		Region:       dynamotest.Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   http.DefaultClient,
	})
	s, err := localbus.Open(context.Background(), tbl.Client, client, tbl.Name, true)
	if err != nil {
		tb.Fatal(err)
	}
	return &stream{tb: tb, s: s}
}

// read returns the records written since the last read.
func (s *stream) read() []events.DynamoDBEventRecord {
	s.tb.Helper()
	recs, err := s.s.Read(context.Background())
	if err != nil {
		s.tb.Fatal(err)
	}
	return recs
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
