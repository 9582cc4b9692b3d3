"""A non-editable install works from outside the checkout.

Once per module: build a wheel of the project with the dev venv's pip (no network, no build isolation),
create a fresh venv, install the wheel there with the fresh venv's own pip (no index, no dependencies),
and give the fresh venv the dev venv's already-installed dependencies through a ``.pth`` file whose
single line is the dev venv's site-packages. A path line in a ``.pth`` file only adds that directory to
``sys.path``; the ``.pth`` files inside it (among them the dev venv's editable-install finder for jrsim)
are not processed, so ``jrsim`` can only come from the installed wheel. The tests then run the
installed ``jrsim`` command from a temporary directory, without PYTHONPATH.

The build writes nothing into the checkout: setuptools' ``build/`` and ``*.egg-info`` folders are sent
to the temporary directory through ``DIST_EXTRA_CONFIG`` (an extra setup.cfg-style file that setuptools
reads). Should a setuptools release ignore it, whatever new ``build/`` or ``*.egg-info`` the build leaves
is removed and reported by ``test_build_leaves_nothing_in_checkout``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("install")  # the wheel and its environment are built once: one worker

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300  # seconds, for every subprocess
SMALL = ["--set", "run.scale=0.005", "--set", "run.horizon_years=1", "--set", "run.warmup_years=1", "--seed", "3"]
GENERIC = ("model", "calibration", "experiments", "scenarios")  # folder names that must not be import names
# The top-level folders a user edits, shipped inside the package as jrsim.data.<folder>.
PACKAGE_DATA = ("data/scenarios/baseline.yaml", "data/scenarios/unit_costs.yaml", "data/calibration/targets.yaml",
                "data/calibration/evaluations.yaml", "data/calibration/baseline_accepted.nc",
                "data/experiments/intervention_library.yaml", "data/experiments/flagship_sensitivity.yaml")
BIN = "Scripts" if os.name == "nt" else "bin"


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site: Path  # the fresh venv's site-packages
    dev_site: Path  # the dev venv's site-packages, reached through the .pth file
    work: Path  # the working directory for the runs, outside the checkout
    env: dict[str, str]  # the environment for the runs: the fresh venv, no PYTHONPATH
    leftovers: tuple[str, ...]  # what the build left in the checkout (removed again)

    def exe(self, name: str) -> Path:
        return self.venv / BIN / name


def _run(cmd: list, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=TIMEOUT)


def _explain(proc: subprocess.CompletedProcess) -> str:
    return (f"$ {' '.join(proc.args)}\nexit code {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}")


def _ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, _explain(proc)
    return proc


def _build_artifacts() -> set[str]:
    """The names in the checkout's top level that a setuptools build writes."""
    return {p.name for p in ROOT.iterdir() if p.name == "build" or p.name.endswith(".egg-info")}


