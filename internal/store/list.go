package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

// ListQuery selects a page of an app's customers, newest first unless Sort and Oldest say
// otherwise. Every filter that is set must hold; a filter of several values holds when one
// of them does.
type ListQuery struct {
	EmailContains string // case-insensitive partial match on the email
	ExternalID    string // exact match
	LicenseID     string // the customer that holds this license
	Search        string // case-insensitive partial match on any of the SearchIn fields
	SearchIn      []SearchField
	Countries     []string        // address country (ISO 3166-1 alpha-2, upper case), exact
	States        []string        // address state, exact
	PostalCodes   []string        // address postal code, exact
	Metadata      []MetadataMatch // each must hold
	LicenseCount  *CountRange
	Lago          []FieldMatch // fields of Customer.Lago
	Sort          Sort         // the order: SortCreated when ""
	Oldest        bool         // ascending (oldest first, A to Z) instead of descending
	Limit         int          // page size: 1..MaxListLimit, 20 when 0
	Page          int          // 1-based; ignored when Cursor is set
	Cursor        string       // from a previous page's NextCursor, for the same app and filter
}

// MetadataMatch holds for a customer whose metadata entry Key has the text Value (or, with
// Contains, holds Value in any letter case); with Value "" and not Contains, for a customer
// without an entry Key.
type MetadataMatch struct {
	Key      string
	Value    string
	Contains bool
}

// CountRange holds for a customer with Min to Max licenses, both included.
type CountRange struct{ Min, Max int64 }

// FieldMatch holds for a customer whose Customer.Lago field is a JSON string among AnyOf,
// Default standing for an absent field (when not ""); or, with Present set, for one that
// has the field (true) or lacks it (false).
type FieldMatch struct {
	Field   string
	AnyOf   []string
	Default string
	Present *bool
}

// ListPage is one page of customers.
type ListPage struct {
	Customers  []customer.Customer
	Total      int64  // every customer matching the filter, not only this page's
	NextCursor string // empty on the last page
}

// SearchField is a customer field a search can look in.
type SearchField string

const (
	SearchEmail      SearchField = "email"
	SearchName       SearchField = "name"
	SearchUsername   SearchField = "username"
	SearchLegalName  SearchField = "legal_name"
	SearchExternalID SearchField = "external_id"
	SearchDiscordID  SearchField = "discord_id" // digits: no case to fold
)

// attribute is the lower-cased attribute a search field is matched in.
func (f SearchField) attribute() string {
	switch f {
	case SearchEmail:
		return "gsi1sk"
	case SearchDiscordID:
		return "discord_id"
	}
	return "lc_" + string(f)
}

// ListCustomers returns one page of an app's customers in the query's order, with the
// exact number of customers that match its filters. docs/storage.md ("Lists") has what a page
// reads and what its depth costs.
func (s *Store) ListCustomers(ctx context.Context, appID string, q ListQuery) (ListPage, error) {
	q.normalize()
	ord, indexed, table, err := q.expressions()
	if err != nil {
		return ListPage{}, err
	}
	app, err := s.activeApp(ctx, appID)
	if err != nil {
		return ListPage{}, err
	}
	if q.ExternalID != "" || q.LicenseID != "" {
		return s.listOne(ctx, appID, q, indexed, table, app.IndexVersion >= IndexVersion)
	}
	var after string
	if q.Cursor != "" {
		if after, err = decodeCursor(app.CursorKey, appID, q.filter(), q.Cursor); err != nil {
			return ListPage{}, err
		}
	}
	reindexed := app.IndexVersion >= IndexVersion
	if !reindexed && ord.index != indexListCreated {
		return s.listUnindexed(ctx, app, appID, q, ord, indexed, table, after)
	}
	filtered := indexed.text != ""
	skip := 0
	if after == "" {
		skip = saturatingMul(q.Page-1, q.Limit)
	}
	if !filtered && int64(skip) >= app.CustomerCount {
		return ListPage{Total: app.CustomerCount}, nil
	}
	desc := !q.Oldest
	chains := s.listChains(appID, ord, indexed, desc, after, filtered)
	if !reindexed {
		chains = append(chains, s.chain(indexCreated, "gsi3pk", "gsi3sk", appPK(appID), table, desc, after, filtered))
	}
	want := 0 // a filter's exact total reads every entry
	if !filtered {
		want = skip + q.Limit + 1
	}
	m, err := newMerge(ctx, chains, desc, want)
	if err != nil {
		return ListPage{}, err
	}
	defer m.close()
	var (
		rows  []entry
		total int64
		more  bool
	)
	for {
		e, ok, err := m.next()
		if err != nil {
			return ListPage{}, err
		}
		if !ok {
			break
		}
		total++
		switch {
		case after != "" && !past(e.sk, after, desc): // a filtered walk from the top: before the cursor
		case skip > 0:
			skip--
		case len(rows) < q.Limit:
			rows = append(rows, e)
		default:
			more = true
		}
		if more && !filtered {
			break
		}
	}
	if !filtered {
		total = app.CustomerCount
	}
	return s.page(ctx, app, appID, q, rows, total, more)
}

