package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
)

// CreateCustomer creates a customer with a new id in one transaction: the customer, its email
// and external-id guards, and one of the app's shard counters (on the condition that the app
// is ACTIVE). Under a key, a taken email or external id is kept (keep).
func (s *Store) CreateCustomer(ctx context.Context, appID string, c customer.Customer) (customer.Customer, error) {
	made, err := s.createCustomer(ctx, appID, c)
	if err != nil {
		return customer.Customer{}, s.keep(ctx, appID, idempotency.Result{}, err)
	}
	return made, nil
}

func (s *Store) createCustomer(ctx context.Context, appID string, c customer.Customer) (customer.Customer, error) {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return customer.Customer{}, err
	}
	if _, ok := customer.ParseID(appID); !ok {
		return customer.Customer{}, ErrAppNotFound
	}
	c.ID = customer.NewID()
	c.CreatedAt = s.now()
	c.UpdatedAt = c.CreatedAt
	c.Version = 1

	var guards []txItem
	if c.Email != "" {
		g, err := s.emailGuard(appID, c)
		if err != nil {
			return customer.Customer{}, err
		}
		guards = append(guards, g)
	}
	if c.ExternalID != "" {
		g, err := s.externalIDGuard(appID, c)
		if err != nil {
			return customer.Customer{}, err
		}
		guards = append(guards, g)
	}
	least := map[int]int64{} // the shards' last sequential ids, where a create lost to them
	var made customer.Customer
	build := func(shard int) ([]txItem, error) {
		made = c
		made.SequentialID = s.nextSeq(made.CreatedAt, shard, least[shard])
		it := newCustomerItem(appID, made)
		it.Shard = &shard
		cust, err := marshal("create customer", it)
		if err != nil {
			return nil, err
		}
		rec, err := s.recordWrite(ctx, appID, idempotency.Result{Customer: made, Outcome: idempotency.Created})
		if err != nil {
			return nil, err
		}
		items := append([]txItem{
			s.createCounter(appID, shard, made.SequentialID),
			condPut(s.table, cust, func(map[string]types.AttributeValue) error {
				return fmt.Errorf("store: create customer: id %s already exists: %w", c.ID, ErrVersionConflict)
			}),
		}, guards...)
		return append(items, rec...), nil
	}
	for attempt := 0; ; attempt++ {
		err := s.transactFn(ctx, "create customer", build)
		var taken *seqTaken
		switch {
		case err == nil:
			return made, nil
		case errors.As(err, &taken) && attempt < s.writeAttempts:
			least[taken.shard] = taken.last
		default:
			return customer.Customer{}, err
		}
	}
}

func (s *Store) emailGuard(appID string, c customer.Customer) (txItem, error) {
	g, err := marshal("email guard", guardItem{PK: appPK(appID), SK: emailSK(c.Email), Type: typeEmailGuard,
		CustomerID: c.ID})
	if err != nil {
		return txItem{}, err
	}
	return condPut(s.table, g, func(old map[string]types.AttributeValue) error {
		return &ConflictError{Err: ErrEmailTaken, ExistingID: attrS(old, "customer_id")}
	}), nil
}

func (s *Store) externalIDGuard(appID string, c customer.Customer) (txItem, error) {
	g, err := marshal("external id guard", guardItem{PK: appPK(appID), SK: externalIDSK(c.ExternalID),
		Type: typeExtGuard, CustomerID: c.ID})
	if err != nil {
		return txItem{}, err
	}
	return condPut(s.table, g, func(old map[string]types.AttributeValue) error {
		return &ConflictError{Err: ErrExternalIDTaken, ExistingID: attrS(old, "customer_id")}
	}), nil
}

// releaseGuard deletes a guard on the condition that it still points to the customer.
func (s *Store) releaseGuard(appID, sk, customerID string) txItem {
	return condDelete(s.table, itemKey(appPK(appID), sk), "customer_id = :id",
		expr{values: map[string]types.AttributeValue{":id": str(customerID)}},
		func(map[string]types.AttributeValue) error { return ErrVersionConflict })
}

