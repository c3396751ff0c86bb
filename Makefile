# Two commands on a fresh machine: `make demo` and `make test` (Python 3.11+ is all they need).
# Both install exactly the versions in uv.lock (hashes checked); `make lock` refreshes it on purpose.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# uv lives in its own small venv: `uv sync` makes .venv match the lock and would remove itself there.
TOOLS   = .tools
UV      = $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT = $(VENV)
export UV_PYTHON = $(PYTHON)
# Write .pyc files at install: uv does not by default, and where PYTHONDONTWRITEBYTECODE is set (as on
# CI's machines) every process would compile its imports again (`cctvkit status --help`: 1.9-4.6 s
# without, 0.5-0.9 s with, load ~8). The suite starts hundreds of CLI processes.
export UV_COMPILE_BYTECODE = 1
# mkdocs 1.6 and Material print a banner about their successors on every build.
MKDOCS  = NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

.PHONY: setup demo test lint docs lock test-latest bench sample clean

$(UV): requirements/uv.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --require-hashes -r requirements/uv.txt
	touch $(UV)

# The demo needs the application alone; --inexact keeps the dev tools if `make test` put them there.
$(VENV)/.installed-app: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --inexact --quiet
	touch $@

$(VENV)/.installed-dev: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --extra dev --quiet
	touch $@ $(VENV)/.installed-app

setup: $(VENV)/.installed-dev

## Index the bundled sample archive, show its status, plan a purge and redact one clip.
demo: $(VENV)/.installed-app
	bash scripts/demo.sh

## Lint, type-check (mypy over cctvkit/, see [tool.mypy] in pyproject.toml), build the docs and run
## the whole test suite (what CI runs). Under CI it also installs PostgreSQL's and Redis's servers,
## the [yolo] extra with PyTorch's CPU build (requirements/yolo.txt, hashed), and Debian's chromium
## with its driver (the review page's browser test).
test: $(VENV)/.installed-dev
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-redis.sh
	bash scripts/ensure-yolo.sh $(UV) $(BIN)/python
	bash scripts/ensure-chromium.sh
	$(BIN)/ruff check cctvkit tests benchmarks
	$(BIN)/mypy
	$(MKDOCS) build --strict
	$(BIN)/python -m compileall -q cctvkit tests
	$(BIN)/python -m pytest -q --durations=25

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check cctvkit tests benchmarks

## The documentation site (mkdocs.yml, docs/) into build/site; any warning fails it. The reference
## pages are generated from the code by scripts/mkdocs_hooks.py.
docs: $(VENV)/.installed-dev
	$(MKDOCS) build --strict

## Refresh uv.lock to the newest versions the ranges in pyproject.toml allow, and the hashed
## requirements derived from it (the [yolo] extra with CPU torch; uv itself). Commit the result.
lock: | $(UV)
	bash scripts/lock.sh $(UV)

## The suite on the newest versions the ranges allow (in .venv-latest), naming what differs from the
## lock: a dependency's breaking release shows up here before a fresh install meets it.
test-latest: | $(UV)
	bash scripts/test-latest.sh $(UV) $(PYTHON)

## Long benchmarks (not in CI): see benchmarks/README.md.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.run_all

## Regenerate sample_footage/ (deterministic).
sample: $(VENV)/.installed-app
	$(BIN)/python -m cctvkit.samplegen sample_footage

clean:
	rm -rf $(VENV) $(TOOLS) .venv-latest .pytest_cache .ruff_cache demo build/site