// Check reports whether the store can serve the query, before any call: ErrFilterTooLarge
// for filters past DynamoDB's limits on one expression, another error for an order that its
// filters cannot take. Dialects hold their worst cases to it.
func (q ListQuery) Check() error {
	q.normalize()
	_, _, _, err := q.expressions()
	return err
}

// expressions are the query's order and its filter over the list index and over the table
// (gsi3 and the one-customer reads).
func (q ListQuery) expressions() (ord order, indexed, table filterExpr, err error) {
	ord, ok := q.Sort.order()
	if !ok {
		return ord, indexed, table, fmt.Errorf("store: no list order %q", q.Sort)
	}
	if indexed, err = q.filterExpression(true); err != nil {
		return ord, indexed, table, err
	}
	if missing := unprojected(ord.index, indexed.tests); missing != "" {
		return ord, indexed, table, fmt.Errorf("store: the %s order cannot filter on %s", q.Sort, missing)
	}
	table, err = q.filterExpression(false)
	return ord, indexed, table, err
}

// page reads the customers of a page's entries, in their order, and makes its cursor.
func (s *Store) page(ctx context.Context, app appItem, appID string, q ListQuery, rows []entry, total int64,
	more bool) (ListPage, error) {
	keys := make([]key, len(rows))
	for i, e := range rows {
		keys[i] = itemKey(appPK(appID), customerSK(e.id))
	}
	got, err := s.getMany(ctx, "list customers", keys...)
	if err != nil {
		return ListPage{}, err
	}
	page := ListPage{Customers: make([]customer.Customer, 0, len(rows)), Total: total}
	for _, m := range got {
		if m == nil {
			continue // deleted since the index was read
		}
		it, err := unmarshal[customerItem]("list customers", m)
		if err != nil {
			return ListPage{}, err
		}
		page.Customers = append(page.Customers, it.customer())
	}
	if more && len(rows) > 0 {
		page.NextCursor = encodeCursor(app.CursorKey, appID, q.filter(), q.Sort, rows[len(rows)-1].sk)
	}
	return page, nil
}

// past reports whether an entry comes after the cursor's position in the walk's direction.
func past(sk, after string, desc bool) bool {
	if desc {
		return sk < after
	}
	return sk > after
}

// saturatingMul is a*b for non-negative a and b, or the largest int when that overflows.
func saturatingMul(a, b int) int {
	if b != 0 && a > math.MaxInt/b {
		return math.MaxInt
	}
	return a * b
}

// listChains are the chains of an order's index, one for each bucket of the app.
func (s *Store) listChains(appID string, ord order, f filterExpr, desc bool, after string, filtered bool) []*chain {
	chains := make([]*chain, Buckets)
	for b := range chains {
		chains[b] = s.chain(ord.index, attrListPK, ord.sk, listPK(appID, b), f, desc, after, filtered)
	}
	return chains
}

// chain reads one partition key of an index, keys only: after the cursor's position when
// unfiltered, from the top with a filter (whose total counts what comes before it too).
func (s *Store) chain(index, pkAttr, skAttr, pk string, f filterExpr, desc bool, after string, filtered bool) *chain {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": pkAttr, "#sk": skAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ProjectionExpression:      aws.String("sk, #sk"),
		ScanIndexForward:          aws.Bool(!desc),
	}
	if after != "" && !filtered {
		op := " > :after"
		if desc {
			op = " < :after"
		}
		in.KeyConditionExpression = aws.String("#pk = :pk AND #sk" + op)
		in.ExpressionAttributeValues[":after"] = str(after)
	}
	if f.text != "" {
		in.FilterExpression = aws.String(f.text)
		maps.Copy(in.ExpressionAttributeNames, f.names)
		maps.Copy(in.ExpressionAttributeValues, f.values)
	}
	return &chain{db: s.db, in: in, skAttr: skAttr}
}

