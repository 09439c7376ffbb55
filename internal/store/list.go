package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

// ListQuery selects a page of an app's customers, newest first.
type ListQuery struct {
	EmailContains string // case-insensitive partial match on the email
	ExternalID    string // exact match
	Search        string // case-insensitive partial match on any of the SearchIn fields
	SearchIn      []SearchField
	Oldest        bool   // oldest first instead of newest first
	Limit         int    // page size: 1..MaxListLimit, 20 when 0
	Page          int    // 1-based; ignored when Cursor is set
	Cursor        string // from a previous page's NextCursor, for the same app and filter
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
)

// attribute is the lower-cased attribute a search field is matched in.
func (f SearchField) attribute() string {
	if f == SearchEmail {
		return "gsi1sk"
	}
	return "lc_" + string(f)
}

// ListCustomers returns one page. Without a filter it costs two reads (the app, whose counter
// is the exact total, and one query); a page number skips through the index with keys only
// and is bounded by MaxListDepth, a cursor resumes right where the previous page ended. The
// email filter also counts its matches, which reads every customer of the app.
func (s *Store) ListCustomers(ctx context.Context, appID string, q ListQuery) (ListPage, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	q.Limit = min(q.Limit, MaxListLimit)
	q.Page = max(q.Page, 1)
	q.normalize()

	app, err := s.activeApp(ctx, appID)
	if err != nil {
		return ListPage{}, err
	}
	if q.ExternalID != "" {
		return s.listByExternalID(ctx, appID, q)
	}
	l := q.lister(s, appID)

	var start key
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
		skip := (q.Page - 1) * q.Limit
		if !l.filtered() && int64(skip) >= app.CustomerCount {
			return ListPage{Total: app.CustomerCount}, nil
		}
		var ok bool
		if start, ok, err = l.skip(ctx, skip); err != nil {
			return ListPage{}, err
		}
		if !ok {
			total, err := l.total(ctx, app)
			return ListPage{Total: total}, err
		}
	}
	items, more, err := l.collect(ctx, start, q.Limit)
	if err != nil {
		return ListPage{}, err
	}
	page := ListPage{Customers: make([]customer.Customer, len(items))}
	for i, it := range items {
		page.Customers[i] = it.customer()
	}
	if more {
		last := items[len(items)-1]
		page.NextCursor = encodeCursor(app.CursorKey, appID, q.filter(), last.GSI3SK, last.ID)
	}
	if page.Total, err = l.total(ctx, app); err != nil {
		return ListPage{}, err
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

// filter is what a cursor is bound to besides the app.
func (q ListQuery) filter() string {
	fields := make([]string, len(q.SearchIn))
	for i, f := range q.SearchIn {
		fields[i] = string(f)
	}
	return fmt.Sprintf("email~%s|search~%s|in~%s|oldest~%t", q.EmailContains, q.Search, strings.Join(fields, ","), q.Oldest)
}

func (q ListQuery) lister(s *Store, appID string) lister {
	l := lister{s: s, appID: appID, oldest: q.Oldest}
	var conds []string
	values := map[string]types.AttributeValue{}
	if q.EmailContains != "" {
		conds = append(conds, "contains(gsi1sk, :email)")
		values[":email"] = str(q.EmailContains)
	}
	if q.Search != "" && len(q.SearchIn) > 0 {
		var any []string
		for _, f := range q.SearchIn {
			any = append(any, "contains("+f.attribute()+", :search)")
		}
		conds = append(conds, "("+strings.Join(any, " OR ")+")")
		values[":search"] = str(q.Search)
	}
	if len(conds) > 0 {
		l.filter = strings.Join(conds, " AND ")
		l.values = values
	}
	return l
}

// listByExternalID serves the exact external-id filter: at most one customer.
func (s *Store) listByExternalID(ctx context.Context, appID string, q ListQuery) (ListPage, error) {
	if !customer.KeyFits(q.ExternalID) {
		return ListPage{}, nil // no customer can hold it
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		IndexName:              aws.String(indexExternalID),
		KeyConditionExpression: aws.String("gsi2pk = :pk AND gsi2sk = :ext"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(appPK(appID)), ":ext": str(q.ExternalID),
		},
	})
	if err != nil {
		return ListPage{}, fail("list customers", err)
	}
	var page ListPage
	for _, m := range out.Items {
		it, err := unmarshal[customerItem]("list customers", m)
		if err != nil {
			return ListPage{}, err
		}
		if q.matches(it) {
			page.Customers = append(page.Customers, it.customer())
		}
	}
	page.Total = int64(len(page.Customers))
	if q.Page > 1 || q.Cursor != "" {
		page.Customers = nil
	}
	return page, nil
}

