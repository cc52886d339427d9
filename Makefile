# Two entry points: `make` runs the pipeline on the embedded default, `make test` runs the tests.
# Both create .venv/ from the lock file first, and only when the lock file changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2

.PHONY: all test bench lock template workflow-report clean-results

all: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

test: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench

template: $(STAMP)
	$(BIN)/snakemake --cores 1 template

# Snakemake's own HTML report of the last run: figures and tables marked with report() in the rules.
workflow-report: $(STAMP)
	$(BIN)/snakemake --report results/workflow_report.html

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --editable .
	touch $(STAMP)

# Maintainers only: re-resolve the pinned versions after editing pyproject.toml.
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -o requirements.lock

clean-results:
	rm -rf results .snakemake
