# Two commands set up everything on a fresh machine with Python 3.11+:
#   make run    serve the dashboard (sandbox by default) at http://$(HOST):$(PORT)
#   make test   install the test extras, run the gates (make check), make sure Chromium exists, run the whole suite
# Both install from the hash-pinned lock files in requirements/; `make lock` rewrites them from pyproject.toml.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
SANDBOX_PORT ?= 5001
WORKERS ?= 2
TEST_WORKERS ?= 2

.PHONY: run test check check-lock lint typecheck format-check format lock bench sandbox install install-test chromium clean

LOCK_RUN  := requirements/run.txt
LOCK_TEST := requirements/test.txt
# Extra arguments for `make lock`, e.g. LOCK_ARGS=--upgrade to move every pin to its newest release.
LOCK_ARGS ?=
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--no-strip-extras --quiet --custom-compile-command "make lock" $(LOCK_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Every dependency comes from a lock, checked against its hashes; the project itself adds none.
$(VENV)/.installed: $(LOCK_RUN) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK_RUN)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(LOCK_TEST) $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK_TEST)
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
test: check chromium
	@$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not serial" $(PYTEST_ARGS); parallel=$$?; \
	$(BIN)/python -m pytest -m serial $(PYTEST_ARGS); serial=$$?; \
	for status in $$parallel $$serial; do [ $$status -eq 0 ] || [ $$status -eq 5 ] || exit $$status; done

# The gates, fast and first: the locks agree with pyproject.toml, then lint, types and format.
check: check-lock lint typecheck format-check

check-lock:
	$(PYTHON) scripts/check_lock.py

lint: install-test
	$(BIN)/ruff check dashboard scripts

typecheck: install-test
	$(BIN)/mypy

format-check: install-test
	$(BIN)/ruff format --check dashboard scripts

format: install-test
	$(BIN)/ruff format dashboard scripts

# Rewrite both locks from pyproject.toml (test first, so the runtime lock takes the very versions tested).
lock: install-test
	$(UV_COMPILE) --extra test -o $(LOCK_TEST)
	$(UV_COMPILE) -c $(LOCK_TEST) -o $(LOCK_RUN)
	$(PYTHON) scripts/check_lock.py

bench: install-test
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
