// Package telemetry holds what every function's logs carry, whatever it serves: the Lambda
// request id and the X-Ray trace id on each line, the request's logger in its context, and
// metrics as CloudWatch Embedded Metric Format (EMF) lines of that same JSON log.
package telemetry

import (
	"context"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// DefaultNamespace is the metrics' CloudWatch namespace when none is configured.
const DefaultNamespace = "Clientele"

// EnvNamespace names the variable that sets the namespace (template.yaml's MetricsNamespace).
const EnvNamespace = "METRICS_NAMESPACE"

// Attribute names of the ids on every line.
const (
	KeyLambdaRequestID = "lambda_request_id"
	KeyTraceID         = "trace_id"
)

// NewLogger returns a JSON logger to w whose lines logged with an invocation's context carry
// its Lambda request id and X-Ray trace id, and whose metrics go to namespace ("" for
// DefaultNamespace, or what EnvNamespace says).
func NewLogger(w io.Writer, namespace string) *slog.Logger {
	if namespace == "" {
		namespace = os.Getenv(EnvNamespace)
	}
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return slog.New(&handler{Handler: slog.NewJSONHandler(w, nil), namespace: namespace})
}

// handler adds the invocation's ids from the context of each record, unless the logger
// was given them already (With(IDs(ctx)...)).
type handler struct {
	slog.Handler
	namespace string
	bound     bool
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if !h.bound {
		r.AddAttrs(idAttrs(ctx)...)
	}
	return h.Handler.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	bound := h.bound
	for _, a := range attrs {
		bound = bound || a.Key == KeyLambdaRequestID || a.Key == KeyTraceID
	}
	return &handler{Handler: h.Handler.WithAttrs(attrs), namespace: h.namespace, bound: bound}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{Handler: h.Handler.WithGroup(name), namespace: h.namespace, bound: h.bound}
}

// TraceID is the X-Ray trace header of the invocation: aws-lambda-go puts it in the
// context (and in _X_AMZN_TRACE_ID, which the AWS SDK sends on as X-Amzn-Trace-Id).
func TraceID(ctx context.Context) string {
	if id, ok := ctx.Value("x-amzn-trace-id").(string); ok && id != "" {
		return id
	}
	return os.Getenv("_X_AMZN_TRACE_ID")
}

func idAttrs(ctx context.Context) []slog.Attr {
	var attrs []slog.Attr
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		attrs = append(attrs, slog.String(KeyLambdaRequestID, lc.AwsRequestID))
	}
	if id := TraceID(ctx); id != "" {
		attrs = append(attrs, slog.String(KeyTraceID, id))
	}
	return attrs
}

// IDs are the invocation's ids as arguments of slog.Logger.With.
func IDs(ctx context.Context) []any {
	var args []any
	for _, a := range idAttrs(ctx) {
		args = append(args, a)
	}
	return args
}

type loggerKey struct{}

// WithLogger returns ctx carrying the request's logger.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// Logger returns the request's logger. Outside an invocation (a test, a tool using the
// store) there is none, and what would be logged through it is dropped: each function's
// handler puts its logger in the context first.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

type dimsKey struct{}

// Dim is a metric dimension. Dimensions stay of low cardinality: a dialect, an operation,
// a reason; never a customer, an app or a key.
type Dim struct{ Name, Value string }

// WithDims returns ctx whose metrics carry dims besides their own.
func WithDims(ctx context.Context, dims ...Dim) context.Context {
	old, _ := ctx.Value(dimsKey{}).([]Dim)
	return context.WithValue(ctx, dimsKey{}, append(append([]Dim(nil), old...), dims...))
}

// Count logs one EMF line that counts metric once (Unit Count), with the context's
// dimensions and dims as one dimension set, through the request's logger (so that it
// carries the request and trace ids).
func Count(ctx context.Context, metric string, dims ...Dim) {
	log := Logger(ctx)
	namespace := DefaultNamespace
	if h, ok := log.Handler().(*handler); ok {
		namespace = h.namespace
	}
	ctxDims, _ := ctx.Value(dimsKey{}).([]Dim)
	all := append(append([]Dim(nil), ctxDims...), dims...)
	names := make([]string, 0, len(all))
	attrs := make([]slog.Attr, 0, len(all)+2)
	for _, d := range all {
		names = append(names, d.Name)
		attrs = append(attrs, slog.String(d.Name, d.Value))
	}
	attrs = append(attrs,
		slog.Any("_aws", emf{
			Timestamp: time.Now().UnixMilli(),
			CloudWatchMetrics: []emfDirective{{
				Namespace:  namespace,
				Dimensions: [][]string{names},
				Metrics:    []emfMetric{{Name: metric, Unit: "Count"}},
			}},
		}),
		slog.Int(metric, 1))
	log.LogAttrs(ctx, slog.LevelInfo, "metric", attrs...)
}

// The _aws member of an EMF line (CloudWatch's embedded metric format specification).
type emf struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}
