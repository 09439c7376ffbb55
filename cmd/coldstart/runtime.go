package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// runtimeAPI is the part of the Lambda Runtime API a Go function uses: it hands out queued
// events on /next and records when each response (or error) arrives.
type runtimeAPI struct {
	ln  net.Listener
	srv *http.Server

	mu      sync.Mutex
	events  chan []byte
	handed  map[string]time.Time // request id -> when its event was handed out
	answers chan answer
	seq     int
	polled  time.Time // when the first /next arrived: the end of the function's init
}

type answer struct {
	id     string
	at     time.Time
	handed time.Time
	status string // "response" or "error"
	body   []byte
}

func newRuntimeAPI() (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	api := &runtimeAPI{ln: ln, events: make(chan []byte, 4), handed: map[string]time.Time{}, answers: make(chan answer, 4)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", api.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", api.respond("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", api.respond("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", api.respond("error"))
	mux.HandleFunc("POST /{$}", putEvents)
	api.srv = &http.Server{Handler: mux}
	go api.srv.Serve(ln)
	return api, nil
}

func (api *runtimeAPI) addr() string { return api.ln.Addr().String() }

func (api *runtimeAPI) close() { api.srv.Close() }

// firstPoll is when the function first asked for an event: the end of its init.
func (api *runtimeAPI) firstPoll() time.Time {
	api.mu.Lock()
	defer api.mu.Unlock()
	return api.polled
}

func (api *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	api.mu.Lock()
	if api.polled.IsZero() {
		api.polled = time.Now()
	}
	api.mu.Unlock()
	var ev []byte
	select {
	case ev = <-api.events:
	case <-r.Context().Done():
		return
	}
	api.mu.Lock()
	api.seq++
	id := "req-" + strconv.Itoa(api.seq)
	api.handed[id] = time.Now()
	api.mu.Unlock()
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
	h.Set("Content-Type", "application/json")
	w.Write(ev)
}

func (api *runtimeAPI) respond(status string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		id := r.PathValue("id")
		api.mu.Lock()
		handed := api.handed[id]
		api.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		api.answers <- answer{id: id, at: at, handed: handed, status: status, body: body}
	}
}

// putEvents stands in for EventBridge (publish-changes is pointed here, there being no
// emulator of it): it accepts every entry of a PutEvents request.
func putEvents(w http.ResponseWriter, r *http.Request) {
	var in struct{ Entries []json.RawMessage }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, `{"__type":"ValidationException","message":"not a PutEvents request"}`, http.StatusBadRequest)
		return
	}
	out := struct {
		FailedEntryCount int
		Entries          []map[string]string
	}{}
	for i := range in.Entries {
		out.Entries = append(out.Entries, map[string]string{"EventId": "bench-" + strconv.Itoa(i)})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// await waits for the next answer.
func (api *runtimeAPI) await(timeout time.Duration) (answer, error) {
	select {
	case a := <-api.answers:
		if a.status != "response" {
			return a, fmt.Errorf("the function answered an error: %s", a.body)
		}
		return a, nil
	case <-time.After(timeout):
		return answer{}, fmt.Errorf("no answer within %s", timeout)
	}
}
