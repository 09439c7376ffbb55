package store

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientele/clientele/internal/customer"
)

// DynamoDB's limits on one expression (its developer guide, "Expression parameters"): checked
// before a list's query is sent, so that a filter DynamoDB would refuse is ErrFilterTooLarge.
const (
	maxExpressionBytes = 4096
	maxOperators       = 300
	maxInOperands      = 100
	// The key condition and the conditions a one-customer read adds take this share of the limits.
	reservedBytes, reservedOperators = 200, 8
)

// filterExpr is a list's filter as one DynamoDB filter expression.
type filterExpr struct {
	text      string
	names     map[string]string
	values    map[string]types.AttributeValue
	operators int
	// indexed lists the attributes it tests, which a list index must project for it to hold.
	tests []string
}

// filterBuilder builds a filterExpr, counting what DynamoDB counts.
type filterBuilder struct {
	f     filterExpr
	conds []string
	slim  bool // over filterAttrs (the list indexes' entries), not the fields (gsi3's entries of before)
}

func (b *filterBuilder) value(v types.AttributeValue) string {
	name := ":" + strings.ToUpper(strconv.FormatInt(int64(len(b.f.values)), 36)) // the key's are lower case
	b.f.values[name] = v
	return name
}

func (b *filterBuilder) name(n string) string {
	for k, v := range b.f.names {
		if v == n {
			return k
		}
	}
	name := "#" + strings.ToUpper(strconv.FormatInt(int64(len(b.f.names)), 36))
	b.f.names[name] = n
	return name
}

// attr is a top-level attribute a condition tests, and its placeholder.
func (b *filterBuilder) attr(a string) string {
	if !slices.Contains(b.f.tests, a) {
		b.f.tests = append(b.f.tests, a)
	}
	return b.name(a)
}

// ops counts n operators or functions.
func (b *filterBuilder) ops(n int) { b.f.operators += n }

func (b *filterBuilder) and(cond string) { b.conds = append(b.conds, cond) }

func or(conds []string) string {
	if len(conds) == 1 {
		return conds[0]
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// anyOf holds when path is one of vals: IN lists of at most maxInOperands each, OR-ed, of
// the distinct values.
func (b *filterBuilder) anyOf(path string, vals []string) string {
	vals = distinct(vals)
	var ins []string
	for part := range slices.Chunk(vals, maxInOperands) {
		names := make([]string, len(part))
		for i, v := range part {
			names[i] = b.value(str(v))
		}
		if len(part) == 1 {
			ins = append(ins, path+" = "+names[0])
		} else {
			ins = append(ins, path+" IN ("+strings.Join(names, ",")+")")
		}
	}
	b.ops(2*len(ins) - 1)
	return or(ins)
}

func distinct(vals []string) []string {
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// expression joins the conditions; it fails with ErrFilterTooLarge past DynamoDB's limits.
func (b *filterBuilder) expression() (filterExpr, error) {
	if len(b.conds) == 0 {
		return filterExpr{}, nil
	}
	b.f.text = strings.Join(b.conds, " AND ")
	b.ops(len(b.conds) - 1)
	if len(b.f.text) > maxExpressionBytes-reservedBytes || b.f.operators > maxOperators-reservedOperators {
		return filterExpr{}, fmt.Errorf("%w: %d bytes, %d operators", ErrFilterTooLarge, len(b.f.text), b.f.operators)
	}
	return b.f, nil
}

// filterExpression is the query's filters as one expression: with slim, over the filter
// attributes the list indexes carry (filterAttrs, which every customer written or re-indexed
// since has); else over the fields, as gsi3's entries of customers of before hold them.
func (q ListQuery) filterExpression(slim bool) (filterExpr, error) {
	b := &filterBuilder{slim: slim, f: filterExpr{names: map[string]string{}, values: map[string]types.AttributeValue{}}}
	if q.EmailContains != "" {
		b.and("contains(" + b.attr("gsi1sk") + ", " + b.value(str(q.EmailContains)) + ")")
		b.ops(1)
	}
	if q.Search != "" && len(q.SearchIn) > 0 {
		folded, email := "", ""
		ors := make([]string, len(q.SearchIn))
		for i, f := range q.SearchIn {
			var v string
			switch f {
			case SearchEmail:
				if email == "" {
					email = b.value(str(customer.EmailKey(q.Search)))
				}
				v = email
			case SearchDiscordID:
				v = b.value(str(q.Search))
			default:
				if folded == "" {
					folded = b.value(str(customer.SearchText(q.Search)))
				}
				v = folded
			}
			ors[i] = "contains(" + b.attr(f.attribute()) + ", " + v + ")"
		}
		b.ops(2*len(ors) - 1)
		b.and(or(ors))
	}
	for _, f := range []struct {
		part, slim string
		vals       []string
	}{{"country", "c", q.Countries}, {"state", "s", q.States}, {"postal_code", "z", q.PostalCodes}} {
		if len(f.vals) == 0 {
			continue
		}
		var path string
		if b.slim {
			path = b.attr(attrFilterAddress) + "." + b.name(f.slim)
		} else {
			path = b.attr("address") + "." + b.name(f.part)
		}
		b.and(b.anyOf(path, f.vals))
	}
	for _, m := range q.Metadata {
		b.and(b.metadata(m))
		b.ops(1)
	}
	if r := q.LicenseCount; r != nil {
		b.and(b.attr("license_count") + " BETWEEN " + b.value(num(r.Min)) + " AND " + b.value(num(r.Max)))
		b.ops(1)
	}
	for _, f := range q.Lago {
		key := lagoFilterKey(f.Field)
		if key == "" {
			return filterExpr{}, fmt.Errorf("store: the list index holds no Lago field %q", f.Field)
		}
		var path string
		if b.slim {
			path = b.attr(attrFilterLago) + "." + b.name(key)
		} else {
			path = b.attr("lago") + "." + b.name(f.Field)
		}
		switch {
		case f.Present != nil && *f.Present:
			b.and("attribute_exists(" + path + ")")
			b.ops(1)
		case f.Present != nil:
			b.and("attribute_not_exists(" + path + ")")
			b.ops(1)
		case slices.Contains(f.AnyOf, f.Default):
			b.and("(" + b.anyOf(path, f.AnyOf) + " OR attribute_not_exists(" + path + "))")
			b.ops(2)
		default:
			b.and(b.anyOf(path, f.AnyOf))
		}
	}
	return b.expression()
}

// metadata is one metadata filter: an entry whose text is m.Value (or contains it, in any
// case), or no entry m.Key.
func (b *filterBuilder) metadata(m MetadataMatch) string {
	if !b.slim {
		switch {
		case m.Contains:
			term := b.value(str(customer.SearchText(m.Value)))
			return "contains(" + b.attr("lc_meta") + "." + b.name(m.Key) + ", " + term + ")"
		case m.Value == "":
			return "attribute_not_exists(" + b.attr("meta") + "." + b.name(m.Key) + ")"
		}
		return b.attr("meta") + "." + b.name(m.Key) + " = " + b.value(str(m.Value))
	}
	path := b.attr(attrFilterMetadata) + "." + b.name(m.Key)
	switch {
	case m.Contains:
		return "contains(" + path + ", " + b.value(str(customer.SearchText(m.Value))) + ")"
	case m.Value == "":
		return "attribute_not_exists(" + path + ")"
	}
	return "begins_with(" + path + ", " + b.value(str(m.Value+"\x00")) + ")"
}
