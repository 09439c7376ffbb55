package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

// ListQuery selects a page of an app's customers, newest first. Every filter that is set
// must hold; a filter of several values holds when one of them does.
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
	Oldest        bool         // oldest first instead of newest first
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

// ListCustomers returns one page. Without a filter it costs two reads (the app, whose counter
// is the exact total, and one query); a page number skips through the index with keys only
// and is bounded by MaxListDepth, a cursor resumes right where the previous page ended.
// A filter runs in DynamoDB (a filter expression on the query of the app's index) and its
// total counts the matches, so a filtered page reads every customer of the app, once: the
// page's items in full, the others counted (Select COUNT). external_id and a license id
// read one customer.
func (s *Store) ListCustomers(ctx context.Context, appID string, q ListQuery) (ListPage, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	q.Limit = min(q.Limit, MaxListLimit)
	q.Page = max(q.Page, 1)
	q.normalize()

	l := q.lister(s, appID)
	if len(l.filter) > maxFilterExpression {
		return ListPage{}, ErrFilterTooLarge
	}
	app, err := s.activeApp(ctx, appID)
	if err != nil {
		return ListPage{}, err
	}
	if q.ExternalID != "" || q.LicenseID != "" {
		return l.one(ctx, q)
	}

	var start key
	skip := 0
	switch {
	case q.Cursor != "":
		if start, err = decodeCursor(app.CursorKey, appID, q.filter(), q.Cursor); err != nil {
			return ListPage{}, err
		}
	case q.Page > 1:
		// Compared before multiplying: a page number near MaxInt would overflow.
		if q.Page > MaxListDepth/q.Limit {
			return ListPage{}, ErrPageTooDeep
		}
		skip = (q.Page - 1) * q.Limit
		if !l.filtered() {
			if int64(skip) >= app.CustomerCount {
				return ListPage{Total: app.CustomerCount}, nil
			}
			var ok bool
			if start, ok, err = l.skip(ctx, skip); err != nil {
				return ListPage{}, err
			}
			if !ok {
				return ListPage{Total: app.CustomerCount}, nil
			}
			skip = 0
		}
	}
	w, err := l.walk(ctx, start, skip, q.Limit, l.filtered())
	if err != nil {
		return ListPage{}, err
	}
	page := ListPage{Customers: make([]customer.Customer, len(w.items)), Total: app.CustomerCount}
	for i, it := range w.items {
		page.Customers[i] = it.customer()
	}
	if w.more {
		last := w.items[len(w.items)-1]
		page.NextCursor = encodeCursor(app.CursorKey, appID, q.filter(), last.GSI3SK, last.ID)
	}
	if l.filtered() {
		page.Total = w.matches
		if start != nil {
			before, err := l.count(ctx, l.before(start))
			if err != nil {
				return ListPage{}, err
			}
			page.Total += before
		}
	}
	return page, nil
}

func (q *ListQuery) normalize() {
	q.EmailContains = customer.EmailKey(strings.TrimSpace(q.EmailContains))
	q.ExternalID = strings.TrimSpace(q.ExternalID)
	q.Search = strings.ToLower(strings.TrimSpace(q.Search))
	if q.Search == "" {
		q.SearchIn = nil
	}
}

// filter is what a cursor is bound to besides the app: every filter of the query (in the
// form of before the newer filters when it has none of them, so that cursors a page gave
// out before them stay good).
func (q ListQuery) filter() string {
	fields := make([]string, len(q.SearchIn))
	for i, f := range q.SearchIn {
		fields[i] = string(f)
	}
	f := fmt.Sprintf("email~%s|search~%s|in~%s|oldest~%t", q.EmailContains, q.Search, strings.Join(fields, ","), q.Oldest)
	newer := struct {
		Countries, States, PostalCodes []string
		Metadata                       []MetadataMatch
		LicenseCount                   *CountRange
		Lago                           []FieldMatch
	}{q.Countries, q.States, q.PostalCodes, q.Metadata, q.LicenseCount, q.Lago}
	if len(newer.Countries)+len(newer.States)+len(newer.PostalCodes)+len(newer.Metadata)+len(newer.Lago) == 0 && newer.LicenseCount == nil {
		return f
	}
	b, _ := json.Marshal(newer) // strings, numbers and bools: it cannot fail
	return f + "|" + string(b)
}

