package appsapi

import (
	"errors"
	"net/http"

	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/idempotency"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/telemetry"
	"github.com/clientele/clientele/internal/web"
)

type errorJSON struct {
	Error problem `json:"error"`
}

type problem struct {
	Code       string              `json:"code"`
	Message    string              `json:"message"`
	Details    map[string][]string `json:"details,omitempty"`
	ExistingID string              `json:"existing_id,omitempty"` // the holder of a taken email or external id
}

func writeProblem(w http.ResponseWriter, status int, p problem) {
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	web.JSON(w, status, errorJSON{Error: p})
}

// Fail renders a bare status in the Apps API's error format; it is the web.Failure of
// every Apps API route.
func Fail(w http.ResponseWriter, r *http.Request, status int) {
	p := problem{Code: "internal_error", Message: "internal server error"}
	switch status {
	case http.StatusBadRequest:
		p = problem{Code: "bad_request", Message: "bad request"}
	case http.StatusUnauthorized:
		p = problem{Code: "unauthorized", Message: "a valid API key is required (Authorization: Bearer <key>)"}
	case http.StatusForbidden:
		p = problem{Code: "forbidden", Message: "this key may not do that"}
	case http.StatusNotFound:
		p = problem{Code: "not_found", Message: "no such resource"}
	case http.StatusRequestEntityTooLarge:
		p = problem{Code: "payload_too_large", Message: "the request body is larger than 1 MiB"}
	case http.StatusTooManyRequests:
		p = problem{Code: "rate_limited", Message: "too many requests, try again shortly"}
	case http.StatusServiceUnavailable:
		p = problem{Code: "service_unavailable", Message: "temporarily unavailable, try again shortly"}
	}
	writeProblem(w, status, p)
}

func notFound(w http.ResponseWriter, what string) {
	writeProblem(w, http.StatusNotFound, problem{Code: "not_found", Message: what + " not found"})
}

func badRequest(w http.ResponseWriter, message string) {
	writeProblem(w, http.StatusBadRequest, problem{Code: "bad_request", Message: message})
}

func invalid(w http.ResponseWriter, v *customer.ValidationError) {
	details := map[string][]string{}
	for _, fe := range v.Errors {
		details[fe.Field] = append(details[fe.Field], fe.Message)
	}
	writeProblem(w, http.StatusUnprocessableEntity, problem{Code: "validation_error", Message: "the request has invalid fields", Details: details})
}

// claim is the request's idempotency claim (web.Claim); a bad Idempotency-Key is answered
// 400 here.
func claim(w http.ResponseWriter, r *http.Request, raw []byte, render func(idempotency.Result) idempotency.Answer) (*idempotency.Claim, bool) {
	c, err := web.Claim(r, raw, render)
	if err != nil {
		badRequest(w, "Idempotency-Key must be 1 to 255 printable ASCII characters, sent once")
		return nil, false
	}
	return c, true
}

// noClaim refuses an Idempotency-Key on the account's routes (apps and keys), which do not
// keep records: an app is named by its unique slug, so a retried create answers 409 and GET
// /apps/{slug} shows what the first did; and a key's secret is shown once and never stored,
// so no record may keep the answer that holds it.
func noClaim(w http.ResponseWriter, r *http.Request) bool {
	if len(r.Header.Values(idempotency.Header)) == 0 {
		return true
	}
	badRequest(w, "Idempotency-Key is not supported on apps and api-keys: create an app again to get 409 for its slug, or list the keys")
	return false
}

func invalidField(w http.ResponseWriter, field, message string) {
	var v customer.ValidationError
	v.Add(field, customer.CodeInvalidFormat, message)
	invalid(w, &v)
}

// storeError answers for an error of the store; what names the resource asked for.
func storeError(w http.ResponseWriter, r *http.Request, err error, what string) {
	var ve *customer.ValidationError
	var ce *store.ConflictError
	switch {
	case web.Replayed(w, r, err):
	case errors.Is(err, idempotency.ErrKeyReused):
		writeProblem(w, http.StatusUnprocessableEntity, problem{Code: "idempotency_key_reused",
			Message: "this Idempotency-Key was used for another request (method, path or body): a new request needs a new key"})
	case errors.Is(err, idempotency.ErrKeyInUse):
		w.Header().Set("Retry-After", "1")
		writeProblem(w, http.StatusConflict, problem{Code: "idempotency_key_in_use",
			Message: "a request with this Idempotency-Key is in progress: retry shortly"})
	case errors.As(err, &ve):
		invalid(w, ve)
	case errors.As(err, &ce):
		field, message := "email", "email has already been taken"
		if errors.Is(err, store.ErrExternalIDTaken) {
			field, message = "external_id", "external_id has already been taken"
		}
		writeProblem(w, http.StatusConflict, problem{
			Code: "conflict", Message: message, ExistingID: customerPrefix + ce.ExistingID,
			Details: map[string][]string{field: {"has already been taken"}},
		})
	case errors.Is(err, store.ErrAppNotFound), errors.Is(err, store.ErrAppNotActive):
		notFound(w, "app")
	case errors.Is(err, store.ErrNotFound):
		notFound(w, what)
	case errors.Is(err, store.ErrSlugTaken):
		writeProblem(w, http.StatusConflict, problem{Code: "conflict", Message: "slug has already been taken",
			Details: map[string][]string{"slug": {"has already been taken"}}})
	case errors.Is(err, store.ErrVersionConflict):
		writeProblem(w, http.StatusConflict, problem{Code: "conflict", Message: "the " + what + " was changed by another request"})
	case errors.Is(err, store.ErrInvalidCursor):
		badRequest(w, "invalid cursor: pass next_cursor from a previous page of the same list, unchanged")
	case errors.Is(err, store.ErrFilterTooLarge):
		badRequest(w, "too many filter values for one list: narrow the filters")
	case errors.Is(err, store.ErrPageTooDeep):
		badRequest(w, "page is too deep for page/per_page: follow meta.next_cursor with the cursor parameter instead")
	case errors.Is(err, store.ErrLicenseLimit):
		invalidField(w, "customer_id", "has the most licenses a customer can have")
	case errors.Is(err, store.ErrBusy):
		web.Logger(r.Context()).Warn("store busy", "error", err.Error())
		telemetry.Count(r.Context(), "BusyAnswers")
		Fail(w, r, http.StatusServiceUnavailable)
	case errors.Is(err, store.ErrUnavailable):
		// DynamoDB failed, or its answer was lost: the write may or may not have happened
		// (whole, never in part), and the client may retry.
		web.Logger(r.Context()).Error("store unavailable", "error", err.Error())
		Fail(w, r, http.StatusServiceUnavailable)
	default:
		web.Logger(r.Context()).Error("request failed", "error", err.Error())
		Fail(w, r, http.StatusInternalServerError)
	}
}
