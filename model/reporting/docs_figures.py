"""The figures the docs show, each written by the command that makes it: never output pasted by hand.

    python -m jrsim.reporting.docs_figures [--only NAME,NAME] [--docs DOCS]     (make docs-figures [ONLY=fit])

Each figure is one command's output in ``docs/figures/<name>.md``. Its first line says which command made it,
when (UTC), at which commit (and whether code outside the docs had uncommitted changes), on how many cores,
how loaded the machine was when it started and how long it took; then the output, as the command printed it
(a markdown table as it is, terminal text in a code block). The docs pages include these files
(``pymdownx.snippets``); the strict docs build fails on a figure that was never generated, so none is ever a
placeholder. A figure is replaced only when its command succeeds: a failed or interrupted command leaves the
previous file as it was. Run in the checkout's top folder (``make docs-figures`` does): the comparison figure
is what ``make run`` prints.

A figure may instead be tables made from what its command wrote (``tables``): the Transforming Rehabilitation
figure runs ``jrsim compare`` itself, then reads the comparison's NetCDF the command wrote, with the report's own
functions (``reporting.summary``, ``reporting.providers``), at the scale ``TR_SCALE`` (the lead's published
figure may be regenerated at a larger one: change ``TR_SCALE``; the command, so the scale, is in the figure).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import xarray as xr

from jrsim.commissioning.kinds.fee_for_service import FeeForService
from jrsim.commissioning.tender import DESIGN_LEVELS
from jrsim.core.constants import MILLION
from jrsim.experiments.batch import open_results
from jrsim.experiments.carried import NO_RESULTS, PAYMENT_BY_RESULTS
from jrsim.experiments.summary import RESULTS_PAID, chance_interval_text, interval_text, summarise
from jrsim.parameters.declaration import words
from jrsim.parameters.geography import load_geography, resolve
from jrsim.reporting.levels import levels_batch_table, levels_table
from jrsim.reporting.providers import NEVER, NO_CONTRACT, band_labels, provider_rows
from jrsim.reporting.summary import contract_result_rows

FIGURES_FOLDER = Path("figures")  # inside the docs folder; mkdocs.yml excludes it from the pages
PYTHON = "{python}"  # replaced by the running interpreter (the checkout's .venv under make)
SCRATCH = "{scratch}"  # replaced by a fresh temporary folder: a figure never resumes an older run's store
SCRATCH_SHOWN = "OUT"  # how the temporary folder is written in the figure
# What a commit's "uncommitted changes" ignore: files that cannot change any figure's numbers.
NOT_CODE = (":(exclude)docs", ":(exclude)README.md", ":(exclude)CHANGELOG.md", ":(exclude)mkdocs.yml")
SECONDS_PER_MINUTE = 60
SHORT_COMMIT = 7  # characters of the commit id, as git log --oneline shows it
MARKDOWN, TEXT = "markdown", "text"
TABLE_ROW = "|"  # how a markdown table's row starts


@dataclass(frozen=True)
class Figure:
    name: str  # the file's stem, and the name ONLY= takes
    command: tuple[str, ...]  # argv, with PYTHON and SCRATCH to fill in
    shown: str  # the command as a reader would type it
    form: str  # MARKDOWN: the command prints a markdown table (stdout from the table on); TEXT: stdout and stderr
    takes: str  # roughly how long on two quiet cores, said before it starts
    # the figure's body from what the command wrote in the scratch folder, the command's wall time (seconds)
    # and its own output as the figure would show it; None: the command's own output is the figure
    tables: Callable[[Path, float, str], str] | None = None

    def argv(self, scratch: str) -> list[str]:
        return [a.replace(PYTHON, sys.executable).replace(SCRATCH, scratch) for a in self.command]


# ---------------------------------------------------------------- Transforming Rehabilitation as it ran
TR_SCALE = 1.0  # run.scale of the published TR figure: everyone in England and Wales (about 10 minutes)
TR_REPLICATES = 1  # paired runs: the table reads each CRC's means over them
TR_PAIR = ("transforming_rehabilitation_baseline", "transforming_rehabilitation")
PERCENT = 100.0
RESULTS_KIND, FEE_KIND = words(PAYMENT_BY_RESULTS), words(FeeForService.name)  # as contract_result_rows says them
FEE_PURPOSES = ("fee", "fee_repaid")  # a fee less any of it repaid
YES, NO, BLANK = "yes", "no", ""
SPREAD = ("mean", "p05", "p95")  # a summary's mean and 90% interval, as interval_text takes them
# an agency's net fiscal benefit before and after the contracts' payments: (name suffix, chance's name part)
BEFORE_AND_AFTER = (("", "net_benefit_"), ("_after_transfers", "after_transfers_"))


def _percent(share: float) -> str:
    return BLANK if np.isnan(share) else f"{share * PERCENT:.1f}%"


def _number(x: float) -> str:
    return BLANK if np.isnan(x) else f"{x:.2f}"


def _money(pounds: float) -> str:
    return BLANK if np.isnan(pounds) else f"{pounds / MILLION:.1f}"


def _fell(observed: float, reference: float) -> str:
    return BLANK if np.isnan(observed) or np.isnan(reference) else YES if observed < reference else NO


def cohort_outcome(row: dict) -> dict:
    """A results contract's cohort year as the 2015-16 statistics read it: the binary rate against its
    risk-adjusted 2011 reference; re-offences per reoffender (the published frequency measure) against the
    2011 cohort's, as the contract's two measures give it (re-offences per member over the share who
    reoffend: the case-mix adjustment, applied to both references, cancels); and the contract's own
    frequency measure (re-offences per member, risk-adjusted), which its frequency price pays on."""
    binary, frequency = row["measures"]["binary"], row["measures"]["frequency"]
    with np.errstate(invalid="ignore", divide="ignore"):
        per_reoffender = (frequency["observed"] / binary["observed"], frequency["reference"] / binary["reference"])
    return {"binary": (binary["observed"], binary["reference"]), "significant": binary["met"],
            "per_reoffender": per_reoffender, "per_member": (frequency["observed"], frequency["reference"]),
            "results": row["paid"].get("results", 0.0)}


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def tr_figure(cmp: xr.Dataset, seconds: float) -> str:
    """The TR comparison, CRC by CRC: each cohort year's outcomes against 2011 and its results payment;
    how many CRCs cut the binary rate, also cut frequency and were paid; each provider's fee, results,
    effort by band and hand-back; and the command's wall time."""
    labels = load_geography(resolve("geography.yaml")).labels
    rows = contract_result_rows(cmp)
    providers = {r["provider"]: r for r in provider_rows(cmp)}
    crcs = [p for p, r in providers.items() if r["measure"] not in (NO_RESULTS, NO_CONTRACT)]
    area = {p: ", ".join(labels.get(a, a) for a in providers[p]["areas"].split(", ")) for p in crcs}
    cohorts = {(r["payee"], r["year"]): cohort_outcome(r) for r in rows
               if r["kind"] == RESULTS_KIND and not np.isnan(r["measures"]["binary"]["observed"])}
    years = sorted({y for _, y in cohorts})
    fee = {p: sum(r["paid"].get(k, 0.0) for r in rows if r["payee"] == p and r["kind"] == FEE_KIND
                  for k in FEE_PURPOSES) for p in crcs}
    outcome_rows = [[area[p], str(y), *_outcome_cells(cohorts[p, y])] for p in crcs for y in years if (p, y) in cohorts]
    count_rows = [count_row(str(y), [cohorts[p, y] for p in crcs if (p, y) in cohorts]) for y in years]
    bands = band_labels(cmp)
    provider_table = [[area.get(p, r["kind"]), _money(fee.get(p, 0.0)),
                       _money(sum(cohorts[p, y]["results"] for y in years if (p, y) in cohorts)),
                       *(_number(e) for e in r["effort"]), r["handed_back_on"]]
                      for p, r in providers.items()]
    handed = [f"{area.get(p, r['kind'])} ({r['handed_back_on']})" for p, r in providers.items()
              if r["handed_back_on"] != NEVER]
    price_year = cmp.attrs.get("price_year", "")
    return "\n\n".join([
        f"At `run.scale` {TR_SCALE} ({TR_REPLICATES} paired run{'s' if TR_REPLICATES > 1 else ''}; the cohorts "
        f"are sampled at that fraction, so an area's rates are noisier than the real cohorts'), the comparison took "
        f"{duration(seconds)} of wall time on {os.cpu_count()} cores.",
        "**Each CRC's results cohorts** (means of the runs): the binary proven-reoffending rate against its "
        "2011 reference adjusted for the cohort's predicted risk, and whether the fall was significant (the "
        "hurdle); re-offences per reoffender (the published frequency measure) against the 2011 cohort's; "
        "re-offences per cohort member against the 2011 reference (what the contract's "
        f"frequency price pays on); and the results paid on the cohort (£m, {price_year} prices, undiscounted; "
        "negative: deducted; a CRC that has handed its contracts back is paid, or deducted, on the cohorts of the "
        "years up to its hand-back and on none after).",
        _table(["contract package area", "cohort", "binary rate (2011)", "fell", "significant",
                "re-offences per reoffender (2011)", "fell", "re-offences per member (2011)", "fell",
                "results paid (£m)"], outcome_rows),
        "**How many of the CRCs** (of the cohorts measured; 'paid': results paid on the cohort, net of "
        "deductions, above nothing):",
        _table(["cohort", "CRCs measured", "cut the binary rate", "of them also cut re-offences per reoffender",
                "of those, paid", "significant binary fall", "paid results"], count_rows),
        f"**Each provider** over the run: the fee (all contract years) and the results (the cohorts above) it was "
        f"paid, £m in {price_year} prices, undiscounted; its effort by risk band, a multiple of need (the mean over "
        "the review periods it served; blank: a band it does not take); the date it handed its contracts back.",
        _table(["provider (its area)", "fee (£m)", "results (£m)", *(f"effort: {b}" for b in bands), "handed back"],
               provider_table),
        f"{len(handed)} of {len(crcs)} CRCs handed their contracts back"
        + (f": {'; '.join(handed)}." if handed else "."),
    ])


