# deepseek-shock: `make report` renders the report, `make test` runs every check.
# Each target creates .venv on first use (Python >= 3.11; set PY=python3.12 to choose another).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: report test lab notebooks lock clean

$(STAMP): pyproject.toml requirements.lock
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: Python >= 3.11 is required; run e.g. 'make PY=python3.11 test'"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name deepseek-shock --display-name "Python (deepseek-shock)" >/dev/null
	@touch $@

## report: execute every notebook on the bundled snapshot and write reports/<timestamp>/index.html
report: $(STAMP)
	$(BIN)/deepseek-shock run

## test: lint, format check, unit tests, runner tests, nbval over the committed notebooks, browser test
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(BIN)/pytest --nbval --nbval-current-env tests notebooks $(PYTEST_ARGS); status=$$?; \
		if [ $$status -eq 5 ]; then echo "error: pytest collected no tests (exit code 5): the suite is missing or mis-configured" >&2; fi; \
		exit $$status

## lab: open JupyterLab on the notebooks with the project's kernel
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

## notebooks: re-execute the committed notebooks in place after a library change (NB=name for one)
notebooks: $(STAMP)
	$(BIN)/deepseek-shock update-notebooks $(NB)

## lock: re-pin requirements.lock to what is installed (after changing dependencies)
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^deepseek-shock' > requirements.lock

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache
