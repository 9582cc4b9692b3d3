# The two commands a new user needs: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run run-record test bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

# The main job: the baseline and the flagship justice-reinvestment scenario, compared on paired runs.
run: $(STAMP)
	$(BIN)/jrsim compare scenarios/baseline.yaml scenarios/justice_reinvestment.yaml --scale 0.25 --replicates 3 --out out

# make run with what it prints recorded in docs/make_run.txt (the README links to it: figures are never pasted).
run-record: $(STAMP)
	mkdir -p docs
	{ echo "# make run on $$(date -u +%Y-%m-%d), commit $$(git rev-parse --short HEAD), $$(nproc) cores"; \
	  start=$$(date +%s); $(MAKE) --no-print-directory run; \
	  echo "# wall time: $$(( $$(date +%s) - start )) s"; } > docs/make_run.txt 2>&1

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

clean:
	rm -rf $(VENV) out
