"""A comparison's workbook and HTML page, written from its NetCDF alone: by ``jrsim compare`` (from the
NetCDF it has just written) and by ``jrsim report FILE.nc`` (from one written before), so both give the
same page and the same cells from the same file.
"""
from __future__ import annotations

from pathlib import Path

import xarray as xr

from jrsim.experiments.paired import read_comparison
from jrsim.reporting.html import write_html
from jrsim.reporting.workbook import write_workbook

SUFFIXES = (".nc", ".xlsx", ".html")  # a comparison's set: the NetCDF, the workbook, the page


def linked_files(stem: str) -> dict[str, str]:
    """The set's files the page links to, by name (they sit beside it), with what each is."""
    return {"comparison (NetCDF)": f"{stem}.nc", "workbook (Excel)": f"{stem}.xlsx"}


def write_reports(comparison: Path, workbook: Path, page: Path, stem: str) -> xr.Dataset:
    """The workbook and the page of the comparison NetCDF at ``comparison``; returns the comparison."""
    cmp = read_comparison(comparison)
    write_workbook(cmp, workbook)
    write_html(cmp, page, linked_files(stem))
    return cmp
