"""jrsim report: a comparison's workbook and HTML report written again from its NetCDF alone."""
from __future__ import annotations

import shutil
from pathlib import Path

import typer

from jrsim.cli.inputs import settings_of
from jrsim.cli.sequence import write_set
from jrsim.cli.terminal import console
from jrsim.reporting.output_set import OutputSet, manifest_path


def report(comparison: Path = typer.Argument(..., help="a comparison's NetCDF, as jrsim compare wrote it"),
           out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the NetCDF, workbook and report"),
           overwrite: bool = typer.Option(False, help="replace a set of the same name made with other settings")):
    """Write a comparison's workbook and HTML report again from its NetCDF alone (with a copy of it)."""
    # imported when the command runs, not when the command line is read: `jrsim --help` starts at once
    from jrsim.experiments.paired import read_comparison
    from jrsim.reporting.report import SUFFIXES, write_reports

    read_comparison(comparison)  # a file that is not a comparison: refused before --out is touched
    stem = comparison.stem
    settings = settings_of("report", comparison=comparison.resolve())
    out = OutputSet(out_dir, stem, "report", settings, [comparison], SUFFIXES, overwrite)

    def work(out: OutputSet) -> None:
        netcdf = out.path(".nc")
        shutil.copyfile(comparison, netcdf)  # the set is whole: its page links the NetCDF beside it
        write_reports(netcdf, out.path(".xlsx"), out.path(".html"), stem)

    write_set(out, work)
    console.print(f"workbook: {out.final('.xlsx')}")
    console.print(f"report: {out.final('.html')}")
    console.print(f"manifest: {manifest_path(out_dir, stem)}")
