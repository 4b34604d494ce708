# h3edge — see README.md. `make setup` then `make start`; `make test`.
SHELL := /bin/bash
NODE_BIN := node_modules/.bin
# The benchmarks and the soak run as one node process: tsx's CLI wrapper relays Ctrl-C to its
# child and SIGKILLs it if the child has not answered within ~60 ms — mid-way through removing
# its network namespaces, which then stay behind.
RUN_TS := node --import tsx
PORT ?= 8443

.PHONY: setup system-deps deps build web native certs demo start test test-asan layers clean

setup: system-deps deps build certs demo

system-deps:
	bash scripts/install-system-deps.sh

deps:
	npm ci --no-audit --no-fund

build: web
	$(NODE_BIN)/tsc -p tsconfig.json
	node scripts/build-native.js

# The browse page and player (web/) bundled into dist/web/.
web:
	$(NODE_BIN)/tsc -p web/tsconfig.json
	$(NODE_BIN)/tsx scripts/build-web.ts --out dist/web

native:
	node scripts/build-native.js

certs:
	bash scripts/make-dev-certs.sh certs

demo:
	@if [ -f scripts/make-demo-library.ts ]; then $(NODE_BIN)/tsx scripts/make-demo-library.ts --media ./media; fi
	$(NODE_BIN)/tsx scripts/make-artwork.ts --media ./media

start:
	node bin/h3edge.js serve --port $(PORT) --media ./media

test:
	$(NODE_BIN)/tsc -p tsconfig.check.json
	$(NODE_BIN)/tsc -p web/tsconfig.json
	$(NODE_BIN)/tap
	$(MAKE) test-asan

# Import cycles (type-only included) and imports against the layering (.dependency-cruiser.cjs);
# test/architecture.test.ts runs the same check in the suite.
layers:
	$(NODE_BIN)/depcruise --config .dependency-cruiser.cjs --output-type err-long src test bench scripts web

# The HTTP/3 engine's suites again with the addon built under AddressSanitizer.
test-asan:
	bash scripts/test-asan.sh

clean:
	rm -rf dist src/native/*/build src/native/*/build-asan

.PHONY: soak
# N minutes (default 10) of mixed player traffic against one node: heap after GC, RSS and open
# descriptors every 10 s → bench/results/soak.{json,md,svg}. A short version runs in make test.
MINUTES ?= 10
soak: build
	$(RUN_TS) bench/soak/run.ts --minutes $(MINUTES)

.PHONY: bench bench-quick bench-cache bench-h3 bench-edge bench-report bench-careful-resume bench-catalog
# Results go to bench/results/ (JSON, markdown, index.html). The lossy-link and edge benchmarks
# (bench/run.ts, bench/edge/run.ts) need root for network namespaces; the cache benchmark runs on
# loopback. The edge run comes before the lossy one, whose page then shows it.
bench: bench-cache bench-h3 bench-edge
	@if [ -f bench/run.ts ]; then $(RUN_TS) bench/run.ts; fi

bench-quick:
	$(RUN_TS) bench/cache/run.ts --quick
	$(RUN_TS) bench/h3/run.ts --quick
	$(RUN_TS) bench/edge/run.ts --quick
	@if [ -f bench/run.ts ]; then $(RUN_TS) bench/run.ts --quick; fi

# A player 20 ms / 1 % loss from an edge whose origin is 80 ms away: startup and rebuffering of a
# cold title with CMCD prefetch on and off, HTTP/2 and HTTP/3 → bench/results/edge-player.{json,md}.
bench-edge: build
	$(RUN_TS) bench/edge/run.ts

bench-cache:
	$(RUN_TS) bench/cache/run.ts

# Careful Resume (quicCarefulResume): a 2 MiB object with gtlsclient, cold vs resumed with the
# switch on and off, at 200 ms / 50 Mbit/s with and without 5 % loss and at 80 ms (root)
# → bench/results/careful-resume.{json,md}.
bench-careful-resume: build
	$(RUN_TS) bench/lossy/careful-resume.ts

# bench/results/index.html and lossy.md again from the JSON there (no root, nothing measured).
bench-report:
	$(RUN_TS) bench/run.ts --report-only

# Catalogs of SIZES titles (hard links of the demo film, removed afterwards), one node each:
# time to /readyz 200, RSS, heap after GC, p50/p95 of home, title, playback start and manifest
# under load → bench/results/catalog.{json,md,svg}.
SIZES ?= 1000,3000,10000,30000
bench-catalog: build
	$(RUN_TS) bench/catalog/run.ts --sizes $(SIZES)

# HTTP/3 engines: native vs @currentspace/http3 vs Caddy vs ngtcp2's gtlsserver (loopback).
bench-h3:
	$(RUN_TS) bench/h3/run.ts
