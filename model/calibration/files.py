"""What a calibration writes and its search's defaults: the names the command line shows in ``--help``,
kept apart from the fitting code so that listing the options does not import the model."""
from __future__ import annotations

RECORD_SUFFIX = "_record.jsonl"
OUTPUTS = ("_fit.md", "_calibrated.yaml", "_evaluations.nc", "_accepted.nc")
DEFAULT_GENERATIONS = 10
DEFAULT_POPSIZE = 5  # DE's population is this many candidates a free parameter (scipy's minimum total is 5)
