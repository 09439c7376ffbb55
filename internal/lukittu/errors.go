package lukittu

import (
	"net/http"
	"time"

	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/problem"
	"github.com/clientele/clientele/internal/web"
	"github.com/clientele/clientele/internal/wire"
)

// Result codes used here, from the contract's enum.
const (
	codeBadRequest       = "BAD_REQUEST"
	codeUnauthorized     = "UNAUTHORIZED"
	codeForbidden        = "FORBIDDEN"
	codeCustomerNotFound = "CUSTOMER_NOT_FOUND"
	codeTeamNotFound     = "TEAM_NOT_FOUND"
	codeInternal         = "INTERNAL_SERVER_ERROR"
)

// answer is Lukittu's status, result code and details of a kind of problem.
type answer struct {
	status        int
	code, details string
}

// retryShortly is the details of a 503.
const retryShortly = "Service temporarily unavailable, try again shortly"

// answers is the Lukittu API's table of problems.
var answers = map[problem.Kind]answer{
	problem.Internal:     {http.StatusInternalServerError, codeInternal, "Internal server error"},
	problem.BadRequest:   {http.StatusBadRequest, codeBadRequest, "Bad request"},
	problem.BodyTooLarge: {http.StatusRequestEntityTooLarge, codeBadRequest, "Request body is larger than 1 MiB"},
	problem.BodyNotUTF8:  {http.StatusBadRequest, codeBadRequest, "The request body must be valid UTF-8"},
	problem.BodyNotStrictJSON: {http.StatusBadRequest, codeBadRequest,
		"The request body must be JSON whose objects name each key once, without lone surrogate escapes"},
	problem.BodyUnreadable:  {http.StatusBadRequest, codeBadRequest, "Could not read the request body"},
	problem.Unauthorized:    {http.StatusUnauthorized, codeUnauthorized, "Unauthorized"},
	problem.ReadOnly:        {http.StatusForbidden, codeForbidden, "Forbidden"},
	problem.Forbidden:       {http.StatusForbidden, codeForbidden, "Forbidden"},
	problem.NoRoute:         {http.StatusNotFound, codeBadRequest, "Not found"},
	problem.NotFound:        {http.StatusNotFound, codeCustomerNotFound, "Customer not found"},
	problem.AppNotFound:     {http.StatusNotFound, codeTeamNotFound, "Team not found"},
	problem.AppActive:       {http.StatusConflict, codeBadRequest, "The team is not being deleted"},
	problem.Invalid:         {http.StatusBadRequest, codeBadRequest, "Invalid request body"},
	problem.EmailTaken:      {http.StatusConflict, codeBadRequest, "A customer with this email already exists"},
	problem.ExternalIDTaken: {http.StatusConflict, codeBadRequest, "A customer with this external id already exists"},
	problem.SlugTaken:       {http.StatusConflict, codeBadRequest, "A team with this slug already exists"},
	problem.VersionConflict: {http.StatusConflict, codeBadRequest, "The customer was changed by another request"},
	problem.InvalidCursor:   {http.StatusBadRequest, codeBadRequest, "Invalid cursor"},
	problem.ListTooLarge: {http.StatusBadRequest, codeBadRequest,
		"Too many customers to sort by this column before the team is re-indexed: sort by createdAt"},
	problem.FilterTooLarge: {http.StatusBadRequest, codeBadRequest,
		"Too many filter values for one list: narrow the filters"},
	problem.EndpointLimit: {http.StatusBadRequest, codeBadRequest,
		"The team has the most webhooks a team can have: delete one first"},
	problem.URLTaken: {http.StatusConflict, codeBadRequest, "A webhook with this URL already exists"},
	problem.LicenseLimit: {http.StatusBadRequest, codeBadRequest,
		"The customer has the most licenses a customer can have"},
	problem.IdempotencyKeyInvalid: {http.StatusBadRequest, codeBadRequest,
		"Idempotency-Key must be 1 to 255 printable ASCII characters, sent once"},
	problem.IdempotencyKeyReused: {http.StatusUnprocessableEntity, codeBadRequest,
		"This Idempotency-Key was used for a different request: a new request needs a new key"},
	problem.IdempotencyKeyInUse: {http.StatusConflict, codeBadRequest,
		"A request with this Idempotency-Key is in progress, retry shortly"},
	problem.Busy:        {http.StatusServiceUnavailable, codeInternal, retryShortly},
	problem.Unavailable: {http.StatusServiceUnavailable, codeInternal, retryShortly},
}

// ErrNoSuchRoute is what the catch-all answers under the Lukittu prefix.
var ErrNoSuchRoute = &problem.Error{Kind: problem.NoRoute, Message: "No such route"}

// Renderer is the Lukittu API's answer to errors: its envelope, valid false, with a code.
func Renderer() problem.Renderer { return problem.Renderer{Table: render} }

// render is the Lukittu API's answer to a problem, from its table.
func render(p problem.Problem) idempotency.Answer {
	row := problem.Row(answers, p.Kind)
	details := row.details
	switch {
	case p.Message != "":
		details = p.Message
	case p.Fields != nil && len(p.Fields.Errors) > 0:
		details = invalidDetails(p.Fields.Errors[0].Field, p.Fields.Errors[0].Message)
	}
	res := result{Timestamp: wire.Time(time.Now()), Valid: false, Details: details, Code: row.code}
	return web.JSON(row.status, envelope{Result: res})
}

// invalidDetails are the details of a field the rules refuse.
func invalidDetails(field, message string) string {
	return "Invalid " + lukittuField(field) + ": " + message
}