def _outcome_cells(c: dict) -> list[str]:
    (b, b_ref), (r, r_ref), (m, m_ref) = c["binary"], c["per_reoffender"], c["per_member"]
    return [f"{_percent(b)} ({_percent(b_ref)})", _fell(b, b_ref), c["significant"] or BLANK,
            f"{_number(r)} ({_number(r_ref)})", _fell(r, r_ref), f"{_number(m)} ({_number(m_ref)})", _fell(m, m_ref),
            _money(c["results"])]


def count_row(cohort: str, outcomes: list[dict]) -> list[str]:
    binary = [c for c in outcomes if _fell(*c["binary"]) == YES]
    both = [c for c in binary if _fell(*c["per_reoffender"]) == YES]
    return [cohort, str(len(outcomes)), str(len(binary)), str(len(both)), str(sum(c["results"] > 0 for c in both)),
            str(sum(c["significant"] == YES for c in outcomes)), str(sum(c["results"] > 0 for c in outcomes))]


def tr_tables(scratch: Path, seconds: float, _shown: str) -> str:
    """The TR figure from the comparison ``jrsim compare`` wrote in the scratch folder (its one NetCDF)."""
    (netcdf,) = scratch.glob("*.nc")
    with xr.open_dataset(netcdf) as cmp:
        return tr_figure(cmp.load(), seconds)


