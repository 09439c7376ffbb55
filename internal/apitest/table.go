package apitest

import "testing"

// Row is one request of a table and what it must answer.
type Row struct {
	Name   string // what the row checks, the name of its subtest
	Key    string // sent as a Bearer key; "" sends no Authorization header
	Method string
	Path   string
	Body   any      // as Caller.Do's
	Header []string // as Caller.Do's
	Status int      // the status the answer must have
	// Check checks the answer beyond its status (nil: nothing more).
	Check func(t *testing.T, r *Response)
}

// Run sends the rows in order against the stack, each in a subtest named for it.
func Run(t *testing.T, e *Env, rows []Row) {
	t.Helper()
	for _, row := range rows {
		t.Run(row.Name, func(t *testing.T) {
			r := e.As(t, row.Key).Do(row.Method, row.Path, row.Body, row.Header...).Want(row.Status)
			if row.Check != nil {
				row.Check(t, r)
			}
		})
	}
}
