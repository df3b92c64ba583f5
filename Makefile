# Two commands do all the set-up: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run in one process more than there are processors (pytest-xdist): many wait on a browser
# or a subprocess part of the time. Each process is handed one test at a time as it finishes the
# last (--maxschedchunk 1), the slow ones first (tests/conftest.py), so that no process is left
# with a queue of slow tests while the others wait. `make test WORKERS=0` runs them in this process.
WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
PARALLEL := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS) --dist load --maxschedchunk 1)

.PHONY: serve build check test test-fast lint golden test-tools fuzz bench clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	# the project itself, editable: puts .venv/bin/factcheck on the same code as build.py
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

serve: $(STAMP)  ## build the site, serve it on http://$(HOST):$(PORT) (make serve PORT=8001), rebuild on every save
	$(PY) build.py serve --host $(HOST) --port $(PORT)

build: $(STAMP)
	$(PY) build.py build

check: $(STAMP)
	$(PY) build.py check --strict

test: $(STAMP)  ## every test; browser and HTML-checker tests skip (with the reason) where their tools are missing
	$(PY) -m pytest $(PARALLEL)

test-fast: $(STAMP)  ## the edit loop: every test but the browser and slow ones, 50 fuzzed inputs a test (under 30 s)
	HYPOTHESIS_PROFILE=quick $(PY) -m pytest $(PARALLEL) -q -m "not browser and not slow"

lint: $(STAMP)  ## ruff (the rules are in pyproject.toml) and mypy on site_builder/
	$(PY) -m ruff check .
	$(PY) -m mypy site_builder

golden: $(STAMP)  ## rewrite tests/golden/site, the copy of the embedded site that the tests compare with
	$(PY) build.py build --no-search --out tests/golden/site

fuzz: $(STAMP)  ## the long fuzzing profile: 10,000 generated inputs per fuzz test
	HYPOTHESIS_PROFILE=long $(PY) -m pytest tests/test_fuzz.py tests/test_anchor.py -k "fuzz or any_" -q

test-tools:  ## Chromium, Java and the npm checkers that the browser and audit tests use (needs root)
	bash .ci/install-test-tools.sh

bench: $(STAMP)  ## build times at 1,000 and 10,000 claims, against Hugo on the same site
	$(PY) -m pip install --quiet -r requirements-bench.txt
	$(PY) bench/run.py

clean:
	rm -rf _site .pytest_cache .hypothesis
