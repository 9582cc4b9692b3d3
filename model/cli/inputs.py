"""What the commands share in reading their options and inputs: the cluster options, a scenario with
its --set overrides, and the settings a set's manifest records."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from jrsim.cli.terminal import say
from jrsim.core.errors import ScenarioError
from jrsim.experiments.runner import check_scheduler, worker_count
from jrsim.parameters.library import resolve
from jrsim.parameters.scenario import parse_override

if TYPE_CHECKING:  # the model is imported when a command runs, not when the command line is read
    from jrsim.experiments.experiment import Experiment
    from jrsim.parameters.scenario import Params

MAX_WORKERS = 512
# Options shared by the commands that run pairs on Dask (compare, batch, sensitivity, calibrate).
WORKERS = typer.Option(None, min=1, max=MAX_WORKERS, help="local worker processes (default: one a core)")
SCHEDULER = typer.Option(None, help="address of a Dask scheduler to run on instead: tcp://host:port or host:port")
ALLOW_LONG = typer.Option(False, "--allow-long", help="go ahead with a batch expected to take more than a day")
# For the commands that keep their runs in a resumable store (batch, sensitivity).
OVERWRITE_STORE = typer.Option(False, help="replace a store holding another experiment's results")


def options(seed: int | None = None, scale: float | None = None, years: int | None = None) -> dict:
    """The command-line options that set parameters: option -> (parameter, value or None)."""
    return {"--seed": ("run.seed", seed), "--scale": ("run.scale", scale), "--years": ("run.horizon_years", years)}


def load_scenario(path: Path, sets: list[str] | None, options: dict[str, tuple[str, object]]) -> Params:
    """Load a scenario (a file, or a shipped one by name) with the --set overrides and the options, each
    named as the user typed it (``--scale``) when it is wrong; the run is checked once, as it will run
    (a contract for the window after --years, the memory for the size after --scale)."""
    pairs = [parse_override(s) for s in (sets or [])]
    repeated = sorted({k for k, _ in pairs if [key for key, _ in pairs].count(k) > 1})
    if repeated:
        raise ScenarioError(f"--set: '{repeated[0]}' is set more than once")
    from jrsim import engine

    return engine.load(resolve(path), dict(pairs), options=options)


def cluster_options(scheduler: str | None, workers: int | None) -> int | None:
    """--scheduler and --workers, checked before anything else: a scheduler that is not an address is
    refused (a ScenarioError); more workers than cores are capped, with a note."""
    check_scheduler(scheduler)
    if workers is None or scheduler:
        return workers
    capped, note = worker_count(workers)
    if note:
        say("note", note)
    return capped


def experiment_on_cluster(experiment: Path, scheduler: str | None, workers: int | None) -> tuple[Experiment, int | None]:
    """An experiment file (or a shipped one by name), and the workers to run it on, each checked."""
    from jrsim.experiments.experiment import load_experiment, resolve_experiment

    workers = cluster_options(scheduler, workers)
    return load_experiment(resolve_experiment(experiment)), workers


def settings_of(command: str, **given) -> dict:
    """What a set was made with, as its manifest records it (paths as text)."""
    return {"command": command, **{k: [str(x) for x in v] if isinstance(v, list) else
                                   (str(v) if isinstance(v, Path) else v) for k, v in given.items()}}
