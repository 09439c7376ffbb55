package deliver

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/clientele/clientele/internal/awsclient"
	"github.com/clientele/clientele/internal/seal"
	"github.com/clientele/clientele/internal/store"
	"github.com/clientele/clientele/internal/webhook"
)

// Environment variables of the delivering function.
const (
	EnvTable       = "TABLE_NAME"
	EnvQueueURL    = "DELIVERY_QUEUE_URL" // the function's own queue, for retries
	EnvIssuer      = "WEBHOOK_ISSUER"     // the API's URL, the iss of Lago's jwt
	EnvSQSEndpoint = "SQS_ENDPOINT"       // set only to reach a stand-in; never in AWS
)

// FromEnv builds the handler from the environment Lambda provides (awsclient.FromEnv), with
// the SDK's DynamoDB and SQS clients, the webhook URL policy (webhook.PolicyFromEnv), the
// sealer that opens the endpoints' secrets, a render for every format and the conversion
// of an event's detail.
func FromEnv(log *slog.Logger, sealer seal.Sealer, renders map[webhook.Format]webhook.Render,
	convert Convert) (*Handler, error) {
	for _, f := range []webhook.Format{webhook.Apps, webhook.Lago, webhook.Lukittu} {
		if renders[f] == nil {
			return nil, fmt.Errorf("no render of the format %s", f)
		}
	}
	if convert == nil {
		return nil, fmt.Errorf("no conversion of an event's detail")
	}
	table, queueURL, issuer := os.Getenv(EnvTable), os.Getenv(EnvQueueURL), os.Getenv(EnvIssuer)
	for _, name := range []string{EnvTable, EnvQueueURL, EnvIssuer} {
		if os.Getenv(name) == "" {
			return nil, fmt.Errorf("%s is not set", name)
		}
	}
	policy, err := webhook.PolicyFromEnv()
	if err != nil {
		return nil, err
	}
	dbEndpoint := os.Getenv(awsclient.EnvDynamoDBEndpoint)
	env, err := awsclient.FromEnv(dbEndpoint != "")
	if err != nil {
		return nil, err
	}
	opts := sqs.Options{
		Region:           env.Region,
		Credentials:      env.Credentials,
		RetryMode:        env.RetryMode,
		RetryMaxAttempts: env.MaxAttempts,
		HTTPClient:       awsclient.HTTPClient(),
	}
	if endpoint := os.Getenv(EnvSQSEndpoint); endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	s := store.New(awsclient.DynamoDB(env, dbEndpoint), table)
	return New(Deps{
		Apps:      s,
		Endpoints: s.Webhooks(sealer),
		Renders:   renders,
		Convert:   convert,
		Client:    webhook.NewClient(webhook.Options{Policy: policy}),
		Queue:     sqs.New(opts),
		QueueURL:  queueURL,
		Issuer:    issuer,
		Log:       log,
	}), nil
}
