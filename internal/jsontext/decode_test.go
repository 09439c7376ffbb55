package jsontext

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// whole reads data as json.Unmarshal reads a text into a variable that null leaves alone:
// null, or a value of kind read with read, then nothing but whitespace.
func whole[T any](data []byte, kind Kind, read func(*Decoder) (T, error)) (T, error) {
	var d Decoder
	d.Reset(data)
	var v T
	var err error
	switch d.Kind() {
	case Null:
		err = d.Null()
	case kind:
		v, err = read(&d)
	default:
		err = d.Mismatch(kind.String())
	}
	if err == nil {
		err = d.End()
	}
	return v, err
}

// unmarshal is json.Unmarshal of data into a T.
func unmarshal[T any](data []byte) (T, error) {
	var v T
	err := json.Unmarshal(data, &v)
	return v, err
}

// checkSame reports where a decoding differs from json.Unmarshal's: an error on one side
// only, or another value.
func checkSame[T any](t *testing.T, what string, data []byte, got T, gotErr error, want T, wantErr error) {
	t.Helper()
	switch {
	case wantErr != nil && gotErr == nil:
		t.Errorf("%s of %q: json.Unmarshal fails (%v), decoding gives %#v", what, data, wantErr, got)
	case wantErr == nil && gotErr != nil:
		t.Errorf("%s of %q: decoding fails (%v), json.Unmarshal gives %#v", what, data, gotErr, want)
	case wantErr == nil && !reflect.DeepEqual(got, want):
		t.Errorf("%s of %q: decoded %#v, json.Unmarshal gives %#v", what, data, got, want)
	}
}

func readString(data []byte) (string, error) {
	return whole(data, String, (*Decoder).String)
}

func readValue(data []byte) (any, error) {
	var d Decoder
	d.Reset(data)
	v, err := d.Value()
	if err == nil {
		err = d.End()
	}
	return v, err
}

// skip reads data with Skip.
func skip(data []byte) error {
	var d Decoder
	d.Reset(data)
	if err := d.Skip(); err != nil {
		return err
	}
	return d.End()
}

// strs are the contents of strings, as written between the quotes, that unescaping must
// get right.
var strs = []string{
	``, `plain`, `\"\\\/\b\f\n\r\t`, `\u0000\u001f\u007f\u00e9\u20AC\uFFFF`, `\ud83d\ude00`, `\uD83D\uDE00`,
	`\ud83d`, `\ude00`, `\ud83dx`, `\ud83d\u0041`, `\ud83d\ud83d\ude00`, `\ude00\ud83d`, `\ud800\\u0041`,
	"caf\xc3\xa9 \xff \xe2\x82 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf", `<&>`, "\u2028\u2029", "日本語 😀",
	`a\u0000b`, `\/\/`, "\x7f", strings.Repeat(`long \n`, 40),
}

func TestStringUnescapesAsEncodingJSON(t *testing.T) {
	for _, s := range strs {
		data := []byte(`"` + s + `"`)
		want, wantErr := unmarshal[string](data)
		if wantErr != nil {
			t.Errorf("%q: not a valid case: %v", s, wantErr)
			continue
		}
		got, err := readString(data)
		checkSame(t, "String", data, got, err, want, wantErr)
		var d Decoder
		d.Reset(data)
		if b, err := d.StringBytes(); err != nil || string(b) != want {
			t.Errorf("StringBytes of %q = %q, %v; want %q", data, b, err, want)
		}
	}
}

