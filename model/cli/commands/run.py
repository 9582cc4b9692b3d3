"""jrsim run: one scenario, its Dataset as NetCDF and a summary."""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer

from jrsim.cli.inputs import load_scenario, options, settings_of
from jrsim.cli.sequence import write_set
from jrsim.cli.terminal import console
from jrsim.parameters.library import BASELINE, library_file, resolve
from jrsim.reporting.output_set import OutputSet


def run(scenario: Path = typer.Argument(library_file(BASELINE), show_default="the shipped baseline",
                                        help="scenario YAML file, or the name of a shipped scenario"),
        set_: Optional[List[str]] = typer.Option(None, "--set", help="override a parameter: dotted.name=value"),
        seed: Optional[int] = typer.Option(None, help="random seed (default: run.seed in the file)"),
        scale: Optional[float] = typer.Option(None, help="run.scale (default: the file's)"),
        years: Optional[int] = typer.Option(None, help="output years (default: run.horizon_years)"),
        out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the NetCDF output"),
        overwrite: bool = typer.Option(False, help="replace a set of the same name made with other settings")):
    """Run one scenario; write its Dataset as NetCDF (with a manifest) and print a summary."""
    # imported when the command runs, not when the command line is read: `jrsim --help` starts at once
    from jrsim import engine
    from jrsim.outputs.measures import headline, service_table
    from jrsim.reporting.tables import services_summary, summary_table

    params = load_scenario(scenario, set_, options(seed, scale, years))
    stem = resolve(scenario).stem
    settings = settings_of("run", scenario=resolve(scenario).resolve(), set=list(set_ or []),
                           seed=params["run.seed"], scale=params["run.scale"], years=params["run.horizon_years"])
    out = OutputSet(out_dir, stem, "run", settings, [Path(f) for f in params.files], (".nc",), overwrite)
    started = time.perf_counter()

    def work(out: OutputSet):
        result = engine.run(params)
        result.to_netcdf(out.path(".nc"))
        return result

    ds = write_set(out, work)
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
