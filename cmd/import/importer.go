package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/clientele/clientele/internal/ingest"
	"github.com/clientele/clientele/internal/store"
)

// maxMessage is SQS's limit on a message body: a line that cannot travel through the queue
// is not imported either.
const maxMessage = 256 * 1024

// Failure is a line that was not imported.
type Failure struct {
	Line   int
	Reason string
}

// Summary is what an import did.
type Summary struct {
	Lines                       int // non-blank lines read
	Created, Updated, Unchanged int
	Failures                    []Failure // by line number
	Elapsed                     time.Duration
}

func (s Summary) print(w io.Writer) {
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Lines) / s.Elapsed.Seconds()
	}
	fmt.Fprintf(w, "%d lines in %s (%.0f lines/s)\n", s.Lines, s.Elapsed.Round(time.Millisecond), rate)
	fmt.Fprintf(w, "  created    %d\n  updated    %d\n  unchanged  %d\n  failed     %d\n",
		s.Created, s.Updated, s.Unchanged, len(s.Failures))
	for _, f := range s.Failures {
		fmt.Fprintf(w, "line %d: %s\n", f.Line, f.Reason)
	}
}

// importer feeds lines through the ingestion handler's code in batches.
type importer struct {
	in       *ingest.Ingester
	app      string
	action   ingest.Action
	batch    int
	workers  int
	retries  int           // deliveries of a message that fails transiently, the first included
	backoff  time.Duration // before the second delivery; doubles after each
	progress func(n int)   // called with the lines finished

	mu  sync.Mutex
	sum Summary
}

// run imports the lines of r and returns the summary. Its error is a failure to read r or an
// interruption; lines that fail are in the summary.
func (im *importer) run(ctx context.Context, r io.Reader) (Summary, error) {
	start := time.Now()
	batches := make(chan []events.SQSMessage)
	var wg sync.WaitGroup
	for range im.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for msgs := range batches {
				im.deliver(ctx, msgs)
			}
		}()
	}
	err := im.read(ctx, r, batches)
	close(batches)
	wg.Wait()

	im.mu.Lock()
	defer im.mu.Unlock()
	sum := im.sum
	sum.Failures = slices.Clone(sum.Failures)
	slices.SortFunc(sum.Failures, func(a, b Failure) int { return a.Line - b.Line })
	sum.Elapsed = time.Since(start)
	return sum, err
}

// read wraps each line into a command and sends them in batches.
func (im *importer) read(ctx context.Context, r io.Reader, batches chan<- []events.SQSMessage) error {
	br := bufio.NewReaderSize(r, 64*1024)
	var pending []events.SQSMessage
	send := func() error {
		if len(pending) == 0 {
			return nil
		}
		select {
		case batches <- pending:
			pending = nil
			return nil
		case <-ctx.Done():
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
	}
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			body, reason := im.command(line)
			if reason != "" {
				im.record(n, ingest.Result{}, errors.New(reason))
			} else {
				pending = append(pending, events.SQSMessage{MessageId: strconv.Itoa(n), Body: body})
				if len(pending) == im.batch {
					if err := send(); err != nil {
						return err
					}
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return send()
		}
		if err != nil {
			return err
		}
	}
}

// command wraps a line into the queue's command, or says why it cannot be.
func (im *importer) command(line []byte) (string, string) {
	line = bytes.TrimSpace(line)
	if !json.Valid(line) || line[0] != '{' {
		return "", "the line is not a JSON object"
	}
	body, err := json.Marshal(struct {
		App      string          `json:"app"`
		Action   ingest.Action   `json:"action"`
		Customer json.RawMessage `json:"customer"`
	}{im.app, im.action, line})
	if err != nil {
		return "", err.Error()
	}
	if len(body) > maxMessage {
		return "", fmt.Sprintf("the line is longer than an SQS message may be (%d bytes)", maxMessage)
	}
	return string(body), ""
}

// deliver runs a batch through the handler's code, and delivers the messages that failed
// transiently again, with a growing delay, as the queue would.
func (im *importer) deliver(ctx context.Context, msgs []events.SQSMessage) {
	wait := im.backoff
	for attempt := 1; len(msgs) > 0; attempt++ {
		var again []events.SQSMessage
		for i, r := range im.in.ProcessBatch(ctx, msgs) {
			line, _ := strconv.Atoi(r.MessageID)
			if r.Retry() && attempt < im.retries && ctx.Err() == nil {
				again = append(again, msgs[i])
				continue
			}
			err := r.Err
			if r.Retry() {
				err = fmt.Errorf("%s after %d deliveries: %w", transient(err), attempt, err)
			}
			im.record(line, r.Result, err)
		}
		msgs = again
		if len(msgs) > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait *= 2
		}
	}
}

// transient names the kind of a retryable failure.
func transient(err error) string {
	switch {
	case errors.Is(err, store.ErrBusy):
		return "store busy"
	case errors.Is(err, store.ErrUnavailable):
		return "store unavailable"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "interrupted"
	}
	return "failed"
}

func (im *importer) record(line int, res ingest.Result, err error) {
	im.mu.Lock()
	im.sum.Lines++
	switch {
	case err != nil:
		im.sum.Failures = append(im.sum.Failures, Failure{Line: line, Reason: err.Error()})
	case res.Outcome == ingest.Created:
		im.sum.Created++
	case res.Outcome == ingest.Updated:
		im.sum.Updated++
	default:
		im.sum.Unchanged++
	}
	im.mu.Unlock()
	if im.progress != nil {
		im.progress(1)
	}
}

// countLines counts the non-blank lines of r, for the progress bar's total.
func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 64*1024)
	n, text := 0, false
	for {
		k, err := r.Read(buf)
		for _, b := range buf[:k] {
			switch b {
			case '\n':
				if text {
					n++
				}
				text = false
			case ' ', '\t', '\r':
			default:
				text = true
			}
		}
		if errors.Is(err, io.EOF) {
			if text {
				n++
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
