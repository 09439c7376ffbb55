package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/tenant"
)

// ReindexStats says what Reindex did.
type ReindexStats struct {
	Customers int // customers read
	Rewritten int // customers whose index attributes were rewritten
	Keys      int // keys given the app's name, made before keys held it
}

// reindexWorkers is how many customers Reindex rewrites at once.
const reindexWorkers = 16

// Reindex gives every customer of an app the index and search attributes that the rules of
// IndexVersion derive from its fields (list keys, search forms), and takes it out of gsi3;
// it changes nothing else, so its version stays and no change event is published. Then it
// records IndexVersion in #META, from which on the app's lists read the list indexes alone.
// It can stop anywhere and be run again; customers written meanwhile follow the rules already.
// It also gives the app's keys made before keys held the app's name that name.
// Run it once the functions of this version serve every request.
func (s *Store) Reindex(ctx context.Context, appID string) (ReindexStats, error) {
	var st ReindexStats
	app, err := s.appItem(ctx, appID)
	if err != nil {
		return st, err
	}
	if app.Status != string(tenant.Active) {
		return st, ErrAppNotActive
	}
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :cus)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(appPK(appID)), ":cus": str(customerSK("")),
		},
		ConsistentRead: aws.Bool(true),
	}
	seqs := &seqAllocator{used: map[int64]bool{}}
	work := make(chan map[string]types.AttributeValue)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range reindexWorkers {
		wg.Go(func() {
			for m := range work {
				done, err := s.reindexOne(ctx, appID, m, seqs)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if done {
					st.Rewritten++
				}
				mu.Unlock()
			}
		})
	}
	for err == nil {
		var out *dynamodb.QueryOutput
		if out, err = s.db.Query(ctx, in); err != nil {
			err = fail("reindex", err)
			break
		}
		for _, m := range out.Items {
			st.Customers++
			work <- m
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	close(work)
	wg.Wait()
	if err = errors.Join(err, firstErr); err != nil {
		return st, err
	}
	if st.Keys, err = s.nameKeys(ctx, appID, app.Name); err != nil {
		return st, err
	}
	err = s.updateHeld(ctx, "reindex", &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      itemKey(appPK(appID), metaSK),
		UpdateExpression:         aws.String("SET index_version = :v"),
		ConditionExpression:      aws.String("#status = :active"),
		ExpressionAttributeNames: activeExpr.names,
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":v": num(IndexVersion), ":active": str(string(appActive)),
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return st, ErrAppNotActive
	}
	return st, err
}

// reindexOne rewrites one customer's index attributes when they are not what its fields
// derive, on the condition that it is still at the version read (else it reads it again).
func (s *Store) reindexOne(ctx context.Context, appID string, m map[string]types.AttributeValue, seqs *seqAllocator) (
	bool, error) {
	for attempt := 0; attempt < s.writeAttempts; attempt++ {
		it, err := unmarshal[customerItem]("reindex", m)
		if err != nil {
			return false, err
		}
		c := it.customer()
		if it.Seq == 0 {
			c.SequentialID = seqs.claim(c.SequentialID)
		}
		want, err := marshal("reindex", newCustomerItem(appID, c))
		if err != nil {
			return false, err
		}
		e := expr{names: map[string]string{"#version": "version"},
			values: map[string]types.AttributeValue{":v": num(it.Version)}}
		var set, remove []string
		for _, a := range append(derivedAttributes(), "gsi3pk", "gsi3sk", "seq") {
			v, ok := want[a]
			if reflect.DeepEqual(m[a], v) {
				continue
			}
			name := "#" + strings.ReplaceAll(a, "_", "")
			e.names[name] = a
			if ok {
				e.values[":"+name[1:]] = v
				set = append(set, name+" = :"+name[1:])
			} else {
				remove = append(remove, name)
			}
		}
		if len(set)+len(remove) == 0 {
			return false, nil
		}
		update := ""
		if len(set) > 0 {
			update = "SET " + strings.Join(set, ", ")
		}
		if len(remove) > 0 {
			update += " REMOVE " + strings.Join(remove, ", ")
		}
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: itemKey(it.PK, it.SK),
			UpdateExpression: aws.String(update), ConditionExpression: aws.String("#version = :v"),
			ExpressionAttributeNames: e.names, ExpressionAttributeValues: e.values,
		})
		var ccf *types.ConditionalCheckFailedException
		var held *types.TransactionConflictException
		switch {
		case err == nil:
			return true, nil
		case errors.As(err, &ccf), errors.As(err, &held):
			// Written (or deleted) meanwhile: read it again.
			if m, err = s.getOne(ctx, "reindex", itemKey(it.PK, it.SK)); err != nil || m == nil {
				return false, err
			}
			if err := backoff(ctx, attempt); err != nil {
				return false, fail("reindex", err)
			}
		default:
			return false, fail("reindex", err)
		}
	}
	return false, &backendError{op: "reindex", kind: ErrBusy, msg: "writes outlasted the retries"}
}

// seqAllocator hands out the sequential ids of customers of before them: each its legacySeq,
// or the next free one of its residue when another customer of this run has that one.
type seqAllocator struct {
	mu   sync.Mutex
	used map[int64]bool
}

func (a *seqAllocator) claim(seq int64) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.used[seq] {
		seq += Shards
	}
	a.used[seq] = true
	return seq
}

// ReindexAll re-indexes every active app of the table.
func (s *Store) ReindexAll(ctx context.Context, each func(tenant.App, ReindexStats)) error {
	apps, err := s.ListApps(ctx)
	if err != nil {
		return err
	}
	for _, a := range apps {
		st, err := s.Reindex(ctx, a.ID)
		if err != nil && !errors.Is(err, ErrAppNotActive) {
			return err
		}
		each(a, st)
	}
	return nil
}
