package jsontext

import (
	"encoding/json"
	"reflect"
	"testing"
)

// checkInto decodes data into a value of type T preset to start with decode, and with
// json.Unmarshal, and reports where they differ.
func checkInto[T any](t *testing.T, data string, start func() T, decode func(*Decoder, *T) error) {
	t.Helper()
	want, got := start(), start()
	wantErr := json.Unmarshal([]byte(data), &want)
	var d Decoder
	d.Reset([]byte(data))
	gotErr := decode(&d, &got)
	if gotErr == nil {
		gotErr = d.End()
	}
	switch {
	case (wantErr == nil) != (gotErr == nil):
		t.Errorf("%T %s: error %v, json.Unmarshal's %v", got, data, gotErr, wantErr)
	case wantErr == nil && !reflect.DeepEqual(got, want):
		t.Errorf("%T %s: decoded %#v, json.Unmarshal gives %#v", got, data, got, want)
	}
}

func TestIntoAsJSONUnmarshal(t *testing.T) {
	for _, data := range []string{
		`null`, `""`, `"AAEC"`, `"AA\r\nEC"`, `"!"`, `[]`, `[0,255,null]`, `[256]`, `[-1]`, `[1.5]`,
		`["a"]`, `{}`, `{"a":"b","a":"c"}`, `{"a":null}`, `["x",null,""]`, `true`, `1`, `"s"`, `[`, `nul`,
	} {
		nonEmpty := func() []byte { return []byte{9, 9, 9} }
		checkInto(t, data, nonEmpty, (*Decoder).BytesInto)
		checkInto(t, data, func() []byte { return nil }, (*Decoder).BytesInto)
		checkInto(t, data, func() []string { return make([]string, 1, 4)[:1] }, (*Decoder).StringsInto)
		checkInto(t, data, func() map[string]string { return map[string]string{"z": "y"} }, (*Decoder).StringMapInto)
		checkInto(t, data, func() *string { s := "old"; return &s }, func(d *Decoder, p **string) error {
			return PointerInto(d, p, d.StringInto)
		})
		checkInto(t, data, func() uint8 { return 7 }, (*Decoder).Uint8Into)
		checkInto(t, data, func() int64 { return 7 }, (*Decoder).Int64Into)
		checkInto(t, data, func() bool { return true }, (*Decoder).BoolInto)
	}
}
