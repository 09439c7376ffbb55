package appsapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/web"
)

type errorJSON struct {
	Error problemJSON `json:"error"`
}

type problemJSON struct {
	Code       string              `json:"code"`
	Message    string              `json:"message"`
	Details    map[string][]string `json:"details,omitempty"`
	ExistingID string              `json:"existing_id,omitempty"` // the holder of a taken email or external id
}

// answer is the Apps API's status, code and message of a kind of problem (%s: the record it is about).
type answer struct {
	status        int
	code, message string
}

// retryShortly is the message of a 503.
const retryShortly = "temporarily unavailable, try again shortly"

// answers is the Apps API's table of problems.
var answers = map[problem.Kind]answer{
	problem.Internal:   {http.StatusInternalServerError, "internal_error", "internal server error"},
	problem.BadRequest: {http.StatusBadRequest, "bad_request", "bad request"},
	problem.BodyTooLarge: {http.StatusRequestEntityTooLarge, "payload_too_large",
		"the request body is larger than 1 MiB"},
	problem.BodyNotUTF8: {http.StatusBadRequest, "bad_request", "the body must be valid UTF-8"},
	problem.BodyNotStrictJSON: {http.StatusBadRequest, "bad_request",
		"the body must be JSON whose objects name each key once, without lone surrogate escapes"},
	problem.BodyUnreadable: {http.StatusBadRequest, "bad_request", "could not read the request body"},
	problem.Unauthorized: {http.StatusUnauthorized, "unauthorized",
		"a valid API key is required (Authorization: Bearer <key>)"},
	problem.ReadOnly:        {http.StatusForbidden, "forbidden", "publishable keys are read-only: use a secret key"},
	problem.Forbidden:       {http.StatusForbidden, "forbidden", "this key may not do that"},
	problem.NoRoute:         {http.StatusNotFound, "not_found", "no such resource"},
	problem.NotFound:        {http.StatusNotFound, "not_found", "%s not found"},
	problem.AppNotFound:     {http.StatusNotFound, "not_found", "app not found"},
	problem.AppActive:       {http.StatusConflict, "conflict", "the app is not being deleted"},
	problem.Invalid:         {http.StatusUnprocessableEntity, "validation_error", "the request has invalid fields"},
	problem.EmailTaken:      {http.StatusConflict, "conflict", "email has already been taken"},
	problem.ExternalIDTaken: {http.StatusConflict, "conflict", "external_id has already been taken"},
	problem.SlugTaken:       {http.StatusConflict, "conflict", "slug has already been taken"},
	problem.VersionConflict: {http.StatusConflict, "conflict", "the %s was changed by another request"},
	problem.InvalidCursor: {http.StatusBadRequest, "bad_request",
		"invalid cursor: pass next_cursor from a previous page of the same list, unchanged"},
	problem.ListTooLarge: {http.StatusBadRequest, "bad_request",
		"too many customers to sort before the app is re-indexed: narrow the filters"},
	problem.FilterTooLarge: {http.StatusBadRequest, "bad_request",
		"too many filter values for one list: narrow the filters"},
	problem.LicenseLimit: {http.StatusUnprocessableEntity, "validation_error", "the request has invalid fields"},
	problem.EndpointLimit: {http.StatusUnprocessableEntity, "validation_error",
		"an app has at most 10 webhook endpoints: delete one first"},
	problem.URLTaken: {http.StatusConflict, "conflict", "url has already been taken by a webhook endpoint of the app"},
	problem.IdempotencyKeyInvalid: {http.StatusBadRequest, "bad_request",
		"Idempotency-Key must be 1 to 255 printable ASCII characters, sent once"},
	problem.IdempotencyKeyReused: {http.StatusUnprocessableEntity, "idempotency_key_reused",
		"this Idempotency-Key was used for another request (method, path or body): a new request needs a new key"},
	problem.IdempotencyKeyInUse: {http.StatusConflict, "idempotency_key_in_use",
		"a request with this Idempotency-Key is in progress: retry shortly"},
	problem.Busy:        {http.StatusServiceUnavailable, "service_unavailable", retryShortly},
	problem.Unavailable: {http.StatusServiceUnavailable, "service_unavailable", retryShortly},
}

// fieldDetails are the details of the kinds that are about one field.
var fieldDetails = map[problem.Kind]map[string][]string{
	problem.EmailTaken:      {"email": {"has already been taken"}},
	problem.ExternalIDTaken: {"external_id": {"has already been taken"}},
	problem.SlugTaken:       {"slug": {"has already been taken"}},
	problem.LicenseLimit:    {"customer_id": {"has the most licenses a customer can have"}},
	problem.URLTaken:        {"url": {"has already been taken"}},
}

// Renderer is the Apps API's answer to errors: {"error": {code, message, details}}.
func Renderer() problem.Renderer { return problem.Renderer{Table: render} }

// render is the Apps API's answer to a problem, from its table.
func render(p problem.Problem) idempotency.Answer {
	row := problem.Row(answers, p.Kind)
	out := problemJSON{Code: row.code, Message: row.message}
	if strings.Contains(row.message, "%s") {
		out.Message = fmt.Sprintf(row.message, recordOf(p.Err, "resource"))
	}
	out.Details = fieldDetails[p.Kind]
	if p.Fields != nil {
		out.Details = map[string][]string{}
		for _, fe := range p.Fields.Errors {
			out.Details[fe.Field] = append(out.Details[fe.Field], fe.Message)
		}
	}
	if p.ExistingID != "" {
		out.ExistingID = customerPrefix + p.ExistingID
	}
	if p.Message != "" {
		out.Message = p.Message
	}
	return web.JSON(row.status, errorJSON{Error: out})
}

// recordError names the record an error is about ("license"), for the answer's words.
type recordError struct {
	record string
	err    error
}

// Error is the record and the error.
func (e *recordError) Error() string { return e.record + ": " + e.err.Error() }

// Unwrap is the error about the record.
func (e *recordError) Unwrap() error { return e.err }

// about is err about the record named record; nil for nil.
func about(record string, err error) error {
	if err == nil {
		return nil
	}
	return &recordError{record: record, err: err}
}

// recordOf is the record that err is about, else def.
func recordOf(err error, def string) string {
	var re *recordError
	if errors.As(err, &re) {
		return re.record
	}
	return def
}
