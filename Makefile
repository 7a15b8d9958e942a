# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
# `make run PORT=8000` when 5000 is taken.
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install translations lint format extract clean bench bench-quick

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

# Compiled catalogs are build output, so they are made here rather than kept in git.
translations: $(STAMP)
	$(BIN)/pybabel --quiet compile -d reform/translations -f

run: install
	$(BIN)/reform init-db
	$(BIN)/reform demo --if-empty
	$(BIN)/flask --app reform run --host 127.0.0.1 --port $(PORT)

test: install
	$(BIN)/pytest -q $(PYTEST_ARGS)

# Every hot path on SQLite and PostgreSQL against its floor, in one run (bench/README.md):
# about half an hour at national scale; bench-quick is a smoke run of a few minutes.
bench: install
	$(BIN)/python bench/bench_hot_paths.py $(BENCH_ARGS)

bench-quick: install
	$(BIN)/python bench/bench_hot_paths.py --quick $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the catalog after changing user-facing text.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -w 100 -o reform/translations/messages.pot .
	$(BIN)/pybabel update -i reform/translations/messages.pot -d reform/translations --no-fuzzy-matching -w 100

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
