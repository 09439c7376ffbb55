// Package docs holds Clientele's OpenAPI document, which the openapi function serves at
// GET /api/openapi.json (internal/routes takes it from the function's Deps, so that only the
// functions that serve it link it).
//
// openapi.yaml is the document's source, the file to edit. openapi.json is the same
// document converted to JSON, generated from it by `go generate ./docs`; a test of this
// package fails when the two differ. The conversion is done then rather than in the
// function's init, which would link a YAML parser (about 200 KB) into it.
package docs

import _ "embed" // the document

//go:generate go test -run TestOpenAPIJSONIsTheYAML -update .

// OpenAPIJSON is the OpenAPI document (openapi.yaml) in JSON.
//
//go:embed openapi.json
var OpenAPIJSON []byte