// GetCustomer reads a customer and its app's status in one strongly consistent BatchGetItem.
func (s *Store) GetCustomer(ctx context.Context, appID, id string) (customer.Customer, error) {
	it, err := s.customerItem(ctx, appID, id)
	if err != nil {
		return customer.Customer{}, err
	}
	return it.customer(), nil
}

func (s *Store) customerItem(ctx context.Context, appID, id string) (customerItem, error) {
	if _, ok := customer.ParseID(appID); !ok {
		return customerItem{}, ErrAppNotFound
	}
	id, ok := customer.ParseID(id)
	if !ok {
		return customerItem{}, ErrNotFound
	}
	got, err := s.appItems(ctx, "get customer", appID, itemKey(appPK(appID), customerSK(id)))
	if err != nil {
		return customerItem{}, err
	}
	if got[0] == nil {
		return customerItem{}, ErrNotFound
	}
	return unmarshal[customerItem]("get customer", got[0])
}

// FindByEmail returns the customer with that email, in any letter case.
func (s *Store) FindByEmail(ctx context.Context, appID, email string) (customer.Customer, error) {
	email = customer.NormalizeEmail(email)
	if email == "" || !customer.KeyFits(customer.EmailKey(email)) {
		return customer.Customer{}, ErrNotFound
	}
	return s.findByGuard(ctx, "find by email", appID, emailSK(email))
}

// FindByExternalID returns the customer with that external id.
func (s *Store) FindByExternalID(ctx context.Context, appID, externalID string) (customer.Customer, error) {
	externalID = strings.TrimSpace(externalID)
	if externalID == "" || !customer.KeyFits(externalID) {
		return customer.Customer{}, ErrNotFound
	}
	return s.findByGuard(ctx, "find by external id", appID, externalIDSK(externalID))
}

// findByGuard reads the guard with the app's status, then the customer it points to: two
// strongly consistent reads, where a GSI query would be one eventually consistent read.
func (s *Store) findByGuard(ctx context.Context, op, appID, guardSK string) (customer.Customer, error) {
	it, err := s.itemByGuard(ctx, op, appID, guardSK)
	if err != nil {
		return customer.Customer{}, err
	}
	return it.customer(), nil
}

func (s *Store) itemByGuard(ctx context.Context, op, appID, guardSK string) (customerItem, error) {
	if _, ok := customer.ParseID(appID); !ok {
		return customerItem{}, ErrAppNotFound
	}
	for attempt := 0; ; attempt++ {
		got, err := s.appItems(ctx, op, appID, itemKey(appPK(appID), guardSK))
		if err != nil {
			return customerItem{}, err
		}
		if got[0] == nil {
			return customerItem{}, ErrNotFound
		}
		m, err := s.getOne(ctx, op, itemKey(appPK(appID), customerSK(attrS(got[0], "customer_id"))))
		if err != nil {
			return customerItem{}, err
		}
		if m != nil {
			return unmarshal[customerItem](op, m)
		}
		// The customer was deleted, or its value moved, between the two reads.
		if attempt >= 2 {
			return customerItem{}, ErrNotFound
		}
	}
}

// GetOrCreateByEmail returns the customer with c's email, or creates c. created is true only
// for the caller whose create won; one that loses the race returns the winner.
func (s *Store) GetOrCreateByEmail(ctx context.Context, appID string, c customer.Customer) (
	_ customer.Customer, created bool, _ error) {
	got, created, err := s.getOrCreate(ctx, appID, c)
	if err == nil && !created {
		err = s.keep(ctx, appID, idempotency.Result{Customer: got}, nil)
	}
	if err != nil {
		return customer.Customer{}, false, err
	}
	return got, created, nil
}

