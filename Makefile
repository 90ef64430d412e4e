# The two quick-start commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The local OpenSearch cluster of `make opensearch` (see cluster/ and docs/scale-out.md).
LAUNCHER := cluster/target/opensearch-launcher.jar
OPENSEARCH_HOME ?= build/opensearch
OPENSEARCH_NODES ?= 2
OPENSEARCH_PORT ?= 9200

.PHONY: run test setup setup-test browser-deps java-deps launcher opensearch bench bench-deps bench-relevance \
	reliability

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# SEARCHER_BACKEND=opensearch also installs the OpenSearch client (the `opensearch` extra).
EXTRAS := $(if $(filter opensearch,$(SEARCHER_BACKEND)),[opensearch],)

setup: $(BIN)/python
	$(BIN)/pip install -q -e '.$(EXTRAS)'

setup-test: $(BIN)/python browser-deps java-deps
	$(BIN)/pip install -q -e '.[test]'

# Debian's chromium (never a browser download) and a CJK font, for the browser tests.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk'; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null; \
	fi

# A JDK 17 and Maven from Debian when missing: they build and run the OpenSearch nodes of the cluster tests.
java-deps:
	@if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null; \
	fi

# The node launcher: OpenSearch's server jar and modules from Maven Central (cached in ~/.m2 after the first build).
$(LAUNCHER): cluster/pom.xml $(shell find cluster/src -type f)
	cd cluster && mvn -q -B package
	touch $@

launcher: java-deps $(LAUNCHER)

# A local two-node cluster on loopback (HTTP 9200 and 9201), in the foreground until Ctrl-C stops both nodes.
opensearch: launcher
	java -Xmx64m -jar $(LAUNCHER) --nodes $(OPENSEARCH_NODES) --home $(OPENSEARCH_HOME) \
		--http-port $(OPENSEARCH_PORT) --transport-port $$(( $(OPENSEARCH_PORT) + 100 ))

# Builds first when there is nothing to serve: no index/CURRENT, or (SEARCHER_BACKEND=opensearch, with `make
# opensearch` or another cluster running) no index behind the alias.
run: setup
ifeq ($(SEARCHER_BACKEND),opensearch)
	@$(BIN)/searcher stats >/dev/null 2>&1 || $(BIN)/searcher build
else
	@[ -f index/CURRENT ] || $(BIN)/searcher build
endif
	$(BIN)/searcher serve --host $(HOST) --port $(PORT)

test: setup-test launcher
	$(BIN)/ruff check searcher web tests bench
	$(BIN)/mypy
	$(BIN)/pytest

# This engine and its peers in one run (docs/BENCHMARKS.md); bench/run.py keeps its own venv, bench/.venv.
PARAGRAPHS ?= 40k
bench: bench-deps
	$(PY) bench/run.py --paragraphs $(PARAGRAPHS)

# wrk, the HTTP load tool, from Debian.
bench-deps:
	@if ! command -v wrk >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; \
	fi

bench-relevance: setup
	$(BIN)/python bench/relevance.py

# The long reliability scenarios (docs/RELIABILITY.md): 60 s of 16 readers (locust users, headless, loopback, from
# the test extra's locust) while articles are added and the index rebuilt, then every fault scenario with its
# figures. `make test` runs the quick versions.
RELIABILITY_OUT ?= bench/.cache/reliability
reliability: setup-test
	@mkdir -p $(RELIABILITY_OUT) && rm -f $(RELIABILITY_OUT)/faults.jsonl
	$(BIN)/python bench/reliability.py --seconds 60 --clients 16 --json $(RELIABILITY_OUT)/load.json
	SEARCHER_RELIABILITY=1 RELIABILITY_FIGURES=$(CURDIR)/$(RELIABILITY_OUT)/faults.jsonl \
		$(BIN)/pytest -p no:cacheprovider -q -rxXs tests/test_reliability_faults.py
	@cat $(RELIABILITY_OUT)/faults.jsonl
