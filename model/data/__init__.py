"""The files a user edits and reads, shipped with the package as data.

The checkout keeps them at its top level, beside the code in ``model/``: ``scenarios/`` (the scenario
library, the unit costs, the geography), ``calibration/`` (targets, evaluations, accepted parameter
sets, the regression summary) and ``experiments/`` (batch and sensitivity experiment files). pyproject
maps each folder to a package here (``jrsim.data.scenarios``, ...), so a wheel carries them inside
``jrsim`` and code finds them the same way in a checkout and in an installed copy: ``shipped(folder)``.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

SCENARIOS = "scenarios"
CALIBRATION = "calibration"
EXPERIMENTS = "experiments"


def shipped(folder: str) -> Path:
    """The folder of shipped files named ``folder`` (one of SCENARIOS, CALIBRATION, EXPERIMENTS)."""
    return Path(str(resources.files(f"{__name__}.{folder}")))