func FuzzStringAsEncodingJSON(f *testing.F) {
	for _, s := range strs {
		f.Add([]byte(`"` + s + `"`))
	}
	for _, s := range []string{`null`, ` "x" `, `"`, `"\`, `"\u12`, `"\u12g4"`, "\"\x01\"", `"\q"`, `1`, `"a" "b"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := unmarshal[string](data)
		got, err := readString(data)
		checkSame(t, "String", data, got, err, want, wantErr)
	})
}

// values are texts that json.Unmarshal reads into an interface{}, or refuses.
var values = []string{
	`null`, `true`, `false`, `0`, `-0`, `1.5`, `-1.5e-7`, `1E+2`, `12345678901234567890`, `5e-324`, `1e-400`,
	`1.7976931348623157e308`, `3.141592653589793238462643383279`, `""`, `"x\"y"`, `[]`, `{}`, `[null]`,
	` { "a" : [ 1 , "two" , false , null , { "x" : [ ] } ] , "b" : { } } `,
	`{"a":1,"a":"two"}`, `{"a":{"b":1},"a":{"c":2}}`, `{"\u0061":1,"a\u0000":2}`, "{\"\xff\":\"\xfe\"}",
	`[[[[[[[[[[]]]]]]]]]]`, `{"a":{"b":{"c":{"d":[{"e":null}]}}}}`,
	// Refused.
	``, ` `, `nul`, `nulL`, `True`, `01`, `1.`, `.1`, `-`, `+1`, `1e`, `1e+`, `0x10`, `NaN`, `1e400`, `-1e400`,
	`[1e400]`, `{"a":[1,1e999]}`, `[`, `[1,]`, `[,1]`, `[1 2]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,"a":1}`,
	`{"a" 1}`, `{"a":1 "b":2}`, `{a:1}`, `{'a':1}`, `{1:1}`, `"`, `"\u12"`, "\"\t\"", `{} {}`, `{}x`,
	"\xef\xbb\xbf{}", "[\x00]", `[1]]`,
}

// checkValueAndSkip holds Value to json.Unmarshal into an interface{}, and Skip to
// json.Valid. (go test runs the fuzz targets on their seeds, the tables here.)
func checkValueAndSkip(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := unmarshal[any](data)
	got, err := readValue(data)
	checkSame(t, "Value", data, got, err, want, wantErr)
	if err := skip(data); (err == nil) != json.Valid(data) {
		t.Errorf("Skip of %q: error %v, json.Valid %v", data, err, json.Valid(data))
	}
}

func FuzzValueAndSkipAsEncodingJSON(f *testing.F) {
	for _, text := range values {
		f.Add([]byte(text))
	}
	f.Fuzz(checkValueAndSkip)
}

// numbers are texts that json.Unmarshal reads into an integer or a float, or refuses.
var numbers = []string{
	`0`, `-0`, `1`, `-1`, `127`, `2147483647`, `2147483648`, `-2147483648`, `-2147483649`,
	`9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `-9223372036854775809`,
	`1.5`, `1.0`, `1e2`, `1E-2`, `-0.0`, `3.4028235e38`, `3.5e38`, `1e-46`, `1.7976931348623157e308`, `1e309`,
	`null`, `"1"`, `true`, `[]`, `01`, `1.`, `-`, `1e`, ` 7 `, `7 x`,
}

// checkNumbers reads data with Int and Float of each size, as json.Unmarshal reads it into
// the Go types.
func checkNumbers(t *testing.T, data []byte) {
	t.Helper()
	checkNumber(t, data, func(d *Decoder) (int64, error) { return d.Int(64) })
	checkNumber(t, data, func(d *Decoder) (int32, error) { n, err := d.Int(32); return int32(n), err })
	checkNumber(t, data, func(d *Decoder) (float64, error) { return d.Float(64) })
	checkNumber(t, data, func(d *Decoder) (float32, error) { f, err := d.Float(32); return float32(f), err })
}

func checkNumber[T int32 | int64 | float32 | float64](t *testing.T, data []byte, read func(*Decoder) (T, error)) {
	t.Helper()
	got, err := whole(data, Number, read)
	want, wantErr := unmarshal[T](data)
	checkSame(t, fmt.Sprintf("reading a %T", want), data, got, err, want, wantErr)
}

func FuzzIntAndFloatAsEncodingJSON(f *testing.F) {
	for _, n := range numbers {
		f.Add([]byte(n))
	}
	f.Fuzz(checkNumbers)
}

func TestSyntaxErrorsSayWhatAndWhere(t *testing.T) {
	tooDeep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	for _, tt := range []struct {
		name, text string
		offset     int
		want       string
	}{
		{"empty", ``, 0, "invalid JSON: unexpected end of input"},
		{"whitespace only", " \t\r\n", 4, "invalid JSON: unexpected end of input"},
		{"no value", `x`, 0, `invalid JSON: unexpected 'x' at offset 0 looking for beginning of value`},
		{"a NUL byte", "[\x00]", 1, `invalid JSON: unexpected '\x00' at offset 1 looking for beginning of value`},
		{"a misspelt literal", `[trUe]`, 3, `invalid JSON: unexpected 'U' at offset 3 in literal true`},
		{"a truncated literal", `nul`, 3, "invalid JSON: unexpected end of input"},
		{"a bare minus", `-x`, 1, `invalid JSON: unexpected 'x' at offset 1 in numeric literal`},
		{"a bare decimal point", `1.x`, 2, `invalid JSON: unexpected 'x' at offset 2 after decimal point in numeric literal`},
		{"a bare exponent", `1e+x`, 3, `invalid JSON: unexpected 'x' at offset 3 in exponent of numeric literal`},
		{"a leading zero", `01`, 1, `invalid JSON: unexpected '1' at offset 1 after top-level value`},
		{"an unterminated string", `"abc`, 4, "invalid JSON: unexpected end of input"},
		{"a control character in a string", "\"a\x01\"", 2, `invalid JSON: unexpected '\x01' at offset 2 in string literal`},
		{"an unknown escape", `"a\q"`, 3, `invalid JSON: unexpected 'q' at offset 3 in string escape code`},
		{"a short unicode escape", `"\u12"`, 5, `invalid JSON: unexpected '"' at offset 5 in \u hexadecimal character escape`},
		{"a non-hex unicode escape", `"\u12g4"`, 5, `invalid JSON: unexpected 'g' at offset 5 in \u hexadecimal character escape`},
		{"a backslash at the end", `"\`, 2, "invalid JSON: unexpected end of input"},
		{"a name that is not a string", `{1:2}`, 1, `invalid JSON: unexpected '1' at offset 1 looking for beginning of object key string`},
		{"a missing colon", `{"a" 1}`, 5, `invalid JSON: unexpected '1' at offset 5 after object key`},
		{"a missing comma in an object", `{"a":1 "b":2}`, 7, `invalid JSON: unexpected '"' at offset 7 after object key:value pair`},
		{"a trailing comma in an object", `{"a":1,}`, 7, `invalid JSON: unexpected '}' at offset 7 looking for beginning of object key string`},
		{"a missing comma in an array", `[1 2]`, 3, `invalid JSON: unexpected '2' at offset 3 after array element`},
		{"a trailing comma in an array", `[1,]`, 3, `invalid JSON: unexpected ']' at offset 3 looking for beginning of value`},
		{"a second value", `{} {}`, 3, `invalid JSON: unexpected '{' at offset 3 after top-level value`},
		{"nesting deeper than encoding/json allows", tooDeep, MaxDepth, `invalid JSON: unexpected '[' at offset 10000 exceeding the maximum depth of nesting`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.text)
			if json.Valid(data) {
				t.Fatal("not a valid case: json.Valid accepts it")
			}
			_, valueErr := readValue(data)
			for how, err := range map[string]error{"Value": valueErr, "Skip": skip(data)} {
				var e *SyntaxError
				if !errors.As(err, &e) || e.Offset != tt.offset || e.Error() != tt.want {
					t.Errorf("%s: error %v (%#v)\nwant %s at offset %d", how, err, e, tt.want, tt.offset)
				}
			}
		})
	}
}

func TestNestingAsDeepAsEncodingJSONAllows(t *testing.T) {
	arrays := func(depth int) []byte {
		return []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
	}
	objects := func(depth int) []byte {
		return []byte(strings.Repeat(`{"a":`, depth-1) + "{}" + strings.Repeat("}", depth-1))
	}
	for _, tt := range []struct {
		name string
		text []byte
		ok   bool
	}{
		{"arrays MaxDepth deep", arrays(MaxDepth), true},
		{"arrays one deeper", arrays(MaxDepth + 1), false},
		{"objects MaxDepth deep", objects(MaxDepth), true},
		{"objects one deeper", objects(MaxDepth + 1), false},
		{"closed arrays do not count", []byte(strings.Repeat("[[],", MaxDepth-1) + "[]" + strings.Repeat("]", MaxDepth-1)), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if json.Valid(tt.text) != tt.ok {
				t.Fatalf("not a valid case: json.Valid says %v", !tt.ok)
			}
			_, valueErr := readValue(tt.text)
			for how, err := range map[string]error{"Value": valueErr, "Skip": skip(tt.text)} {
				if (err == nil) != tt.ok {
					t.Errorf("%s: error %v, want one: %v", how, err, !tt.ok)
				}
			}
		})
	}
}

func TestTypeErrorsSayWhatAndWhere(t *testing.T) {
	for _, tt := range []struct {
		name string
		text string
		read func(*Decoder) error
		want TypeError
		msg  string
	}{
		{"a value of another kind", `"1"`, func(d *Decoder) error { return d.Mismatch("an integer") },
			TypeError{Found: String, Want: "an integer"}, "found a string, want an integer"},
		{"an integer with a fraction", `1.5`, func(d *Decoder) error { _, err := d.Int(32); return err },
			TypeError{Found: Number, Number: "1.5", Want: "int32"}, "number 1.5 is no int32"},
		{"an integer out of range", `-9223372036854775809`, func(d *Decoder) error { _, err := d.Int(64); return err },
			TypeError{Found: Number, Number: "-9223372036854775809", Want: "int64"}, "number -9223372036854775809 is no int64"},
		{"a float out of range", `1e39`, func(d *Decoder) error { _, err := d.Float(32); return err },
			TypeError{Found: Number, Number: "1e39", Want: "float32"}, "number 1e39 is no float32"},
		{"a path of names and indexes", `{"a":{"b":[0,{"c":[1e400]}]}}`, func(d *Decoder) error { _, err := d.Value(); return err },
			TypeError{Found: Number, Number: "1e400", Want: "float64", Path: "a.b[1].c[0]"}, "a.b[1].c[0]: number 1e400 is no float64"},
		{"a path of indexes", `[[true]]`, func(d *Decoder) error {
			return d.Array(func(int) error { return d.Array(func(int) error { return d.Mismatch("a string") }) })
		}, TypeError{Found: Bool, Want: "a string", Path: "[0][0]"}, "[0][0]: found a boolean, want a string"},
		{"an escaped name in a path", `{"a\u002eb":null}`, func(d *Decoder) error {
			return d.Object(func([]byte) error { return d.Mismatch("a string") })
		}, TypeError{Found: Null, Want: "a string", Path: "a.b"}, "a.b: found null, want a string"},
		{"an object for an array", `{}`, func(d *Decoder) error { return d.Array(func(int) error { return nil }) },
			TypeError{Found: Object, Want: "an array"}, "found an object, want an array"},
		{"an array for an object", `[]`, func(d *Decoder) error { return d.Object(func([]byte) error { return nil }) },
			TypeError{Found: Array, Want: "an object"}, "found an array, want an object"},
		{"a number for a string", `1`, func(d *Decoder) error { _, err := d.String(); return err },
			TypeError{Found: Number, Want: "a string"}, "found a number, want a string"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoder
			d.Reset([]byte(tt.text))
			err := tt.read(&d)
			var e *TypeError
			if !errors.As(err, &e) || *e != tt.want || e.Error() != tt.msg {
				t.Errorf("error %v (%#v)\nwant %s (%#v)", err, e, tt.msg, tt.want)
			}
		})
	}
}

func TestMismatchOfNoValueIsASyntaxError(t *testing.T) {
	for _, text := range []string{``, `   `, `}`, `x`} {
		var d Decoder
		d.Reset([]byte(text))
		if err := d.Mismatch("a string"); !errors.As(err, new(*SyntaxError)) {
			t.Errorf("Mismatch of %q: %v, want a syntax error", text, err)
		}
	}
}

func TestKindIsTheFirstByte(t *testing.T) {
	for text, want := range map[string]Kind{
		``: Invalid, `  `: Invalid, `}`: Invalid, `x`: Invalid, "\x00": Invalid, `+1`: Invalid,
		` null`: Null, `nul`: Null, `true`: Bool, "\t\r\nfalse": Bool, `-`: Number, `0`: Number, `9`: Number,
		`"`: String, `{`: Object, `[`: Array,
	} {
		var d Decoder
		d.Reset([]byte(text))
		if got := d.Kind(); got != want {
			t.Errorf("Kind of %q = %v, want %v", text, got, want)
		}
	}
}

