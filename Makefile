# Two commands set up everything on a fresh machine with Python 3.11+:
#   make run    serve the dashboard (sandbox by default) at http://$(HOST):$(PORT)
#   make test   install the test extras, make sure Chromium exists, run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
SANDBOX_PORT ?= 5001
WORKERS ?= 2
TEST_WORKERS ?= 2

.PHONY: run test bench sandbox install install-test chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	DASHBOARD_HOST=$(HOST) DASHBOARD_PORT=$(PORT) $(BIN)/flask --app wsgi setup
	DASHBOARD_HOST=$(HOST) DASHBOARD_PORT=$(PORT) $(BIN)/gunicorn --workers $(WORKERS) --threads 4 --no-control-socket \
		--bind $(HOST):$(PORT) --access-logfile - wsgi:app

sandbox: install
	$(BIN)/python -m dashboard.sandbox --host $(HOST) --port $(SANDBOX_PORT)

chromium: install-test
	@bash scripts/ensure-chromium.sh $(BIN)

# The suite in two parts: everything that may share the machine on TEST_WORKERS pytest-xdist workers,
# then, alone, the tests marked `serial` (they measure time or need a quiet machine). Both parts always
# run; the target fails if either does. Exit code 5 is "no test selected" (e.g. PYTEST_ARGS=tests/unit).
test: install-test chromium
	@$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial" $(PYTEST_ARGS); parallel=$$?; \
	$(BIN)/python -m pytest -m serial $(PYTEST_ARGS); serial=$$?; \
	for status in $$parallel $$serial; do [ $$status -eq 0 ] || [ $$status -eq 5 ] || exit $$status; done

bench: install-test
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
