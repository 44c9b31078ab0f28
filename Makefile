# Every target creates .venv and installs signoff into it when pyproject.toml or the set of
# source files changed. The install is a strict editable one: a link tree that mypy and pytest
# see as the `signoff` package (the folders attest/, registry/, trust/ and api/ map onto it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOURCES := $(shell find api attest registry trust -type f \( -name '*.py' -o -name 'py.typed' -o -name '*.html' -o -name '*.css' -o -name '*.js' \) -not -path '*/__pycache__/*' | sort)
SOURCE_LIST := $(VENV)/.sources

.PHONY: demo test lint bench clean FORCE

# Rewritten only when the list of files changes: a new module needs a new link in the tree.
$(SOURCE_LIST): FORCE
	@mkdir -p $(VENV)
	@echo '$(SOURCES)' | cmp -s - $@ || echo '$(SOURCES)' > $@

$(STAMP): pyproject.toml $(SOURCE_LIST)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]' --config-settings editable_mode=strict
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/signoff demo --dir demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build demo .mypy_cache .ruff_cache .pytest_cache
