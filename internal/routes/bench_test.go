package routes_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

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
// same customer, and with a bare BatchGetItem of the two items the operation reads (the
// customer, and its app's #META item, whose status stops reads of a deleted app at once),
// all with the same SDK client on the same table. ns/op is the three together;
// the other figures are medians of each.
func BenchmarkWarmGetCustomer(b *testing.B) {
	ctx := context.Background()
	tbl := dynamotest.New(b)
	s := store.New(tbl.Client, tbl.Name)
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

	key := func(sk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "APP#" + app.ID},
			"sk": &types.AttributeValueMemberS{Value: sk},
		}
	}
	// The three alternate in one loop, so that a slow spell of DynamoDB Local weighs on all,
	// after a warm-up that keeps DynamoDB Local's first requests (a JVM warming up) out; and
	// the figures are medians, which one stall among 30 requests does not move.
	var handler, bare, pair []time.Duration
	round := func() (h1, b1, p1 time.Duration) {
		t0 := time.Now()
		out, err := h.Invoke(ctx, payload)
		if err != nil {
			b.Fatal(err)
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 200 {
			b.Fatalf("status %d, %v: %s", resp.StatusCode, err, out)
		}
		t1 := time.Now()
		got, err := tbl.Client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName:      aws.String(tbl.Name),
			Key:            key("CUS#" + c.ID),
			ConsistentRead: aws.Bool(true),
		})
		if err != nil || got.Item == nil {
			b.Fatalf("get item: %v", err)
		}
		t2 := time.Now()
		both, err := tbl.Client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{
				tbl.Name: {
					Keys:           []map[string]types.AttributeValue{key("#META"), key("CUS#" + c.ID)},
					ConsistentRead: aws.Bool(true),
				},
			},
		})
		if err != nil || len(both.Responses[tbl.Name]) != 2 {
			b.Fatalf("batch get item: %v", err)
		}
		return t1.Sub(t0), t2.Sub(t1), time.Since(t2)
	}
	for range 20 {
		round()
	}
	for b.Loop() {
		h1, b1, p1 := round()
		handler, bare, pair = append(handler, h1), append(bare, b1), append(pair, p1)
	}
	b.ReportMetric(median(handler), "ns/handler")
	b.ReportMetric(median(bare), "ns/GetItem")
	b.ReportMetric(median(pair), "ns/BatchGetItem")
	b.ReportMetric(median(handler)/median(bare), "handler/GetItem")
	b.ReportMetric(median(handler)/median(pair), "handler/BatchGetItem")
}

func median(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Nanoseconds())
}