// maxUnindexedSort bounds the customers an app that is not re-indexed yet sorts by another
// order than creation: they are read whole and sorted in memory (re-index the app).
const maxUnindexedSort = 10000

// listUnindexed serves an order other than creation for an app whose customers are not all
// in the list indexes: it reads every match, at most maxUnindexedSort, and sorts them by the
// keys the indexes would hold.
func (s *Store) listUnindexed(ctx context.Context, app appItem, appID string, q ListQuery, ord order,
	indexed, table filterExpr, after string) (ListPage, error) {
	desc := !q.Oldest
	chains := append(s.listChains(appID, mustOrder(SortCreated), indexed, desc, "", true),
		s.chain(indexCreated, "gsi3pk", "gsi3sk", appPK(appID), table, desc, "", true))
	m, err := newMerge(ctx, chains, desc, 0)
	if err != nil {
		return ListPage{}, err
	}
	defer m.close()
	var keys []key
	for {
		e, ok, err := m.next()
		if err != nil {
			return ListPage{}, err
		}
		if !ok {
			break
		}
		if len(keys) == maxUnindexedSort {
			return ListPage{}, ErrListTooLarge
		}
		keys = append(keys, itemKey(appPK(appID), customerSK(e.id)))
	}
	got, err := s.getMany(ctx, "list customers", keys...)
	if err != nil {
		return ListPage{}, err
	}
	var rows []entry
	for _, m := range got {
		if m == nil {
			continue
		}
		it, err := unmarshal[customerItem]("list customers", m)
		if err != nil {
			return ListPage{}, err
		}
		rows = append(rows, entry{sk: ord.key(newListKeys(appID, it.customer())), id: it.ID})
	}
	slices.SortFunc(rows, func(a, b entry) int {
		if desc {
			return strings.Compare(b.sk, a.sk)
		}
		return strings.Compare(a.sk, b.sk)
	})
	total := int64(len(rows))
	if after != "" {
		rows = slices.DeleteFunc(rows, func(e entry) bool { return !past(e.sk, after, desc) })
	} else {
		rows = rows[min(saturatingMul(q.Page-1, q.Limit), len(rows)):]
	}
	more := len(rows) > q.Limit
	return s.page(ctx, app, appID, q, rows[:min(q.Limit, len(rows))], total, more)
}

func mustOrder(s Sort) order {
	o, _ := s.order()
	return o
}

func (q *ListQuery) normalize() {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	q.Limit = min(q.Limit, MaxListLimit)
	q.Page = max(q.Page, 1)
	q.EmailContains = customer.EmailKey(strings.TrimSpace(q.EmailContains))
	q.ExternalID = strings.TrimSpace(q.ExternalID)
	q.Search = strings.TrimSpace(q.Search)
	if q.Search == "" {
		q.SearchIn = nil
	}
	if q.Sort == "" {
		q.Sort = SortCreated
	}
}

// filter is what a cursor is bound to besides the app: every filter of the query, and its
// order (in the form of before the newer filters and orders when it has none of them, so
// that cursors a page gave out before them stay good).
func (q ListQuery) filter() string {
	fields := make([]string, len(q.SearchIn))
	for i, f := range q.SearchIn {
		fields[i] = string(f)
	}
	search := strings.ToLower(q.Search) // as it was bound before the text rule
	f := fmt.Sprintf("email~%s|search~%s|in~%s|oldest~%t", q.EmailContains, search, strings.Join(fields, ","), q.Oldest)
	newer := struct {
		Countries, States, PostalCodes []string
		Metadata                       []MetadataMatch
		LicenseCount                   *CountRange
		Lago                           []FieldMatch
	}{q.Countries, q.States, q.PostalCodes, q.Metadata, q.LicenseCount, q.Lago}
	if len(newer.Countries)+len(newer.States)+len(newer.PostalCodes)+len(newer.Metadata)+len(newer.Lago) > 0 ||
		newer.LicenseCount != nil {
		b, _ := json.Marshal(newer) // strings, numbers and bools: it cannot fail
		f += "|" + string(b)
	}
	if q.Sort != SortCreated {
		f += "|sort~" + string(q.Sort)
	}
	return f
}

