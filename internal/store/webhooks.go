package store

import (
	"cmp"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/webhook"
)

// An app's webhook endpoints and the keys that sign for them live in its partition (so the
// purge of the app takes them with the rest; every sort key sorts after #META):
//
//	WHEP#<id>             an endpoint, with its own secrets sealed
//	WHURL#<sha256(url)>   the guard that keeps an app's URLs unique, as Lago does
//	WHCOUNT               the number of the app's endpoints, at most webhook.MaxEndpoints
//	WHSIGN                the app's Lago keys (HMAC key, RSA key pair), made once when first needed
//
// Every secret and private key is sealed (package seal) with the app's id, so that a read of
// the table alone reveals none of them.
const (
	typeEndpoint      = "WEBHOOK_ENDPOINT"
	typeEndpointURL   = "WEBHOOK_URL_GUARD"
	typeEndpointCount = "WEBHOOK_ENDPOINT_COUNT"
	typeSigningKeys   = "WEBHOOK_SIGNING_KEYS"

	endpointPrefix  = "WHEP#"
	endpointCountSK = "WHCOUNT"
	signingKeysSK   = "WHSIGN"
)

func endpointSK(id string) string { return endpointPrefix + id }

func endpointURLSK(url string) string {
	h := sha256.Sum256([]byte(url))
	return "WHURL#" + hex.EncodeToString(h[:])
}

// Errors of webhook endpoints.
var (
	ErrEndpointLimit = errors.New("the app has the most webhook endpoints an app can have")
	ErrURLTaken      = errors.New("webhook URL already taken by another endpoint of the app")
	ErrNoSecret      = errors.New("the endpoint signs with its app's Lago keys: it has no secret of its own")
)

type endpointItem struct {
	PK         string    `dynamodbav:"pk"`
	SK         string    `dynamodbav:"sk"`
	Type       string    `dynamodbav:"type"`
	ID         string    `dynamodbav:"id"`
	Format     string    `dynamodbav:"format"`
	URL        string    `dynamodbav:"url"`
	Name       string    `dynamodbav:"name,omitempty"`
	EventTypes *[]string `dynamodbav:"event_types,omitempty"` // absent: every type; empty: none
	Algorithm  string    `dynamodbav:"signature_algo,omitempty"`
	// Secrets: the current one first, then those that still sign after a roll (their expiry).
	Secrets   []sealedSecret `dynamodbav:"secrets,omitempty"`
	CreatedAt string         `dynamodbav:"created_at"`
	UpdatedAt string         `dynamodbav:"updated_at"`
	Version   int64          `dynamodbav:"version"`
}

type sealedSecret struct {
	Sealed    []byte `dynamodbav:"sealed"`
	ExpiresAt string `dynamodbav:"expires_at,omitempty"`
}

type endpointURLItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	Type       string `dynamodbav:"type"`
	EndpointID string `dynamodbav:"endpoint_id"`
}

type signingKeysItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	Type       string `dynamodbav:"type"`
	HMACKey    []byte `dynamodbav:"hmac_key"`    // sealed
	PrivateKey []byte `dynamodbav:"private_key"` // PKCS #8, sealed
	PublicKey  []byte `dynamodbav:"public_key"`  // PKIX: public
	CreatedAt  string `dynamodbav:"created_at"`
}

func newEndpointItem(appID string, e webhook.Endpoint, secrets []sealedSecret) endpointItem {
	it := endpointItem{
		PK: appPK(appID), SK: endpointSK(e.ID), Type: typeEndpoint, ID: e.ID, Format: string(e.Format), URL: e.URL,
		Name: e.Name, Algorithm: e.Algorithm, Secrets: secrets,
		CreatedAt: formatTime(e.CreatedAt), UpdatedAt: formatTime(e.UpdatedAt), Version: e.Version,
	}
	if e.EventTypes != nil {
		types := slices.Clone(e.EventTypes)
		if types == nil {
			types = []string{}
		}
		it.EventTypes = &types
	}
	return it
}

func (it endpointItem) endpoint() webhook.Endpoint {
	e := webhook.Endpoint{
		ID: it.ID, Format: webhook.Format(it.Format), URL: it.URL, Name: it.Name, Algorithm: it.Algorithm,
		CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt), Version: it.Version,
	}
	if it.EventTypes != nil {
		e.EventTypes = append([]string{}, *it.EventTypes...)
	}
	return e
}

// Webhooks reads and writes the webhook endpoints of apps and their signing keys, sealing
// and opening every secret with its Sealer.
type Webhooks struct {
	s    *Store
	seal seal.Sealer
}

// Webhooks returns the store's webhook endpoints, whose secrets sl seals.
func (s *Store) Webhooks(sl seal.Sealer) *Webhooks { return &Webhooks{s: s, seal: sl} }

// CreateEndpoint stores a new endpoint (its id, times and version are set here) and returns
// it with its secret, for the formats that have one. The app's endpoints are counted in the
// same transaction (at most webhook.MaxEndpoints: ErrEndpointLimit) and their URLs kept
// unique (ErrURLTaken), on the condition that the app is ACTIVE. A Lago endpoint makes its
// app's Lago keys first, when it has none.
func (w *Webhooks) CreateEndpoint(ctx context.Context, appID string, e webhook.Endpoint) (webhook.Signing, error) {
	if _, ok := customer.ParseID(appID); !ok {
		return webhook.Signing{}, ErrAppNotFound
	}
	now := w.s.now()
	e.ID, e.CreatedAt, e.UpdatedAt, e.Version = customer.NewID(), now, now, 1
	if err := e.Check(); err != nil {
		return webhook.Signing{}, err
	}
	out := webhook.Signing{Endpoint: e}
	var secrets []sealedSecret
	if e.Format.HasSecret() {
		key := webhook.NewSecret(e.Format)
		sealed, err := w.sealValue(ctx, appID, key)
		if err != nil {
			return webhook.Signing{}, err
		}
		out.Secrets, secrets = []webhook.Secret{{Key: key}}, []sealedSecret{{Sealed: sealed}}
	}
	if e.Format == webhook.Lago {
		if _, _, err := w.ensureKeys(ctx, appID); err != nil {
			return webhook.Signing{}, err
		}
	}
	item, err := marshal("create webhook endpoint", newEndpointItem(appID, e, secrets))
	if err != nil {
		return webhook.Signing{}, err
	}
	guard, err := marshal("create webhook endpoint", endpointURLItem{
		PK: appPK(appID), SK: endpointURLSK(e.URL), Type: typeEndpointURL, EndpointID: e.ID,
	})
	if err != nil {
		return webhook.Signing{}, err
	}
	err = w.s.transactActive(ctx, "create webhook endpoint", appID, []txItem{
		w.count(appID, 1),
		condPut(w.s.table, guard, func(map[string]types.AttributeValue) error { return ErrURLTaken }),
		condPut(w.s.table, item, func(map[string]types.AttributeValue) error { return ErrVersionConflict }),
	})
	if err != nil {
		return webhook.Signing{}, err
	}
	return out, nil
}

// count moves an app's endpoint counter by delta, within its bounds. The counter is one item
// per app in every create and delete of an endpoint, which would cap an app at one such
// write at a time (docs/storage.md): fine for endpoints, which are written rarely; no
// customer write touches it.
func (w *Webhooks) count(appID string, delta int64) txItem {
	k := itemKey(appPK(appID), endpointCountSK)
	if delta > 0 {
		e := expr{names: map[string]string{"#type": "type"}, values: map[string]types.AttributeValue{
			":delta": num(delta), ":max": num(webhook.MaxEndpoints), ":type": str(typeEndpointCount),
		}}
		return condUpdate(w.s.table, k, "SET #type = :type ADD endpoint_count :delta",
			"attribute_not_exists(endpoint_count) OR endpoint_count < :max", e,
			func(map[string]types.AttributeValue) error { return ErrEndpointLimit })
	}
	e := expr{values: map[string]types.AttributeValue{":delta": num(delta), ":zero": num(0)}}
	return condUpdate(w.s.table, k, "ADD endpoint_count :delta", "endpoint_count > :zero", e,
		func(map[string]types.AttributeValue) error { return ErrVersionConflict })
}

