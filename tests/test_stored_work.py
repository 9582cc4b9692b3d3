"""Stored work is verified, never trusted: a batch store's runs are checked against the checksum written
with their done flag (a run whose chunks were deleted, cut short or overwritten is computed again, and
no summary is made from a damaged store); a calibration record's damaged lines are dropped with a note
naming them and their runs computed again (never a traceback); and --overwrite never deletes anything
outside --out, a link inside it included.

Cheap: the store's checks run on a stand-in task (a few numbers a run, no model); the commands run the
real pairs at scale 0.002 on one worker.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from jrsim.calibration.calibrate import RECORD_SUFFIX, Record, entry_line
from jrsim.core.errors import ScenarioError
from jrsim.experiments.batch import open_results, run_batch
from jrsim.experiments.experiment import load_experiment
from jrsim.experiments.store import Store
from jrsim.reporting.output_set import TEMP_PREFIX, OutputSet
from tests.conftest import BASELINE, ROOT

EXPERIMENT = """name: tiny
counterfactual: baseline
scenarios: [radar]
replicates: 2
draws: 2
seed: 11
set: {run.scale: 0.002, run.horizon_years: 1, run.warmup_years: 0}
uncertainty:
  costs.activities.prison_place_week.cost: {distribution: uniform, low: 600, high: 800}
"""
RUNS = 4  # 1 scenario x 2 draws x 2 replicates
PAIRS = 2  # the commands' experiment: 2 draws x 1 replicate of real pairs
AGENCIES = ("police", "courts", "prisons")


def stand_in_task(task):
    """A few numbers a run, different for every run (its seed and scenario), in place of a pair."""
    rng = np.random.default_rng([task.seed, task.index[0]])
    return xr.Dataset({"npv_fiscal": rng.normal(),
                       "savings_cashable": (("year", "agency"), rng.normal(size=(2, len(AGENCIES))))},
                      coords={"year": [2012, 2013], "agency": list(AGENCIES)})


def batch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jrsim", "batch", *args, "--workers", "1"], capture_output=True,
                          text=True, cwd=ROOT, timeout=600)


def _written(tmp_path_factory, text: str) -> Path:
    path = tmp_path_factory.mktemp("exp") / "tiny.yaml"  # the store is named after the file: tiny.zarr
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    return load_experiment(_written(tmp_path_factory, EXPERIMENT))


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    return _written(tmp_path_factory, EXPERIMENT.replace("replicates: 2", "replicates: 1"))


@pytest.fixture(scope="module")
def stored(experiment, tmp_path_factory):
    """A complete store of the stand-in task, and its values."""
    out = tmp_path_factory.mktemp("stored")
    result = run_batch(experiment, out, workers=1, show=False, task_fn=stand_in_task)
    assert result.complete and result.damaged == 0
    return out, xr.open_zarr(result.store).load()


def _chunk(store: Path, name: str, run: tuple[int, int, int]) -> Path:
    """The file holding one run's chunk of one array (Zarr v2: indices joined by '.')."""
    found = sorted(store.glob(f"{name}/{'.'.join(map(str, run))}*"))
    assert len(found) == 1, found
    return found[0]


def _delete(store, run):
    _chunk(store, "savings_cashable", run).unlink()