// fieldsStruct has fields of names that fold alike, in an order that matters, and of
// names that fold as Unicode does.
type fieldsStruct struct {
	Version1 int `json:"version"`
	Version2 int `json:"Version"`
	AB1      int `json:"aB"`
	AB2      int `json:"Ab"`
	Stage    int `json:"stage"`
	Key      int `json:"key"`
	UserID   int `json:"userId"`
	Empty    int `json:""` // named Empty by encoding/json
}

var fieldNames = []string{"version", "Version", "aB", "Ab", "stage", "key", "userId", "Empty"}

// member is an object of one member of the given name.
func member(name string) []byte {
	return append(AppendString([]byte("{"), name, false), ":1}"...)
}

// unmarshalSelects is the field of fieldsStruct that json.Unmarshal sets for a member of
// the given name, or "".
func unmarshalSelects(t *testing.T, name string) string {
	t.Helper()
	var v fieldsStruct
	if err := json.Unmarshal(member(name), &v); err != nil {
		t.Fatal(err)
	}
	rv := reflect.ValueOf(v)
	for i, f := range fieldNames {
		if rv.Field(i).Int() != 0 {
			return f
		}
	}
	return ""
}

// structSelects is the field of fieldNames that Struct calls for a member of the given
// name, or "".
func structSelects(t *testing.T, name string) string {
	t.Helper()
	var d Decoder
	d.Reset(member(name))
	var selected string
	err := d.Struct(fieldNames, func(f string) error {
		selected = f
		return d.Skip()
	})
	if err != nil {
		t.Fatal(err)
	}
	return selected
}

