# Two commands on a fresh machine: `make demo` and `make test` (Python 3.11+ is all they need).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: setup demo test lint bench sample clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Index the bundled sample archive, show its status, plan a purge and redact one clip.
demo: $(STAMP)
	bash scripts/demo.sh

## Lint and run the whole test suite (what CI runs). Under CI it also installs PostgreSQL's and
## Redis's servers, the [yolo] extra with PyTorch's CPU build, and Debian's chromium with its driver
## (the review page's browser test).
test: $(STAMP)
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-redis.sh
	bash scripts/ensure-yolo.sh $(BIN)/python
	bash scripts/ensure-chromium.sh
	$(BIN)/ruff check cctvkit tests benchmarks
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check cctvkit tests benchmarks

## Long benchmarks (not in CI): see benchmarks/README.md.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all

## Regenerate sample_footage/ (deterministic).
sample: $(STAMP)
	$(BIN)/python -m cctvkit.samplegen sample_footage

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache demo
