package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

// Verify reads an app's whole partition and reports every broken invariant that the
// store's transactions promise: each guard points to a live customer that holds its value,
// each customer has its guards, the app's counter equals its customers, each license has
// its customer and its index item, and each customer's license counter equals its licenses.
// It is for tests and for an operator's consistency check; it reads the whole app.
func (s *Store) Verify(ctx context.Context, appID string) ([]string, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(appPK(appID))},
		ConsistentRead:            aws.Bool(true),
	}
	var (
		problems  []string
		app       appItem
		customers = map[string]customerItem{}
		emails    = map[string]string{} // email key -> customer id
		exts      = map[string]string{}
		licenses  = map[string]licenseItem{} // license id -> owned item
		indexes   = map[string]licenseItem{}
	)
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fail("verify", err)
		}
		for _, m := range out.Items {
			sk := attrS(m, "sk")
			switch t := attrS(m, "type"); t {
			case typeApp:
				if app, err = unmarshal[appItem]("verify", m); err != nil {
					return nil, err
				}
			case typeCustomer:
				it, err := unmarshal[customerItem]("verify", m)
				if err != nil {
					return nil, err
				}
				customers[it.ID] = it
			case typeEmailGuard:
				emails[strings.TrimPrefix(sk, "EMAIL#")] = attrS(m, "customer_id")
			case typeExtGuard:
				exts[strings.TrimPrefix(sk, "EXT#")] = attrS(m, "customer_id")
			case typeLicense, typeLicenseIndex:
				it, err := unmarshal[licenseItem]("verify", m)
				if err != nil {
					return nil, err
				}
				if t == typeLicense {
					licenses[it.ID] = it
				} else {
					indexes[it.ID] = it
				}
			case typeKeyRef:
			default:
				report("unexpected item type %q at %s", t, sk)
			}
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if app.ID != appID {
		return append(problems, fmt.Sprintf("app %s has no META item", appID)), nil
	}
	if app.CustomerCount != int64(len(customers)) {
		report("app counter = %d, customers = %d", app.CustomerCount, len(customers))
	}
	for email, id := range emails {
		if c, ok := customers[id]; !ok || customer.EmailKey(c.Email) != email {
			report("email guard %q points to %s, which does not hold it", email, id)
		}
	}
	for ext, id := range exts {
		if c, ok := customers[id]; !ok || c.ExternalID != ext {
			report("external id guard %q points to %s, which does not hold it", ext, id)
		}
	}
	owned := map[string]int64{}
	for id, l := range licenses {
		if _, ok := customers[l.CustomerID]; !ok {
			report("license %s has no customer %s", id, l.CustomerID)
		}
		if _, ok := indexes[id]; !ok {
			report("license %s has no index item", id)
		}
		owned[l.CustomerID]++
	}
	for id := range indexes {
		if _, ok := licenses[id]; !ok {
			report("license index %s has no license", id)
		}
	}
	for id, c := range customers {
		if c.Email != "" && emails[customer.EmailKey(c.Email)] != id {
			report("customer %s has no guard for email %q", id, c.Email)
		}
		if c.ExternalID != "" && exts[c.ExternalID] != id {
			report("customer %s has no guard for external id %q", id, c.ExternalID)
		}
		if c.LicenseCount != owned[id] {
			report("customer %s license counter = %d, licenses = %d", id, c.LicenseCount, owned[id])
		}
	}
	return problems, nil
}
