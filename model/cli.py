"""The command line: ``jrsim run`` (one scenario) and the commands later issues add."""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from model import params as P

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Justice-reinvestment cost-benefit simulator.")
err = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Justice-reinvestment cost-benefit simulator."""

out = Console(width=150)  # wide enough for the tables when output is not a terminal


def load_scenario(path: Path, sets: list[str] | None, seed: int | None) -> P.Params:
    """Load a scenario with --set overrides; exits with a clear message on bad input."""
    try:
        overrides = dict(P.parse_override(s) for s in (sets or []))
        if seed is not None:
            overrides["run.seed"] = seed
        return P.load(path, overrides)
    except P.ScenarioError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(code=2) from None


def summary_table(title: str, measures: dict[str, float], scale: float) -> Table:
    from calibration.targets import load_targets

    targets = load_targets()
    table = Table(title=title, caption="counts are national (divided by run.scale); 'published': "
                  "calibration/targets.yaml, with sources")
    for col in ("measure", "model", "published", "within tolerance"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for name, value in measures.items():
        is_rate = "rate" in name or "per_reoffender" in name or "growth" in name
        national = value if is_rate else value / scale
        tgt = targets.get(name)
        fmt = "{:.3f}" if is_rate else "{:,.0f}"
        ok = "" if not tgt else ("yes" if abs(national - tgt["value"]) <= tgt["tolerance"] else "NO")
        table.add_row(name, fmt.format(national), fmt.format(tgt["value"]) if tgt else "", ok)
    if not any(k.startswith("reoffending_rate") for k in measures):
        table.caption += "\nno cohort had its whole follow-up in the run: use run.horizon_years >= 3 for reoffending"
    return table


def services_summary(rows: list[dict]) -> Table:
    """The services that did anything: national figures per year."""
    table = Table(title="services (national, per year)")
    cols = ("service", "referrals", "starts", "completions", "drop-outs", "declined", "lost",
            "mean wait (wk)", "waiting", "places used", "spend £")
    for col in cols:
        table.add_column(col, justify="left" if col == "service" else "right")
    for r in rows:
        if r["referrals_per_year"] == 0 and r["places_used"] == 0:
            continue
        table.add_row(r["service"], *(f"{r[k]:,.0f}" for k in (
            "referrals_per_year", "starts_per_year", "completions_per_year", "dropouts_per_year",
            "declined_per_year", "lost_per_year")), f"{r['mean_wait_weeks']:.1f}", f"{r['waiting_list']:,.0f}",
            f"{r['places_used']:,.0f}", f"{r['spend_per_year']:,.0f}")
    return table


@app.command()
def run(scenario: Path = typer.Argument(..., help="scenario YAML file"),
        set_: Optional[List[str]] = typer.Option(None, "--set", help="override a parameter: dotted.name=value"),
        seed: Optional[int] = typer.Option(None, help="random seed (default: run.seed in the file)"),
        out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the NetCDF output")):
    """Run one scenario; write its Dataset as NetCDF and print a summary."""
    from model.outputs import headline, service_table
    from model.simulation import run as simulate

    params = load_scenario(scenario, set_, seed)
    started = time.perf_counter()
    ds = simulate(params)
    seconds = time.perf_counter() - started
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{params.name}.nc"
    ds.to_netcdf(path)
    scale = params["run.scale"]
    out.print(summary_table(f"{params.name}: {params['run.horizon_years']} years from {params['run.start_year']}, "
                            f"scale {scale:g}, seed {ds.attrs['seed']} ({seconds:.1f} s)", headline(ds), scale))
    services = service_table(ds)
    if any(r["referrals_per_year"] > 0 for r in services):
        out.print(services_summary(services))
    out.print(f"output: {path}")


def main() -> None:  # pragma: no cover
    app()