func (s *Store) getOrCreate(ctx context.Context, appID string, c customer.Customer) (
	_ customer.Customer, created bool, _ error) {
	c.Normalize()
	if c.Email == "" {
		var v customer.ValidationError
		v.Add("email", customer.CodeRequired, "is required")
		return customer.Customer{}, false, &v
	}
	if err := c.Validate(); err != nil {
		return customer.Customer{}, false, err
	}
	for attempt := 0; attempt < s.writeAttempts; attempt++ {
		found, err := s.FindByEmail(ctx, appID, c.Email)
		if err == nil {
			return found, false, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return customer.Customer{}, false, err
		}
		made, err := s.createCustomer(ctx, appID, c)
		if err == nil {
			return made, true, nil
		}
		var ce *ConflictError
		if !errors.As(err, &ce) || !errors.Is(err, ErrEmailTaken) {
			return customer.Customer{}, false, err
		}
		winner, err := s.GetCustomer(ctx, appID, ce.ExistingID)
		if err == nil {
			return winner, false, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return customer.Customer{}, false, err
		}
		// The winner is already gone again: start over.
	}
	return customer.Customer{}, false, busy("get or create")
}

// UpsertByExternalID creates the customer with that external id from the patch (recording
// createdBy as its creator), or applies the patch to it: only the fields the patch sets change.
// A create that loses to another with that external id updates the winner, and an update
// whose customer is deleted under it creates it again. Under a key, an unchanged customer or
// an email of another customer is kept (keep).
func (s *Store) UpsertByExternalID(
	ctx context.Context, appID, externalID string, p customer.Patch, createdBy string,
) (customer.Customer, idempotency.Outcome, error) {
	got, outcome, err := s.upsert(ctx, appID, externalID, p, createdBy)
	if err == nil && outcome == idempotency.Unchanged || err != nil {
		if err = s.keep(ctx, appID, idempotency.Result{Customer: got}, err); err != nil {
			return customer.Customer{}, idempotency.Unchanged, err
		}
	}
	return got, outcome, nil
}

func (s *Store) upsert(
	ctx context.Context, appID, externalID string, p customer.Patch, createdBy string,
) (customer.Customer, idempotency.Outcome, error) {
	externalID = strings.TrimSpace(externalID)
	if externalID == "" {
		var v customer.ValidationError
		v.Add("external_id", customer.CodeRequired, "is required")
		return customer.Customer{}, idempotency.Unchanged, &v
	}
	p.ExternalID = customer.Some(externalID)
	if err := p.Apply(customer.Customer{}).Validate(); err != nil {
		return customer.Customer{}, idempotency.Unchanged, err
	}
	for attempt := 0; attempt < s.writeAttempts; attempt++ {
		cur, err := s.FindByExternalID(ctx, appID, externalID)
		switch {
		case errors.Is(err, ErrNotFound):
			made, err := s.createCustomer(ctx, appID, p.Apply(customer.Customer{CreatedBy: createdBy}))
			if lost, lerr := s.lostToTwin(ctx, appID, externalID, err); lerr != nil {
				return customer.Customer{}, idempotency.Unchanged, lerr
			} else if lost {
				continue // lost the race to create: update the winner instead
			}
			if err != nil {
				return customer.Customer{}, idempotency.Unchanged, err
			}
			return made, idempotency.Created, nil
		case err != nil:
			return customer.Customer{}, idempotency.Unchanged, err
		}
		next, outcome, err := s.update(ctx, appID, cur, p)
		if errors.Is(err, ErrVersionConflict) || errors.Is(err, ErrNotFound) {
			// Written or deleted since it was read: read it again, and create it if it is gone.
			if err := backoff(ctx, attempt); err != nil {
				return customer.Customer{}, idempotency.Unchanged, fail("upsert", err)
			}
			continue
		}
		return next, outcome, err
	}
	busy := busy("upsert")
	return customer.Customer{}, idempotency.Unchanged, busy
}

// lostToTwin reports whether a create of an upsert failed because another created the
// customer with that external id first: its external-id guard is taken, or its email guard is
// held by the customer that has that external id.
func (s *Store) lostToTwin(ctx context.Context, appID, externalID string, err error) (bool, error) {
	var ce *ConflictError
	switch {
	case errors.Is(err, ErrExternalIDTaken):
		return true, nil
	case !errors.As(err, &ce):
		return false, nil
	}
	owner, gerr := s.customerItem(ctx, appID, ce.ExistingID)
	switch {
	case errors.Is(gerr, ErrNotFound):
		return true, nil // gone already: try again
	case gerr != nil:
		return false, gerr
	}
	return owner.ExternalID == externalID, nil
}

