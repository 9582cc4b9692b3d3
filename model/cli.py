"""The command line: it parses arguments and calls the layers below; nothing else happens here.

    jrsim run [SCENARIO]              one scenario (default: the shipped baseline)
    jrsim compare BASELINE SCENARIO   paired runs, the agency ledger, the workbook and the report
    jrsim calibrate TARGETS           fit free parameters to published figures; accepted sets for batches
    jrsim scenarios                   the scenarios shipped with the package
"""
from __future__ import annotations

import codecs
import re
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Callable, List, Optional, TypeVar

import typer
from rich.console import Console
from rich.text import Text
from typer.core import _click

from jrsim import engine
from jrsim.calibration.calibrate import (
    DEFAULT_GENERATIONS,
    DEFAULT_POPSIZE,
    OUTPUTS,
    RECORD_SUFFIX,
    run_calibration,
    write_outputs,
)
from jrsim.calibration.targets import load_targets
from jrsim.core.constants import MAX_SEED
from jrsim.core.errors import RunsFailed, ScenarioError
from jrsim.economics.costs import load_costs
from jrsim.experiments.experiment import experiment_catalogue, load_experiment, resolve_experiment
from jrsim.experiments.paired import PairFailed, check_pair, planned_coverage, read_comparison, run_pairs, seeds_from
from jrsim.experiments.runner import check_scheduler, error_line, worker_count
from jrsim.experiments.summary import summarise
from jrsim.outputs.measures import headline, service_table
from jrsim.parameters.library import BASELINE, catalogue, library_file, resolve
from jrsim.parameters.scenario import Params, parse_override
from jrsim.reporting.output_set import OutputSet, manifest_path
from jrsim.reporting.summary import agency_summary, totals
from jrsim.reporting.tables import (
    batch_table,
    comparison_table,
    contracts_table,
    library_tables,
    sensitivity_table,
    services_summary,
    summary_table,
)

# Imported by the commands that use them, not here: the batch store (Zarr, dask.array), SALib, and the
# report writers (matplotlib, openpyxl) would double the start-up of every command (`jrsim run`, --help).

ClickException, UsageError = _click.exceptions.ClickException, _click.exceptions.UsageError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Justice-reinvestment cost-benefit simulator.")
# No markup: text from files and options is printed as it is, never read as style tags.
err = Console(stderr=True, soft_wrap=True, markup=False)  # a message stays one line, however narrow the terminal
CONSOLE_WIDTH = 150  # wide enough for the tables when output is not a terminal
console = Console(width=CONSOLE_WIDTH, markup=False)
T = TypeVar("T")
EXIT_BAD_INPUT = 2  # the exit code for input refused with a message (as usage errors)
EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C
EXIT_FAILED = 1  # some runs raised (their tracebacks are in the log)
DEFAULT_REPLICATES = 3
MAX_REPLICATES = 10_000
MAX_WORKERS = 512
MAX_GENERATIONS = 10_000
MAX_POPSIZE = 1_000
# Options shared by the commands that run pairs on Dask (compare, batch, sensitivity).
WORKERS = typer.Option(None, min=1, max=MAX_WORKERS, help="local worker processes (default: one a core)")
SCHEDULER = typer.Option(None, help="address of a Dask scheduler to run on instead: tcp://host:port or host:port")
ALLOW_LONG = typer.Option(False, "--allow-long", help="go ahead with a batch expected to take more than a day")


@app.callback()
def _root() -> None:
    """Justice-reinvestment cost-benefit simulator."""


def or_exit(action: Callable[[], T]) -> T:
    """Run ``action``; bad input (a ScenarioError) is printed without a traceback, exit code 2."""
    try:
        return action()
    except ScenarioError as exc:
        say("error", str(exc))
        raise typer.Exit(code=EXIT_BAD_INPUT) from None
    except OSError as exc:  # the disk filled, a folder vanished: nothing half-written is kept
        say("error", f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}")
        raise typer.Exit(code=EXIT_BAD_INPUT) from None


def say(label: str, message: str) -> None:
    """One line on standard error: ``label:`` in bold red, then the message as plain text."""
    err.print(Text.assemble((f"{label}: ", "bold red"), message.replace("\n", "\\n")), highlight=False)


