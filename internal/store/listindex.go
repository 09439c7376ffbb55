package store

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

// The list indexes hold one slim entry of every customer each, sorted by one order; the
// entries of an app are spread over Buckets partition-key values (the app and a bucket
// taken from a hash of the customer's id), so that no write lands at the end of one key's
// order, and a page merges the buckets. docs/storage.md has the why and what each costs.
const (
	// Buckets of an app in every list index; docs/performance.md has the model behind 32.
	Buckets = 32

	// IndexVersion is the version of the rules that derive a customer's index and search
	// attributes; an app whose #META records it has every customer in the list indexes.
	IndexVersion = 2
)

// The list indexes, as declared in template.yaml, and their key attributes: one partition
// key for all of them, one sort key each.
const (
	indexListCreated  = "gsi4"
	indexListUpdated  = "gsi5"
	indexListName     = "gsi6"
	indexListUsername = "gsi7"
	indexListEmail    = "gsi8"

	attrListPK     = "lpk"
	attrCreatedSK  = "lsk_created"
	attrUpdatedSK  = "lsk_updated"
	attrNameSK     = "lsk_name"
	attrUsernameSK = "lsk_username"
	attrEmailSK    = "lsk_email"
)

// listKeys are a customer's keys in the list indexes.
type listKeys struct {
	ListPK     string `dynamodbav:"lpk,omitempty"`
	CreatedSK  string `dynamodbav:"lsk_created,omitempty"`
	UpdatedSK  string `dynamodbav:"lsk_updated,omitempty"`
	NameSK     string `dynamodbav:"lsk_name,omitempty"`
	UsernameSK string `dynamodbav:"lsk_username,omitempty"`
	EmailSK    string `dynamodbav:"lsk_email,omitempty"`
}

func newListKeys(appID string, c customer.Customer) listKeys {
	return listKeys{
		ListPK:     listPK(appID, bucket(c.ID)),
		CreatedSK:  createdSK(c),
		UpdatedSK:  formatTime(c.UpdatedAt) + "#" + createdSK(c),
		NameSK:     textSK(customer.SearchText(c.Name), c),
		UsernameSK: textSK(customer.SearchText(c.Username), c),
		EmailSK:    textSK(customer.EmailKey(c.Email), c),
	}
}

// bucket is the list bucket of a customer id.
func bucket(id string) int { return bucketOf(id, Buckets) }

// bucketOf is one of n buckets, from a hash of an id.
func bucketOf(id string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(n))
}

func listPK(appID string, b int) string { return fmt.Sprintf("APP#%s#%02d", appID, b) }

// createdSK is the creation order: created_at and id, unique, as gsi3sk was.
func createdSK(c customer.Customer) string { return formatTime(c.CreatedAt) + "#" + c.ID }

// maxSortText bounds the text of a sort key; customers whose texts share it are in creation
// order.
const maxSortText = 200

// textSK orders by a text, then by creation: the text without control characters (so that
// the separator, U+0000, sorts below any of its characters) and cut to maxSortText bytes.
func textSK(text string, c customer.Customer) string {
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, text)
	if len(text) > maxSortText {
		cut := maxSortText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	return text + "\x00" + createdSK(c)
}

// Sort is the order of a list.
type Sort string

// The orders a list can take; the zero Sort is SortCreated.
const (
	SortCreated  Sort = "created_at"
	SortUpdated  Sort = "updated_at"
	SortName     Sort = "name"
	SortUsername Sort = "username"
	SortEmail    Sort = "email"
)

// order is the index of a Sort and its sort key attribute.
type order struct {
	index, sk string
	key       func(listKeys) string
}

func (s Sort) order() (order, bool) {
	switch s {
	case "", SortCreated:
		return order{indexListCreated, attrCreatedSK, func(k listKeys) string { return k.CreatedSK }}, true
	case SortUpdated:
		return order{indexListUpdated, attrUpdatedSK, func(k listKeys) string { return k.UpdatedSK }}, true
	case SortName:
		return order{indexListName, attrNameSK, func(k listKeys) string { return k.NameSK }}, true
	case SortUsername:
		return order{indexListUsername, attrUsernameSK, func(k listKeys) string { return k.UsernameSK }}, true
	case SortEmail:
		return order{indexListEmail, attrEmailSK, func(k listKeys) string { return k.EmailSK }}, true
	}
	return order{}, false
}

// projected are the attributes a list index holds besides its keys, as template.yaml
// declares them: what a filter on that order may test.
func projected(index string) []string {
	switch index {
	case indexListCreated:
		return []string{"gsi1sk", "lc_name", "lc_username", "lc_legal_name", "lc_external_id", "discord_id",
			attrFilterAddress, attrFilterMetadata, "license_count", attrFilterLago}
	case indexListUpdated, indexListName, indexListUsername, indexListEmail:
		return []string{"gsi1sk", "lc_name", "lc_username", "discord_id", attrFilterMetadata, "license_count"}
	}
	return nil
}

// unprojected returns an attribute of tests that the index does not hold, or "".
func unprojected(index string, tests []string) string {
	for _, t := range tests {
		if !slices.Contains(projected(index), t) {
			return t
		}
	}
	return ""
}

// entry is one customer as a list index names it: its position (the index's sort key) and id.
type entry struct {
	sk, id string
}

// chain reads one partition-key value of an index in the merge's direction, keys only.
type chain struct {
	db      DB
	in      *dynamodb.QueryInput
	skAttr  string
	buf     []entry
	done    bool         // DynamoDB has no more pages
	pending chan fetched // the page being read, if any
}