TR_OPTIONS = ("--scale", str(TR_SCALE), "--replicates", str(TR_REPLICATES))


def tr_batch_tables(scratch: Path, _seconds: float, shown: str) -> str:
    """The TR batch as the terminal shows it, then from its store (verified as it is opened): each agency's
    net fiscal benefit and the chance it is positive, and the spread of each CRC's results payments."""
    (store,) = scratch.glob("*.zarr")
    s = summarise(open_results(store))
    return "\n\n".join([shown, *(_batch_tables(s.sel(scenario=name), str(name)) for name in s["scenario"].values)])


def _agency_cells(s: xr.Dataset, agency: str, n: int) -> list[str]:
    """An agency's net fiscal benefit and the chance it is positive, before and after the contracts' payments."""
    cells = []
    for when, chance in BEFORE_AND_AFTER:
        spread = (float(s[f"pv_net_fiscal_benefit{when}_{k}"].sel(agency=agency)) for k in SPREAD)
        cells += [interval_text(*spread),
                  chance_interval_text(float(s[f"p_{chance}positive"].sel(agency=agency)), n) or "nothing at stake"]
    return cells


def _batch_tables(s: xr.Dataset, scenario: str) -> str:
    n = int(s["runs"])
    agencies = [[str(a), *_agency_cells(s, str(a), n)] for a in s["agency"].values]
    # p05 and p95 are NaN (blank) from fewer than MIN_RUNS_FOR_INTERVAL runs: the summary does not give them
    payees = [[str(p), *(_money(float(s[f"{RESULTS_PAID}_{k}"].sel(payee=p))) for k in ("mean", "p50", "p05", "p95"))]
              for p in s["payee"].values] if f"{RESULTS_PAID}_mean" in s else []
    unit = s.attrs.get("price_year", "")
    return "\n\n".join([
        f"**{scenario}, by agency** ({n} runs): net fiscal benefit before and after the contracts' payments "
        "(transfers), present value, £m (mean and 90% interval), and the chance each is positive with its 95% "
        "Wilson interval.",
        _table(["agency", "before payments (£m)", "chance positive", "after payments (£m)", "chance positive"],
               agencies),
        f"**Each payee's results payments** ({n} runs): results less fees repaid, summed over the output years, "
        f"£m in {unit} prices, undiscounted (negative: deducted): mean, median and 90% interval.",
        _table(["payee", "mean", "median", "p05", "p95"], payees),
    ])


