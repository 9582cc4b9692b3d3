"""jrsim batch: every (scenario, draw, replicate) pair of an experiment into a Zarr store, and its summary."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from jrsim.cli.inputs import ALLOW_LONG, OVERWRITE_STORE, SCHEDULER, WORKERS, experiment_on_cluster
from jrsim.cli.sequence import EXIT_FAILED, write_set
from jrsim.cli.terminal import console, say
from jrsim.reporting.output_set import OutputSet


def batch(experiment: Path = typer.Argument(..., help="experiment YAML file, or the name of a shipped one"),
          workers: Optional[int] = WORKERS,
          scheduler: Optional[str] = SCHEDULER,
          out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the store, log and summary"),
          overwrite: bool = OVERWRITE_STORE,
          allow_long: bool = ALLOW_LONG):
    """Run every (scenario, draw, replicate) pair of an experiment into a Zarr store; resumable."""
    # imported when the command runs, not when the command line is read: `jrsim --help` starts at once
    from jrsim.experiments.batch import check_tasks, open_results, run_batch, tasks
    from jrsim.experiments.paired import planned_coverage
    from jrsim.experiments.summary import summarise
    from jrsim.reporting.html import write_batch_html
    from jrsim.reporting.tables import batch_table
    from jrsim.reporting.workbook import write_batch_workbook

    exp, workers = experiment_on_cluster(experiment, scheduler, workers)
    check_tasks(exp, tasks(exp), workers, allow_long)  # before any worker starts
    stem = exp.path.stem
    # The summary is a set of its own, remade whenever the store is complete (the store keeps the runs).
    out = OutputSet(out_dir, f"{stem}_summary", "batch", {"experiment": str(exp.path), "fingerprint": exp.fingerprint()},
                    [exp.path], (".xlsx", ".html"), overwrite=True)

    def work(out: OutputSet):
        result = run_batch(exp, out_dir, workers, scheduler, overwrite)
        if not result.complete:  # no file written: the earlier summary stays as it was
            return result, None
        summary = summarise(open_results(result.store))  # verified first
        summary.attrs.update(planned_coverage(exp.counterfactual))  # the areas every page names
        write_batch_workbook(summary, out.path(".xlsx"))
        write_batch_html(summary, exp.book, exp.name, out.path(".html"))
        return result, summary

    result, summary = write_set(out, work, interrupted=f"finished runs are kept in {out_dir / (stem + '.zarr')}; "
                                                       f"run the same command to resume")
    console.print(f"store: {result.store} ({result.stored} of {result.total} runs)")
    if summary is not None:
        console.print(batch_table(summary, f"{exp.name}: each scenario against {exp.counterfactual.name}"))
        console.print(f"summary: {out.final('.xlsx')}, {out.final('.html')} (from {int(summary['runs'].sum())} "
                      f"runs, each verified against its checksum)")
    if result.failed:
        say("failed", f"{result.failed} run(s) raised (the first: {result.first_error}); their scenario, draw, "
                      f"replicate and traceback are in {result.log}; run the same command to retry them")
        raise typer.Exit(code=EXIT_FAILED)
