package store

import (
	"testing"
)

// FuzzDecodeCursor: a cursor is accepted only as the store wrote it, for the same app and
// filter; anything else, however malformed, is ErrInvalidCursor and never a panic.
func FuzzDecodeCursor(f *testing.F) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	const app, filter = "0b1c8e52-5a1f-4d6e-9f3a-1b2c3d4e5f60", "email~|search~|in~|oldest~false"
	valid := encodeCursor(secret, app, filter, SortCreated,
		"2024-01-01T00:00:00.000000000Z#7d9f0c2e-3b4a-4c5d-8e6f-708192a3b4c5")
	f.Add(valid)
	f.Add(encodeCursor(secret, app, filter, SortName,
		"jane\x002024-01-01T00:00:00.000000000Z#7d9f0c2e-3b4a-4c5d-8e6f-708192a3b4c5"))
	f.Add(valid + "x")
	f.Add("v1.")
	f.Add("..")
	f.Add("\xff.\xff")
	f.Fuzz(func(t *testing.T, cursor string) {
		at, err := decodeCursor(secret, app, filter, cursor)
		if err != nil {
			if err != ErrInvalidCursor {
				t.Fatalf("error %v", err)
			}
			return
		}
		created, sorted := encodeCursor(secret, app, filter, SortCreated, at), encodeCursor(secret, app, filter, SortName, at)
		if cursor != created && cursor != sorted {
			t.Fatalf("accepted %q, which the store would not have written (it writes %q or %q)", cursor, created, sorted)
		}
	})
}
