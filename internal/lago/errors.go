package lago

import (
	"errors"
	"net/http"

	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/web"
)

type errorJSON struct {
	Status       int    `json:"status"`
	Error        string `json:"error"`
	Code         string `json:"code,omitempty"`
	ErrorDetails any    `json:"error_details,omitempty"` // {field: [code]}, or {field: {index: [code]}} for a list filter
}

// answer is Lago's status and code of a kind of problem, and its details of one field.
type answer struct {
	status  int
	code    string
	details map[string][]string
}

// fieldCode is the details of one field with one of Lago's codes.
func fieldCode(field, code string) map[string][]string { return map[string][]string{field: {code}} }

// unprocessable is the status of Lago's validation errors.
const unprocessable = http.StatusUnprocessableEntity

// answers is the Lago API's table of problems.
var answers = map[problem.Kind]answer{
	problem.Internal:              {http.StatusInternalServerError, codeInternalError, nil},
	problem.BadRequest:            {http.StatusBadRequest, "", nil},
	problem.BodyTooLarge:          {http.StatusRequestEntityTooLarge, "", nil},
	problem.BodyNotUTF8:           {http.StatusBadRequest, "", nil},
	problem.BodyNotStrictJSON:     {http.StatusBadRequest, "", nil},
	problem.BodyUnreadable:        {http.StatusBadRequest, "", nil},
	problem.Unauthorized:          {http.StatusUnauthorized, "", nil},
	problem.ReadOnly:              {http.StatusForbidden, "forbidden", nil},
	problem.Forbidden:             {http.StatusForbidden, "forbidden", nil},
	problem.NoRoute:               {http.StatusNotFound, "not_found", nil},
	problem.NotFound:              {http.StatusNotFound, codeNotFound, nil},
	problem.AppNotFound:           {http.StatusUnauthorized, "", nil}, // the key's organization is gone
	problem.AppActive:             {unprocessable, codeValidation, fieldCode("organization", codeInvalid)},
	problem.Invalid:               {unprocessable, codeValidation, nil},
	problem.EmailTaken:            {unprocessable, codeValidation, fieldCode("email", codeAlreadyExist)},
	problem.ExternalIDTaken:       {unprocessable, codeValidation, fieldCode("external_id", codeAlreadyExist)},
	problem.SlugTaken:             {unprocessable, codeValidation, fieldCode("slug", codeAlreadyExist)},
	problem.InvalidCursor:         {unprocessable, codeValidation, fieldCode("cursor", codeInvalid)},
	problem.ListTooLarge:          {unprocessable, codeValidation, fieldCode("page", "page_too_deep")},
	problem.FilterTooLarge:        {unprocessable, codeValidation, fieldCode("filters", "too_many_values")},
	problem.LicenseLimit:          {unprocessable, codeValidation, fieldCode("licenses", codeInvalidCount)},
	problem.EndpointLimit:         {unprocessable, codeValidation, fieldCode("base", endpointLimitMessage)},
	problem.URLTaken:              {unprocessable, codeValidation, fieldCode("webhook_url", codeAlreadyExist)},
	problem.IdempotencyKeyInvalid: {http.StatusBadRequest, "invalid_idempotency_key", nil},
	problem.IdempotencyKeyReused:  {unprocessable, codeValidation, fieldCode("idempotency_key", "idempotency_key_reused")},
	problem.IdempotencyKeyInUse:   {http.StatusConflict, "idempotency_key_in_use", nil},
	problem.Busy:                  {http.StatusServiceUnavailable, "service_unavailable", nil},
	problem.Unavailable:           {http.StatusServiceUnavailable, "service_unavailable", nil},
}

// Renderer is the Lago API's answer to errors, {status, error, code, error_details}: a
// version conflict is a busy store in Lago, which a retry cures.
func Renderer() problem.Renderer {
	return problem.Renderer{Table: render, As: map[problem.Kind]problem.Kind{problem.VersionConflict: problem.Busy}}
}

// errNoBillingEntity is a billing entity code that is not the app's: Lago's 404
// billing_entity_not_found.
var errNoBillingEntity = &problem.Error{Kind: problem.NotFound, Message: "no billing entity has that code"}

// render is the Lago API's answer to a problem, from its table.
func render(p problem.Problem) idempotency.Answer {
	row := problem.Row(answers, p.Kind)
	if errors.Is(p.Err, errNoBillingEntity) {
		row.code = codeNoBilling
	}
	var details any
	switch {
	case p.Details != nil:
		details = p.Details
	case p.Fields != nil:
		byField := map[string][]string{}
		for _, fe := range p.Fields.Errors {
			f := lagoField(fe.Field)
			byField[f] = append(byField[f], lagoCode(fe.Code))
		}
		details = byField
	case row.details != nil:
		details = row.details
	}
	code := row.code
	if r := resourceOf(p.Err); r != "" && p.Kind == problem.NotFound {
		code = r + "_not_found" // Lago's code names the resource: webhook_endpoint_not_found
	}
	body := errorJSON{Status: row.status, Error: http.StatusText(row.status), Code: code, ErrorDetails: details}
	return web.JSON(row.status, body)
}

// invalid is Lago's 422 with its own details of the fields at fault.
func invalid(details any) error {
	return &problem.Error{Kind: problem.Invalid, Details: details}
}
