package ingest

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/clientele/clientele/internal/jsontext"
)

// Handler returns Handle as a Lambda handler, for lambda.Start. It decodes the event into an
// events.SQSEvent exactly as json.Unmarshal would, and encodes the answer as aws-lambda-go's
// own handler would, byte for byte, but without encoding/json's reflection, which a function
// pays on its cold start.
func (in *Ingester) Handler() lambda.Handler {
	return handler{in}
}

type handler struct{ in *Ingester }

// Invoke decodes the SQS batch, handles it and encodes the answer.
func (h handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev events.SQSEvent
	if err := decodeSQSEvent(payload, &ev); err != nil {
		return nil, err
	}
	resp, err := h.in.Handle(ctx, ev)
	if err != nil {
		return nil, err
	}
	return appendSQSEventResponse(make([]byte, 0, 64), resp), nil
}

// decodeSQSEvent decodes data into ev with jsontext's semantics, those of json.Unmarshal;
// an error comes with no usable value.
func decodeSQSEvent(data []byte, ev *events.SQSEvent) error {
	var d sqsDecoder
	d.Reset(data)
	err := d.event(ev)
	if err == nil {
		err = d.End()
	}
	if err != nil {
		return fmt.Errorf("ingest: decoding the SQS event: %w", jsontext.DecodeError(data, err, "the event"))
	}
	return nil
}

type sqsDecoder struct {
	jsontext.Decoder
}

var eventFields = []string{"Records"}

func (d *sqsDecoder) event(ev *events.SQSEvent) error {
	return d.StructInto("events.SQSEvent", eventFields, func(string) error {
		return jsontext.SliceInto(&d.Decoder, &ev.Records, "[]events.SQSMessage", d.message)
	})
}

var messageFields = []string{
	"messageId", "receiptHandle", "body", "md5OfBody", "md5OfMessageAttributes", "attributes",
	"messageAttributes", "eventSourceARN", "eventSource", "awsRegion",
}

func (d *sqsDecoder) message(m *events.SQSMessage) error {
	return d.StructInto("events.SQSMessage", messageFields, func(field string) error {
		switch field {
		case "messageId":
			return d.StringInto(&m.MessageId)
		case "receiptHandle":
			return d.StringInto(&m.ReceiptHandle)
		case "body":
			return d.StringInto(&m.Body)
		case "md5OfBody":
			return d.StringInto(&m.Md5OfBody)
		case "md5OfMessageAttributes":
			return d.StringInto(&m.Md5OfMessageAttributes)
		case "attributes":
			return d.StringMapInto(&m.Attributes)
		case "messageAttributes":
			return jsontext.MapInto(&d.Decoder, &m.MessageAttributes, "map[string]events.SQSMessageAttribute",
				func() (a events.SQSMessageAttribute, err error) {
					err = d.attribute(&a)
					return a, err
				})
		case "eventSourceARN":
			return d.StringInto(&m.EventSourceARN)
		case "eventSource":
			return d.StringInto(&m.EventSource)
		case "awsRegion":
			return d.StringInto(&m.AWSRegion)
		}
		return nil
	})
}

var attributeFields = []string{"stringValue", "binaryValue", "stringListValues", "binaryListValues", "dataType"}

func (d *sqsDecoder) attribute(a *events.SQSMessageAttribute) error {
	return d.StructInto("events.SQSMessageAttribute", attributeFields, func(field string) error {
		switch field {
		case "stringValue":
			return jsontext.PointerInto(&d.Decoder, &a.StringValue, d.StringInto)
		case "binaryValue":
			return d.BytesInto(&a.BinaryValue)
		case "stringListValues":
			return d.StringsInto(&a.StringListValues)
		case "binaryListValues":
			return jsontext.SliceInto(&d.Decoder, &a.BinaryListValues, "[][]uint8", d.BytesInto)
		case "dataType":
			return d.StringInto(&a.DataType)
		}
		return nil
	})
}

// appendSQSEventResponse appends r to b as aws-lambda-go's handler writes it: encoding/json's
// output with HTML escaping off and no trailing newline.
func appendSQSEventResponse(b []byte, r events.SQSEventResponse) []byte {
	b = append(b, `{"batchItemFailures":`...)
	b = jsontext.AppendArray(b, r.BatchItemFailures, func(b []byte, f events.SQSBatchItemFailure) []byte {
		b = append(b, `{"itemIdentifier":`...)
		b = jsontext.AppendString(b, f.ItemIdentifier, false)
		return append(b, '}')
	})
	return append(b, '}')
}
