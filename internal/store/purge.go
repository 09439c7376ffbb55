package store

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/tenant"
)

// appsPK is the creation-time index partition that lists every app.
const appsPK = "APPS"

// ListApps lists the account's active apps, oldest first, with their exact customer counts
// (one more read per 100 shards).
func (s *Store) ListApps(ctx context.Context) ([]tenant.App, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexCreated),
		KeyConditionExpression:    aws.String("gsi3pk = :pk"),
		FilterExpression:          aws.String("#status = :active"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(appsPK), ":active": str(string(appActive))},
	}
	var items []appItem
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fail("list apps", err)
		}
		for _, m := range out.Items {
			it, err := unmarshal[appItem]("list apps", m)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if err := s.addShardTotals(ctx, "list apps", items); err != nil {
		return nil, err
	}
	apps := make([]tenant.App, len(items))
	for i, it := range items {
		apps[i] = it.app()
	}
	return apps, nil
}

// DeleteApp tombstones an app: it turns #META DELETING, which stops every read of its data
// and starts the purge worker (through the table's stream), then every shard, which stops
// every write; it answers once all of them are DELETING, so no write lands after it has
// answered. Each is one write of one item, retried while a transaction holds it, so a busy
// app is deleted as surely as an idle one. Deleting a tombstoned app again touches it, which
// starts the worker again, and finishes what an interrupted delete left.
func (s *Store) DeleteApp(ctx context.Context, appID string) error {
	if _, ok := customer.ParseID(appID); !ok {
		return ErrAppNotFound
	}
	in := &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      itemKey(appPK(appID), metaSK),
		UpdateExpression:         aws.String("SET #status = :deleting, delete_requested_at = :now ADD version :one"),
		ConditionExpression:      aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":deleting": str(string(tenant.Deleting)), ":now": str(formatTime(s.now())), ":one": num(1),
		},
	}
	err := s.updateHeld(ctx, "delete app", in)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ErrAppNotFound
	}
	if err != nil {
		return err
	}
	return s.closeShards(ctx, appID)
}

// closeShards turns every shard of an app DELETING (making the missing ones so), a few at a
// time.
func (s *Store) closeShards(ctx context.Context, appID string) error {
	errs := make([]error, s.shards)
	sem := make(chan struct{}, maxParallelBatches)
	var wg sync.WaitGroup
	for n := range s.shards {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[n] = s.updateHeld(ctx, "delete app", &dynamodb.UpdateItemInput{
				TableName:                aws.String(s.table),
				Key:                      itemKey(appPK(appID), shardSK(n)),
				UpdateExpression:         aws.String("SET #type = :shard, #status = :deleting"),
				ExpressionAttributeNames: map[string]string{"#type": "type", "#status": "status"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":shard": str(typeShard), ":deleting": str(string(tenant.Deleting)),
				},
			})
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// maxHeldRetries bounds the tries of a write of one item that transactions keep holding.
const maxHeldRetries = 40

// updateHeld runs an UpdateItem, again while a transaction holds the item
// (TransactionConflictException, which the SDK's retryer does not retry). A failed condition
// comes back as the SDK's ConditionalCheckFailedException.
func (s *Store) updateHeld(ctx context.Context, op string, in *dynamodb.UpdateItemInput) error {
	for attempt := 0; ; attempt++ {
		_, err := s.db.UpdateItem(ctx, in)
		var held *types.TransactionConflictException
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ccf):
			return err
		case !errors.As(err, &held):
			return fail(op, err)
		case attempt >= maxHeldRetries:
			return &backendError{op: op, kind: ErrBusy, msg: "transactions held the item past the retries"}
		}
		telemetry.Count(ctx, "ConflictsRetried", telemetry.Dim{Name: "Item", Value: "app"})
		if err := backoff(ctx, min(attempt, 3)); err != nil {
			return fail(op, err)
		}
	}
}

// PurgeApp deletes everything a tombstoned app owns: its partition, its keys and finally its
// META item and slug. It is idempotent and can stop anywhere: run again, it goes on where the
// data left off, and an app already gone is no error. It returns the number of items deleted.
func (s *Store) PurgeApp(ctx context.Context, appID string) (int, error) {
	meta, err := s.appItem(ctx, appID)
	if errors.Is(err, ErrAppNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if meta.Status != string(tenant.Deleting) {
		return 0, ErrAppActive
	}
	if err := s.closeShards(ctx, appID); err != nil { // a delete that stopped half-way
		return 0, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk AND sk > :meta"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(appPK(appID)), ":meta": str(metaSK)},
		ProjectionExpression:      aws.String("pk, sk, #type, #hash"),
		ExpressionAttributeNames:  map[string]string{"#type": "type", "#hash": "hash"},
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(500),
	}
	deleted := 0
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return deleted, fail("purge app", err)
		}
		var keys []key
		for _, m := range out.Items {
			keys = append(keys, itemKey(attrS(m, "pk"), attrS(m, "sk")))
			if attrS(m, "type") == typeKeyRef {
				keys = append(keys, itemKey(keyPK(attrS(m, "hash")), keySK))
			}
		}
		n, err := s.deleteKeys(ctx, keys)
		deleted += n
		if err != nil {
			return deleted, err
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	err = s.transact(ctx, "purge app", []txItem{
		condDelete(s.table, itemKey(appPK(appID), metaSK), "#status = :deleting",
			expr{names: map[string]string{"#status": "status"},
				values: map[string]types.AttributeValue{":deleting": str(string(tenant.Deleting))}},
			func(old map[string]types.AttributeValue) error {
				if old == nil {
					return nil
				}
				return ErrAppActive
			}),
		condDelete(s.table, itemKey(slugPK(meta.Slug), slugSK), "app_id = :id",
			expr{values: map[string]types.AttributeValue{":id": str(appID)}},
			func(map[string]types.AttributeValue) error { return ErrVersionConflict }),
	})
	if err != nil {
		return deleted, err
	}
	return deleted + 2, nil
}

// deleteKeys deletes items in batches of 25. Only the purge uses unconditional deletes: it
// runs on a tombstoned partition where every other write is refused.
func (s *Store) deleteKeys(ctx context.Context, keys []key) (int, error) {
	deleted := 0
	for len(keys) > 0 {
		n := min(len(keys), 25)
		reqs := make([]types.WriteRequest, n)
		for i, k := range keys[:n] {
			reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}}
		}
		keys = keys[n:]
		pending := map[string][]types.WriteRequest{s.table: reqs}
		for attempt := 0; len(pending[s.table]) > 0; attempt++ {
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return deleted, fail("purge app", err)
			}
			deleted += len(pending[s.table]) - len(out.UnprocessedItems[s.table])
			pending = out.UnprocessedItems
			if len(pending[s.table]) > 0 {
				if attempt >= s.txRetries {
					return deleted, &backendError{op: "purge app", kind: ErrBusy, msg: "unprocessed deletes outlasted the retries"}
				}
				if err := backoff(ctx, attempt); err != nil {
					return deleted, fail("purge app", err)
				}
			}
		}
	}
	return deleted, nil
}
