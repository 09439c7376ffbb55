package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
)

// CreateLicense creates a license owned by an existing customer. The customer's license
// counter moves in the same transaction, so that deleting the customer always sees every
// license it must delete.
func (s *Store) CreateLicense(ctx context.Context, appID string, l customer.License) (customer.License, error) {
	made, err := s.createLicense(ctx, appID, l)
	if err != nil {
		return customer.License{}, s.keep(ctx, appID, idempotency.Result{}, err)
	}
	return made, nil
}

func (s *Store) createLicense(ctx context.Context, appID string, l customer.License) (customer.License, error) {
	if _, ok := customer.ParseID(appID); !ok {
		return customer.License{}, ErrAppNotFound
	}
	if id, ok := customer.ParseID(l.CustomerID); ok {
		l.CustomerID = id
	}
	if l.Status == "" {
		l.Status = customer.LicenseActive
	}
	l.ID = customer.NewID()
	l.CreatedAt = s.now()
	if err := l.Validate(); err != nil {
		return customer.License{}, err
	}
	it := licenseItem{
		PK: appPK(appID), SK: licenseSK(l.CustomerID, l.ID), Type: typeLicense, ID: l.ID,
		CustomerID: l.CustomerID, Status: string(l.Status), CreatedAt: formatTime(l.CreatedAt),
	}
	if !l.ExpiresAt.IsZero() {
		it.ExpiresAt = formatTime(l.ExpiresAt)
	}
	owned, err := marshal("create license", it)
	if err != nil {
		return customer.License{}, err
	}
	it.SK, it.Type = licenseIndexSK(l.ID), typeLicenseIndex
	index, err := marshal("create license", it)
	if err != nil {
		return customer.License{}, err
	}
	exists := func(map[string]types.AttributeValue) error { return ErrVersionConflict }
	rec, err := s.recordWrite(ctx, appID, idempotency.Result{License: l, Outcome: idempotency.Created})
	if err != nil {
		return customer.License{}, err
	}
	err = s.transactActive(ctx, "create license", appID, append([]txItem{
		condUpdate(s.table, itemKey(appPK(appID), customerSK(l.CustomerID)),
			"ADD license_count :one", "attribute_exists(pk) AND license_count < :max",
			expr{values: map[string]types.AttributeValue{":one": num(1), ":max": num(MaxLicensesPerCustomer)}},
			func(old map[string]types.AttributeValue) error {
				if old == nil {
					return ErrNotFound
				}
				return ErrLicenseLimit
			}),
		condPut(s.table, owned, exists),
		condPut(s.table, index, exists),
	}, rec...))
	if err != nil {
		return customer.License{}, err
	}
	return l, nil
}

// GetLicense reads a license by its id and its app's status in one BatchGetItem.
func (s *Store) GetLicense(ctx context.Context, appID, licenseID string) (customer.License, error) {
	if _, ok := customer.ParseID(appID); !ok {
		return customer.License{}, ErrAppNotFound
	}
	licenseID, ok := customer.ParseID(licenseID)
	if !ok {
		return customer.License{}, ErrNotFound
	}
	got, err := s.appItems(ctx, "get license", appID, itemKey(appPK(appID), licenseIndexSK(licenseID)))
	if err != nil {
		return customer.License{}, err
	}
	if got[0] == nil {
		return customer.License{}, ErrNotFound
	}
	it, err := unmarshal[licenseItem]("get license", got[0])
	if err != nil {
		return customer.License{}, err
	}
	return it.license(), nil
}

// ListLicenses returns a customer's licenses (at most MaxLicensesPerCustomer).
func (s *Store) ListLicenses(ctx context.Context, appID, customerID string) ([]customer.License, error) {
	it, err := s.customerItem(ctx, appID, customerID)
	if err != nil {
		return nil, err
	}
	if it.LicenseCount == 0 {
		return nil, nil
	}
	return s.queryLicenses(ctx, appID, it.ID)
}

// DeleteLicense deletes a license and returns it as it was.
func (s *Store) DeleteLicense(ctx context.Context, appID, licenseID string) (customer.License, error) {
	gone, err := s.deleteLicense(ctx, appID, licenseID)
	if err != nil {
		return customer.License{}, s.keep(ctx, appID, idempotency.Result{}, err)
	}
	return gone, nil
}

func (s *Store) deleteLicense(ctx context.Context, appID, licenseID string) (customer.License, error) {
	l, err := s.GetLicense(ctx, appID, licenseID)
	if err != nil {
		return customer.License{}, err
	}
	gone := func(map[string]types.AttributeValue) error { return ErrNotFound }
	rec, err := s.recordWrite(ctx, appID, idempotency.Result{License: l, Outcome: idempotency.Deleted})
	if err != nil {
		return customer.License{}, err
	}
	err = s.transactActive(ctx, "delete license", appID, append([]txItem{
		condDelete(s.table, itemKey(appPK(appID), licenseSK(l.CustomerID, l.ID)), "attribute_exists(pk)", expr{}, gone),
		condDelete(s.table, itemKey(appPK(appID), licenseIndexSK(l.ID)), "attribute_exists(pk)", expr{}, gone),
		condUpdate(s.table, itemKey(appPK(appID), customerSK(l.CustomerID)),
			"ADD license_count :minus", "attribute_exists(pk)",
			expr{values: map[string]types.AttributeValue{":minus": num(-1)}}, gone),
	}, rec...))
	if err != nil {
		return customer.License{}, err
	}
	return l, nil
}