def _clean_env(venv: Path, tmp: Path) -> dict[str, str]:
    """The caller's environment without any PYTHON* variable (no PYTHONPATH), in the fresh venv."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTHON") and k not in ("VIRTUAL_ENV", "DIST_EXTRA_CONFIG", "__PYVENV_LAUNCHER__")}
    env.update(VIRTUAL_ENV=str(venv), PATH=os.pathsep.join([str(venv / BIN), env.get("PATH", "")]),
               PYTHONNOUSERSITE="1", PYTHONIOENCODING="utf-8", PIP_DISABLE_PIP_VERSION_CHECK="1",
               MPLCONFIGDIR=str(tmp / "mplconfig"))
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    tmp = tmp_path_factory.mktemp("install")
    assert not tmp.is_relative_to(ROOT), f"the temporary directory {tmp} is inside the checkout"

    # 1. The wheel, built from the checkout; setuptools' build/ and egg-info go to tmp, not the checkout.
    extra_cfg = tmp / "setuptools-extra.cfg"
    extra_cfg.write_text(f"[build]\nbuild_base = {tmp / 'build'}\n[egg_info]\negg_base = {tmp}\n")
    build_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    build_env.update(DIST_EXTRA_CONFIG=str(extra_cfg), PIP_DISABLE_PIP_VERSION_CHECK="1")
    wheels = tmp / "wheels"
    before = _build_artifacts()
    try:
        _ok(_run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                  "-w", wheels, ROOT], cwd=tmp, env=build_env))
    finally:
        leftovers = tuple(sorted(_build_artifacts() - before))
        for name in leftovers:  # only what this build created
            shutil.rmtree(ROOT / name, ignore_errors=True)
    built = sorted(wheels.glob("jrsim-*.whl"))
    assert len(built) == 1, f"expected one jrsim wheel in {wheels}, found {built}"

    # 2. A fresh venv with the wheel installed by its own pip, without the network.
    venv = tmp / "venv"
    env = _clean_env(venv, tmp)
    _ok(_run([sys.executable, "-m", "venv", venv], cwd=tmp, env=env))
    python = venv / BIN / "python"
    site = Path(_ok(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         cwd=tmp, env=env)).stdout.strip())
    # Installed before the .pth is written, so this pip never sees the dev venv's jrsim dist-info
    # (with it on sys.path, pip tries to uninstall it first and only refuses as "outside environment").
    _ok(_run([python, "-m", "pip", "install", "--no-deps", "--no-index", built[0]], cwd=tmp, env=env))
    dev_site = Path(sysconfig.get_paths()["purelib"])  # the interpreter running the tests: the dev venv
    (site / "_jrsim_test_dev_site_packages.pth").write_text(f"{dev_site}\n")

    work = tmp / "work"
    work.mkdir()
    return Installed(wheel=built[0], venv=venv, site=site, dev_site=dev_site, work=work, env=env,
                     leftovers=leftovers)


def _python_json(inst: Installed, code: str):
    """Run ``code`` (which prints one JSON document) in the fresh venv, from the work directory."""
    return json.loads(_ok(_run([inst.exe("python"), "-c", code], cwd=inst.work, env=inst.env)).stdout)


def test_build_leaves_nothing_in_checkout(installed):
    assert installed.leftovers == (), (
        f"the wheel build wrote {installed.leftovers} into {ROOT} (removed again by the fixture)")


def test_wheel_holds_only_jrsim(installed):
    with zipfile.ZipFile(installed.wheel) as whl:
        top = {name.split("/", 1)[0] for name in whl.namelist()}
        names = set(whl.namelist())
    assert {t for t in top if not t.endswith(".dist-info")} == {"jrsim"}, sorted(top)
    missing = [f"jrsim/{f}" for f in PACKAGE_DATA if f"jrsim/{f}" not in names]
    assert not missing, f"package data missing from the wheel: {missing}"


def test_wheel_holds_every_source_file(installed):
    """Every module and data file under the folders pyproject.toml maps (package-dir) is in the wheel:
    the explicit ``packages`` list misses a new subpackage silently otherwise."""
    package_dir = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    expected = set()
    for package, folder in package_dir.items():
        nested = {other for other in package_dir.values() if other != folder}
        for path in (ROOT / folder).rglob("*"):
            rel = path.relative_to(ROOT)
            if (path.is_file() and path.suffix in (".py", ".yaml", ".json") and "__pycache__" not in rel.parts
                    and not any(rel.is_relative_to(n) for n in nested)):
                expected.add("/".join([*package.split("."), *path.relative_to(ROOT / folder).parts]))
    with zipfile.ZipFile(installed.wheel) as whl:
        missing = sorted(expected - set(whl.namelist()))
    assert not missing, f"source files missing from the wheel (a package not listed in pyproject.toml?): {missing}"


def test_dev_site_packages_is_only_a_path(installed):
    """The .pth line adds the dev venv's site-packages to sys.path and activates nothing in it."""
    seen = _python_json(installed, (
        "import json, sys\n"
        "print(json.dumps({'path': sys.path,\n"
        "                  'finders': [type(f).__module__ for f in sys.meta_path],\n"
        "                  'editable': [m for m in sys.modules if 'editable' in m]}))"))
    assert str(installed.dev_site) in seen["path"], seen["path"]
    assert not [f for f in seen["finders"] if "editable" in f], f"an editable finder is active: {seen['finders']}"
    assert not seen["editable"], f"editable-install modules imported: {seen['editable']}"
    assert not [p for p in seen["path"] if p and Path(p).resolve().is_relative_to(ROOT)
                and not Path(p).resolve().is_relative_to(ROOT / ".venv")], \
        f"the checkout is on sys.path: {seen['path']}"


