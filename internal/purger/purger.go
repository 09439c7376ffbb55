// Package purger is the worker that empties a deleted app's partition. It is fed by the
// table's stream (filtered to app items turning DELETING) and reports each failed record
// back, so that only those are retried; the purge itself is idempotent and restartable.
package purger

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientele/clientele/internal/store"
)

// Purger purges apps.
type Purger struct {
	store *store.Store
	log   *slog.Logger
}

// New returns a purger over the store.
func New(s *store.Store, log *slog.Logger) *Purger { return &Purger{store: s, log: log} }

// Handle purges every app whose record in the batch shows it DELETING.
func (p *Purger) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		appID, ok := store.DeletingAppFromImage(rec.Change.NewImage)
		if !ok {
			continue
		}
		n, err := p.store.PurgeApp(ctx, appID)
		if err != nil {
			p.log.ErrorContext(ctx, "purge failed; the record will be retried",
				"app_id", appID, "deleted", n, "error", err.Error())
			failure := events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber}
			resp.BatchItemFailures = append(resp.BatchItemFailures, failure)
			continue
		}
		p.log.InfoContext(ctx, "app purged", "app_id", appID, "deleted", n)
	}
	return resp, nil
}
