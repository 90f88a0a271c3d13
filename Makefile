# Kura build. `make run` and `make test` work on a fresh Debian/Ubuntu machine:
# they install what is missing (see `deps`) and build what they need.
SHELL := /bin/bash
GO ?= go
BIN := build/bin
export CGO_ENABLED := 1

.PHONY: all build run test test-unit test-system test-frontend test-integration bench bench-smoke ollama deps lint release test-release

all: build

# Targets run one at a time even under `make -j`: deps installs system
# packages with apt, which must not run beside the build or the tests that
# use them, and `make test` runs its steps in the order written.
.NOTPARALLEL:

# deps installs the system packages and tools the build and tests need.
deps:
	@./.ci/deps.sh

# build writes build/bin/kura: one binary for the desktop window (`kura`,
# `kura app`), the browser (`kura serve`) and every CLI subcommand. In order:
#   1. a placeholder frontend/dist/index.html if there is none, so the embed in
#      desktop.go compiles before the frontend was ever built;
#   2. the TypeScript bindings of app.App (frontend/wailsjs, generated, not in
#      git), regenerated when Go code at the root or in app/ changed;
#   3. the frontend: `npm ci` only when package-lock.json is newer than
#      node_modules, then `npm run build` (writes frontend/dist);
#   4. the Go build with the Wails tags (webkit2_41: Debian 12's WebKitGTK 4.1).
# The binary links GTK and WebKitGTK (libgtk-3-dev, libwebkit2gtk-4.1-dev).
WAILS_TAGS := desktop,production,webkit2_41

build: $(BIN)/kura

$(BIN)/kura: FORCE frontend-placeholder frontend/wailsjs/go/models.ts frontend-build
	$(GO) build -tags $(WAILS_TAGS) -o $(BIN)/kura .

.PHONY: desktop frontend-placeholder frontend-build bindings
desktop: build

frontend-placeholder:
	@if [ ! -f frontend/dist/index.html ]; then \
		mkdir -p frontend/dist && \
		printf '%s\n' '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kura</title>' \
			'<script src="/placeholder.js" defer></script></head>' \
			'<body><h1>Kura</h1><p>The interface is not built yet: run <code>make build</code>.</p></body></html>' \
			> frontend/dist/index.html && \
		printf '%s\n' '// Tells the app the page mounted (the desktop smoke test waits for it).' \
			'(function ready(n) { const a = window.go && window.go.app && window.go.app.App;' \
			'  if (a) { a.Ready(); return; } if (n < 200) setTimeout(() => ready(n + 1), 50); })(0);' \
			> frontend/dist/placeholder.js; \
	fi

# `go tool wails` is pinned in go.mod (tool github.com/wailsapp/wails/v2/cmd/wails).
bindings: frontend/wailsjs/go/models.ts