def test_import_comes_from_installed_copy(installed):
    proc = _ok(_run([installed.exe("python"), "-c", "import jrsim, sys; print(jrsim.__file__)"],
                    cwd=installed.work, env=installed.env))
    where = Path(proc.stdout.strip()).resolve()
    assert where.is_relative_to(installed.site.resolve()), _explain(proc)
    assert not where.is_relative_to(ROOT), _explain(proc)

    # Every jrsim module the CLI imports, and the files it reads, come from the installed copy too.
    seen = _python_json(installed, (
        "import json, sys\n"
        "import jrsim.cli\n"
        "from jrsim.parameters.library import library_dir\n"
        "from jrsim.calibration.targets import TARGETS_FILE\n"
        "from jrsim.experiments.experiment import load_experiment, resolve_experiment\n"
        "experiment = resolve_experiment('intervention_library')\n"
        "load_experiment(experiment)  # its calibration sets are found beside it, inside the package\n"
        "print(json.dumps({'modules': {m: getattr(sys.modules[m], '__file__', None) for m in sys.modules\n"
        "                              if m == 'jrsim' or m.startswith('jrsim.')},\n"
        "                  'library': str(library_dir()), 'targets': str(TARGETS_FILE), 'experiment': str(experiment)}))"))
    site = installed.site.resolve()
    outside = {m: f for m, f in seen["modules"].items() if f and not Path(f).resolve().is_relative_to(site)}
    assert not outside, f"jrsim modules imported from outside {site}: {outside}"
    for key in ("library", "targets", "experiment"):
        assert Path(seen[key]).resolve().is_relative_to(site), f"{key}: {seen[key]} is not inside {site}"


def test_no_generic_top_level_names(installed):
    entries = sorted(p.name for p in installed.site.iterdir())
    generic = [e for e in entries if e in GENERIC or (e.endswith(".py") and e[:-3] in GENERIC)]
    assert not generic, f"generic import names in {installed.site}: {generic} (all: {entries})"
    found = _python_json(installed, (
        "import importlib.util, json\n"
        f"print(json.dumps({{n: importlib.util.find_spec(n) is not None for n in {list(GENERIC)!r}}}))"))
    assert not any(found.values()), f"importable in the fresh venv: {[n for n, f in found.items() if f]}"
    missing = [f for f in PACKAGE_DATA if not (installed.site / "jrsim" / f).is_file()]
    assert not missing, f"package data missing from {installed.site / 'jrsim'}: {missing}"


def test_run_default_baseline(installed):
    out = installed.work.parent / "out"
    proc = _run([installed.exe("jrsim"), "run", *SMALL, "--out", out], cwd=installed.work, env=installed.env)
    _ok(proc)
    assert "output:" in proc.stdout, _explain(proc)
    assert (out / "baseline.nc").is_file(), f"no {out / 'baseline.nc'}\n{_explain(proc)}"


def test_run_shipped_scenario_by_name(installed):
    out = installed.work.parent / "out"
    proc = _run([installed.exe("jrsim"), "run", "radar", *SMALL, "--out", out], cwd=installed.work, env=installed.env)
    _ok(proc)
    assert "output:" in proc.stdout, _explain(proc)
    assert (out / "radar.nc").is_file(), f"no {out / 'radar.nc'}\n{_explain(proc)}"


def test_scenarios_lists_shipped(installed):
    proc = _ok(_run([installed.exe("jrsim"), "scenarios"], cwd=installed.work, env=installed.env))
    listed = proc.stdout.split()
    assert "justice_reinvestment" in listed, _explain(proc)
    assert "baseline" in listed and "radar" in listed, _explain(proc)
    assert "unit_costs" not in listed, _explain(proc)
