// Package apigw is API Gateway HTTP API payload 2.0 events for Lambda, decoded and encoded
// without reflection.
//
// lambda.Start given a plain function decodes each event with encoding/json into the
// function's argument type, calls it with reflect.Value.Call and encodes its result with
// encoding/json. encoding/json builds a codec for each struct type by reflection on first use,
// which a function pays on its first invocation, its cold start. The handlers here do the same
// work by hand: they decode exactly what json.Unmarshal would put in the events types (the
// tests hold them to it), and encode the answers as aws-lambda-go does (no HTML escaping, map
// keys sorted), byte for byte.
package apigw

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// Handler returns the Lambda handler of an HTTP API function (payload format 2.0), such as
// httpadapter.NewV2(h).ProxyWithContext. lambda.Start uses it as it is.
func Handler(h func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) lambda.Handler {
	return httpHandler(h)
}

type httpHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Invoke decodes the event, calls the function and encodes its answer. An error of the
// function is returned as it is, as lambda.Start's own handler returns it.
func (h httpHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var req events.APIGatewayV2HTTPRequest
	if err := decodeRequest(payload, &req); err != nil {
		return nil, err
	}
	resp, err := h(ctx, req)
	if err != nil {
		return nil, err
	}
	return appendResponse(make([]byte, 0, 256+len(resp.Body)), resp), nil
}

// AuthorizerHandler returns the Lambda handler of an HTTP API Lambda REQUEST authorizer
// (payload format 2.0, simple responses), such as authorizer.Authorizer.Handle.
func AuthorizerHandler(h func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)) lambda.Handler {
	return authorizerHandler(h)
}

type authorizerHandler func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)

// Invoke decodes the request, calls the authorizer and encodes its answer.
func (h authorizerHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var req events.APIGatewayV2CustomAuthorizerV2Request
	if err := decodeAuthorizerRequest(payload, &req); err != nil {
		return nil, err
	}
	resp, err := h(ctx, req)
	if err != nil {
		return nil, err
	}
	return appendSimpleResponse(make([]byte, 0, 256), resp)
}
