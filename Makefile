# Kura build. `make run` and `make test` work on a fresh Debian/Ubuntu machine:
# they install what is missing (see `deps`) and build what they need.
SHELL := /bin/bash
GO ?= go
BIN := build/bin
export CGO_ENABLED := 1

.PHONY: all build run test test-unit test-integration bench bench-smoke ollama deps lint

all: build

# deps installs the system packages and tools the build and tests need.
deps:
	@./.ci/deps.sh

build: $(BIN)/kura

$(BIN)/kura: FORCE
	$(GO) build -o $(BIN)/kura .

# The Ollama runtime Kura bundles is built from the Go module pinned in go.mod
# (`tool github.com/ollama/ollama`), CPU backend only, through cgo.
#
# The module zip drops llama.cpp's vendor/ directory (Go never ships vendor/
# in a module), so three headers are supplied from elsewhere:
#   nlohmann/json.hpp   Debian nlohmann-json3-dev (/usr/include)
#   stb/stb_image.h     Debian libstb-dev (/usr/include)
#   miniaudio/miniaudio.h  the Go module github.com/gen2brain/malgo, fetched
#                       into the module cache only (it is not a require).
#
# The binary is rebuilt only when the stamp changes: the Go version plus the
# module versions that feed the ollama package, so unrelated go.mod edits do
# not cost a three-minute build.
OLLAMA_CACHE := .cache/ollama
OLLAMA_INCLUDE := $(CURDIR)/$(OLLAMA_CACHE)/include
MALGO := github.com/gen2brain/malgo@v0.11.24

ollama: $(BIN)/ollama

$(BIN)/ollama: $(OLLAMA_CACHE)/deps.stamp $(OLLAMA_INCLUDE)/miniaudio/miniaudio.h
	@test -f /usr/include/nlohmann/json.hpp || { echo "missing nlohmann/json.hpp: apt-get install nlohmann-json3-dev" >&2; exit 1; }
	@test -f /usr/include/stb/stb_image.h || { echo "missing stb/stb_image.h: apt-get install libstb-dev" >&2; exit 1; }
	v=$$($(GO) list -m -f '{{.Version}}' github.com/ollama/ollama) && \
	CGO_CPPFLAGS="-I$(OLLAMA_INCLUDE)" $(GO) build -trimpath \
		-ldflags "-s -w -X=github.com/ollama/ollama/version.Version=$${v#v} -X=github.com/ollama/ollama/server.mode=release" \
		-o $@ github.com/ollama/ollama
	@touch $@

# The stamp is rewritten only when its content changes; a failing `go list`
# (say, go.sum not yet updated) fails the build instead of writing a bad stamp.
$(OLLAMA_CACHE)/deps.stamp: FORCE
	@mkdir -p $(@D)
	@set -o pipefail; { $(GO) env GOVERSION && \
		$(GO) list -deps -f '{{with .Module}}{{.Path}} {{.Version}}{{end}}' github.com/ollama/ollama | sort -u; } > $@.tmp \
		|| { rm -f $@.tmp; exit 1; }
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(OLLAMA_INCLUDE)/miniaudio/miniaudio.h:
	@mkdir -p $(@D)
	dir=$$(GOFLAGS=-mod=mod $(GO) mod download -json $(MALGO) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
		test -f "$$dir/miniaudio.h" && ln -sf "$$dir/miniaudio.h" $@

run: deps build ollama
	$(BIN)/kura chat

# The whole suite: formatting and vet, unit tests with the race detector,
# integration tests against a real Ollama (verbose, so each PASS line shows),
# and one small benchmark run so the benchmark keeps working.
test: deps build ollama lint test-unit test-integration bench-smoke

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test-unit:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /internal/integration)

test-integration: build ollama
	@if [ -d internal/integration ]; then $(GO) test -v -count=1 -timeout 15m ./internal/integration/; fi

bench-smoke: build
	$(BIN)/kura bench --chunks 2000 --queries 20 --json

bench: build
	$(BIN)/kura bench --json --chunks 100000

FORCE:
