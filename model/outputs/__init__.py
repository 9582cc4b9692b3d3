"""Measures read off a run's Dataset: headline figures, proven-reoffending tables, service tables."""
