# The two quick-start commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup setup-test browser-deps lint bench bench-deps bench-relevance

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -e .

setup-test: $(BIN)/python browser-deps
	$(BIN)/pip install -q -e '.[test]'

# Debian's chromium (never a browser download) and a CJK font, for the browser tests.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk'; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null; \
	fi

run: setup
	@[ -f index/CURRENT ] || $(BIN)/searcher build
	$(BIN)/searcher serve --host $(HOST) --port $(PORT)

test: setup-test
	$(BIN)/ruff check searcher web tests bench
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