// lister walks the creation-time index of one app, newest first (or oldest first),
// optionally filtered.
type lister struct {
	s      *Store
	appID  string
	oldest bool
	filter string // a filter expression, or ""
	names  map[string]string
	values map[string]types.AttributeValue
}

func (q ListQuery) lister(s *Store, appID string) lister {
	l := lister{s: s, appID: appID, oldest: q.Oldest, names: map[string]string{}, values: map[string]types.AttributeValue{}}
	var conds []string
	value := func(v types.AttributeValue) string {
		name := fmt.Sprintf(":v%d", len(l.values))
		l.values[name] = v
		return name
	}
	attrName := func(n string) string {
		name := fmt.Sprintf("#n%d", len(l.names))
		l.names[name] = n
		return name
	}
	anyOf := func(path string, vals []string) string {
		ors := make([]string, len(vals))
		for i, v := range vals {
			ors[i] = path + " = " + value(str(v))
		}
		return "(" + strings.Join(ors, " OR ") + ")"
	}
	if q.EmailContains != "" {
		conds = append(conds, "contains(gsi1sk, "+value(str(q.EmailContains))+")")
	}
	if q.Search != "" && len(q.SearchIn) > 0 {
		v := value(str(q.Search))
		ors := make([]string, len(q.SearchIn))
		for i, f := range q.SearchIn {
			ors[i] = "contains(" + f.attribute() + ", " + v + ")"
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	for _, f := range []struct {
		part string
		vals []string
	}{{"country", q.Countries}, {"state", q.States}, {"postal_code", q.PostalCodes}} {
		if len(f.vals) > 0 {
			conds = append(conds, anyOf(attrName("address")+"."+attrName(f.part), f.vals))
		}
	}
	for _, m := range q.Metadata {
		switch {
		case m.Contains:
			conds = append(conds, "contains("+attrName("lc_meta")+"."+attrName(m.Key)+", "+value(str(strings.ToLower(m.Value)))+")")
		case m.Value == "":
			conds = append(conds, "attribute_not_exists("+attrName("meta")+"."+attrName(m.Key)+")")
		default:
			conds = append(conds, attrName("meta")+"."+attrName(m.Key)+" = "+value(str(m.Value)))
		}
	}
	if r := q.LicenseCount; r != nil {
		conds = append(conds, "license_count BETWEEN "+value(num(r.Min))+" AND "+value(num(r.Max)))
	}
	for _, f := range q.Lago {
		path := attrName("lago") + "." + attrName(f.Field)
		switch {
		case f.Present != nil && *f.Present:
			conds = append(conds, "attribute_exists("+path+")")
		case f.Present != nil:
			conds = append(conds, "attribute_not_exists("+path+")")
		case slices.Contains(f.AnyOf, f.Default):
			conds = append(conds, "("+anyOf(path, f.AnyOf)+" OR attribute_not_exists("+path+"))")
		default:
			conds = append(conds, anyOf(path, f.AnyOf))
		}
	}
	if len(conds) > 0 {
		l.filter = strings.Join(conds, " AND ")
	}
	return l
}

// maxFilterExpression leaves room, within DynamoDB's 4 KB of an expression, for the
// conditions one() adds.
const maxFilterExpression = 4000

func (l lister) filtered() bool { return l.filter != "" }

// withFilter adds the lister's filter to a query.
func (l lister) withFilter(in *dynamodb.QueryInput) *dynamodb.QueryInput {
	if !l.filtered() {
		return in
	}
	in.FilterExpression = aws.String(l.filter)
	if len(l.names) > 0 {
		in.ExpressionAttributeNames = l.names
	}
	for k, v := range l.values {
		in.ExpressionAttributeValues[k] = v
	}
	return in
}

// query reads the index after start (from its beginning when nil).
func (l lister) query(start key) *dynamodb.QueryInput {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(l.s.table),
		IndexName:                 aws.String(indexCreated),
		KeyConditionExpression:    aws.String("gsi3pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(appPK(l.appID))},
		ScanIndexForward:          aws.Bool(l.oldest),
	}
	if start != nil {
		// Past the start by a key condition rather than ExclusiveStartKey: the same rows,
		// since gsi3sk is unique (it ends with the customer's id), but DynamoDB Local seeks
		// to a key condition where it walks the index up to a start key.
		after := " < :after"
		if l.oldest {
			after = " > :after"
		}
		in.KeyConditionExpression = aws.String(*in.KeyConditionExpression + " AND gsi3sk" + after)
		in.ExpressionAttributeValues[":after"] = start["gsi3sk"]
	}
	return l.withFilter(in)
}

// before reads the index up to start, start included (it ended the page before), in the
// other direction.
func (l lister) before(start key) *dynamodb.QueryInput {
	in := l.query(start)
	in.ScanIndexForward = aws.Bool(!l.oldest)
	op := " >= :after"
	if l.oldest {
		op = " <= :after"
	}
	in.KeyConditionExpression = aws.String("gsi3pk = :pk AND gsi3sk" + op)
	return in
}

// walked is what walk read.
type walked struct {
	items   []customerItem // the page
	more    bool           // another match follows the page
	matches int64          // the matches from the start on, the page's and the skipped ones included (when counted)
}

// walk reads the matches after start: it passes skip of them, keeps limit, and tells
// whether more follow. With count, it also counts every match to the end of the index:
// past the page, with Select COUNT, so that each item is read once.
func (l lister) walk(ctx context.Context, start key, skip, limit int, count bool) (walked, error) {
	in := l.query(start)
	var w walked
	step := 200
	for {
		// One more than the page, to know whether another page follows. A filter drops
		// items after the limit is applied, so filtered queries read in steps that double
		// while the page is not full: a rare match costs few calls, and the step past the
		// page's end is at most what the page took.
		want := skip + limit + 1 - int(w.matches)
		if l.filtered() {
			want, step = max(want, step), min(step*2, 1<<14)
		}
		in.Limit = aws.Int32(int32(want))
		out, err := l.s.db.Query(ctx, in)
		if err != nil {
			return walked{}, fail("list customers", err)
		}
		for _, m := range out.Items {
			w.matches++
			if int(w.matches) <= skip {
				continue
			}
			if len(w.items) == limit {
				w.more = true
				continue
			}
			it, err := unmarshal[customerItem]("list customers", m)
			if err != nil {
				return walked{}, err
			}
			w.items = append(w.items, it)
		}
		if out.LastEvaluatedKey == nil {
			return w, nil
		}
		if w.more {
			if !count {
				return w, nil
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
			rest, err := l.count(ctx, in)
			w.matches += rest
			return w, err
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// count counts the matches a query reads, to its end.
func (l lister) count(ctx context.Context, in *dynamodb.QueryInput) (int64, error) {
	in.Select, in.Limit = types.SelectCount, nil
	var n int64
	for {
		out, err := l.s.db.Query(ctx, in)
		if err != nil {
			return 0, fail("count customers", err)
		}
		n += int64(out.Count)
		if out.LastEvaluatedKey == nil {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// skip walks past n customers (unfiltered) reading keys only, and returns the key to resume
// after them; ok is false when fewer than n exist.
func (l lister) skip(ctx context.Context, n int) (_ key, ok bool, _ error) {
	in := l.query(nil)
	in.ProjectionExpression = aws.String("pk, sk, gsi3pk, gsi3sk")
	seen := 0
	for {
		in.Limit = aws.Int32(int32(n - seen))
		out, err := l.s.db.Query(ctx, in)
		if err != nil {
			return nil, false, fail("list customers", err)
		}
		for _, m := range out.Items {
			if seen++; seen == n {
				return m, true, nil
			}
		}
		if out.LastEvaluatedKey == nil {
			return nil, false, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// one serves the filters that name one customer (external_id, a license): it reads that
// customer, with the other filters as the query's filter expression.
func (l lister) one(ctx context.Context, q ListQuery) (ListPage, error) {
	var in *dynamodb.QueryInput
	switch {
	case q.LicenseID != "":
		id, ok := customer.ParseID(q.LicenseID)
		if !ok {
			return ListPage{}, nil
		}
		lic, err := l.s.getOne(ctx, "list customers", itemKey(appPK(l.appID), licenseIndexSK(id)))
		if err != nil || lic == nil {
			return ListPage{}, err
		}
		in = &dynamodb.QueryInput{
			TableName:              aws.String(l.s.table),
			KeyConditionExpression: aws.String("pk = :pk AND sk = :sk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(appPK(l.appID)), ":sk": str(customerSK(attrS(lic, "customer_id"))),
			},
			ConsistentRead: aws.Bool(true),
		}
		if q.ExternalID != "" {
			l.filter = strings.TrimPrefix(l.filter+" AND external_id = :ext", " AND ")
			l.values = maps.Clone(l.values)
			l.values[":ext"] = str(q.ExternalID)
		}
	case !customer.KeyFits(q.ExternalID):
		return ListPage{}, nil // no customer can hold it
	default:
		in = &dynamodb.QueryInput{
			TableName:              aws.String(l.s.table),
			IndexName:              aws.String(indexExternalID),
			KeyConditionExpression: aws.String("gsi2pk = :pk AND gsi2sk = :ext"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(appPK(l.appID)), ":ext": str(q.ExternalID),
			},
		}
	}
	out, err := l.s.db.Query(ctx, l.withFilter(in))
	if err != nil {
		return ListPage{}, fail("list customers", err)
	}
	var page ListPage
	for _, m := range out.Items {
		it, err := unmarshal[customerItem]("list customers", m)
		if err != nil {
			return ListPage{}, err
		}
		page.Customers = append(page.Customers, it.customer())
	}
	page.Total = int64(len(page.Customers))
	if q.Page > 1 || q.Cursor != "" {
		page.Customers = nil
	}
	return page, nil
}

// A cursor is the position of the last customer of a page, signed with the app's own key
// together with the app id and the filter, so that it cannot be forged, moved to another app
// or reused with another filter.
const cursorVersion = "1"

func encodeCursor(secret []byte, appID, filter, createdSK, id string) string {
	msg := cursorVersion + "|" + createdSK + "|" + id
	return base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." +
		base64.RawURLEncoding.EncodeToString(cursorMAC(secret, appID, filter, msg))
}

func decodeCursor(secret []byte, appID, filter, cursor string) (key, error) {
	encMsg, encMAC, ok := strings.Cut(cursor, ".")
	if !ok || len(cursor) > 512 {
		return nil, ErrInvalidCursor
	}
	msg, err1 := base64.RawURLEncoding.DecodeString(encMsg)
	mac, err2 := base64.RawURLEncoding.DecodeString(encMAC)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, cursorMAC(secret, appID, filter, string(msg))) {
		return nil, ErrInvalidCursor
	}
	parts := strings.Split(string(msg), "|")
	if len(parts) != 3 || parts[0] != cursorVersion {
		return nil, ErrInvalidCursor
	}
	id, ok := customer.ParseID(parts[2])
	if !ok {
		return nil, ErrInvalidCursor
	}
	return key{
		"pk": str(appPK(appID)), "sk": str(customerSK(id)),
		"gsi3pk": str(appPK(appID)), "gsi3sk": str(parts[1]),
	}, nil
}

func cursorMAC(secret []byte, appID, filter, msg string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(appID + "\x00" + filter + "\x00" + msg))
	return h.Sum(nil)[:16]
}

// AllCustomers returns every customer of the app that matches the query's filters (its
// paging fields are ignored), in the query's order, for the dialects that sort by other
// columns than creation time. More than max matches is ErrListTooLarge.
func (s *Store) AllCustomers(ctx context.Context, appID string, q ListQuery, max int) ([]customer.Customer, error) {
	q.Limit, q.Page, q.Cursor = max, 1, ""
	q.normalize()
	l := q.lister(s, appID)
	if len(l.filter) > maxFilterExpression {
		return nil, ErrFilterTooLarge
	}
	if _, err := s.activeApp(ctx, appID); err != nil {
		return nil, err
	}
	if q.ExternalID != "" || q.LicenseID != "" {
		page, err := l.one(ctx, q)
		return page.Customers, err
	}
	w, err := l.walk(ctx, nil, 0, max, false)
	if err != nil {
		return nil, err
	}
	if w.more {
		return nil, ErrListTooLarge
	}
	cs := make([]customer.Customer, len(w.items))
	for i, it := range w.items {
		cs[i] = it.customer()
	}
	return cs, nil
}
