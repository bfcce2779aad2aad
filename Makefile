# trygghet — the two commands: `make reports` and `make test`.
# Everything else here serves them. Only Python >= 3.11 and make are assumed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RAW    ?= data/raw
STORE  ?= data/store
OUT    ?= reports
JOBS   ?= 2
# axe-core (npm registry, pinned) for the accessibility tests (tests/publish/test_a11y_pages.py)
AXE_VERSION := 4.14.1
AXE_STAMP   := $(VENV)/npm/.axe-core-$(AXE_VERSION)

.PHONY: reports test lab venv ingest demo bench clean help

help:
	@echo "make reports  - set up, write demo data if data/raw is empty, ingest, run and publish the reports"
	@echo "make test     - set up and run the whole test suite"
	@echo "make lab      - open JupyterLab on the notebooks"
	@echo "make bench    - run the benchmarks in benchmarks/"

venv: $(STAMP)

# The venv is (re)built when it is missing or when pyproject.toml or constraints.txt changed.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "trygghet needs Python >= 3.11; found " + sys.version.split()[0] + ". Run make with PYTHON=python3.11 (or newer).")'
	@if [ ! -x $(BIN)/python ] || ! $(BIN)/python -c 'import sys' 2>/dev/null; then rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 --display-name "Python 3 (trygghet)" >/dev/null
	@touch $(STAMP)

demo: $(STAMP)
	@if [ -z "$$(ls -A $(RAW) 2>/dev/null)" ]; then $(BIN)/trygghet demo $(RAW); else echo "$(RAW) has data; demo data not written"; fi

ingest: demo
	$(BIN)/trygghet ingest $(RAW) --out $(STORE)

reports: ingest
	$(BIN)/trygghet run --store $(STORE) --out $(OUT) --jobs $(JOBS)

test: $(STAMP) $(AXE_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The accessibility tests run axe-core in headless Chromium; npm fetches the pinned version into .venv/npm.
$(AXE_STAMP): | $(STAMP)
	@command -v npm >/dev/null 2>&1 || { echo "make test needs npm to install axe-core $(AXE_VERSION) (Debian: apt-get install npm)"; exit 1; }
	rm -rf $(VENV)/npm
	npm install --silent --no-audit --no-fund --no-save --prefix $(VENV)/npm axe-core@$(AXE_VERSION)
	@touch $(AXE_STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(STORE) build lib/*.egg-info