type fetched struct {
	entries []entry
	next    map[string]types.AttributeValue
	err     error
}

func (c *chain) fetch(ctx context.Context, limit int) {
	in := *c.in
	if limit > 0 {
		in.Limit = aws.Int32(int32(min(limit, 1<<20)))
	}
	c.pending = make(chan fetched, 1)
	go func(out chan<- fetched) {
		res, err := c.db.Query(ctx, &in)
		if err != nil {
			out <- fetched{err: fail("list customers", err)}
			return
		}
		f := fetched{next: res.LastEvaluatedKey, entries: make([]entry, 0, len(res.Items))}
		for _, m := range res.Items {
			id, ok := strings.CutPrefix(attrS(m, "sk"), "CUS#")
			if !ok {
				continue // an app item, which gsi3 also holds
			}
			f.entries = append(f.entries, entry{sk: attrS(m, c.skAttr), id: id})
		}
		out <- f
	}(c.pending)
}

// fill reads pages until the chain holds an entry or has none left.
func (c *chain) fill(ctx context.Context, limit int) error {
	for len(c.buf) == 0 && !c.done {
		if c.pending == nil {
			c.fetch(ctx, limit)
		}
		if err := c.receive(ctx); err != nil {
			return err
		}
	}
	return nil
}

// receive waits for the page being read.
func (c *chain) receive(ctx context.Context) error {
	var f fetched
	select {
	case f = <-c.pending:
	case <-ctx.Done():
		return fail("list customers", ctx.Err())
	}
	c.pending = nil
	if f.err != nil {
		return f.err
	}
	c.buf = append(c.buf, f.entries...)
	if f.next == nil {
		c.done = true
	} else {
		c.in.ExclusiveStartKey = f.next
	}
	return nil
}

// merge reads chains in parallel and gives their entries in one order: the chains' order,
// descending or ascending by sort key. Each chain keeps at most two pages of keys, so memory
// stays bounded whatever the depth. An entry that two chains hold (a customer moving from
// gsi3 to the list indexes) is given once.
type merge struct {
	chains []*chain
	desc   bool
	// want is how many entries the caller may still take (0: all of them); it sizes the
	// pages the chains read.
	want    int
	emitted int
	last    string
	heads   chainHeap
	ctx     context.Context
	stop    context.CancelFunc
}

func newMerge(ctx context.Context, chains []*chain, desc bool, want int) (*merge, error) {
	ctx, stop := context.WithCancel(ctx)
	m := &merge{chains: chains, desc: desc, want: want, ctx: ctx, stop: stop}
	m.heads.desc = desc
	limit := m.pageLimit()
	errs := make([]error, len(chains))
	var wg sync.WaitGroup
	for i, c := range chains {
		wg.Go(func() { errs[i] = c.fill(ctx, limit) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		stop()
		return nil, err
	}
	for _, c := range chains {
		if len(c.buf) > 0 {
			m.heads.chains = append(m.heads.chains, c)
		}
	}
	for _, c := range m.heads.chains {
		if !c.done && m.low(c) {
			c.fetch(ctx, m.pageLimit())
		}
	}
	heap.Init(&m.heads)
	return m, nil
}

// close stops the reads still in flight.
func (m *merge) close() { m.stop() }

// pageLimit is the Limit of a chain's next query: enough for every chain to give its share
// of what the caller may still take with a wide margin (a page rarely needs a second read of
// a chain), or none when the caller reads everything.
func (m *merge) pageLimit() int {
	if m.want == 0 {
		return 0
	}
	rest := max(m.want-m.emitted, 1)
	n := len(m.chains)
	return min(rest, 2*((rest+n-1)/n)+8)
}

// next returns the next entry; ok is false when every chain is done.
func (m *merge) next() (_ entry, ok bool, _ error) {
	for m.heads.Len() > 0 {
		c := m.heads.chains[0]
		e := c.buf[0]
		c.buf = c.buf[1:]
		if err := c.fill(m.ctx, m.pageLimit()); err != nil {
			return entry{}, false, err
		}
		if len(c.buf) == 0 {
			heap.Pop(&m.heads)
		} else {
			heap.Fix(&m.heads, 0)
			if !c.done && c.pending == nil && m.low(c) {
				c.fetch(m.ctx, m.pageLimit()) // read while the page at hand is merged
			}
		}
		if e.sk == m.last {
			continue
		}
		m.last = e.sk
		m.emitted++
		return e, true, nil
	}
	return entry{}, false, nil
}

// low reports whether a chain holds less than its share of what the caller may still take
// (or, when the caller reads everything, less than a few entries).
func (m *merge) low(c *chain) bool {
	if m.want == 0 {
		return len(c.buf) <= 64
	}
	return len(c.buf) <= (m.want-m.emitted)/len(m.chains)
}

// chainHeap orders chains by their first entry, the merge's next.
type chainHeap struct {
	chains []*chain
	desc   bool
}

func (h chainHeap) Len() int { return len(h.chains) }
func (h chainHeap) Less(i, j int) bool {
	a, b := h.chains[i].buf[0].sk, h.chains[j].buf[0].sk
	if h.desc {
		return a > b
	}
	return a < b
}
func (h chainHeap) Swap(i, j int) { h.chains[i], h.chains[j] = h.chains[j], h.chains[i] }
func (h *chainHeap) Push(x any)   { h.chains = append(h.chains, x.(*chain)) }
func (h *chainHeap) Pop() any {
	old := h.chains
	c := old[len(old)-1]
	h.chains = old[:len(old)-1]
	return c
}
