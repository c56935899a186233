# lepreint: one command each. `make demo` and `make test` work as the first command on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint validate bench clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --prefer-binary -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/lepreint demo

test: $(STAMP)
	$(BIN)/ruff check lepreint tests benchmarks validation docs
	$(BIN)/ruff format --check lepreint tests benchmarks validation docs
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check --fix lepreint tests benchmarks validation docs
	$(BIN)/ruff format lepreint tests benchmarks validation docs

validate: $(STAMP)
	$(BIN)/python -m validation --output validation/report

bench: $(STAMP)
	$(BIN)/python -m pytest -q -m slow benchmarks/perf || test $$? -eq 5

clean:
	rm -rf $(VENV) build *.egg-info
