package stackcheck

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"gopkg.in/yaml.v3"

	"github.com/clientele/clientele/internal/samtemplate"
	"github.com/clientele/clientele/internal/telemetry"
)

// cloudFormationPart returns the template with its AWS::Serverless::* resources left out.
// goformation holds plain CloudFormation resources to AWS's resource specification (an
// unknown type or property fails), but its SAM schema predates properties this template
// uses (AWS::Serverless::Function's LoggingConfig, AWS::Serverless::HttpApi's
// AccessLogSettings), so the SAM resources are held to SAM's own schema (samschema_test.go).
func cloudFormationPart(t *testing.T, raw []byte) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "Resources" {
			continue
		}
		res := root.Content[i+1]
		var kept []*yaml.Node
		for j := 0; j+1 < len(res.Content); j += 2 {
			if typ := samtemplate.Lookup(res.Content[j+1], "Type"); typ == nil || !strings.HasPrefix(typ.Value, samPrefix) {
				kept = append(kept, res.Content[j], res.Content[j+1])
			}
		}
		res.Content = kept
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// parseCloudFormation parses the CloudFormation part of a template with goformation and
// checks that it knows every resource type.
func parseCloudFormation(t *testing.T, raw []byte) (*cloudformation.Template, error) {
	t.Helper()
	part := cloudFormationPart(t, raw)
	var types struct {
		Resources map[string]struct{ Type string }
	}
	if err := yaml.Unmarshal(part, &types); err != nil {
		t.Fatal(err)
	}
	known := cloudformation.AllResources()
	for name, r := range types.Resources {
		if _, ok := known[r.Type]; !ok {
			return nil, &unknownType{name: name, typ: r.Type}
		}
	}
	return goformation.ParseYAML(part)
}

type unknownType struct{ name, typ string }

func (e *unknownType) Error() string { return e.name + ": unknown resource type " + e.typ }

func TestTemplateCloudFormationResourcesParse(t *testing.T) {
	p := loadProject(t)
	raw, err := os.ReadFile(p.root + "/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := parseCloudFormation(t, raw)
	if err != nil {
		t.Fatalf("goformation: %v", err)
	}
	if len(tmpl.Resources) < 10 {
		t.Errorf("%d CloudFormation resources parsed, want the table, queues, bus, log group and alarms", len(tmpl.Resources))
	}

	// The check can fail: a property or a type AWS does not have is refused.
	for name, mutate := range map[string]func(string) string{
		"an unknown property": func(s string) string {
			return strings.Replace(s, "      RetentionInDays: 30\n", "      RetentionInDays: 30\n      RetentionInWeeks: 4\n", 1)
		},
		"an unknown resource type": func(s string) string {
			return strings.Replace(s, "Type: AWS::Logs::LogGroup", "Type: AWS::Logs::LogGroups", 1)
		},
		"a property of the wrong type": func(s string) string {
			return strings.Replace(s, "      EvaluationPeriods: 1\n", "      EvaluationPeriods: [1]\n", 1)
		},
	} {
		t.Run(name, func(t *testing.T) {
			bad := mutate(string(raw))
			if bad == string(raw) {
				t.Fatal("the mutation changed nothing")
			}
			if _, err := parseCloudFormation(t, []byte(bad)); err == nil {
				t.Error("goformation accepted it")
			}
		})
	}

	t.Run("alarms", func(t *testing.T) {
		alarms := tmpl.GetAllCloudWatchAlarmResources()
		watched := map[string]string{} // alarm -> the metrics it reads
		for name, a := range alarms {
			var metrics []string
			if a.MetricName != nil {
				metrics = append(metrics, *a.Namespace+"/"+*a.MetricName)
			}
			for _, q := range a.Metrics {
				if q.MetricStat != nil {
					metrics = append(metrics, *q.MetricStat.Metric.Namespace+"/"+*q.MetricStat.Metric.MetricName)
				}
			}
			slices.Sort(metrics)
			watched[name] = strings.Join(slices.Compact(metrics), " ")
			// goformation resolves the condition with the parameter's default (no topic), so
			// the notification is read from the template as written.
			for _, prop := range []string{"AlarmActions", "OKActions"} {
				n := samtemplate.Lookup(p.tmpl.Root, "Resources", name, "Properties", prop)
				if fn, _ := samtemplate.Intrinsic(n); fn != "If" || len(n.Content) < 2 || n.Content[0].Value != "HasAlarmTopic" {
					t.Errorf("%s.%s is not !If [HasAlarmTopic, [the AlarmTopicArn topic], no value]", name, prop)
				}
			}
		}
		for alarm, want := range map[string]string{
			"DeadLetterQueueAlarm":    "AWS/SQS/ApproximateNumberOfMessagesVisible",
			"ApiServerErrorRateAlarm": "AWS/ApiGateway/5xx AWS/ApiGateway/Count",
			"FunctionErrorsAlarm":     "AWS/Lambda/Errors",
			"ThrottlesAlarm":          "AWS/DynamoDB/ReadThrottleEvents AWS/DynamoDB/WriteThrottleEvents AWS/Lambda/Throttles",
			"StreamIteratorAgeAlarm":  "AWS/Lambda/IteratorAge",
		} {
			if got := watched[alarm]; got != want {
				t.Errorf("%s watches %q, want %q", alarm, got, want)
			}
		}
		if a := alarms["DeadLetterQueueAlarm"]; a == nil || a.Threshold == nil || *a.Threshold != 0 ||
			a.ComparisonOperator != "GreaterThanThreshold" {
			t.Errorf("the dead-letter queue alarm does not fire on one message: %+v", a)
		}
	})

	t.Run("tracing and the metrics' namespace", func(t *testing.T) {
		fn := samtemplate.Lookup(p.tmpl.Root, "Globals", "Function")
		if v := samtemplate.Lookup(fn, "Tracing"); v == nil || v.Value != "Active" {
			t.Error("Globals.Function.Tracing is not Active")
		}
		if v := samtemplate.Lookup(fn, "Environment", "Variables", telemetry.EnvNamespace); v == nil ||
			v.Value != "MetricsNamespace" {
			t.Errorf("Globals.Function.Environment.Variables.%s is not !Ref MetricsNamespace", telemetry.EnvNamespace)
		}
		if p := tmpl.Parameters["MetricsNamespace"]; p.Default != telemetry.DefaultNamespace {
			t.Errorf("MetricsNamespace defaults to %v, want %s", p.Default, telemetry.DefaultNamespace)
		}
		if _, ok := tmpl.Parameters["AlarmTopicArn"]; !ok {
			t.Error("no AlarmTopicArn parameter")
		}
	})
}