// UpdateCustomer applies the patch. With expectedVersion > 0 the write happens only if the
// customer is still at that version (else ErrVersionConflict); with 0 it is retried on
// concurrent writes, each try reading the latest version. Under a key, an unchanged customer,
// a 404, a version conflict and a taken value are kept (keep).
func (s *Store) UpdateCustomer(
	ctx context.Context, appID, id string, p customer.Patch, expectedVersion int64,
) (customer.Customer, idempotency.Outcome, error) {
	got, outcome, err := s.updateCustomer(ctx, appID, id, p, expectedVersion)
	if err == nil && outcome == idempotency.Unchanged || err != nil {
		if err = s.keep(ctx, appID, idempotency.Result{Customer: got}, err); err != nil {
			return customer.Customer{}, idempotency.Unchanged, err
		}
	}
	return got, outcome, nil
}

func (s *Store) updateCustomer(
	ctx context.Context, appID, id string, p customer.Patch, expectedVersion int64,
) (customer.Customer, idempotency.Outcome, error) {
	for attempt := 0; attempt < s.writeAttempts; attempt++ {
		cur, err := s.GetCustomer(ctx, appID, id)
		if err != nil {
			return customer.Customer{}, idempotency.Unchanged, err
		}
		if expectedVersion > 0 && cur.Version != expectedVersion {
			return customer.Customer{}, idempotency.Unchanged, ErrVersionConflict
		}
		next, outcome, err := s.update(ctx, appID, cur, p)
		if errors.Is(err, ErrVersionConflict) && expectedVersion == 0 {
			if err := backoff(ctx, attempt); err != nil {
				return customer.Customer{}, idempotency.Unchanged, fail("update customer", err)
			}
			continue
		}
		return next, outcome, err
	}
	busy := busy("update customer")
	return customer.Customer{}, idempotency.Unchanged, busy
}

// update writes p over cur in one transaction conditioned on cur's version; a changed email
// or external id moves its guard in the same transaction.
func (s *Store) update(
	ctx context.Context, appID string, cur customer.Customer, p customer.Patch,
) (customer.Customer, idempotency.Outcome, error) {
	next := p.Apply(cur)
	if err := next.Validate(); err != nil {
		return customer.Customer{}, idempotency.Unchanged, err
	}
	if next.Equal(cur) {
		return cur, idempotency.Unchanged, nil
	}
	next.Version = cur.Version + 1
	next.UpdatedAt = s.now()

	up, err := s.customerUpdate(appID, cur, next)
	if err != nil {
		return customer.Customer{}, idempotency.Unchanged, err
	}
	items := []txItem{up}
	if customer.EmailKey(cur.Email) != customer.EmailKey(next.Email) {
		if cur.Email != "" {
			items = append(items, s.releaseGuard(appID, emailSK(cur.Email), cur.ID))
		}
		if next.Email != "" {
			g, err := s.emailGuard(appID, next)
			if err != nil {
				return customer.Customer{}, idempotency.Unchanged, err
			}
			items = append(items, g)
		}
	}
	if cur.ExternalID != next.ExternalID {
		if cur.ExternalID != "" {
			items = append(items, s.releaseGuard(appID, externalIDSK(cur.ExternalID), cur.ID))
		}
		if next.ExternalID != "" {
			g, err := s.externalIDGuard(appID, next)
			if err != nil {
				return customer.Customer{}, idempotency.Unchanged, err
			}
			items = append(items, g)
		}
	}
	rec, err := s.recordWrite(ctx, appID, idempotency.Result{Customer: next, Outcome: idempotency.Updated})
	if err != nil {
		return customer.Customer{}, idempotency.Unchanged, err
	}
	if err := s.transactActive(ctx, "update customer", appID, append(items, rec...)); err != nil {
		return customer.Customer{}, idempotency.Unchanged, err
	}
	return next, idempotency.Updated, nil
}