# ---------------------------------------------------------------- commissioning levels side by side
LEVEL_OPTIONS = ("--scale", "0.1", "--replicates", "3", "--years", "8")  # 2011-2018: the design from April 2015


# The supervision designs (2011-2018, their counterfactual's years), from June 2014
SUPERVISION_OPTIONS = ("--scale", "0.05", "--replicates", "2")
SUPERVISION_PAIR = ("supervision_baseline", "commissioning_supervision", SUPERVISION_OPTIONS)


def _level_compares(jrsim: str, out: str, baseline: str = "baseline", prefix: str = "commissioning",
                    options: tuple[str, ...] = LEVEL_OPTIONS) -> str:
    """The three comparisons, one after the other, each into its level's folder of ``out``."""
    return " && ".join(f"{jrsim} compare {baseline} {prefix}_{level} {' '.join(options)} --out {out}/{level}"
                       for level in DESIGN_LEVELS)


def _level_comparisons(scratch: Path) -> dict[str, xr.Dataset]:
    comparisons = {}
    for level in DESIGN_LEVELS:
        (netcdf,) = (scratch / level).glob("*.nc")
        with xr.open_dataset(netcdf) as cmp:
            comparisons[level] = cmp.load()
    return comparisons


def levels_tables(scratch: Path, _seconds: float, shown: str) -> str:
    """The three comparisons (one folder a level) side by side, from their NetCDFs."""
    comparisons = _level_comparisons(scratch)
    runs = comparisons[DESIGN_LEVELS[0]].sizes.get("replicate", 1)
    return "\n\n".join([
        f"Each level against baseline.yaml on {runs} paired replicates at scale {LEVEL_OPTIONS[1]}, output years "
        "2011-2018 (figures at full size): money in 2012 prices; present values over the output years at 3.5%; "
        "the tender's figures are the "
        "same in every replicate (they depend on the parameters, not the seed).", levels_table(comparisons)])