def _truncate(store, run):
    chunk = _chunk(store, "savings_cashable", run)
    chunk.write_bytes(chunk.read_bytes()[: chunk.stat().st_size // 2])


def _garbage(store, run):
    chunk = _chunk(store, "npv_fiscal", run)
    chunk.write_bytes(os.urandom(chunk.stat().st_size))


def _another_runs_chunk(store, run):  # a valid chunk, but another run's numbers
    shutil.copy(_chunk(store, "savings_cashable", (0, 0, 0)), _chunk(store, "savings_cashable", run))


DAMAGE = {"deleted": _delete, "truncated": _truncate, "overwritten-with-garbage": _garbage,
          "overwritten-with-another-run": _another_runs_chunk}


def _same(a: xr.Dataset, b: xr.Dataset) -> None:
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name


def _copy(stored, tmp_path: Path) -> Path:
    out, _ = stored
    shutil.copytree(out / "tiny.zarr", tmp_path / "tiny.zarr")
    return tmp_path / "tiny.zarr"


def _reopened(experiment, path: Path) -> Store:
    return Store(path, experiment.fingerprint(), {"scenario": ["radar"], "draw": [0, 1], "replicate": [0, 1]})


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_run_is_never_summarised_and_is_no_longer_done(stored, experiment, tmp_path, damage):
    path = _copy(stored, tmp_path)
    damage(path, (0, 1, 1))
    with pytest.raises(ScenarioError) as err:  # no summary from a damaged store
        open_results(path)
    assert f"{path}: 1 of {RUNS} run(s) damaged" in str(err.value) and "\n" not in str(err.value)
    store = _reopened(experiment, path)  # as a resumed batch opens it
    assert store.damaged == 1 and store.todo((0, 1, 1)) and int(store.done.sum()) == RUNS - 1
    assert not _reopened(experiment, path).done[0, 1, 1]  # on disk too: a kill now still leaves it to do


@pytest.mark.parametrize("flags", ["done", "checksum"])
def test_damaged_flags_vouch_for_no_run(stored, experiment, tmp_path, flags):
    path = _copy(stored, tmp_path)
    chunk = _chunk(path, flags, (0, 0, 0))
    chunk.write_bytes(chunk.read_bytes()[:3])
    store = _reopened(experiment, path)
    assert store.damaged == RUNS and not store.done.any()
    again = _reopened(experiment, path)  # the flags were written again whole: readable, every run to do
    assert again.damaged == 0 and not again.done.any()


def test_a_resumed_batch_recomputes_only_the_damaged_runs_to_what_they_were(stored, experiment, tmp_path):
    _, good = stored
    path = _copy(stored, tmp_path)
    for damage, run in zip(DAMAGE.values(), [(0, 0, 1), (0, 1, 0), (0, 1, 1), (0, 1, 1)]):
        damage(path, run)
    resumed = run_batch(experiment, tmp_path, workers=1, show=False, task_fn=stand_in_task)
    assert resumed.damaged == 3 and resumed.complete
    _same(xr.open_zarr(resumed.store).load(), good)
    assert open_results(resumed.store).attrs["runs_verified"] == RUNS


def test_the_batch_command_recomputes_damaged_runs_and_says_what_its_summary_rests_on(pairs, tmp_path):
    first = batch(str(pairs), "--out", str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert f"({PAIRS} of {PAIRS} runs)" in first.stdout and f"from {PAIRS} runs, each verified" in first.stdout
    good = xr.open_zarr(tmp_path / "tiny.zarr").load()
    _truncate(tmp_path / "tiny.zarr", (0, 1, 0))
    again = batch(str(pairs), "--out", str(tmp_path))
    assert again.returncode == 0 and "Traceback" not in again.stdout + again.stderr, again.stderr
    said = [line for line in again.stdout.splitlines() if "damaged" in line]
    assert len(said) == 1 and f"1 of {PAIRS} run(s) damaged" in said[0] and "computing them again" in said[0], said
    assert f"({PAIRS} of {PAIRS} runs)" in again.stdout and f"from {PAIRS} runs, each verified" in again.stdout
    _same(xr.open_zarr(tmp_path / "tiny.zarr").load(), good)  # recomputed to what it was


# ---------------------------------------------------------------- the calibration record
FINGERPRINT = "f" * 64
KEYS = [f"{np.float64(v).tobytes().hex()}:7" for v in (0.1, 0.2, 0.3, 0.4)]


def _record(path: Path) -> list[str]:
    """A record of four runs (one the model refused, one with a missing measure), as lines."""
    record = Record(path, FINGERPRINT)
    record.add(KEYS[0], {"measures": {"arrests_per_year": 10.0, "charges_per_year": 5.0}})
    record.add(KEYS[1], {"error": "a combination out of range"})
    record.add(KEYS[2], {"measures": {"arrests_per_year": 11.0, "charges_per_year": math.nan}})
    record.add(KEYS[3], {"measures": {"arrests_per_year": 12.0, "charges_per_year": 6.0}})
    return path.read_text().splitlines()


def _replace_line(n: int, text: str):
    def change(lines: list[str]) -> str:
        return "\n".join(lines[: n - 1] + [text] + lines[n:]) + "\n"
    return change


OTHER = entry_line("e" * 64, KEYS[2], {"measures": {"arrests_per_year": 1.0}})
DAMAGED_LINES = {
    "truncated-last-line": (lambda lines: "\n".join(lines)[:-7], 5, "not a whole JSON line"),
    "garbage": (_replace_line(3, "\x00\x17garbage{"), 3, "not a whole JSON line"),
    "a-wrong-field": (_replace_line(2, '{"problem": "' + FINGERPRINT + '", "key": "' + KEYS[0] + '", "reslt": {}}'), 2,
                      "not the fields key, problem, result"),
    "a-measure-not-a-number": (_replace_line(5, '{"problem": "' + FINGERPRINT + '", "key": "' + KEYS[3] +
                                             '", "result": {"measures": {"arrests_per_year": "12"}}}'), 5,
                               "neither a run's measures"),
    "a-non-finite-number": (_replace_line(5, '{"problem": "' + FINGERPRINT + '", "key": "' + KEYS[3] +
                                          '", "result": {"measures": {"arrests_per_year": Infinity}}}'), 5,
                            "holds Infinity, not a finite number"),
    "a-line-for-another-problem": (_replace_line(4, OTHER), 4, "a run of another calibration"),
    "a-bad-key": (_replace_line(4, entry_line(FINGERPRINT, "0.3:seven", {"error": "x"})), 4,
                  "is not a parameter vector and a seed"),
    "not-text": (None, 3, "not text"),
}


@pytest.mark.parametrize("change, line, why", DAMAGED_LINES.values(), ids=DAMAGED_LINES.keys())
def test_a_damaged_record_line_is_dropped_with_a_note_and_its_run_computed_again(tmp_path, change, line, why):
    path = tmp_path / f"made{RECORD_SUFFIX}"
    lines = _record(path)
    before = {k: entry_line(FINGERPRINT, k, r) for k, r in Record(path, FINGERPRINT).runs.items()}
    if change is None:
        raw = path.read_bytes().split(b"\n")
        raw[line - 1] = b"\xff\xfe" + raw[line - 1][2:]
        path.write_bytes(b"\n".join(raw))
    else:
        path.write_text(change(lines))
    record = Record(path, FINGERPRINT)
    note = record.note()
    assert len(record.dropped) == 1 and f"line {line} (" in note and why in note, note
    assert str(path) in note and "\n" not in note
    lost = KEYS[line - 2]
    assert set(record.runs) == set(KEYS) - {lost}
    assert all(entry_line(FINGERPRINT, k, r) == before[k] for k, r in record.runs.items())  # the rest as they were
    record.add(lost, {"error": "computed again"})  # the run done again is appended on a line of its own
    again = Record(path, FINGERPRINT)
    assert not again.dropped and again.runs[lost] == {"error": "computed again"} and len(again.runs) == len(KEYS)


def test_a_missing_measure_is_written_as_null_and_read_back_as_nan(tmp_path):
    path = tmp_path / f"made{RECORD_SUFFIX}"
    lines = _record(path)
    assert "NaN" not in path.read_text() and json.loads(lines[3])["result"]["measures"]["charges_per_year"] is None
    assert math.isnan(Record(path, FINGERPRINT).runs[KEYS[2]]["measures"]["charges_per_year"])


@pytest.mark.parametrize("header", ["", '{"fingerprint": "' + FINGERPRINT, "garbage", '["a list"]'])
def test_a_damaged_header_is_refused_in_one_line_naming_line_1(tmp_path, header):
    path = tmp_path / f"made{RECORD_SUFFIX}"
    lines = _record(path)
    path.write_text("\n".join([header or "{}", *lines[1:]]) + "\n")
    with pytest.raises(ScenarioError) as err:
        Record(path, FINGERPRINT)
    assert f"{path}: line 1 is not a calibration record's header" in str(err.value) and "\n" not in str(err.value)


CALIBRATION = {"targets": {"arrests_per_year": {"value": 150000.0, "tolerance": 15000.0, "kind": "count",
                                                "source": "a test figure", "year": 2012,
                                                "definition": "arrests a year"}},
               "calibrate": {"scenario": str(BASELINE),
                             "settings": {"run.scale": 0.002, "run.horizon_years": 1, "run.warmup_years": 0,
                                          "run.seed": 7},
                             "free": {"policing.detection_probability": {"low": 0.1, "high": 0.3,
                                                                         "reason": "the test fits it"}}}}


def test_the_calibrate_command_recomputes_damaged_lines_with_a_note(tmp_path):
    targets = tmp_path / "made.yaml"
    targets.write_text(yaml.safe_dump(CALIBRATION, sort_keys=False))
    out = tmp_path / "out"

    def calibrate() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "jrsim", "calibrate", str(targets), "--out", str(out),
                               "--generations", "1", "--popsize", "1", "--workers", "1"], capture_output=True,
                              text=True, cwd=ROOT, timeout=600)

    first = calibrate()
    assert first.returncode == 0, first.stderr
    fit = (out / "made_fit.md").read_text()
    record = out / f"made{RECORD_SUFFIX}"
    lines = record.read_text().splitlines()
    lines[2] = "garbage"
    record.write_text("\n".join(lines)[:-10])  # and the last line cut short, as a kill leaves it
    again = calibrate()
    assert again.returncode == 0 and "Traceback" not in again.stdout + again.stderr, again.stderr
    said = [line for line in again.stdout.splitlines() if "damaged" in line]
    assert len(said) == 1 and str(record) in said[0] and "line 3 (" in said[0] and f"line {len(lines)} (" in said[0]
    assert "2 run(s) computed" in again.stdout
    assert (out / "made_fit.md").read_text() == fit  # the same fit: a recomputed run gives what it held


# ---------------------------------------------------------------- --overwrite and links
def test_overwrite_removes_links_in_out_and_never_what_they_point_to(pairs, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    sentinel = elsewhere / "sentinel.txt"
    sentinel.write_text("keep me")
    outside_file = tmp_path / "outside.xlsx"
    outside_file.write_text("keep me too")
    (out / "tiny.zarr").symlink_to(elsewhere, target_is_directory=True)  # the store's folder is a link
    (out / ".jrsim-partial-tiny_summary-1").symlink_to(elsewhere, target_is_directory=True)  # a stale partial
    (out / "tiny_summary.xlsx").symlink_to(outside_file)  # a set's file is a link
    refused = batch(str(pairs), "--out", str(out))
    message = refused.stderr.strip()
    assert refused.returncode == 2 and len(message.splitlines()) == 1 and "--overwrite" in message, message
    done = batch(str(pairs), "--out", str(out), "--overwrite")
    assert done.returncode == 0, done.stderr
    assert sentinel.read_text() == "keep me" and outside_file.read_text() == "keep me too"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["sentinel.txt"]
    assert (out / "tiny.zarr").is_dir() and not (out / "tiny.zarr").is_symlink()
    assert not (out / "tiny_summary.xlsx").is_symlink() and (out / "tiny_summary.xlsx").stat().st_size > 100
    assert not list(out.glob(".jrsim-partial-*"))


def test_a_dangling_link_for_the_store_is_never_written_through(experiment, tmp_path):
    gone = tmp_path / "gone"
    link = tmp_path / "tiny.zarr"
    link.symlink_to(gone, target_is_directory=True)
    coords = {"scenario": ["radar"], "draw": [0, 1], "replicate": [0, 1]}
    with pytest.raises(ScenarioError, match="use --overwrite"):
        Store(link, experiment.fingerprint(), coords)
    Store(link, experiment.fingerprint(), coords, overwrite=True)
    assert not link.is_symlink() and not gone.exists()


def test_a_replaced_set_removes_links_as_links_never_their_targets(tmp_path):
    """Every removal OutputSet makes (a stale partial folder, the earlier set's files and manifest, the
    files it replaces), each a link out of --out here: the links go, what they point to stays."""
    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    kept = {name: outside / name for name in ("old.nc", "old.csv", "old.manifest.json")}
    for path in kept.values():
        path.write_text(f"keep {path.name}")
    (outside / "partial").mkdir()
    (outside / "partial" / "sentinel").write_text("keep")
    source = tmp_path / "in.yaml"
    source.write_text("a: 1\n")
    (out / "s.nc").symlink_to(kept["old.nc"])
    (out / "s.csv").symlink_to(kept["old.csv"])  # the earlier set's file that the new set does not have
    kept["old.manifest.json"].write_text(json.dumps({"settings": {"earlier": True}, "files": {"s.nc": "", "s.csv": ""}}))
    (out / "s.manifest.json").symlink_to(kept["old.manifest.json"])
    (out / f"{TEMP_PREFIX}s-1").symlink_to(outside / "partial", target_is_directory=True)
    before = {name: path.read_text() for name, path in kept.items()}
    with OutputSet(out, "s", "test", {"now": True}, [source], (".nc",), overwrite=True) as written:
        written.path(".nc").write_text("new")
        written.commit()
    assert {name: path.read_text() for name, path in kept.items()} == before
    assert (outside / "partial" / "sentinel").read_text() == "keep"
    assert (out / "s.nc").read_text() == "new" and not (out / "s.nc").is_symlink()
    assert not (out / "s.csv").is_symlink() and not (out / "s.csv").exists()
    assert not (out / "s.manifest.json").is_symlink() and json.loads((out / "s.manifest.json").read_text())["complete"]
    assert not list(out.glob(f"{TEMP_PREFIX}*"))