def load_scenario(path: Path, sets: list[str] | None, options: dict[str, tuple[str, object]]) -> Params:
    """Load a scenario (a file, or a shipped one by name) with the --set overrides and the options, each
    named as the user typed it (``--scale``) when it is wrong; the run is checked once, as it will run
    (a contract for the window after --years, the memory for the size after --scale)."""
    def load() -> Params:
        pairs = [parse_override(s) for s in (sets or [])]
        repeated = sorted({k for k, _ in pairs if [key for key, _ in pairs].count(k) > 1})
        if repeated:
            raise ScenarioError(f"--set: '{repeated[0]}' is set more than once")
        return engine.load(resolve(path), dict(pairs), options=options)

    return or_exit(load)


def cluster_options(scheduler: str | None, workers: int | None) -> int | None:
    """--scheduler and --workers, checked before anything else: a scheduler that is not an address is
    refused (one line, exit code 2); more workers than cores are capped, with a note."""
    or_exit(lambda: check_scheduler(scheduler))
    if workers is None or scheduler:
        return workers
    capped, note = worker_count(workers)
    if note:
        say("note", note)
    return capped


def report_failed(line: str, trace: str, log: Path) -> None:
    """A run that raised on a worker: one line (scenario, seed, the error), its traceback kept in ``log``."""
    with open(log, "a") as f:
        f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} failed: {line}\n{trace}\n")
    say("failed", f"{line} (traceback in {log})")
    raise typer.Exit(code=EXIT_FAILED)


def options(seed: int | None = None, scale: float | None = None, years: int | None = None) -> dict:
    """The command-line options that set parameters: option -> (parameter, value or None)."""
    return {"--seed": ("run.seed", seed), "--scale": ("run.scale", scale), "--years": ("run.horizon_years", years)}


def settings_of(command: str, **given) -> dict:
    """What a set was made with, as its manifest records it (paths as text)."""
    return {"command": command, **{k: [str(x) for x in v] if isinstance(v, list) else
                                   (str(v) if isinstance(v, Path) else v) for k, v in given.items()}}


