# Two entry points: `make` runs the pipeline on the embedded default, `make test` runs the tests (the
# others are for maintainers). All create .venv/ from the lock file first, and only when the lock file changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2

.PHONY: all test lint format bench lock template review workflow-report clean-results

all: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)

test: $(STAMP)
	$(BIN)/pytest

# Lint and format checks (configured in pyproject.toml). `snakemake --lint` must report nothing but its
# advice to give each rule a conda environment or container: the pipeline runs in the one pinned environment
# of requirements.lock, on a workstation and on a cluster alike, so per-rule environments would only repeat it.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow/rules
	@out="$$($(BIN)/snakemake --lint 2>&1)"; \
	other="$$(printf '%s\n' "$$out" | grep '^    \* ' | grep -v 'Specify a conda environment or container')"; \
	if [ -n "$$other" ] || ! printf '%s\n' "$$out" | grep -q -e '^Lints for rule' -e 'Congratulations'; then \
		printf '%s\n' "$$out"; exit 1; \
	fi; echo "snakemake --lint: only the conda/container advice"

# Apply the formatters.
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/snakefmt Snakefile workflow/rules

bench: $(STAMP)
	$(BIN)/python -m bench

template: $(STAMP)
	$(BIN)/snakemake --cores 1 template

# Start another review in its own folder (docs/new_review.md): make review DIR=../my-review
review: $(STAMP)
	@test -n "$(DIR)" || { echo "usage: make review DIR=path/to/new-review" >&2; exit 2; }
	$(BIN)/python -m qolreview.review_folder "$(DIR)"

# Snakemake's own HTML report of the last run: figures and tables marked with report() in the rules.
workflow-report: $(STAMP)
	$(BIN)/snakemake --report results/workflow_report.html

# The library's bytecode is compiled once, as pip does for a regular install (not for an editable one): every job
# of the pipeline is a new Python process, which otherwise compiles the modules it imports again wherever
# PYTHONDONTWRITEBYTECODE is set.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation --editable .
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

# Maintainers only: re-resolve the pinned versions after editing pyproject.toml.
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -o requirements.lock

clean-results:
	rm -rf results .snakemake
