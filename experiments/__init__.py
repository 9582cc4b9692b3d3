"""Experiments: paired runs (and, with the next issues, batches on Dask and sensitivity analysis),
the benchmark, the one-agent-per-person reference and the browser check of the report."""