def interruptible(action: Callable[[], T], out_dir: Path, note: Callable[[], None] | None = None) -> T:
    """Ctrl-C (or a TERM signal) stops the command with one line; no set is left looking complete.
    A signal that lands where Python swallows the exception (in a destructor, such as a Dask future's)
    is remembered and acted on at the next check (``stop_if_interrupted``) or when the action returns."""
    _SIGNALLED.clear()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is not signal.SIG_IGN:  # a command started in the background keeps ignoring Ctrl-C
        signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        result = action()
        stop_if_interrupted()
        return result
    except KeyboardInterrupt:
        if note is not None:
            note()
        else:
            say("interrupted", f"nothing was written to {out_dir} (an earlier complete set there is unchanged)")
        raise typer.Exit(code=EXIT_INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


_SIGNALLED: list[int] = []  # the signals received during an interruptible action


def _raise_interrupt(signum, frame) -> None:
    _SIGNALLED.append(signum)
    raise KeyboardInterrupt


def stop_if_interrupted() -> None:
    """Raise the interruption a swallowed signal asked for."""
    if _SIGNALLED:
        raise KeyboardInterrupt


def _interrupted(out: OutputSet, out_dir: Path) -> None:
    if out.committed:
        say("interrupted", f"after the set was complete: {manifest_path(out_dir, out.stem)}")
    else:
        say("interrupted", f"nothing was written to {out_dir} (an earlier complete set there is unchanged)")


@app.command()
def run(scenario: Path = typer.Argument(library_file(BASELINE), show_default="the shipped baseline",
                                        help="scenario YAML file, or the name of a shipped scenario"),
        set_: Optional[List[str]] = typer.Option(None, "--set", help="override a parameter: dotted.name=value"),
        seed: Optional[int] = typer.Option(None, help="random seed (default: run.seed in the file)"),
        scale: Optional[float] = typer.Option(None, help="run.scale (default: the file's)"),
        years: Optional[int] = typer.Option(None, help="output years (default: run.horizon_years)"),
        out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the NetCDF output"),
        overwrite: bool = typer.Option(False, help="replace a set of the same name made with other settings")):
    """Run one scenario; write its Dataset as NetCDF (with a manifest) and print a summary."""
    params = load_scenario(scenario, set_, options(seed, scale, years))
    stem = resolve(scenario).stem
    settings = settings_of("run", scenario=resolve(scenario).resolve(), set=list(set_ or []),
                           seed=params["run.seed"], scale=params["run.scale"], years=params["run.horizon_years"])
    out = or_exit(OutputSet(out_dir, stem, "run", settings, [Path(f) for f in params.files], (".nc",), overwrite).open)
    started = time.perf_counter()

    def work():
        with out:
            result = engine.run(params)
            result.to_netcdf(out.path(".nc"))
            out.commit()
            return result

    ds = interruptible(lambda: or_exit(work), out_dir, note=lambda: _interrupted(out, out_dir))
    seconds = time.perf_counter() - started
    scale = params["run.scale"]
    console.print(summary_table(f"{params.name}: {params['run.horizon_years']} years from {params['run.start_year']}, "
                                f"scale {scale:g}, seed {ds.attrs['seed']} ({seconds:.1f} s)", headline(ds), scale,
                                float(ds.attrs.get("area_share", 1.0))))
    services = service_table(ds)
    if any(r["referrals_per_year"] > 0 for r in services):
        console.print(services_summary(services))
    if out.replaced_incomplete:
        console.print(f"replaced an incomplete set '{stem}' left by an interrupted command")
    console.print(f"output: {out.final('.nc')}")


@app.command()
def compare(baseline: Path = typer.Argument(..., help="the counterfactual scenario (file or shipped name)"),
            scenario: Path = typer.Argument(..., help="the scenario (file or shipped name)"),
            replicates: int = typer.Option(DEFAULT_REPLICATES, min=1, max=MAX_REPLICATES,
                                           help="paired runs (seeds seed, seed+1, ...)"),
            years: Optional[int] = typer.Option(None, help="output years (default: run.horizon_years)"),
            scale: Optional[float] = typer.Option(None, help="run.scale for both (results are national)"),
            seed: Optional[int] = typer.Option(None, help="first seed (default: run.seed of the baseline)"),
            set_: Optional[List[str]] = typer.Option(None, "--set", help="override for both: dotted.name=value"),
            costs: Optional[Path] = typer.Option(None, help="unit-cost file (default: the shipped unit_costs.yaml)"),
            out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the outputs"),
            overwrite: bool = typer.Option(False, help="replace a set of the same name made with other settings"),
            workers: Optional[int] = WORKERS,
            scheduler: Optional[str] = SCHEDULER):
    """Run a scenario and its baseline on the same seeds; savings by agency, cashable or not, NPV, reports."""
    from jrsim.reporting.report import SUFFIXES, linked_files, write_reports

    workers = cluster_options(scheduler, workers)
    opts = options(seed, scale, years)
    base_p, scen_p = load_scenario(baseline, set_, opts), load_scenario(scenario, set_, opts)
    book = or_exit(lambda: load_costs(costs))
    or_exit(lambda: check_pair(base_p, scen_p, book))  # all a pair task would refuse, before any worker starts
    seeds = seeds_from(base_p["run.seed"], replicates)
    stem = f"{resolve(scenario).stem}_vs_{resolve(baseline).stem}"
    settings = settings_of("compare", baseline=resolve(baseline).resolve(), scenario=resolve(scenario).resolve(),
                           set=list(set_ or []), seeds=seeds, scale=base_p["run.scale"],
                           years=base_p["run.horizon_years"], costs=Path(book.path).resolve())
    inputs = [Path(f) for f in (*base_p.files, *scen_p.files, book.path)]
    out = or_exit(OutputSet(out_dir, stem, "compare", settings, inputs, SUFFIXES, overwrite).open)
    files = linked_files(stem)

    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        """A bar with the time left on a terminal (the runner draws it); a line a replicate otherwise (a log)."""
        stop_if_interrupted()
        if not console.is_terminal:
            elapsed = time.perf_counter() - started
            console.print(f"replicate {done}/{total} done ({elapsed:.0f} s, about "
                          f"{elapsed / done * (total - done):.0f} s left)")

    def work():
        with out:
            comparison = run_pairs(base_p, scen_p, seeds, book, progress=progress, workers=workers,
                                   scheduler=scheduler, show=console.is_terminal)
            netcdf = out.path(".nc")
            comparison.to_netcdf(netcdf)
            cmp = write_reports(netcdf, out.path(".xlsx"), out.path(".html"), stem)  # from the NetCDF, as jrsim report
            out.commit()
            return cmp

    def work_or_report():
        try:
            return work()
        except PairFailed as exc:
            report_failed(str(exc), exc.trace, out_dir / f"{stem}.log")

    cmp = interruptible(lambda: or_exit(work_or_report), out_dir, note=lambda: _interrupted(out, out_dir))
    console.print(comparison_table(cmp, agency_summary(cmp), totals(cmp)))
    contracts = contracts_table(cmp)
    if contracts is not None:
        console.print(contracts)
    for label, name in files.items():
        console.print(f"{label}: {out_dir / name}")
    console.print(f"report: {out.final('.html')}")
    console.print(f"manifest: {manifest_path(out_dir, stem)}")


@app.command()
def batch(experiment: Path = typer.Argument(..., help="experiment YAML file, or the name of a shipped one"),
          workers: Optional[int] = WORKERS,
          scheduler: Optional[str] = SCHEDULER,
          out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the store, log and summary"),
          overwrite: bool = typer.Option(False, help="replace a store holding another experiment's results"),
          allow_long: bool = ALLOW_LONG):
    """Run every (scenario, draw, replicate) pair of an experiment into a Zarr store; resumable."""
    from jrsim.experiments.batch import check_tasks, open_results, run_batch, tasks
    from jrsim.reporting.html import write_batch_html
    from jrsim.reporting.workbook import write_batch_workbook

    workers = cluster_options(scheduler, workers)
    exp = or_exit(lambda: load_experiment(resolve_experiment(experiment)))
    or_exit(lambda: check_tasks(exp, tasks(exp), workers, allow_long))  # before any worker starts
    stem = exp.path.stem
    out = or_exit(OutputSet(out_dir, f"{stem}_summary", "batch", {"experiment": str(exp.path),
                                                                   "fingerprint": exp.fingerprint()},
                            [exp.path], (".xlsx", ".html"), overwrite=True).open)

    def work():
        with out:
            result = or_exit(lambda: run_batch(exp, out_dir, workers, scheduler, overwrite))
            if not result.complete:
                return result, None
            summary = summarise(or_exit(lambda: open_results(result.store)))  # verified first
            summary.attrs.update(planned_coverage(exp.counterfactual))  # the areas every page names
            write_batch_workbook(summary, out.path(".xlsx"))
            write_batch_html(summary, exp.book, exp.name, out.path(".html"))
            out.commit()
            return result, summary

    def interrupted_note() -> None:
        say("interrupted", f"finished runs are kept in {out_dir / (stem + '.zarr')}; run the same command to resume")

    result, summary = interruptible(work, out_dir, note=interrupted_note)
    console.print(f"store: {result.store} ({result.stored} of {result.total} runs)")
    if summary is not None:
        console.print(batch_table(summary, f"{exp.name}: each scenario against {exp.counterfactual.name}"))
        console.print(f"summary: {out.final('.xlsx')}, {out.final('.html')} (from {int(summary['runs'].sum())} "
                      f"runs, each verified against its checksum)")
    if result.failed:
        say("failed", f"{result.failed} run(s) raised (the first: {result.first_error}); their scenario, draw, "
                      f"replicate and traceback are in {result.log}; run the same command to retry them")
        raise typer.Exit(code=EXIT_FAILED)


@app.command()
def sensitivity(experiment: Path = typer.Argument(..., help="experiment YAML with a sensitivity: section (or a shipped name)"),
                workers: Optional[int] = WORKERS,
                scheduler: Optional[str] = SCHEDULER,
                out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the store, indices and report"),
                overwrite: bool = typer.Option(False, help="replace a store holding another experiment's results"),
                allow_long: bool = ALLOW_LONG):
    """Morris screening or Sobol indices (SALib) of one output of a comparison, through the batch runner."""
    from jrsim.experiments.sensitivity import check_sensitivity, run_sensitivity
    from jrsim.reporting.html import write_sensitivity_html

    workers = cluster_options(scheduler, workers)
    exp = or_exit(lambda: load_experiment(resolve_experiment(experiment)))
    or_exit(lambda: check_sensitivity(exp, workers, allow_long))  # before any worker starts
    stem = f"{exp.path.stem}_sensitivity"
    out = or_exit(OutputSet(out_dir, f"{stem}_indices", "sensitivity", {"experiment": str(exp.path),
                                                                         "fingerprint": exp.fingerprint()},
                            [exp.path], (".nc", ".html"), overwrite=True).open)

    def work():
        with out:
            si, noise = run_sensitivity(exp, out_dir, workers, scheduler, overwrite)
            si.merge(noise).to_netcdf(out.path(".nc"))
            write_sensitivity_html(si, noise, out.path(".html"))
            out.commit()
            return si, noise

    def work_or_report():
        try:
            return work()
        except RunsFailed as exc:  # the tracebacks are in the batch's log already
            say("failed", str(exc))
            raise typer.Exit(code=EXIT_FAILED) from None

    si, noise = interruptible(lambda: or_exit(work_or_report), out_dir,
                              note=lambda: say("interrupted", f"finished evaluations are kept in {out_dir}; "
                                                              f"run the same command to resume"))
    console.print(sensitivity_table(si, noise))
    console.print(f"indices: {out.final('.nc')}; report: {out.final('.html')}")


@app.command()
def calibrate(targets_file: Path = typer.Argument(..., help="targets YAML: published figures and a calibrate: section"),
              params: Optional[str] = typer.Option(None, "--params", help="fit only these free parameters: NAME,NAME"),
              workers: Optional[int] = WORKERS,
              scheduler: Optional[str] = SCHEDULER,
              out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the record, fit and accepted sets"),
              generations: int = typer.Option(DEFAULT_GENERATIONS, min=1, max=MAX_GENERATIONS,
                                              help="differential evolution's generations at most"),
              popsize: int = typer.Option(DEFAULT_POPSIZE, min=1, max=MAX_POPSIZE,
                                          help="candidates a generation, per free parameter"),
              seed: Optional[int] = typer.Option(None, min=0, max=MAX_SEED,
                                                 help="the fit's and the runs' seed (default: run.seed)"),
              scale: Optional[float] = typer.Option(None, help="run.scale (default: the file's settings)")):
    """Fit free parameters to published targets (differential evolution on Dask); resumable."""
    def problem():
        targets = load_targets(targets_file, options(scale=scale)).fittable()  # --scale before the size check
        if params is not None:
            targets = targets.only([p.strip() for p in params.split(",")])
        return targets

    workers = cluster_options(scheduler, workers)
    targets = or_exit(problem)
    or_exit(lambda: engine.check_inputs(targets.scenario))  # before any worker starts
    stem = targets_file.stem
    settings = settings_of("calibrate", targets=targets_file.resolve(), params=[f.name for f in targets.free],
                           generations=generations, popsize=popsize, seed=seed, scale=targets.scenario["run.scale"])
    inputs = [targets.path, *(Path(f) for f in targets.scenario.files)]
    out = or_exit(OutputSet(out_dir, stem, "calibrate", settings, inputs, OUTPUTS, overwrite=True).open)
    started = time.perf_counter()

    def work():
        with out:
            cal = run_calibration(targets, out_dir, stem, workers, scheduler, generations, popsize, seed)
            report = write_outputs(cal, stem, {s: out.path(s) for s in OUTPUTS}, out_dir)
            out.commit()
            return cal, report

    def work_or_report():
        try:
            return work()
        except RuntimeError as exc:  # a run raised on a worker: "a calibration run (seed N) failed:\n<traceback>"
            head, _, trace = str(exc).partition("\n")
            seed_of = re.search(r"seed (\d+)", head)
            report_failed(f"scenario {targets.scenario.name} seed {seed_of[1] if seed_of else '?'}: "
                          f"{error_line(trace or head)}", trace or head, out_dir / f"{stem}.log")

    record = out_dir / f"{stem}{RECORD_SUFFIX}"
    cal, report = interruptible(lambda: or_exit(work_or_report), out_dir,
                                note=lambda: say("interrupted", f"the runs so far are kept in {record}; "
                                                                f"run the same command to resume"))
    console.print(report)
    console.print(f"{cal.computed} run(s) computed, {len(cal.evaluations) * len(cal.seeds) - cal.computed} taken "
                  f"from {record} ({time.perf_counter() - started:.0f} s)")
    console.print("outputs: " + ", ".join(str(out.final(s)) for s in OUTPUTS))


@app.command()
def scenarios() -> None:
    """List the scenarios shipped with the package (each with its counterfactual) and the experiments."""
    for table in or_exit(lambda: library_tables(catalogue(), experiment_catalogue())):
        console.print(table)


# What the tables and messages print beyond ASCII, spelt in ASCII for a terminal that cannot show it
# (LANG=C, PYTHONIOENCODING=ascii); rich draws its tables' borders in ASCII there by itself.
ASCII_SPELLING = {"£": "GBP ", "±": "+/-", "–": "-", "—": "-", "…": "...", "→": "->", "≥": ">=", "≤": "<=",
                  "×": "x", "‘": "'", "’": "'", "“": '"', "”": '"', "·": "."}
ASCII_ERRORS = "jrsim-ascii"


def _spell_in_ascii(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(ASCII_SPELLING.get(ch, "?") for ch in exc.object[exc.start:exc.end]), exc.end


codecs.register_error(ASCII_ERRORS, _spell_in_ascii)


def fit_terminal() -> None:
    """Standard output and error that cannot encode what jrsim prints spell it in ASCII instead of
    raising (a finished run must not end in a UnicodeEncodeError because of a '£')."""
    for stream in (sys.stdout, sys.stderr):
        try:
            "".join(ASCII_SPELLING).encode(stream.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            if hasattr(stream, "reconfigure"):
                stream.reconfigure(errors=ASCII_ERRORS)


def main() -> None:
    """The ``jrsim`` command: a usage error (an unknown option, a value of the wrong type) is one line,
    like every other bad input; Ctrl-C at any point ends with one line too."""
    fit_terminal()
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        code = app(standalone_mode=False)
    except UsageError as exc:
        if exc.format_message():  # (no command at all: the help was shown, nothing more to say)
            command = exc.ctx.command_path if exc.ctx is not None else "jrsim"
            say("error", f"{exc.format_message()} (see {command} --help)")
        code = EXIT_BAD_INPUT
    except ClickException as exc:
        say("error", exc.format_message())
        code = exc.exit_code
    except typer.Abort:
        code = EXIT_INTERRUPTED
    except KeyboardInterrupt:
        say("interrupted", "stopped before any output was written")
        code = EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    sys.exit(code if isinstance(code, int) else 0)


@app.command()
def report(comparison: Path = typer.Argument(..., help="a comparison's NetCDF, as jrsim compare wrote it"),
           out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the NetCDF, workbook and report"),
           overwrite: bool = typer.Option(False, help="replace a set of the same name made with other settings")):
    """Write a comparison's workbook and HTML report again from its NetCDF alone (with a copy of it)."""
    from jrsim.reporting.report import SUFFIXES, write_reports

    or_exit(lambda: read_comparison(comparison))  # a file that is not a comparison: refused before --out is touched
    stem = comparison.stem
    settings = settings_of("report", comparison=comparison.resolve())
    out = or_exit(OutputSet(out_dir, stem, "report", settings, [comparison], SUFFIXES, overwrite).open)

    def work():
        with out:
            netcdf = out.path(".nc")
            shutil.copyfile(comparison, netcdf)  # the set is whole: its page links the NetCDF beside it
            write_reports(netcdf, out.path(".xlsx"), out.path(".html"), stem)
            out.commit()

    interruptible(lambda: or_exit(work), out_dir, note=lambda: _interrupted(out, out_dir))
    console.print(f"workbook: {out.final('.xlsx')}")
    console.print(f"report: {out.final('.html')}")
    console.print(f"manifest: {manifest_path(out_dir, stem)}")
