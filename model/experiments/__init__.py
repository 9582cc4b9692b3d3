"""Experiments: paired runs, batches on Dask into a resumable Zarr store, summaries with the chance of
net benefit, SALib sensitivity analysis, the benchmarks, the one-agent-per-person reference and the
browser check of the report."""