// listOne serves the filters that name one customer (external_id, a license): it reads that
// customer's item, with the other filters as the query's filter expression, over the filter
// attributes (slim) when it has them: always once the app is re-indexed, else when it was
// written since the list indexes (one more read tells).
func (s *Store) listOne(ctx context.Context, appID string, q ListQuery, slim, fields filterExpr, reindexed bool) (
	ListPage, error) {
	var id string
	switch {
	case q.LicenseID != "":
		lid, ok := customer.ParseID(q.LicenseID)
		if !ok {
			return ListPage{}, nil
		}
		lic, err := s.getOne(ctx, "list customers", itemKey(appPK(appID), licenseIndexSK(lid)))
		if err != nil || lic == nil {
			return ListPage{}, err
		}
		id = attrS(lic, "customer_id")
	case !customer.KeyFits(q.ExternalID):
		return ListPage{}, nil // no customer can hold it
	default:
		g, err := s.getOne(ctx, "list customers", itemKey(appPK(appID), externalIDSK(q.ExternalID)))
		if err != nil || g == nil {
			return ListPage{}, err
		}
		id = attrS(g, "customer_id")
	}
	f := slim
	if !reindexed && fields.text != "" {
		m, err := s.getOne(ctx, "list customers", itemKey(appPK(appID), customerSK(id)))
		if err != nil {
			return ListPage{}, err
		}
		if attrS(m, attrListPK) == "" {
			f = fields
		}
	}
	if q.LicenseID != "" && q.ExternalID != "" {
		f.text = strings.TrimPrefix(f.text+" AND external_id = :ext", " AND ")
		f.values = maps.Clone(f.values)
		f.values[":ext"] = str(q.ExternalID)
	}
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk = :sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(appPK(appID)), ":sk": str(customerSK(id)),
		},
		ConsistentRead: aws.Bool(true),
	}
	if f.text != "" {
		in.FilterExpression = aws.String(f.text)
		in.ExpressionAttributeNames = f.names
		maps.Copy(in.ExpressionAttributeValues, f.values)
	}
	out, err := s.db.Query(ctx, in)
	if err != nil {
		return ListPage{}, fail("list customers", err)
	}
	var page ListPage
	for _, m := range out.Items {
		it, err := unmarshal[customerItem]("list customers", m)
		if err != nil {
			return ListPage{}, err
		}
		if q.ExternalID != "" && it.ExternalID != q.ExternalID {
			continue // the guard moved on between the two reads
		}
		page.Customers = append(page.Customers, it.customer())
	}
	page.Total = int64(len(page.Customers))
	if q.Page > 1 || q.Cursor != "" {
		page.Customers = nil
	}
	return page, nil
}

// A cursor is the position of the last customer of a page in its index's order, signed with
// the app's own key together with the app id and the filter (which names the order), so that
// it cannot be forged, moved to another app or reused with another filter. Creation-order
// cursors keep the form of before the list indexes (1|created_at#id|id), whose position
// is the same in gsi3 and in the list index.
const (
	cursorCreated = "1"
	cursorSorted  = "2"
)

func encodeCursor(secret []byte, appID, filter string, sort Sort, sk string) string {
	msg := cursorSorted + "|" + sk
	if sort == SortCreated {
		_, id, _ := strings.Cut(sk, "#")
		msg = cursorCreated + "|" + sk + "|" + id
	}
	return base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." +
		base64.RawURLEncoding.EncodeToString(cursorMAC(secret, appID, filter, msg))
}

// decodeCursor returns the position a cursor holds.
func decodeCursor(secret []byte, appID, filter, cursor string) (string, error) {
	encMsg, encMAC, ok := strings.Cut(cursor, ".")
	if !ok || len(cursor) > 1024 {
		return "", ErrInvalidCursor
	}
	msg, err1 := base64.RawURLEncoding.DecodeString(encMsg)
	mac, err2 := base64.RawURLEncoding.DecodeString(encMAC)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, cursorMAC(secret, appID, filter, string(msg))) {
		return "", ErrInvalidCursor
	}
	version, rest, _ := strings.Cut(string(msg), "|")
	switch version {
	case cursorCreated:
		parts := strings.Split(rest, "|")
		if len(parts) != 2 || !strings.HasSuffix(parts[0], "#"+parts[1]) {
			return "", ErrInvalidCursor
		}
		if _, ok := customer.ParseID(parts[1]); !ok {
			return "", ErrInvalidCursor
		}
		return parts[0], nil
	case cursorSorted:
		if rest == "" {
			return "", ErrInvalidCursor
		}
		return rest, nil
	}
	return "", ErrInvalidCursor
}

func cursorMAC(secret []byte, appID, filter, msg string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(appID + "\x00" + filter + "\x00" + msg))
	return h.Sum(nil)[:16]
}