// endpointItem reads an endpoint with its app's #META (which must be ACTIVE) in one
// BatchGetItem.
func (w *Webhooks) endpointItem(ctx context.Context, op, appID, id string) (endpointItem, error) {
	if _, ok := customer.ParseID(appID); !ok {
		return endpointItem{}, ErrAppNotFound
	}
	id, ok := customer.ParseID(id)
	if !ok {
		return endpointItem{}, ErrNotFound
	}
	got, err := w.s.appItems(ctx, op, appID, itemKey(appPK(appID), endpointSK(id)))
	if err != nil {
		return endpointItem{}, err
	}
	if got[0] == nil {
		return endpointItem{}, ErrNotFound
	}
	return unmarshal[endpointItem](op, got[0])
}

// Endpoint returns an endpoint of an app, without its secrets.
func (w *Webhooks) Endpoint(ctx context.Context, appID, id string) (webhook.Endpoint, error) {
	it, err := w.endpointItem(ctx, "get webhook endpoint", appID, id)
	if err != nil {
		return webhook.Endpoint{}, err
	}
	return it.endpoint(), nil
}

// EndpointSecrets returns an endpoint with its own secrets that still sign, opened (none for
// Lago's, which sign with their app's keys: see SigningEndpoint).
func (w *Webhooks) EndpointSecrets(ctx context.Context, appID, id string) (webhook.Signing, error) {
	it, err := w.endpointItem(ctx, "get webhook endpoint", appID, id)
	if err != nil {
		return webhook.Signing{}, err
	}
	secrets, err := w.openSecrets(ctx, appID, it.Secrets)
	if err != nil {
		return webhook.Signing{}, err
	}
	return webhook.Signing{Endpoint: it.endpoint(), Secrets: secrets}, nil
}

// openSecrets opens the secrets that still sign.
func (w *Webhooks) openSecrets(ctx context.Context, appID string, sealed []sealedSecret) ([]webhook.Secret, error) {
	now := w.s.now()
	var out []webhook.Secret
	for _, s := range sealed {
		sec := webhook.Secret{Expires: parseTime(s.ExpiresAt)}
		if !sec.Expires.IsZero() && !now.Before(sec.Expires) {
			continue
		}
		key, err := w.openValue(ctx, appID, s.Sealed)
		if err != nil {
			return nil, err
		}
		sec.Key = key
		out = append(out, sec)
	}
	return out, nil
}

// ListEndpoints returns an app's endpoints (at most webhook.MaxEndpoints), oldest first,
// without their secrets.
func (w *Webhooks) ListEndpoints(ctx context.Context, appID string) ([]webhook.Endpoint, error) {
	items, err := w.endpointItems(ctx, appID)
	if err != nil {
		return nil, err
	}
	out := make([]webhook.Endpoint, len(items))
	for i, it := range items {
		out[i] = it.endpoint()
	}
	return out, nil
}

