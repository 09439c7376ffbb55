package changes

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// Publisher puts events on EventBridge.
type Publisher interface {
	// Publish puts the entries and returns the indexes (into entries) of those that were not
	// put, in increasing order. err, when not nil, says why a call failed as a whole; its
	// entries are among the failed ones.
	Publish(ctx context.Context, entries []types.PutEventsRequestEntry) (failed []int, err error)
}