// customerUpdate rewrites every data attribute of the customer (SET what next has, REMOVE
// what it lacks) on the condition that it is still at cur's version. It is an update, not a
// put, so that the license counter is left alone.
func (s *Store) customerUpdate(appID string, cur, next customer.Customer) (txItem, error) {
	m, err := marshal("update customer", newCustomerItem(appID, next))
	if err != nil {
		return txItem{}, err
	}
	e := expr{
		names: map[string]string{"#version": "version"},
		values: map[string]types.AttributeValue{
			":version": num(next.Version), ":expected": num(cur.Version),
		},
	}
	var set, remove []string
	for i, attr := range dataAttributes() {
		name := fmt.Sprintf("#a%d", i)
		e.names[name] = attr
		if v, ok := m[attr]; ok {
			value := fmt.Sprintf(":a%d", i)
			e.values[value] = v
			set = append(set, name+" = "+value)
		} else {
			remove = append(remove, name)
		}
	}
	update := "SET #version = :version, " + strings.Join(set, ", ")
	if len(remove) > 0 {
		update += " REMOVE " + strings.Join(remove, ", ")
	}
	return condUpdate(s.table, itemKey(appPK(appID), customerSK(cur.ID)), update, "#version = :expected", e,
		func(old map[string]types.AttributeValue) error {
			if old == nil {
				return ErrNotFound
			}
			return ErrVersionConflict
		}), nil
}

// DeleteCustomer deletes a customer with its guards and licenses in one transaction, and
// returns it as it was. Under a key, a 404 is kept (keep).
func (s *Store) DeleteCustomer(ctx context.Context, appID, id string) (customer.Customer, error) {
	return s.deleteLatest(ctx, func() (customerItem, error) { return s.customerItem(ctx, appID, id) }, appID)
}

// DeleteByExternalID deletes the customer with that external id, as DeleteCustomer does,
// without reading it a second time.
func (s *Store) DeleteByExternalID(ctx context.Context, appID, externalID string) (customer.Customer, error) {
	externalID = strings.TrimSpace(externalID)
	return s.deleteLatest(ctx, func() (customerItem, error) {
		if externalID == "" || !customer.KeyFits(externalID) {
			return customerItem{}, ErrNotFound
		}
		return s.itemByGuard(ctx, "delete customer", appID, externalIDSK(externalID))
	}, appID)
}

// DeleteByEmail deletes the customer with that email, in any letter case, as DeleteCustomer does.
func (s *Store) DeleteByEmail(ctx context.Context, appID, email string) (customer.Customer, error) {
	email = customer.NormalizeEmail(email)
	return s.deleteLatest(ctx, func() (customerItem, error) {
		if email == "" || !customer.KeyFits(customer.EmailKey(email)) {
			return customerItem{}, ErrNotFound
		}
		return s.itemByGuard(ctx, "delete customer", appID, emailSK(email))
	}, appID)
}

// deleteLatest reads the customer and deletes it on that version, again while a concurrent
// writer wins; a 404 is kept under a key.
func (s *Store) deleteLatest(ctx context.Context, read func() (customerItem, error), appID string) (
	customer.Customer, error) {
	for attempt := 0; attempt < s.writeAttempts; attempt++ {
		it, err := read()
		if err != nil {
			return customer.Customer{}, s.keep(ctx, appID, idempotency.Result{}, err)
		}
		err = s.deleteCustomer(ctx, appID, it)
		switch {
		case errors.Is(err, errLicensesShed):
			continue
		case errors.Is(err, ErrVersionConflict):
			if err := backoff(ctx, attempt); err != nil {
				return customer.Customer{}, fail("delete customer", err)
			}
			continue
		case err != nil:
			return customer.Customer{}, err
		}
		return it.customer(), nil
	}
	return customer.Customer{}, busy("delete customer")
}

