// Package authorizer is the API Gateway Lambda REQUEST authorizer (payload 2.0, simple
// responses): it turns the Bearer key of a request into the principal the functions read.
package authorizer

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/store"
)

// Authorizer looks keys up by their hash.
type Authorizer struct {
	store *store.Store
	log   *slog.Logger
}

// New returns an authorizer over the store.
func New(s *store.Store, log *slog.Logger) *Authorizer { return &Authorizer{store: s, log: log} }

// Handle authorizes one request. Every request is let through: a valid key with its
// principal in the context, a missing or invalid one with an empty context, so that each
// function answers 401 in its own dialect's format (API Gateway would answer a denial with
// its own 403 body). Only a failure to read the table is an error (API Gateway answers 500
// and does not cache it).
func (a *Authorizer) Handle(
	ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request,
) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	deny := events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: map[string]any{}}
	header := req.Headers["authorization"]
	if header == "" && len(req.IdentitySource) > 0 {
		header = req.IdentitySource[0]
	}
	token, ok := auth.BearerToken(header)
	if !ok || !auth.Plausible(token) {
		return deny, nil
	}
	k, err := a.store.KeyByHash(ctx, auth.Hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return deny, nil
	}
	if err != nil {
		a.log.ErrorContext(ctx, "authorizer: key lookup failed", "error", err.Error())
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, errors.New("authorizer unavailable")
	}
	p := auth.Principal{KeyID: k.ID, AppID: k.AppID, AppSlug: k.AppSlug, AppName: k.AppName, Kind: k.Kind}
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: p.AuthorizerContext()}, nil
}
