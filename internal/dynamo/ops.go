package dynamo

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"

	"github.com/clientele/clientele/internal/awsjson"
)

// Item is an item, or a key, as attribute values by name.
type Item = map[string]AttributeValue

// Options configure a Client.
type Options struct {
	Region      string
	Endpoint    string // empty: DynamoDB's public endpoint in Region
	Credentials awsjson.Credentials
	HTTP        *http.Client // keep-alive client, built once per process
	// Intercept, when set, wraps every operation: see awsjson.Client.Intercept.
	Intercept func(ctx context.Context, op string, in any, call func(context.Context) error) error
}

// Client calls DynamoDB.
type Client struct {
	api *awsjson.Client
}

// New returns a client.
func New(o Options) *Client {
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = awsjson.Endpoint("dynamodb", o.Region)
	}
	return &Client{api: &awsjson.Client{
		Service: "dynamodb", Region: o.Region, Endpoint: endpoint,
		TargetPrefix: "DynamoDB_20120810", JSONVersion: "1.0",
		Credentials: o.Credentials, HTTP: o.HTTP, Intercept: o.Intercept,
	}}
}

// Enumerations the store uses.
type (
	ReturnValuesOnConditionCheckFailure string
	Select                              string
)

const (
	ReturnValuesOnConditionCheckFailureAllOld ReturnValuesOnConditionCheckFailure = "ALL_OLD"
	SelectCount                               Select                              = "COUNT"
)

type GetItemInput struct {
	TableName                string
	Key                      Item
	ConsistentRead           bool              `json:",omitempty"`
	ProjectionExpression     string            `json:",omitempty"`
	ExpressionAttributeNames map[string]string `json:",omitempty"`
}

type GetItemOutput struct {
	Item Item // nil when there is no such item
}

func (o *GetItemOutput) UnmarshalJSON(b []byte) error {
	return decode(b, "GetItemOutput", o.read)
}

func (c *Client) GetItem(ctx context.Context, in *GetItemInput) (*GetItemOutput, error) {
	out := new(GetItemOutput)
	return out, c.do(ctx, "GetItem", in, out)
}

type QueryInput struct {
	TableName                 string
	IndexName                 string            `json:",omitempty"`
	KeyConditionExpression    string            `json:",omitempty"`
	FilterExpression          string            `json:",omitempty"`
	ProjectionExpression      string            `json:",omitempty"`
	ExpressionAttributeNames  map[string]string `json:",omitempty"`
	ExpressionAttributeValues Item              `json:",omitempty"`
	ConsistentRead            bool              `json:",omitempty"`
	ScanIndexForward          *bool             `json:",omitempty"` // DynamoDB's default is true
	Limit                     int32             `json:",omitempty"`
	ExclusiveStartKey         Item              `json:",omitempty"`
	Select                    Select            `json:",omitempty"`
}

type QueryOutput struct {
	Items            []Item
	Count            int32
	ScannedCount     int32
	LastEvaluatedKey Item
}

func (o *QueryOutput) UnmarshalJSON(b []byte) error {
	return decode(b, "QueryOutput", o.read)
}

func (c *Client) Query(ctx context.Context, in *QueryInput) (*QueryOutput, error) {
	out := new(QueryOutput)
	return out, c.do(ctx, "Query", in, out)
}

type KeysAndAttributes struct {
	Keys                     []Item
	ConsistentRead           bool              `json:",omitempty"`
	ProjectionExpression     string            `json:",omitempty"`
	ExpressionAttributeNames map[string]string `json:",omitempty"`
}

func (k *KeysAndAttributes) UnmarshalJSON(b []byte) error {
	return decode(b, "KeysAndAttributes", k.read)
}

type BatchGetItemInput struct {
	RequestItems map[string]KeysAndAttributes
}

type BatchGetItemOutput struct {
	Responses       map[string][]Item
	UnprocessedKeys map[string]KeysAndAttributes
}

func (o *BatchGetItemOutput) UnmarshalJSON(b []byte) error {
	return decode(b, "BatchGetItemOutput", o.read)
}

func (c *Client) BatchGetItem(ctx context.Context, in *BatchGetItemInput) (*BatchGetItemOutput, error) {
	out := new(BatchGetItemOutput)
	return out, c.do(ctx, "BatchGetItem", in, out)
}

type WriteRequest struct {
	PutRequest    *PutRequest    `json:",omitempty"`
	DeleteRequest *DeleteRequest `json:",omitempty"`
}

type PutRequest struct{ Item Item }

func (r *PutRequest) UnmarshalJSON(b []byte) error {
	return decode(b, "PutRequest", r.read)
}

