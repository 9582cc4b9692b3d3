"""The command line: it parses arguments and calls the layers below; nothing else happens here.

    jrsim run [SCENARIO]              one scenario (default: the shipped baseline)
    jrsim compare BASELINE SCENARIO   paired runs, the agency ledger, the workbook and the report
    jrsim batch EXPERIMENT            every pair of an experiment into a resumable store, and its summary
    jrsim sensitivity EXPERIMENT      Morris or Sobol indices of one output of a comparison
    jrsim calibrate TARGETS           fit free parameters to published figures; accepted sets for batches
    jrsim report COMPARISON.nc        a comparison's workbook and report again, from its NetCDF alone
    jrsim scenarios                   the scenarios shipped with the package

Each command is a function in ``commands/`` (its options, its inputs, its work); ``sequence`` is the
skeleton they share (how a command ends early, and the output set's open / work / commit / interrupt),
``signals`` turns Ctrl-C and TERM into one interruption, ``terminal`` prints.
"""
from __future__ import annotations

import sys

import typer

# Imported by the commands that use them, not here: the batch store (Zarr, dask.array), SALib, and the
# report writers (matplotlib, openpyxl) would double the start-up of every command (`jrsim run`, --help).
from jrsim.cli import signals
from jrsim.cli.commands import batch, calibrate, compare, report, run, scenarios, sensitivity
from jrsim.cli.inputs import load_scenario, options
from jrsim.cli.sequence import command, exit_code
from jrsim.cli.terminal import fit_terminal

__all__ = ["app", "main", "load_scenario", "options"]

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Justice-reinvestment cost-benefit simulator.")


@app.callback()
def _root() -> None:
    """Justice-reinvestment cost-benefit simulator."""


# In the order `jrsim --help` lists them.
COMMANDS = (run.run, compare.compare, report.report, batch.batch, sensitivity.sensitivity, calibrate.calibrate,
            scenarios.scenarios)
for body in COMMANDS:
    app.command()(command(body))


def main() -> None:
    """The ``jrsim`` command: a usage error (an unknown option, a value of the wrong type) is one line,
    like every other bad input; Ctrl-C or TERM at any point ends with one line too."""
    fit_terminal()
    with signals.interruptible():
        code = exit_code(lambda: app(standalone_mode=False))
    sys.exit(code)
