"""Outputs are a safe set: named after the input file, inside --out, written whole or not at all,
never replacing a set from other settings unasked, one writer at a time, and recoverable after an
interruption."""
from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from jrsim.cli import app
from jrsim.reporting.output_set import LOCK_NAME, TEMP_PREFIX, file_hash
from tests.conftest import BASELINE, ROOT

TINY = ["--set", "run.scale=0.002", "--set", "run.horizon_years=1", "--set", "run.warmup_years=0"]


def cli(*args: str):
    result = CliRunner().invoke(app, list(args))
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    return result.exit_code, " ".join(text.split())


def test_files_are_named_after_the_file_never_after_text_inside_it(tmp_path):
    sneaky = tmp_path / "sneaky.yaml"
    sneaky.write_text(f"name: ../../escaped\nbase: {BASELINE}\n")
    out = tmp_path / "deep" / "out"
    code, text = cli("run", str(sneaky), *TINY, "--out", str(out))
    assert code == 0, text
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == \
        ["sneaky.manifest.json", "sneaky.nc"]
    assert not list(tmp_path.rglob("escaped*"))


def test_writing_a_set_never_touches_files_that_are_not_its_own(tmp_path, monkeypatch):
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(f"name: tiny\nbase: {BASELINE}\n")
    (tmp_path / "tiny.txt").write_text("my notes")
    (tmp_path / "tiny.v2.nc").write_text("another set")
    (tmp_path / "tiny.v2.manifest.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    for _ in range(2):  # written, then replaced
        code, text = cli("run", "tiny.yaml", *TINY, "--out", ".")
        assert code == 0, text
    assert scenario.exists() and (tmp_path / "tiny.txt").read_text() == "my notes"
    assert (tmp_path / "tiny.v2.nc").exists() and (tmp_path / "tiny.v2.manifest.json").exists()
    starry = tmp_path / "*.yaml"
    starry.write_text(f"name: star\nbase: {BASELINE}\n")
    assert cli("run", str(starry), *TINY, "--out", ".")[0] == 0
    assert (tmp_path / "tiny.txt").exists() and (tmp_path / "tiny.nc").exists() and (tmp_path / "*.nc").exists()


def test_an_edited_scenario_is_another_set(tmp_path):
    scenario = tmp_path / "edit.yaml"
    scenario.write_text(f"name: edit\nbase: {BASELINE}\nset:\n  courts.crown_share: 0.12\n")
    out = tmp_path / "out"
    assert cli("run", str(scenario), *TINY, "--out", str(out))[0] == 0
    scenario.write_text(f"name: edit\nbase: {BASELINE}\nset:\n  courts.crown_share: 0.2\n")
    code, text = cli("run", str(scenario), *TINY, "--out", str(out))
    assert code == 2 and "differing: inputs" in text


def test_a_set_has_a_manifest_written_last_with_hashes(tmp_path):
    code, text = cli("run", "baseline", *TINY, "--seed", "5", "--out", str(tmp_path))
    assert code == 0, text
    manifest = json.loads((tmp_path / "baseline.manifest.json").read_text())
    assert manifest["complete"] and manifest["settings"]["seed"] == 5
    assert manifest["files"] == {"baseline.nc": file_hash(tmp_path / "baseline.nc")}
    assert any(p.endswith("baseline.yaml") for p in manifest["settings"]["inputs"]) and "numpy" in manifest["versions"]
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_a_set_from_other_settings_is_not_replaced_without_overwrite(tmp_path):
    assert cli("run", "baseline", *TINY, "--seed", "5", "--out", str(tmp_path))[0] == 0
    before = file_hash(tmp_path / "baseline.nc")
    code, text = cli("run", "baseline", *TINY, "--seed", "6", "--out", str(tmp_path))
    assert code == 2 and "from other settings is there (differing: seed)" in text and "--overwrite" in text
    assert file_hash(tmp_path / "baseline.nc") == before
    assert cli("run", "baseline", *TINY, "--seed", "5", "--out", str(tmp_path))[0] == 0  # same settings: fine
    code, text = cli("run", "baseline", *TINY, "--seed", "6", "--out", str(tmp_path), "--overwrite")
    assert code == 0, text
    assert json.loads((tmp_path / "baseline.manifest.json").read_text())["settings"]["seed"] == 6


def test_a_second_command_writing_to_the_same_folder_refuses_at_once(tmp_path):
    with open(tmp_path / LOCK_NAME, "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running jrsim holds it
        started = time.perf_counter()
        code, text = cli("run", "baseline", *TINY, "--out", str(tmp_path))
        assert code == 2 and "another jrsim command is writing there" in text
        assert time.perf_counter() - started < 5  # at once, not after a run
    assert cli("run", "baseline", *TINY, "--out", str(tmp_path))[0] == 0  # released: fine


def test_a_bad_seed_never_replaces_a_good_output(tmp_path):
    assert cli("run", "baseline", *TINY, "--out", str(tmp_path))[0] == 0
    good = file_hash(tmp_path / "baseline.nc")
    code, text = cli("run", "baseline", *TINY, "--seed", str(2**70), "--out", str(tmp_path), "--overwrite")
    assert code == 2 and "'run.seed': must be at most" in text
    assert file_hash(tmp_path / "baseline.nc") == good


def test_an_incomplete_set_left_by_a_killed_command_is_replaced(tmp_path):
    (tmp_path / "baseline.nc").write_bytes(b"half a file")  # no manifest: visibly incomplete
    (tmp_path / f"{TEMP_PREFIX}baseline-99999").mkdir()
    (tmp_path / f"{TEMP_PREFIX}baseline-99999" / "baseline.nc").write_bytes(b"partial")
    code, text = cli("run", "baseline", *TINY, "--out", str(tmp_path))
    assert code == 0 and "replaced an incomplete set 'baseline'" in text
    assert (tmp_path / "baseline.manifest.json").exists()
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_an_interrupted_comparison_leaves_no_set_and_the_next_run_recovers(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "jrsim", "compare", "baseline", "justice_reinvestment", "--scale", "0.003",
               "--years", "2", "--set", "run.warmup_years=1", "--out", str(out)]
    # A command started in the background by a shell inherits SIGINT ignored; Ctrl-C reaches a foreground one.
    proc = subprocess.Popen(command + ["--replicates", "12"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    line = proc.stdout.readline()  # the first replicate has finished: the command is part-way
    assert "replicate 1/12 done" in line and "s left)" in line, line + proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted:" in stderr and "Traceback" not in stderr
    stem = "justice_reinvestment_vs_baseline"
    assert not (out / f"{stem}.manifest.json").exists()
    assert not list(out.glob(f"{stem}.*")) and not list(out.glob(f"{TEMP_PREFIX}*"))
    done = subprocess.run(command + ["--replicates", "1"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / f"{stem}.manifest.json").read_text())
    assert set(manifest["files"]) == {f"{stem}.nc", f"{stem}.xlsx", f"{stem}.html"}
    assert all(file_hash(out / name) == digest for name, digest in manifest["files"].items())


def test_sigterm_is_an_interruption_too(tmp_path):
    # a run of several seconds (it is stopped at once), so that the signal cannot land after it has finished
    args = [sys.executable, "-m", "jrsim", "run", "baseline", "--scale", "0.2", "--years", "10",
            "--out", str(tmp_path)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.time() + 60
    while not list(tmp_path.glob(f"{TEMP_PREFIX}*")) and time.time() < deadline:
        time.sleep(0.05)  # the set is open: the run has started
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "interrupted:" in stderr, stderr
    assert not list(tmp_path.glob("baseline.*")) and not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_out_is_checked_before_the_run(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x")
    started = time.perf_counter()
    code, text = cli("run", "baseline", "--out", str(target))  # a national run if it started: minutes
    assert code == 2 and "is a file, not a folder" in text
    assert time.perf_counter() - started < 10
    assert Path(target).read_text() == "x"