frontend/wailsjs/go/models.ts: $(wildcard *.go app/*.go) wails.json go.mod | frontend-placeholder
	$(GO) tool wails generate module -tags webkit2_41
	@touch $@

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend-build: frontend/wailsjs/go/models.ts
	@if [ -f frontend/package.json ]; then \
		$(MAKE) --no-print-directory frontend/node_modules/.package-lock.json && \
		cd frontend && npm run build; \
	else echo "frontend/package.json missing: keeping the placeholder page"; fi

# The Ollama runtime Kura bundles is built from the Go module pinned in go.mod
# (`tool github.com/ollama/ollama`), CPU only, the way Ollama's own releases
# build it: the Go binary build/bin/ollama, and ggml's CPU backend as several
# shared libraries in build/lib/ollama, one per instruction-set level
# (x86-64: x64 baseline, sse42, sandybridge, haswell = AVX2+FMA+F16C,
# skylakex/icelake = AVX-512/VNNI, alderlake = AVX-VNNI; arm64: armv8.0
# through armv9.2). At run time ggml scores each library against the CPU and
# loads the best one, so one build is fast on a new laptop and still starts
# on an old one. Never -march=native (GGML_NATIVE=OFF): the build machine is
# not the user's.
#
# Why not plain `go build` alone: cgo compiles the CPU backend with no
# instruction-set flags, i.e. SSE2 only, about 20x slower at prompt
# processing than the AVX2 library (docs/BENCHMARKS.md).
#
# The AVX-512 libraries (skylakex, icelake) are built but not installed: on
# a CPU with AVX-512 the runtime then loads haswell (or alderlake). ggml's
# AVX-512 half-precision dot product takes 64 values a step and leaves
# shorter rows to scalar code, and the attention of multilingual-e5-small
# (Kura's default embedding model) works on rows of 32: it embedded 3.3
# times slower with icelake than with haswell on the same CPU, while
# AVX-512 read prompts only 7% faster (docs/BENCHMARKS.md, "CPU libraries").
#
# The module zip drops llama.cpp's vendor/ directory (Go never ships vendor/
# in a module), so three headers are supplied from elsewhere:
#   nlohmann/json.hpp   Debian nlohmann-json3-dev (/usr/include)
#   stb/stb_image.h     Debian libstb-dev (/usr/include)
#   miniaudio/miniaudio.h  the Go module github.com/gen2brain/malgo, fetched
#                       into the module cache only (it is not a require).
#
# Both parts are rebuilt only when their stamp changes: for the Go binary,
# the Go version plus the module versions that feed the ollama package (so
# unrelated go.mod edits do not cost a rebuild); for the libraries, the
# ollama module version, the CMake and C compiler versions and the flags.
OLLAMA_CACHE := .cache/ollama
OLLAMA_INCLUDE := $(CURDIR)/$(OLLAMA_CACHE)/include
OLLAMA_LIB := build/lib/ollama
MALGO := github.com/gen2brain/malgo@v0.11.24
# GPU toolkits are not looked for: Kura bundles a CPU runtime, and a user
# with a GPU runs their own Ollama, which Kura then uses.
GGML_FLAGS := -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_CPU_ALL_VARIANTS=ON \
	-DCMAKE_CUDA_COMPILER=NOTFOUND -DCMAKE_HIP_COMPILER=NOTFOUND -DCMAKE_DISABLE_FIND_PACKAGE_Vulkan=ON

OLLAMA_SKIP_VARIANTS := skylakex icelake

ollama: $(BIN)/ollama $(OLLAMA_LIB)/.stamp

$(BIN)/ollama: $(OLLAMA_CACHE)/deps.stamp $(OLLAMA_INCLUDE)/miniaudio/miniaudio.h
	@test -f /usr/include/nlohmann/json.hpp || { echo "missing nlohmann/json.hpp: apt-get install nlohmann-json3-dev" >&2; exit 1; }
	@test -f /usr/include/stb/stb_image.h || { echo "missing stb/stb_image.h: apt-get install libstb-dev" >&2; exit 1; }
	v=$$($(GO) list -m -f '{{.Version}}' github.com/ollama/ollama) && \
	CGO_CPPFLAGS="-I$(OLLAMA_INCLUDE)" $(GO) build -trimpath \
		-ldflags "-s -w -X=github.com/ollama/ollama/version.Version=$${v#v} -X=github.com/ollama/ollama/server.mode=release" \
		-o $@ github.com/ollama/ollama
	@touch $@

# The CPU backend libraries, built with CMake out of the (read-only) module
# cache into $(OLLAMA_CACHE)/cmake and copied, stripped, into build/lib/ollama,
# where the Go binary looks for them (bin/../lib/ollama). (Not `cmake
# --install`: Ollama's CMakeLists fixes an absolute install path at configure
# time.)
$(OLLAMA_LIB)/.stamp: $(OLLAMA_CACHE)/ggml.stamp
	@command -v cmake >/dev/null || { echo "missing cmake: apt-get install cmake" >&2; exit 1; }
	src=$$($(GO) list -m -f '{{.Dir}}' github.com/ollama/ollama) && \
	rm -rf $(OLLAMA_CACHE)/cmake && \
	cmake -S "$$src" -B $(OLLAMA_CACHE)/cmake $(GGML_FLAGS) >$(OLLAMA_CACHE)/cmake-configure.log && \
	cmake --build $(OLLAMA_CACHE)/cmake --parallel $$(nproc) && \
	rm -rf $(OLLAMA_LIB) && mkdir -p $(OLLAMA_LIB) && \
	cp -P $(OLLAMA_CACHE)/cmake/lib/ollama/libggml-* $(OLLAMA_LIB)/ && \
	for v in $(OLLAMA_SKIP_VARIANTS); do rm -f $(OLLAMA_LIB)/libggml-cpu-$$v.*; done && \
	find $(OLLAMA_LIB) -type f -exec strip --strip-unneeded {} +
	@ls $(OLLAMA_LIB)/libggml-cpu-*.* >/dev/null
	@touch $@

# The stamps are rewritten only when their content changes; a failing
# command (say, go.sum not yet updated) fails the build instead of writing a
# bad stamp.
$(OLLAMA_CACHE)/deps.stamp: FORCE
	@mkdir -p $(@D)
	@set -o pipefail; { $(GO) env GOVERSION && \
		$(GO) list -deps -f '{{with .Module}}{{.Path}} {{.Version}}{{end}}' github.com/ollama/ollama | sort -u; } > $@.tmp \
		|| { rm -f $@.tmp; exit 1; }
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(OLLAMA_CACHE)/ggml.stamp: FORCE
	@mkdir -p $(@D)
	@set -o pipefail; { $(GO) list -m github.com/ollama/ollama && { cmake --version 2>/dev/null || echo no cmake; } | head -1 && \
		cc --version | head -1 && uname -m && echo '$(GGML_FLAGS)' && echo 'skip: $(OLLAMA_SKIP_VARIANTS)'; } > $@.tmp || { rm -f $@.tmp; exit 1; }
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(OLLAMA_INCLUDE)/miniaudio/miniaudio.h:
	@mkdir -p $(@D)
	dir=$$(GOFLAGS=-mod=mod $(GO) mod download -json $(MALGO) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
		test -f "$$dir/miniaudio.h" && ln -sf "$$dir/miniaudio.h" $@

# run opens the desktop window; without a display it says how to use the browser instead.
run: deps build ollama
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		echo "make run: no display (\$$DISPLAY is empty), so the Kura window cannot open."; \
		echo "Serve it to a browser instead:  $(BIN)/kura serve   (then open the address it prints)"; \
		exit 1; \
	fi
	$(BIN)/kura

# The whole suite, in this order, the quick checks first so that they fail
# before the runtime's build (half an hour on a fresh clone): formatting,
# vet, staticcheck and a tidy go.mod; unit tests with the race detector (no
# corpus, runtime or Tesseract needed); the build and the frontend's tests;
# the runtime's build and the tests of the packages that need it, the
# corpus or Tesseract, also with the race detector; integration tests
# against a real Ollama (verbose, so each PASS line shows); the browser
# end-to-end test; and one small benchmark run so the benchmarks keep
# working.
#
# Every `go test` has a -timeout: a ceiling that only stops a hung run, set
# for a busy two-core machine. The tests themselves wait for states, not for
# a few seconds (internal/testwait gives their waits the same deadline).
test: deps lint test-unit build test-frontend ollama test-system test-integration test-e2e bench-smoke

# lint: gofmt, go vet, the curated staticcheck set (staticcheck.conf;
# `go tool staticcheck` is pinned in go.mod) and go.mod/go.sum as
# `go mod tidy` would write them.
lint: frontend-placeholder
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy" >&2; exit 1; }

# The packages whose tests need more than Go: those whose tests import
# internal/corpustest (the shared corpus), internal/ollamatest (the bundled
# runtime) or internal/ocr (Tesseract), found with go list so that a new
# package lands where its imports put it, and the root package (the
# desktop smoke test: Xvfb, WebKitGTK). test-system runs them after build
# and ollama; test-unit runs every other package (internal/integration and
# internal/e2e have their own targets), on a machine with Go alone.
GO_MODULE := github.com/kura-app/kura
SYSTEM_PKGS = $(GO_MODULE) $$($(GO) list -e -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... | \
	awk '/kura\/internal\/(corpustest|ollamatest|ocr)( |$$)/ && $$1 !~ /internal\/(integration|e2e)$$/ {print $$1}')
UNIT_PKGS = $$($(GO) list -e ./... | grep -vxF -f <(echo $(SYSTEM_PKGS) | tr ' ' '\n'; $(GO) list -e ./internal/integration ./internal/e2e))

test-unit:
	$(GO) test -race -count=1 -timeout 15m $(UNIT_PKGS)

# The desktop smoke test (desktop_test.go) runs build/bin/kura, just built,
# instead of building the same binary again.
test-system: build ollama
	KURA_DESKTOP_BIN=$(CURDIR)/$(BIN)/kura $(GO) test -race -count=1 -timeout 30m $(SYSTEM_PKGS)

test-frontend: build
	cd frontend && npm test

test-integration: build ollama
	@if [ -d internal/integration ]; then $(GO) test -v -count=1 -timeout 30m ./internal/integration/; fi

# test-e2e drives the built UI in Debian's Chromium (playwright-core, a
# frontend devDependency; no browser is downloaded) against `kura serve` and
# a real Ollama serving the tiny test models; screenshots go to
# docs/screenshots. It has the e2e build tag, so test-unit does not build it.
.PHONY: test-e2e
test-e2e: build ollama
	$(GO) vet -tags e2e ./internal/e2e/
	$(GO) test -tags e2e -v -count=1 -timeout 30m ./internal/e2e/

# bench-smoke runs each benchmark once, in the packages that have one (found
# by name, so a new benchmark is run too): go test ./internal/... built
# every package's test binary for three benchmarks in two packages.
BENCH_PKGS = $$(grep -rl --include='*_test.go' '^func Benchmark' internal | xargs -n1 dirname | sort -u | sed 's|^|./|')

bench-smoke: build
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 15m $(BENCH_PKGS)
	$(BIN)/kura bench --chunks 2000 --queries 20 --json

bench: build
	$(BIN)/kura bench --json --chunks 100000

# bench-edge measures what a laptop user waits for (docs/BENCHMARKS.md):
# the bundled runtime serves random-weight models with the exact shapes of
# EDGE_CHAT and EDGE_EMBED (generated once into SHAPES_DIR by
# internal/ollamatest/shapes, a few GB, never committed; the compute does
# not depend on the weights), Kura indexes ../shared/corpus and asks its
# questions. The last line is one JSON object from `kura bench --edge`.
SHAPES_DIR ?= .cache/shapes
EDGE_DATA ?= .cache/bench-edge
EDGE_CHAT ?= qwen3:1.7b
EDGE_EMBED ?= multilingual-e5-small
.PHONY: bench-edge
bench-edge: build ollama
	@mkdir -p $(SHAPES_DIR) $(EDGE_DATA)
	$(GO) run ./internal/ollamatest/shapes/cmd/shapes -dir $(SHAPES_DIR) $(EDGE_CHAT) $(EDGE_EMBED) > $(SHAPES_DIR)/edge.tsv
	@while IFS=$$'\t' read -r name path; do \
		$(BIN)/kura models import "$$path" --name "$$name" --data $(EDGE_DATA) >&2 || exit 1; \
	done < $(SHAPES_DIR)/edge.tsv
	@$(BIN)/kura bench --edge --json --data $(EDGE_DATA) --chat $(EDGE_CHAT) --embed $(EDGE_EMBED)

# release writes dist/ for the version in the VERSION file (the one place it
# is written; kura embeds the same file): the Debian package
# kura_X.Y.Z_amd64.deb, the portable kura-X.Y.Z-linux-amd64.tar.gz, and
# SHA256SUMS with its minisign signature SHA256SUMS.minisig, made with the
# key KEY (its password, if any, in $$KURA_KEY_PASSWORD). A new key:
#   go run ./internal/release/cmd/kura-release keygen --key kura.key --pub kura.pub
# The kura in it is the desktop build, stripped (-s -w) and without local
# paths (-trimpath); packaging/release.sh lays the files out.
release: frontend-placeholder frontend/wailsjs/go/models.ts frontend-build ollama
	$(GO) build -trimpath -ldflags "-s -w" -tags $(WAILS_TAGS) -o build/release/kura .
	KEY="$(KEY)" ./packaging/release.sh

# test-release checks what `make release` wrote, each on a clean system: the
# .deb installed with apt into a fresh Debian root (debootstrap), used, and
# removed; the portable tarball run read-only from its own folder; the
# signature and sums. It is not part of `make test` (it needs root, a
# Debian mirror and a few minutes): run it before publishing a release.
test-release:
	./packaging/test-release.sh

FORCE:
