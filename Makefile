# lepreint: one command each. `make demo` and `make test` work as the first command on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test validate bench clean

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --prefer-binary -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/lepreint demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

validate: $(STAMP)
	$(BIN)/lepreint validate --output validation/report

bench: $(STAMP)
	$(BIN)/python -m pytest -q -m slow benchmarks/perf || test $$? -eq 5

clean:
	rm -rf $(VENV) build *.egg-info
