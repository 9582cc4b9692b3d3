"""jrsim scenarios: what is shipped with the package."""
from __future__ import annotations

from jrsim.cli.terminal import console


def scenarios() -> None:
    """List the scenarios shipped with the package (each with its counterfactual) and the experiments."""
    # imported when the command runs, not when the command line is read: `jrsim --help` starts at once
    from jrsim.experiments.experiment import experiment_catalogue
    from jrsim.parameters.library import catalogue
    from jrsim.reporting.tables import library_tables

    for table in library_tables(catalogue(), experiment_catalogue()):
        console.print(table)