// endpointItems reads an app's endpoints, oldest first, once its #META says it is ACTIVE.
func (w *Webhooks) endpointItems(ctx context.Context, appID string) ([]endpointItem, error) {
	const op = "list webhook endpoints"
	if _, ok := customer.ParseID(appID); !ok {
		return nil, ErrAppNotFound
	}
	meta, err := w.s.getOne(ctx, op, itemKey(appPK(appID), metaSK))
	if err != nil {
		return nil, err
	}
	if err := checkActive(meta); err != nil {
		return nil, err
	}
	in := &dynamodb.QueryInput{
		TableName:              aws.String(w.s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(appPK(appID)), ":prefix": str(endpointPrefix),
		},
		ConsistentRead: aws.Bool(true),
	}
	var items []endpointItem
	for {
		out, err := w.s.db.Query(ctx, in)
		if err != nil {
			return nil, fail(op, err)
		}
		for _, m := range out.Items {
			it, err := unmarshal[endpointItem](op, m)
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
	slices.SortFunc(items, func(a, b endpointItem) int {
		return cmp.Or(cmp.Compare(a.CreatedAt, b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return items, nil
}

// UpdateEndpoint changes an endpoint by p (its format never changes) and returns it, without
// its secrets. With expectedVersion above 0 the write happens only on that version
// (ErrVersionConflict otherwise); without, a write that loses to another is tried again. A
// new URL moves the endpoint's URL guard in the same transaction (ErrURLTaken).
func (w *Webhooks) UpdateEndpoint(
	ctx context.Context, appID, id string, p webhook.Patch, expectedVersion int64,
) (webhook.Endpoint, error) {
	for attempt := 0; attempt < w.s.writeAttempts; attempt++ {
		it, err := w.endpointItem(ctx, "update webhook endpoint", appID, id)
		if err != nil {
			return webhook.Endpoint{}, err
		}
		cur := it.endpoint()
		if expectedVersion > 0 && cur.Version != expectedVersion {
			return webhook.Endpoint{}, ErrVersionConflict
		}
		next := p.Apply(cur)
		if err := next.Check(); err != nil {
			return webhook.Endpoint{}, err
		}
		if sameEndpoint(cur, next) {
			return cur, nil
		}
		next.Version, next.UpdatedAt = cur.Version+1, w.s.now()
		err = w.replace(ctx, "update webhook endpoint", appID, it, newEndpointItem(appID, next, it.Secrets))
		if errors.Is(err, ErrVersionConflict) && expectedVersion == 0 {
			if err := backoff(ctx, attempt); err != nil {
				return webhook.Endpoint{}, fail("update webhook endpoint", err)
			}
			continue
		}
		if err != nil {
			return webhook.Endpoint{}, err
		}
		return next, nil
	}
	return webhook.Endpoint{}, busy("update webhook endpoint")
}

func sameEndpoint(a, b webhook.Endpoint) bool {
	return a.URL == b.URL && a.Name == b.Name && a.Algorithm == b.Algorithm &&
		(a.EventTypes == nil) == (b.EventTypes == nil) && slices.Equal(a.EventTypes, b.EventTypes)
}

// replace writes next over cur, on cur's version, as the app is ACTIVE; a new URL moves the
// URL guard.
func (w *Webhooks) replace(ctx context.Context, op, appID string, cur, next endpointItem) error {
	m, err := marshal(op, next)
	if err != nil {
		return err
	}
	items := []txItem{w.onVersion(m, cur.Version)}
	if next.URL != cur.URL {
		guard, err := marshal(op, endpointURLItem{
			PK: appPK(appID), SK: endpointURLSK(next.URL), Type: typeEndpointURL, EndpointID: cur.ID,
		})
		if err != nil {
			return err
		}
		items = append(items, w.releaseURL(appID, cur),
			condPut(w.s.table, guard, func(map[string]types.AttributeValue) error { return ErrURLTaken }))
	}
	return w.s.transactActive(ctx, op, appID, items)
}

// onVersion is the put of an endpoint item over the one of version v.
func (w *Webhooks) onVersion(m map[string]types.AttributeValue, v int64) txItem {
	return txItem{
		write: types.TransactWriteItem{Put: &types.Put{
			TableName:                           aws.String(w.s.table),
			Item:                                m,
			ConditionExpression:                 aws.String("version = :v"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":v": num(v)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		onFail: endpointChanged,
	}
}

// endpointChanged explains a failed condition on an endpoint from the item as it was.
func endpointChanged(old map[string]types.AttributeValue) error {
	if old == nil {
		return ErrNotFound
	}
	return ErrVersionConflict
}

// releaseURL deletes the URL guard of endpoint it, while it is that endpoint's.
func (w *Webhooks) releaseURL(appID string, it endpointItem) txItem {
	return condDelete(w.s.table, itemKey(appPK(appID), endpointURLSK(it.URL)), "endpoint_id = :id",
		expr{values: map[string]types.AttributeValue{":id": str(it.ID)}},
		func(map[string]types.AttributeValue) error { return ErrVersionConflict })
}

// DeleteEndpoint deletes an endpoint, its URL guard and its place in the counter, and
// returns it as it was, without its secrets.
func (w *Webhooks) DeleteEndpoint(ctx context.Context, appID, id string) (webhook.Endpoint, error) {
	const op = "delete webhook endpoint"
	for attempt := 0; attempt < w.s.writeAttempts; attempt++ {
		it, err := w.endpointItem(ctx, op, appID, id)
		if err != nil {
			return webhook.Endpoint{}, err
		}
		err = w.s.transactActive(ctx, op, appID, []txItem{
			condDelete(w.s.table, itemKey(appPK(appID), endpointSK(it.ID)), "version = :v",
				expr{values: map[string]types.AttributeValue{":v": num(it.Version)}}, endpointChanged),
			w.releaseURL(appID, it),
			w.count(appID, -1),
		})
		if errors.Is(err, ErrVersionConflict) {
			if err := backoff(ctx, attempt); err != nil {
				return webhook.Endpoint{}, fail(op, err)
			}
			continue
		}
		if err != nil {
			return webhook.Endpoint{}, err
		}
		return it.endpoint(), nil
	}
	return webhook.Endpoint{}, busy(op)
}

// RollSecret gives an endpoint a new secret and returns it with the secrets that sign: a
// native endpoint's previous secret keeps signing beside the new one for
// webhook.RollOverlap (webhook.Roll); a Lukittu endpoint's is replaced at once, as its
// header carries one signature. A Lago endpoint has none: ErrNoSecret.
func (w *Webhooks) RollSecret(ctx context.Context, appID, id string) (webhook.Signing, error) {
	const op = "roll webhook secret"
	var key, sealed []byte
	for attempt := 0; attempt < w.s.writeAttempts; attempt++ {
		it, err := w.endpointItem(ctx, op, appID, id)
		if err != nil {
			return webhook.Signing{}, err
		}
		format := webhook.Format(it.Format)
		if !format.HasSecret() {
			return webhook.Signing{}, ErrNoSecret
		}
		if key == nil {
			key = webhook.NewSecret(format)
			if sealed, err = w.sealValue(ctx, appID, key); err != nil {
				return webhook.Signing{}, err
			}
		}
		now := w.s.now()
		next := it
		next.Secrets = []sealedSecret{{Sealed: sealed}}
		if format == webhook.Apps {
			next.Secrets = rollSealed(it.Secrets, sealed, now)
		}
		next.Version, next.UpdatedAt = it.Version+1, formatTime(now)
		err = w.replace(ctx, op, appID, it, next)
		if errors.Is(err, ErrVersionConflict) {
			if err := backoff(ctx, attempt); err != nil {
				return webhook.Signing{}, fail(op, err)
			}
			continue
		}
		if err != nil {
			return webhook.Signing{}, err
		}
		secrets := []webhook.Secret{{Key: key}}
		older, err := w.openSecrets(ctx, appID, next.Secrets[1:])
		if err != nil {
			return webhook.Signing{}, err
		}
		return webhook.Signing{Endpoint: next.endpoint(), Secrets: append(secrets, older...)}, nil
	}
	return webhook.Signing{}, busy(op)
}

// rollSealed is webhook.Roll over sealed secrets, which it treats as opaque keys.
func rollSealed(cur []sealedSecret, sealed []byte, now time.Time) []sealedSecret {
	secrets := make([]webhook.Secret, len(cur))
	for i, s := range cur {
		secrets[i] = webhook.Secret{Key: s.Sealed, Expires: parseTime(s.ExpiresAt)}
	}
	var out []sealedSecret
	for _, s := range webhook.Roll(secrets, sealed, now) {
		it := sealedSecret{Sealed: s.Key}
		if !s.Expires.IsZero() {
			it.ExpiresAt = formatTime(s.Expires)
		}
		out = append(out, it)
	}
	return out
}

// errKeysExist is a put of an app's Lago keys that another request made first.
var errKeysExist = errors.New("signing keys exist")

// ensureKeys returns an app's Lago keys item, made (with a conditional put, as the app is
// ACTIVE) when the app has none; fresh holds the keys in the clear when this call made them.
func (w *Webhooks) ensureKeys(ctx context.Context, appID string) (signingKeysItem, *webhook.LagoKeys, error) {
	it, found, err := w.keysItem(ctx, appID)
	if err != nil || found {
		return it, nil, err
	}
	it, fresh, err := w.makeKeys(ctx, appID)
	if errors.Is(err, errKeysExist) { // another request made them first: read its
		if it, found, err = w.keysItem(ctx, appID); err == nil && !found {
			err = fmt.Errorf("store: the app's Lago keys were made and are gone: %w", ErrVersionConflict)
		}
		return it, nil, err
	}
	return it, fresh, err
}

// keysItem reads an app's Lago keys item with its #META, which must be ACTIVE.
func (w *Webhooks) keysItem(ctx context.Context, appID string) (signingKeysItem, bool, error) {
	const op = "webhook signing keys"
	if _, ok := customer.ParseID(appID); !ok {
		return signingKeysItem{}, false, ErrAppNotFound
	}
	got, err := w.s.appItems(ctx, op, appID, itemKey(appPK(appID), signingKeysSK))
	if err != nil || got[0] == nil {
		return signingKeysItem{}, false, err
	}
	it, err := unmarshal[signingKeysItem](op, got[0])
	return it, err == nil, err
}

// makeKeys makes an app's Lago keys and stores them sealed, on the condition that it has
// none (errKeysExist) and is ACTIVE.
func (w *Webhooks) makeKeys(ctx context.Context, appID string) (
	it signingKeysItem, fresh *webhook.LagoKeys, err error) {
	const op = "webhook signing keys"
	keys, err := webhook.NewLagoKeys()
	if err != nil {
		return signingKeysItem{}, nil, err
	}
	private, err := x509.MarshalPKCS8PrivateKey(keys.PrivateKey)
	if err != nil {
		return signingKeysItem{}, nil, fmt.Errorf("store: %s: %w", op, err)
	}
	public, err := x509.MarshalPKIXPublicKey(keys.PublicKey)
	if err != nil {
		return signingKeysItem{}, nil, fmt.Errorf("store: %s: %w", op, err)
	}
	it = signingKeysItem{PK: appPK(appID), SK: signingKeysSK, Type: typeSigningKeys, PublicKey: public,
		CreatedAt: formatTime(w.s.now())}
	if it.HMACKey, err = w.sealValue(ctx, appID, keys.HMACKey); err != nil {
		return signingKeysItem{}, nil, err
	}
	if it.PrivateKey, err = w.sealValue(ctx, appID, private); err != nil {
		return signingKeysItem{}, nil, err
	}
	m, err := marshal(op, it)
	if err != nil {
		return signingKeysItem{}, nil, err
	}
	err = w.s.transactActive(ctx, op, appID, []txItem{
		condPut(w.s.table, m, func(map[string]types.AttributeValue) error { return errKeysExist }),
	})
	if err != nil {
		return signingKeysItem{}, nil, err
	}
	return it, &keys, nil
}

// madeKeys reads the Lago keys of an app that has Lago endpoints, which made them: the
// delivery's reads write nothing.
func (w *Webhooks) madeKeys(ctx context.Context, appID string) (signingKeysItem, error) {
	it, found, err := w.keysItem(ctx, appID)
	if err == nil && !found {
		err = errors.New("store: an app with Lago endpoints has no Lago keys")
	}
	return it, err
}

// LagoPublicKey returns the public key of an app's Lago RSA key (made when the app has none).
func (w *Webhooks) LagoPublicKey(ctx context.Context, appID string) (*rsa.PublicKey, error) {
	it, fresh, err := w.ensureKeys(ctx, appID)
	if err != nil {
		return nil, err
	}
	if fresh != nil {
		return fresh.PublicKey, nil
	}
	return parsePublicKey(it.PublicKey)
}

// LagoKeys returns an app's Lago HMAC key, opened, and its public key (made when the app has
// none), without the private key.
func (w *Webhooks) LagoKeys(ctx context.Context, appID string) (webhook.LagoKeys, error) {
	it, fresh, err := w.ensureKeys(ctx, appID)
	if err != nil {
		return webhook.LagoKeys{}, err
	}
	if fresh != nil {
		return webhook.LagoKeys{HMACKey: fresh.HMACKey, PublicKey: fresh.PublicKey}, nil
	}
	return w.openKeys(ctx, appID, it, true, false)
}

// openKeys opens the parts of an app's Lago keys asked for; the public key comes always.
func (w *Webhooks) openKeys(ctx context.Context, appID string, it signingKeysItem, hmacKey, private bool) (
	webhook.LagoKeys, error) {
	var keys webhook.LagoKeys
	var err error
	if keys.PublicKey, err = parsePublicKey(it.PublicKey); err != nil {
		return webhook.LagoKeys{}, err
	}
	if hmacKey {
		if keys.HMACKey, err = w.openValue(ctx, appID, it.HMACKey); err != nil {
			return webhook.LagoKeys{}, err
		}
	}
	if private {
		der, err := w.openValue(ctx, appID, it.PrivateKey)
		if err != nil {
			return webhook.LagoKeys{}, err
		}
		k, err := x509.ParsePKCS8PrivateKey(der)
		rk, ok := k.(*rsa.PrivateKey)
		if err != nil || !ok {
			return webhook.LagoKeys{}, fmt.Errorf("store: the app's Lago private key does not parse: %v", err)
		}
		keys.PrivateKey = rk
	}
	return keys, nil
}

func parsePublicKey(der []byte) (*rsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	rk, ok := k.(*rsa.PublicKey)
	if err != nil || !ok {
		return nil, fmt.Errorf("store: the app's Lago public key does not parse: %v", err)
	}
	return rk, nil
}

// SigningEndpoint returns an endpoint with what signs its deliveries, opened: its secrets,
// or for a Lago endpoint the app's key of its algorithm. It writes nothing: it reads items
// and opens sealed values (kms:Decrypt).
func (w *Webhooks) SigningEndpoint(ctx context.Context, appID, id string) (webhook.Signing, error) {
	s, err := w.EndpointSecrets(ctx, appID, id)
	if err != nil || s.Endpoint.Format != webhook.Lago {
		return s, err
	}
	it, err := w.madeKeys(ctx, appID)
	if err != nil {
		return webhook.Signing{}, err
	}
	jwt := s.Endpoint.Algorithm == webhook.LagoJWT
	s.Lago, err = w.openKeys(ctx, appID, it, !jwt, jwt)
	return s, err
}

// SigningEndpoints returns every endpoint of an app with what signs its deliveries, opened
// (see SigningEndpoint); the app's Lago keys are read once, and only the keys its Lago
// endpoints use are opened.
func (w *Webhooks) SigningEndpoints(ctx context.Context, appID string) ([]webhook.Signing, error) {
	items, err := w.endpointItems(ctx, appID)
	if err != nil {
		return nil, err
	}
	out := make([]webhook.Signing, len(items))
	var hmacKey, private bool
	for i, it := range items {
		out[i].Endpoint = it.endpoint()
		if out[i].Secrets, err = w.openSecrets(ctx, appID, it.Secrets); err != nil {
			return nil, err
		}
		if it.Format == string(webhook.Lago) {
			hmacKey = hmacKey || it.Algorithm == webhook.LagoHMAC
			private = private || it.Algorithm == webhook.LagoJWT
		}
	}
	if !hmacKey && !private {
		return out, nil
	}
	it, err := w.madeKeys(ctx, appID)
	if err != nil {
		return nil, err
	}
	keys, err := w.openKeys(ctx, appID, it, hmacKey, private)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Endpoint.Format == webhook.Lago {
			out[i].Lago = keys
		}
	}
	return out, nil
}

// sealValue seals a secret of an app.
func (w *Webhooks) sealValue(ctx context.Context, appID string, plain []byte) ([]byte, error) {
	if w.seal == nil {
		return nil, errors.New("store: webhook secrets without a sealer")
	}
	b, err := w.seal.Seal(ctx, appID, plain)
	return b, sealFailure("seal a webhook secret", err)
}

// openValue opens a secret of an app.
func (w *Webhooks) openValue(ctx context.Context, appID string, sealed []byte) ([]byte, error) {
	if w.seal == nil {
		return nil, errors.New("store: webhook secrets without a sealer")
	}
	b, err := w.seal.Open(ctx, appID, sealed)
	return b, sealFailure("open a webhook secret", err)
}

// sealFailure is a sealing error as the store's callers see it: unavailable when a retry may
// pass; else an error nobody foresaw (a value that does not open: the wrong key).
func sealFailure(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, seal.ErrUnavailable):
		return &backendError{op: op, kind: ErrUnavailable, msg: err.Error()}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// webhookItems are an app's webhook items as Verify reads them.
type webhookItems struct {
	endpoints map[string]string // URL guard key -> endpoint id, from the endpoints
	guards    map[string]string // URL guard key -> endpoint id, from the guards
	count     string            // the counter's value, "" without one
}

func (h *webhookItems) add(typ, sk string, m map[string]types.AttributeValue) {
	if h.endpoints == nil {
		h.endpoints, h.guards = map[string]string{}, map[string]string{}
	}
	switch typ {
	case typeEndpoint:
		h.endpoints[endpointURLSK(attrS(m, "url"))] = attrS(m, "id")
	case typeEndpointURL:
		h.guards[sk] = attrS(m, "endpoint_id")
	case typeEndpointCount:
		if n, ok := m["endpoint_count"].(*types.AttributeValueMemberN); ok {
			h.count = n.Value
		}
	}
}

// problems are the broken invariants of an app's endpoints: each has the guard of its URL,
// each guard its endpoint, and the counter counts them.
func (h *webhookItems) problems() []string {
	var out []string
	for sk, id := range h.endpoints {
		if h.guards[sk] != id {
			out = append(out, fmt.Sprintf("webhook endpoint %s has no guard of its URL (%s holds %q)", id, sk, h.guards[sk]))
		}
	}
	for sk, id := range h.guards {
		if h.endpoints[sk] != id {
			out = append(out, fmt.Sprintf("URL guard %s names endpoint %s, which does not hold its URL", sk, id))
		}
	}
	if want := fmt.Sprint(len(h.endpoints)); h.count != want && (h.count != "" || want != "0") {
		out = append(out, fmt.Sprintf("the webhook endpoint counter is %q, the app has %s endpoints", h.count, want))
	}
	return out
}
