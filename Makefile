# The two commands a new user needs: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench docs docs-figures clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,bench,docs]"
	touch $(STAMP)

# The main job: the baseline and the flagship justice-reinvestment scenario, compared on paired runs.
run: $(STAMP)
	$(BIN)/jrsim compare scenarios/baseline.yaml scenarios/justice_reinvestment.yaml --scale 0.25 --replicates 3 --out out

# Lint (ruff), the import contracts (pyproject's [tool.importlinter]: the layers, no cycles; --no-cache
# leaves no cache folder behind), then the suite (tests/test_architecture.py: late imports, unnamed numbers).
test: $(STAMP)
	$(BIN)/ruff check model tests calibration experiments scenarios
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# Speed and memory: the engine, the toy flow beside numpy and Starsim, then batches and sensitivity.
bench: $(STAMP)
	$(BIN)/python -m jrsim.experiments.bench
	$(BIN)/python -m jrsim.experiments.bench_anchors
	$(BIN)/python -m jrsim.experiments.bench_batch
	$(BIN)/python -m jrsim.experiments.bench_growth

# The documentation site (mkdocs-material, offline) into site/; the suite checks the same build strictly.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The figures the docs include (docs/figures/*.md), each written by the command that makes it, with that
# command, the date, the commit and the cores on its first line. All of them take about an hour on two
# cores (the benchmarks most of it): one at a time with ONLY=fit (or ONLY=fit,effects; names: the module's
# --help). ONLY=run records what `make run` prints.
docs-figures: $(STAMP)
	$(BIN)/python -m jrsim.reporting.docs_figures $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf $(VENV) out site