// fieldCases are member names and the field each selects.
var fieldCases = []struct{ name, want string }{
	{"version", "version"},
	{"Version", "Version"},
	{"VERSION", "version"},
	{"vErSiOn", "version"},
	{"ab", "aB"},
	{"AB", "aB"},
	{"Ab", "Ab"},
	{"ſtage", "stage"}, // long s folds to s
	{"Key", "key"},     // the Kelvin sign folds to k
	{"userıd", ""},     // dotless i does not fold to i
	{"USERİD", ""},     // nor dotted capital I
	{"KKey", ""},
	{"Stage", "stage"},
	{"empty", "Empty"},
	{"versio", ""},
	{"version ", ""},
	{"", ""},
	{"\xffversion", ""},
	{"stage\x00", ""},
}

func TestStructSelectsFieldsAsEncodingJSON(t *testing.T) {
	for _, tt := range fieldCases {
		if want := unmarshalSelects(t, tt.name); want != tt.want {
			t.Errorf("%q: not a valid case: encoding/json selects %q", tt.name, want)
		}
		if got := structSelects(t, tt.name); got != tt.want {
			t.Errorf("%q selects %q, want %q", tt.name, got, tt.want)
		}
	}
}

func FuzzStructSelectsFieldsAsEncodingJSON(f *testing.F) {
	for _, tt := range fieldCases {
		f.Add(tt.name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := structSelects(t, name), unmarshalSelects(t, name); got != want {
			t.Errorf("%q selects %q, encoding/json selects %q", name, got, want)
		}
	})
}

func TestKindNamesAsEncodingJSON(t *testing.T) {
	for text, k := range map[string]Kind{"true": Bool, "1": Number, `"s"`: String, "{}": Object, "[]": Array} {
		var v struct{ F chan int }
		var err *json.UnmarshalTypeError
		if !errors.As(json.Unmarshal([]byte(`{"F":`+text+`}`), &v), &err) || err.Value != k.String() {
			t.Errorf("%s: Kind %v, encoding/json calls it %v", text, k, err)
		}
	}
}
