# Two entry points, both self-contained on a fresh machine with Python 3.11+:
#   make app   - create .venv, install what the app needs, start the Streamlit app
#   make test  - create .venv, install with the dev extras, run the full test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: app test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# the app: runtime dependencies only
$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $(RUNTIME_STAMP)

# tests, lint and benchmarks: runtime + dev extras (pytest, playwright, ruff, ...)
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP) $(RUNTIME_STAMP)

app: $(RUNTIME_STAMP)
	$(BIN)/streamlit run app.py --server.headless true

test: $(DEV_STAMP)
	$(BIN)/ruff check siting tests app.py app_pages bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(DEV_STAMP)
	$(BIN)/ruff check siting tests app.py app_pages bench
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(DEV_STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV)