def supervision_levels_tables(scratch: Path, _seconds: float, shown: str) -> str:
    """The three supervision designs (one folder a level) side by side, from their NetCDFs."""
    comparisons = _level_comparisons(scratch)
    runs = comparisons[DESIGN_LEVELS[0]].sizes.get("replicate", 1)
    return "\n\n".join([
        f"Each level against supervision_baseline.yaml on {runs} paired replicates at scale "
        f"{SUPERVISION_OPTIONS[1]}, output years 2011-2018 (figures at full size): the design's money in 2014 "
        "prices, the ledger's in 2012; present values over the output years at 3.5%.", levels_table(comparisons)])


def levels_batch_tables(scratch: Path, _seconds: float, shown: str) -> str:
    """The commissioning-level batch as the terminal shows it, then side by side from its store (verified as
    it is opened): the designs run by run, the chance of a positive NPV, and each agency's savings, chance
    and demand."""
    (store,) = scratch.glob("*.zarr")
    return "\n\n".join([shown, "**The three levels side by side** (each against baseline.yaml): mean across "
                        "runs and, from 20 runs, the 90% interval; a chance with its 95% Wilson interval; money in "
                        "2012 prices, present values at 3.5% over 2011-2018, at full size.",
                        levels_batch_table(summarise(open_results(store)))])


def _experiment_figure(name: str, command: str, experiment: str, took: str, tables=None) -> Figure:
    """A figure that is one shipped experiment run by ``jrsim batch`` or ``jrsim sensitivity``."""
    return Figure(name, (PYTHON, "-m", "jrsim", command, experiment, "--out", SCRATCH),
                  f"jrsim {command} {experiment} --out {SCRATCH_SHOWN}", TEXT, took, tables=tables)


FIGURES: tuple[Figure, ...] = (
    Figure("fit", (PYTHON, "-m", "jrsim.calibration.check"), "python -m jrsim.calibration.check", MARKDOWN,
           "about 4 minutes"),
    Figure("effects", (PYTHON, "-m", "jrsim.calibration.effects"), "python -m jrsim.calibration.effects", MARKDOWN,
           "a few minutes"),
    Figure("run", ("make", "--no-print-directory", "run"), "make run", TEXT, "about 1.5 minutes"),
    _experiment_figure("sensitivity", "sensitivity", "flagship_sensitivity", "about 6 minutes"),
    Figure("anchors", (PYTHON, "-m", "jrsim.experiments.bench_anchors"), "python -m jrsim.experiments.bench_anchors",
           TEXT, "about a minute"),
    Figure("bench", (PYTHON, "-m", "jrsim.experiments.bench"), "python -m jrsim.experiments.bench", TEXT,
           "about 10 minutes"),
    Figure("growth", (PYTHON, "-m", "jrsim.experiments.bench_growth"), "python -m jrsim.experiments.bench_growth",
           MARKDOWN, "about 12 minutes"),
    Figure("batch", (PYTHON, "-m", "jrsim.experiments.bench_batch"), "python -m jrsim.experiments.bench_batch", TEXT,
           "about 25 minutes"),
    _experiment_figure("tr_batch", "batch", "transforming_rehabilitation_batch", "about 5 minutes", tr_batch_tables),
    _experiment_figure("tr_screening", "sensitivity", "transforming_rehabilitation_screening", "about 25 minutes"),
    Figure("tr", (PYTHON, "-m", "jrsim", "compare", *TR_PAIR, *TR_OPTIONS, "--out", SCRATCH),
           f"jrsim compare {' '.join(TR_PAIR)} {' '.join(TR_OPTIONS)} --out {SCRATCH_SHOWN}", TEXT,
           "about 10 minutes", tables=tr_tables),
    Figure("levels", ("sh", "-c", _level_compares(f"{PYTHON} -m jrsim", SCRATCH)),
           _level_compares("jrsim", SCRATCH_SHOWN), TEXT, "about 5 minutes", tables=levels_tables),
    _experiment_figure("levels_batch", "batch", "commissioning_level_batch", "about 8 minutes", levels_batch_tables),
    Figure("supervision_levels", ("sh", "-c", _level_compares(f"{PYTHON} -m jrsim", SCRATCH, *SUPERVISION_PAIR)),
           _level_compares("jrsim", SCRATCH_SHOWN, *SUPERVISION_PAIR), TEXT, "about 5 minutes",
           tables=supervision_levels_tables),
    _experiment_figure("levels_screening", "sensitivity", "commissioning_level_screening", "about 8 minutes"),
)
BY_NAME = {f.name: f for f in FIGURES}


