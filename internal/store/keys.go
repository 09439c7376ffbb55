package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
)

// Account keys are listed under this partition; app keys under their app's.
const accountPK = "ACCOUNT"

func keyPK(hash string) string { return "KEY#" + hash }

const keySK = "#KEY"

func keyRefSK(id string) string { return "KEYREF#" + id }

// keyItem is stored twice: under the key's hash, for the authorizer, and as a reference in
// its owner's partition, for listing, revoking and purging. Neither holds the key itself.
type keyItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	ID        string `dynamodbav:"id"`
	AppID     string `dynamodbav:"app_id,omitempty"`
	AppSlug   string `dynamodbav:"app_slug,omitempty"`
	AppName   string `dynamodbav:"app_name,omitempty"` // absent in keys made before it; Reindex adds it
	Kind      string `dynamodbav:"kind"`
	Hint      string `dynamodbav:"hint"`
	Hash      string `dynamodbav:"hash"`
	CreatedAt string `dynamodbav:"created_at"`
}

const (
	typeKey    = "API_KEY"
	typeKeyRef = "API_KEY_REF"
)

func (it keyItem) key() auth.Key {
	return auth.Key{ID: it.ID, AppID: it.AppID, AppSlug: it.AppSlug, AppName: it.AppName, Kind: auth.Kind(it.Kind),
		Hint: it.Hint, CreatedAt: parseTime(it.CreatedAt)}
}

func ownerPK(appID string) string {
	if appID == "" {
		return accountPK
	}
	return appPK(appID)
}

// CreateKey stores a key by its hash. An app key needs its app ACTIVE.
func (s *Store) CreateKey(ctx context.Context, hash string, k auth.Key) (auth.Key, error) {
	if k.AppID != "" {
		if _, ok := customer.ParseID(k.AppID); !ok {
			return auth.Key{}, ErrAppNotFound
		}
	}
	k.ID = customer.NewID()
	k.CreatedAt = s.now()
	it := keyItem{
		PK: keyPK(hash), SK: keySK, Type: typeKey, ID: k.ID, AppID: k.AppID, AppSlug: k.AppSlug, AppName: k.AppName,
		Kind: string(k.Kind), Hint: k.Hint, Hash: hash, CreatedAt: formatTime(k.CreatedAt),
	}
	byHash, err := marshal("create key", it)
	if err != nil {
		return auth.Key{}, err
	}
	it.PK, it.SK, it.Type = ownerPK(k.AppID), keyRefSK(k.ID), typeKeyRef
	ref, err := marshal("create key", it)
	if err != nil {
		return auth.Key{}, err
	}
	exists := func(map[string]types.AttributeValue) error { return ErrVersionConflict }
	items := []txItem{condPut(s.table, byHash, exists), condPut(s.table, ref, exists)}
	if k.AppID == "" {
		err = s.transact(ctx, "create key", items)
	} else {
		err = s.transactActive(ctx, "create key", k.AppID, items)
	}
	if err != nil {
		return auth.Key{}, err
	}
	return k, nil
}

// KeyByHash finds a key by the hash of its secret.
func (s *Store) KeyByHash(ctx context.Context, hash string) (auth.Key, error) {
	if len(hash) != 64 {
		return auth.Key{}, ErrNotFound
	}
	m, err := s.getOne(ctx, "get key", itemKey(keyPK(hash), keySK))
	if err != nil {
		return auth.Key{}, err
	}
	if m == nil {
		return auth.Key{}, ErrNotFound
	}
	it, err := unmarshal[keyItem]("get key", m)
	if err != nil {
		return auth.Key{}, err
	}
	return it.key(), nil
}

// ListKeys lists an app's keys, or the account keys when appID is empty.
func (s *Store) ListKeys(ctx context.Context, appID string) ([]auth.Key, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(ownerPK(appID)), ":prefix": str(keyRefSK("")),
		},
		ConsistentRead: aws.Bool(true),
	}
	var keys []auth.Key
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fail("list keys", err)
		}
		for _, m := range out.Items {
			it, err := unmarshal[keyItem]("list keys", m)
			if err != nil {
				return nil, err
			}
			keys = append(keys, it.key())
		}
		if out.LastEvaluatedKey == nil {
			return keys, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// DeleteKey revokes a key of an app (or of the account when appID is empty).
func (s *Store) DeleteKey(ctx context.Context, appID, keyID string) error {
	keyID, ok := customer.ParseID(keyID)
	if !ok {
		return ErrNotFound
	}
	m, err := s.getOne(ctx, "delete key", itemKey(ownerPK(appID), keyRefSK(keyID)))
	if err != nil {
		return err
	}
	if m == nil {
		return ErrNotFound
	}
	gone := func(map[string]types.AttributeValue) error { return ErrNotFound }
	return s.transact(ctx, "delete key", []txItem{
		condDelete(s.table, itemKey(ownerPK(appID), keyRefSK(keyID)), "attribute_exists(pk)", expr{}, gone),
		condDelete(s.table, itemKey(keyPK(attrS(m, "hash")), keySK), "attribute_exists(pk)", expr{}, gone),
	})
}

// nameKeys gives the app's keys that were made before keys held the app's name that name, on
// both their items; it returns how many. A key revoked meanwhile is left alone.
func (s *Store) nameKeys(ctx context.Context, appID, name string) (int, error) {
	pages := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(appPK(appID)), ":prefix": str(keyRefSK("")),
		},
		ConsistentRead: aws.Bool(true),
	})
	named := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return named, fail("name keys", err)
		}
		for _, m := range page.Items {
			it, err := unmarshal[keyItem]("name keys", m)
			if err != nil {
				return named, err
			}
			if it.AppName != "" {
				continue
			}
			for _, k := range []key{itemKey(keyPK(it.Hash), keySK), itemKey(it.PK, it.SK)} {
				_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName: aws.String(s.table), Key: k, UpdateExpression: aws.String("SET app_name = :name"),
					ConditionExpression:       aws.String("attribute_exists(pk)"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":name": str(name)},
				})
				var ccf *types.ConditionalCheckFailedException
				if err != nil && !errors.As(err, &ccf) {
					return named, fail("name keys", err)
				}
			}
			named++
		}
	}
	return named, nil
}