// matches applies the filters to one customer, as the lister's filter expression does.
func (q ListQuery) matches(it customerItem) bool {
	if q.EmailContains != "" && !strings.Contains(it.GSI1SK, q.EmailContains) {
		return false
	}
	if q.Search == "" || len(q.SearchIn) == 0 {
		return true
	}
	values := map[SearchField]string{
		SearchEmail: it.GSI1SK, SearchName: it.SearchName, SearchUsername: it.SearchUsername,
		SearchLegalName: it.SearchLegalName, SearchExternalID: it.SearchExternalID,
	}
	for _, f := range q.SearchIn {
		if strings.Contains(values[f], q.Search) {
			return true
		}
	}
	return false
}

// lister walks the creation-time index of one app, newest first (or oldest first),
// optionally filtered.
type lister struct {
	s      *Store
	appID  string
	oldest bool
	filter string // a filter expression, or ""
	values map[string]types.AttributeValue
}

func (l lister) filtered() bool { return l.filter != "" }

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
	if l.filtered() {
		in.FilterExpression = aws.String(l.filter)
		for k, v := range l.values {
			in.ExpressionAttributeValues[k] = v
		}
	}
	return in
}

// collect reads up to limit customers after start; more says whether others follow.
func (l lister) collect(ctx context.Context, start key, limit int) ([]customerItem, bool, error) {
	in := l.query(start)
	items := make([]customerItem, 0, limit+1)
	for {
		// One more than the page, to know whether another page follows. A filter drops
		// items after the limit is applied, so filtered queries read in larger steps.
		want := limit + 1 - len(items)
		if l.filtered() {
			want = max(want, 200)
		}
		in.Limit = aws.Int32(int32(want))
		out, err := l.s.db.Query(ctx, in)
		if err != nil {
			return nil, false, fail("list customers", err)
		}
		for _, m := range out.Items {
			it, err := unmarshal[customerItem]("list customers", m)
			if err != nil {
				return nil, false, err
			}
			items = append(items, it)
			if len(items) > limit {
				return items[:limit], true, nil
			}
		}
		if out.LastEvaluatedKey == nil {
			return items, false, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// skip walks past n matching customers reading keys only, and returns the key to resume
// after them; ok is false when fewer than n exist.
func (l lister) skip(ctx context.Context, n int) (_ key, ok bool, _ error) {
	in := l.query(nil)
	in.ProjectionExpression = aws.String("pk, sk, gsi3pk, gsi3sk")
	seen := 0
	for {
		want := n - seen
		if l.filtered() {
			want = max(want, 1000)
		}
		in.Limit = aws.Int32(int32(want))
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

// total is the app's counter without a filter, else a count of the matches.
func (l lister) total(ctx context.Context, app appItem) (int64, error) {
	if !l.filtered() {
		return app.CustomerCount, nil
	}
	in := l.query(nil)
	in.Select = types.SelectCount
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
	q.normalize()
	if _, err := s.activeApp(ctx, appID); err != nil {
		return nil, err
	}
	if q.ExternalID != "" {
		page, err := s.listByExternalID(ctx, appID, ListQuery{ExternalID: q.ExternalID, EmailContains: q.EmailContains, Search: q.Search, SearchIn: q.SearchIn})
		return page.Customers, err
	}
	items, more, err := q.lister(s, appID).collect(ctx, nil, max)
	if err != nil {
		return nil, err
	}
	if more {
		return nil, ErrListTooLarge
	}
	cs := make([]customer.Customer, len(items))
	for i, it := range items {
		cs[i] = it.customer()
	}
	return cs, nil
}
