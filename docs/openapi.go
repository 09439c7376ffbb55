// Package docs holds Clientele's OpenAPI document, which the openapi function serves at
// GET /api/openapi.json.
//
// openapi.yaml is the document's source, the file to edit. openapi.json is the same
// document converted to JSON, generated from it by `go generate ./docs`; a test of this
// package fails when the two differ. The conversion is done then rather than in a Lambda's
// init because every function links every route's handler (internal/routes builds them
// all): embedding the YAML would put a YAML parser (about 200 KB) into each of the 30
// functions' binaries, for the one that serves the document.
package docs

import (
	_ "embed" // the document
	"net/http"
	"strconv"
)

//go:generate go test -run TestOpenAPIJSONIsTheYAML -update .

// OpenAPIJSON is the OpenAPI document (openapi.yaml) in JSON.
//
//go:embed openapi.json
var OpenAPIJSON []byte

// ServeOpenAPI answers the document, as JSON.
func ServeOpenAPI(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Content-Length", strconv.Itoa(len(OpenAPIJSON)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(OpenAPIJSON)
}
