// Package storetest loads an app with many customers fast, for tests and benchmarks that need
// a large app: it writes the items the store builds (store.BulkItems) with unconditional
// BatchWriteItems and adds to the shards' counters, as many creates would have, but without
// their transactions. It is never linked into a function.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/store"
)

// DB is the part of the DynamoDB client Load uses.
type DB interface {
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (
		*dynamodb.BatchWriteItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (
		*dynamodb.UpdateItemOutput, error)
}

// writers is how many BatchWriteItems Load sends at once.
const writers = 8

// Load writes the customers into an app made by the store (its shards exist), each with a new
// id, version 1, and created (and updated) at its CreatedAt or, when zero, at start plus a
// microsecond per customer, so that the order of cs is the creation order. It returns the
// customers as stored. The customers' emails and external ids must be unique and valid.
func Load(ctx context.Context, db DB, table, appID string, cs []customer.Customer, start time.Time) (
	[]customer.Customer, error) {
	out := make([]customer.Customer, len(cs))
	var reqs []types.WriteRequest
	counts := make([]int64, store.Shards)
	for i, c := range cs {
		c.Normalize()
		c.ID = customer.NewID()
		if c.CreatedAt.IsZero() {
			c.CreatedAt = start.Add(time.Duration(i) * time.Microsecond).UTC()
		}
		c.UpdatedAt, c.Version, c.SequentialID = c.CreatedAt, 1, int64(i+1)
		shard := i % store.Shards
		items, err := store.BulkItems(appID, c, shard)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		}
		counts[shard]++
		out[i] = c
	}
	batches := slices.Collect(slices.Chunk(reqs, 25))
	errs := make([]error, len(batches))
	sem := make(chan struct{}, writers)
	var wg sync.WaitGroup
	for i, b := range batches {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = write(ctx, db, table, b)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for n, c := range counts {
		if c == 0 {
			continue
		}
		_, err := db.UpdateItem(ctx, store.BulkShardCount(table, appID, n, c))
		if err != nil {
			return nil, fmt.Errorf("storetest: shard %d: %w", n, err)
		}
	}
	return out, nil
}

// write sends one batch, again with what DynamoDB left unprocessed.
func write(ctx context.Context, db DB, table string, reqs []types.WriteRequest) error {
	pending := map[string][]types.WriteRequest{table: reqs}
	for attempt := 0; len(pending[table]) > 0; attempt++ {
		if attempt == 20 {
			return errors.New("storetest: unprocessed items outlasted the retries")
		}
		res, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return fmt.Errorf("storetest: %w", err)
		}
		pending = res.UnprocessedItems
		if len(pending[table]) > 0 {
			time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
		}
	}
	return nil
}
