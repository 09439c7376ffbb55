package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

// Verify reads an app's whole partition and reports every broken invariant that the
// store's transactions promise: each guard points to a live customer that holds its value,
// each customer has its guards, the app's counters (its shards', and what #META counted
// before them) add up to its customers, every customer's shard exists, every shard has the
// app's status, each license has its customer and its index item, and each customer's license
// counter equals its licenses, and each customer's index attributes are what its fields
// derive (once the app is re-indexed, or the customer written since the list indexes).
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
		shards    = map[string]shardItem{} // by sort key
		raw       = map[string]map[string]types.AttributeValue{}
		hooks     webhookItems
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
				raw[it.ID] = m
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
			case typeShard:
				it, err := unmarshal[shardItem]("verify", m)
				if err != nil {
					return nil, err
				}
				shards[sk] = it
			case typeKeyRef, typeRecord, typeDelivery:
			case typeEndpoint, typeEndpointURL, typeEndpointCount, typeSigningKeys:
				hooks.add(t, sk, m)
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
	problems = append(problems, hooks.problems()...)
	total := app.CustomerCount // what #META counted before the shards
	for sk, sh := range shards {
		total += sh.CustomerCount
		if sh.Status != app.Status {
			report("shard %s is %s, the app is %s", sk, sh.Status, app.Status)
		}
	}
	if len(shards) > s.shards {
		report("%d shards, want at most %d", len(shards), s.shards)
	}
	if total != int64(len(customers)) {
		report("app counters = %d, customers = %d", total, len(customers))
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
	seqs := map[int64]string{}
	for id, c := range customers {
		if c.Seq == 0 {
			continue
		}
		if other, ok := seqs[c.Seq]; ok {
			report("customers %s and %s have one sequential id, %d", id, other, c.Seq)
		}
		seqs[c.Seq] = id
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
		if c.Shard != nil {
			if _, ok := shards[shardSK(*c.Shard)]; !ok {
				report("customer %s counts in shard %d, which does not exist", id, *c.Shard)
			}
		}
		if c.LicenseCount != owned[id] {
			report("customer %s license counter = %d, licenses = %d", id, c.LicenseCount, owned[id])
		}
		if app.IndexVersion >= IndexVersion || c.ListPK != "" {
			for _, p := range s.indexProblems(appID, raw[id], app.IndexVersion >= IndexVersion) {
				report("customer %s: %s", id, p)
			}
		}
	}
	return problems, nil
}

// indexProblems compares a customer item's index and search attributes with what the rules
// of IndexVersion derive from its fields; reindexed says gsi3 must not hold it any more.
func (s *Store) indexProblems(appID string, m map[string]types.AttributeValue, reindexed bool) []string {
	it, err := unmarshal[customerItem]("verify", m)
	if err != nil {
		return []string{err.Error()}
	}
	want, err := marshal("verify", newCustomerItem(appID, it.customer()))
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, a := range derivedAttributes() {
		if !reflect.DeepEqual(m[a], want[a]) {
			problems = append(problems, fmt.Sprintf("%s is %v, its fields derive %v", a, m[a], want[a]))
		}
	}
	if _, ok := m["gsi3pk"]; ok && reindexed {
		problems = append(problems, "gsi3 still holds it")
	}
	return problems
}
