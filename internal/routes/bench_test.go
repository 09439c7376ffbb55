package routes_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/clientele/clientele/internal/auth"
	"github.com/clientele/clientele/internal/customer"
	"github.com/clientele/clientele/internal/dynamotest"
	"github.com/clientele/clientele/internal/routes"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/tenant"
)

// BenchmarkWarmGetCustomer compares a warm GET customer through the whole Lambda handler
// (event JSON in, response JSON out, as the runtime invokes it) with a bare GetItem of the
// same customer on the same table and client: the difference is what the handler adds.
func BenchmarkWarmGetCustomer(b *testing.B) {
	ctx := context.Background()
	tbl := dynamotest.New(b)
	s := store.New(tbl.DB, tbl.Name)
	app, err := s.CreateApp(ctx, tenant.App{Slug: "bench", Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	c, err := s.CreateCustomer(ctx, app.ID, customer.Customer{Email: "warm@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	principal := auth.Principal{KeyID: customer.NewID(), AppID: app.ID, AppSlug: app.Slug, Kind: auth.Secret}
	path := "/api/v1/apps/bench/customers/cus_" + c.ID
	payload, err := json.Marshal(events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "GET /api/v1/apps/{slug}/customers/{id}", RawPath: path,
		Headers:        map[string]string{"authorization": "Bearer sk_live_x"},
		PathParameters: map[string]string{"slug": "bench", "id": "cus_" + c.ID},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "GET /api/v1/apps/{slug}/customers/{id}", RequestID: "bench", Stage: "$default",
			HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: principal.AuthorizerContext()},
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	deps := routes.Deps{Store: s, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	h := lambda.NewHandler(httpadapter.NewV2(routes.MustHandler("get-customer", deps)).ProxyWithContext)

	b.Run("handler", func(b *testing.B) {
		for b.Loop() {
			out, err := h.Invoke(ctx, payload)
			if err != nil {
				b.Fatal(err)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 200 {
				b.Fatalf("status %d, %v: %s", resp.StatusCode, err, out)
			}
		}
	})
	b.Run("bare GetItem", func(b *testing.B) {
		key := map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "APP#" + app.ID},
			"sk": &types.AttributeValueMemberS{Value: "CUS#" + c.ID},
		}
		for b.Loop() {
			out, err := tbl.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl.Name), Key: key, ConsistentRead: aws.Bool(true)})
			if err != nil || out.Item == nil {
				b.Fatalf("get item: %v", err)
			}
		}
	})
}