def path_of(figure: Figure, docs: Path) -> Path:
    return docs / FIGURES_FOLDER / f"{figure.name}.md"


def commit() -> str:
    """The commit, marked when code outside the docs differs from it (the figure is then not that commit's)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", *NOT_CODE],
                                 capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head[:SHORT_COMMIT] + (" with uncommitted changes" if changed else "")


def duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), SECONDS_PER_MINUTE)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def header(figure: Figure, started: datetime, at_commit: str, load: float, seconds: float) -> str:
    return (f"Generated by `make docs-figures ONLY={figure.name}` running `{figure.shown}` on "
            f"{started:%Y-%m-%d} at {started:%H:%M} UTC, commit {at_commit}, {os.cpu_count()} cores "
            f"(load {load:.1f} at the start), in {duration(seconds)}.")


def body(figure: Figure, result: subprocess.CompletedProcess, scratch: str) -> str:
    if figure.form == MARKDOWN:  # from the table's first row: a progress bar drawn before it is not the figure
        lines = result.stdout.splitlines()
        first = next((i for i, line in enumerate(lines) if line.startswith(TABLE_ROW)), 0)
        return "\n".join(lines[first:]).strip()
    text = result.stdout.replace(scratch, SCRATCH_SHOWN).rstrip()
    return f"```text\n{text}\n```"


def generate(figure: Figure, docs: Path) -> bool:
    """Run the figure's command and write its file; False (the old file untouched) if the command failed."""
    print(f"{figure.name}: {figure.shown} ({figure.takes})", flush=True)
    # The commit is read before the command starts: the code that made the figure, whatever is committed meanwhile.
    started, at_commit, load, clock = datetime.now(timezone.utc), commit(), os.getloadavg()[0], time.monotonic()
    with tempfile.TemporaryDirectory(prefix="jrsim-figure-") as scratch:
        merged = subprocess.STDOUT if figure.form == TEXT else subprocess.PIPE
        result = subprocess.run(figure.argv(scratch), stdout=subprocess.PIPE, stderr=merged, text=True)
        if result.returncode != 0:
            print(f"{figure.name}: failed (exit {result.returncode}); {path_of(figure, docs)} left as it was",
                  file=sys.stderr)
            print(result.stderr or result.stdout, file=sys.stderr)
            return False
        ran = time.monotonic() - clock
        shown = body(figure, result, scratch)
        shown = figure.tables(Path(scratch), ran, shown) if figure.tables else shown
        text = f"{header(figure, started, at_commit, load, time.monotonic() - clock)}\n\n{shown}\n"
    target = path_of(figure, docs)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)  # whole or not at all
    print(f"{figure.name}: wrote {target}", flush=True)
    return True


def chosen(only: str | None, ap: argparse.ArgumentParser) -> list[Figure]:
    if not only:
        return list(FIGURES)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown or not names:
        ap.error(f"--only: unknown figure(s) {unknown or [only]}; the figures are {', '.join(BY_NAME)}")
    return [BY_NAME[n] for n in names]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help=f"comma-separated figures, of: {', '.join(BY_NAME)} (default: all)")
    ap.add_argument("--docs", type=Path, default=Path("docs"), help="the docs folder (default: docs)")
    a = ap.parse_args(argv)
    failed = [f.name for f in chosen(a.only, ap) if not generate(f, a.docs)]
    if failed:
        sys.exit(f"docs figures failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