type DeleteRequest struct{ Key Item }

func (r *DeleteRequest) UnmarshalJSON(b []byte) error {
	return decode(b, "DeleteRequest", r.read)
}

type BatchWriteItemInput struct {
	RequestItems map[string][]WriteRequest
}

type BatchWriteItemOutput struct {
	UnprocessedItems map[string][]WriteRequest
}

func (o *BatchWriteItemOutput) UnmarshalJSON(b []byte) error {
	return decode(b, "BatchWriteItemOutput", o.read)
}

func (c *Client) BatchWriteItem(ctx context.Context, in *BatchWriteItemInput) (*BatchWriteItemOutput, error) {
	out := new(BatchWriteItemOutput)
	return out, c.do(ctx, "BatchWriteItem", in, out)
}

// TransactWriteItem is one write of a transaction: exactly one member is set.
type TransactWriteItem struct {
	Put            *Put            `json:",omitempty"`
	Update         *Update         `json:",omitempty"`
	Delete         *Delete         `json:",omitempty"`
	ConditionCheck *ConditionCheck `json:",omitempty"`
}

type Put struct {
	TableName                           string
	Item                                Item
	ConditionExpression                 string                              `json:",omitempty"`
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           Item                                `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
}

type Update struct {
	TableName                           string
	Key                                 Item
	UpdateExpression                    string
	ConditionExpression                 string                              `json:",omitempty"`
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           Item                                `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
}

type Delete struct {
	TableName                           string
	Key                                 Item
	ConditionExpression                 string                              `json:",omitempty"`
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           Item                                `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
}

type ConditionCheck struct {
	TableName                           string
	Key                                 Item
	ConditionExpression                 string
	ExpressionAttributeNames            map[string]string                   `json:",omitempty"`
	ExpressionAttributeValues           Item                                `json:",omitempty"`
	ReturnValuesOnConditionCheckFailure ReturnValuesOnConditionCheckFailure `json:",omitempty"`
}

type TransactWriteItemsInput struct {
	TransactItems      []TransactWriteItem
	ClientRequestToken string `json:",omitempty"`
}

type TransactWriteItemsOutput struct{}

func (o *TransactWriteItemsOutput) UnmarshalJSON(b []byte) error {
	return decode(b, "TransactWriteItemsOutput", o.read)
}

// TransactWriteItems runs a transaction. A cancelled one answers *TransactionCanceledException.
//
// Without a ClientRequestToken it gets a fresh one, as the AWS SDK gives it, so that an
// attempt resent after a lost answer does not run the transaction twice (whose conditions
// would then fail against its own first run).
func (c *Client) TransactWriteItems(ctx context.Context, in *TransactWriteItemsInput) (*TransactWriteItemsOutput, error) {
	if in.ClientRequestToken == "" {
		withToken := *in
		withToken.ClientRequestToken = newToken()
		in = &withToken
	}
	out := new(TransactWriteItemsOutput)
	return out, c.do(ctx, "TransactWriteItems", in, out)
}

// newToken returns 128 random bits as 32 hexadecimal digits (DynamoDB takes up to 36
// characters). A token must be unique, not secret: math/rand/v2's generator (ChaCha8, seeded
// by the OS) does, where crypto/rand's first read costs a cold start a few hundred µs.
func newToken() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	return hex.EncodeToString(b[:])
}

// CancellationReason says why one item of a cancelled transaction failed; Code is "None"
// for the items that did not.
type CancellationReason struct {
	Code    string
	Message string
	Item    Item // the item as it was, when ALL_OLD was asked for
}

// TransactionCanceledException is a cancelled transaction, with a reason per item.
type TransactionCanceledException struct {
	Message             string
	CancellationReasons []CancellationReason
}

func (e *TransactionCanceledException) Error() string {
	return "TransactionCanceledException: " + e.Message
}

// do makes a call; a cancelled transaction comes back as *TransactionCanceledException,
// with its reasons decoded, any other error as awsjson returns it.
func (c *Client) do(ctx context.Context, op string, in, out any) error {
	err := c.api.Do(ctx, op, in, out)
	var ae *awsjson.APIError
	if !errors.As(err, &ae) || ae.Code != "TransactionCanceledException" {
		return err
	}
	reasons, bad, derr := cancellationReasons(ae.Body)
	if derr != nil {
		return err
	}
	if bad != nil {
		return fmt.Errorf("dynamo: %s: %w", op, bad)
	}
	return fmt.Errorf("dynamo: %s: %w", op, &TransactionCanceledException{Message: ae.Message, CancellationReasons: reasons})
}
