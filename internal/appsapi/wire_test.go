package appsapi

import (
	"encoding/json"
	"testing"

	"github.com/clientele/clientele/internal/customer"
)

func TestMetadataObjectKeepsStoredOrder(t *testing.T) {
	tests := []struct {
		name string
		md   []customer.Metadata
		want string
	}{
		{"none", nil, `{}`},
		{"stored order, not sorted",
			[]customer.Metadata{{Key: "z", Value: []byte(`1`)}, {Key: "a", Value: []byte(`{"n":[true]}`)}},
			`{"z":1,"a":{"n":[true]}}`},
		{"keys escaped", []customer.Metadata{{Key: "q\"<\u2028", Value: []byte(`"v"`)}}, `{"q\"\u003c\u2028":"v"}`},
		{"an empty stored value is null", []customer.Metadata{{Key: "k"}}, `{"k":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := metadataObject(tt.md)
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if _, err := json.Marshal(struct{ M json.RawMessage }{got}); err != nil {
				t.Errorf("the answer holding it does not encode: %v", err)
			}
		})
	}
}