// errLicensesShed says a delete removed some licenses of its customer first, to fit its
// transaction: it reads the customer again and goes on.
var errLicensesShed = errors.New("licenses deleted ahead of their customer")

func (s *Store) deleteCustomer(ctx context.Context, appID string, it customerItem) error {
	var licenseKeys []key
	if it.LicenseCount > 0 {
		ls, err := s.queryLicenses(ctx, appID, it.ID)
		if err != nil {
			return err
		}
		for _, l := range ls {
			licenseKeys = append(licenseKeys,
				itemKey(appPK(appID), licenseSK(it.ID, l.ID)), itemKey(appPK(appID), licenseIndexSK(l.ID)))
		}
	}
	counter := s.legacyCounter(appID, -1) // a customer created before the shards
	if it.Shard != nil {
		counter = s.shardCounter(appID, *it.Shard, -1)
	}
	atVersion := func(old map[string]types.AttributeValue) error { return ErrVersionConflict }
	items := []txItem{
		counter,
		condDelete(s.table, itemKey(appPK(appID), customerSK(it.ID)), "#version = :v AND license_count = :n",
			expr{
				names:  map[string]string{"#version": "version"},
				values: map[string]types.AttributeValue{":v": num(it.Version), ":n": num(it.LicenseCount)},
			}, atVersion),
	}
	if it.Email != "" {
		items = append(items, s.releaseGuard(appID, emailSK(it.Email), it.ID))
	}
	if it.ExternalID != "" {
		items = append(items, s.releaseGuard(appID, externalIDSK(it.ExternalID), it.ID))
	}
	rec, err := s.recordWrite(ctx, appID, idempotency.Result{Customer: it.customer(), Outcome: idempotency.Deleted})
	if err != nil {
		return err
	}
	if room := maxTransactItems - len(items) - len(rec); len(licenseKeys) > room {
		over := (len(licenseKeys) - room + 1) / 2 * 2 // whole licenses, two keys each
		return s.shedLicenses(ctx, appID, it, licenseKeys[:min(over, maxTransactItems-2)])
	}
	for _, k := range licenseKeys {
		items = append(items, condDelete(s.table, k, "attribute_exists(pk)", expr{}, atVersion))
	}
	return s.transact(ctx, "delete customer", append(items, rec...))
}

// shedLicenses deletes licenses of a customer (keys, two a license) in one transaction that
// takes them from its counter on the version read: a customer that holds more licenses than
// one transaction can delete with it (one made before MaxLicensesPerCustomer was lowered)
// loses them ahead of its own delete.
func (s *Store) shedLicenses(ctx context.Context, appID string, it customerItem, keys []key) error {
	gone := func(map[string]types.AttributeValue) error { return ErrVersionConflict }
	items := []txItem{condUpdate(s.table, itemKey(appPK(appID), customerSK(it.ID)), "ADD license_count :minus",
		"#version = :v AND license_count = :n",
		expr{
			names: map[string]string{"#version": "version"},
			values: map[string]types.AttributeValue{
				":v": num(it.Version), ":n": num(it.LicenseCount), ":minus": num(-int64(len(keys) / 2)),
			},
		}, gone)}
	for _, k := range keys {
		items = append(items, condDelete(s.table, k, "attribute_exists(pk)", expr{}, gone))
	}
	if err := s.transactActive(ctx, "delete customer", appID, items); err != nil {
		return err
	}
	return errLicensesShed
}

// queryLicenses reads a customer's licenses with strong consistency.
func (s *Store) queryLicenses(ctx context.Context, appID, customerID string) ([]customer.License, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(appPK(appID)), ":prefix": str(licensePrefix(customerID)),
		},
		ConsistentRead: aws.Bool(true),
	}
	var ls []customer.License
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fail("list licenses", err)
		}
		for _, m := range out.Items {
			it, err := unmarshal[licenseItem]("list licenses", m)
			if err != nil {
				return nil, err
			}
			ls = append(ls, it.license())
		}
		if out.LastEvaluatedKey == nil {
			return ls, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
