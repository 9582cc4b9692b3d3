"""The command skeleton: every command that writes files goes through one sequence (jrsim.cli.sequence
.write_set), so a stop in the middle of any command's work (a TERM signal, Ctrl-C, a failed run, bad
input) ends it the same way: one line, the same exit code, no set looking complete, the lock released
and the signal handlers put back.

Cheap: each command really parses its options and loads its inputs, but its work is replaced, inside
the real sequence, by one that writes half of every file of the set and then stops."""
from __future__ import annotations

import fcntl
import os
import signal

import pytest
import xarray as xr
from typer.testing import CliRunner

from jrsim import cli
from jrsim.calibration.calibrate import RECORD_SUFFIX
from jrsim.cli.commands import batch, calibrate, compare, run, sensitivity
from jrsim.cli.sequence import LOG_SUFFIX, UNREPORTED_SUFFIX
from jrsim.cli.signals import _SIGNALLED
from jrsim.core.errors import PairFailed, RunsFailed, ScenarioError
from jrsim.experiments import paired
from jrsim.reporting import report
from jrsim.reporting.output_set import LOCK_NAME, MANIFEST_SUFFIX, TEMP_PREFIX

TINY = {"run.scale": 0.005, "run.horizon_years": 2, "run.warmup_years": 1}
SETTINGS = ", ".join(f"{k}: {v}" for k, v in TINY.items())
EXPERIMENT = f"name: one\ncounterfactual: baseline\nscenarios: [radar]\nreplicates: 1\nseed: 3\nset: {{{SETTINGS}}}\n"
SCREEN = EXPERIMENT + ("sensitivity:\n  method: morris\n  samples: 2\n  output: npv_fiscal\n  parameters:\n"
                       "    services.radar_key_worker.effect: [0.8, 1.0]\n"
                       "    services.radar_key_worker.capacity: [10000, 14000]\n")
TARGETS = ("targets:\n  arrests_per_year: {value: 1200000, tolerance: 36000, kind: count, source: a test, year: 2012, "
           f"definition: arrests}}\ncalibrate:\n  scenario: baseline\n  settings: {{{SETTINGS}, run.seed: 7}}\n"
           "  free:\n    policing.detection_probability: {low: 0.05, high: 0.45, reason: a test}\n")
TRACE = "Traceback (most recent call last):\n  File \"worker.py\", line 1, in pair\nValueError: boom\n"


def run_args(tmp_path):
    return ["run", "baseline", *[a for k, v in TINY.items() for a in ("--set", f"{k}={v}")]]


def compare_args(tmp_path):
    return ["compare", "baseline", "radar", "--scale", "0.005", "--years", "2", "--replicates", "1", "--workers", "1"]


def batch_args(tmp_path):
    (tmp_path / "one.yaml").write_text(EXPERIMENT)
    return ["batch", str(tmp_path / "one.yaml"), "--workers", "1"]


def sensitivity_args(tmp_path):
    (tmp_path / "screen.yaml").write_text(SCREEN)
    return ["sensitivity", str(tmp_path / "screen.yaml"), "--workers", "1"]


def calibrate_args(tmp_path):
    (tmp_path / "made.yaml").write_text(TARGETS)
    return ["calibrate", str(tmp_path / "made.yaml"), "--generations", "1", "--popsize", "1", "--workers", "1"]


# command module, its arguments, the line an interruption ends with (after "interrupted: "), a run failing in it
COMMANDS = {
    "run": (run, run_args, "nothing was written to {out} (an earlier complete set there is unchanged)",
            PairFailed("scenario baseline seed 1: ValueError: boom", TRACE)),
    "compare": (compare, compare_args, "nothing was written to {out} (an earlier complete set there is unchanged)",
                PairFailed("scenario radar seed 1: ValueError: boom", TRACE)),
    "batch": (batch, batch_args, "finished runs are kept in {out}/one.zarr; run the same command to resume",
              PairFailed("scenario radar seed 3: ValueError: boom", TRACE)),
    "sensitivity": (sensitivity, sensitivity_args,
                    "finished evaluations are kept in {out}; run the same command to resume",
                    RunsFailed("1 evaluation(s) failed (the first: scenario radar seed 3: ValueError: boom)")),
    "calibrate": (calibrate, calibrate_args, f"the runs so far are kept in {{out}}/made{RECORD_SUFFIX}; "
                                             "run the same command to resume",
                  RuntimeError(f"a calibration run (seed 7) failed:\n{TRACE}")),
}


def stopped_halfway(monkeypatch, module, stop):
    """The command's own sequence, with a work that writes half of each of the set's files, then ``stop()``."""
    real = module.write_set
    opened = []

    def write_set(out, work, **how):
        def half_done(out):
            for suffix in out.suffixes:
                out.path(suffix).write_text("half a file")
            stop()

        opened.append(out)
        return real(out, half_done, **how)

    monkeypatch.setattr(module, "write_set", write_set)
    return opened


def invoke(tmp_path, args):
    out = tmp_path / "out"
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    result = CliRunner().invoke(cli.app, [*args, "--out", str(out)])
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before, "handlers not put back"
    return result, out, result.stderr.strip().splitlines()


def assert_no_complete_set(out, opened):
    assert len(opened) == 1, "the command's work did not go through the sequence"
    stem, suffixes = opened[0].stem, opened[0].suffixes
    assert not (out / f"{stem}{MANIFEST_SUFFIX}").exists()
    assert not [s for s in suffixes if (out / f"{stem}{s}").exists()], sorted(p.name for p in out.iterdir())
    assert not list(out.glob(f"{TEMP_PREFIX}*"))
    with open(out / LOCK_NAME) as lock:  # released: another command can write there at once
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def terminate() -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # as a scheduler stopping the job would


@pytest.mark.parametrize("name", COMMANDS)
def test_a_signal_in_the_middle_of_any_command_is_one_line_and_leaves_no_set(tmp_path, monkeypatch, name):
    module, args, line, _ = COMMANDS[name]
    opened = stopped_halfway(monkeypatch, module, terminate)
    result, out, lines = invoke(tmp_path, args(tmp_path))
    assert result.exit_code == 130, result.output
    assert lines == [f"interrupted: {line.format(out=out)}"]
    assert_no_complete_set(out, opened)


@pytest.mark.parametrize("name", COMMANDS)
def test_a_run_failing_in_the_middle_of_any_command_is_one_line_exit_1_and_leaves_no_set(tmp_path, monkeypatch, name):
    module, args, _, failure = COMMANDS[name]

    def fail():
        raise failure

    opened = stopped_halfway(monkeypatch, module, fail)
    result, out, lines = invoke(tmp_path, args(tmp_path))
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("failed: ") and "ValueError: boom" in lines[0], lines
    assert "Traceback" not in result.stderr
    if isinstance(failure, RunsFailed):  # the runner has logged its tracebacks already
        assert lines[0] == f"failed: {failure}"
    else:
        log = out / f"{opened[0].stem}.log"
        assert lines[0].endswith(f" (traceback in {log})") and "in pair" in log.read_text()
    assert_no_complete_set(out, opened)


def bad_input():
    raise ScenarioError("costs.yaml: 'agencies.police': a deliberate refusal")


def disk_full():
    raise OSError(28, "No space left on device", "/the/out/folder/file.nc")


def ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("stop, code, line", [
    (ctrl_c, 130, "interrupted: nothing was written to {out} (an earlier complete set there is unchanged)"),
    (bad_input, 2, "error: costs.yaml: 'agencies.police': a deliberate refusal"),
    (disk_full, 2, "error: /the/out/folder/file.nc: No space left on device"),
], ids=["ctrl-c", "bad-input", "disk-full"])
def test_every_other_stop_in_the_middle_of_the_work_ends_in_one_line(tmp_path, monkeypatch, stop, code, line):
    opened = stopped_halfway(monkeypatch, run, stop)
    result, out, lines = invoke(tmp_path, run_args(tmp_path))
    assert result.exit_code == code and lines == [line.format(out=out)], result.output
    assert_no_complete_set(out, opened)


def test_a_signal_swallowed_during_the_work_stops_the_command_after_the_set_is_complete(tmp_path, monkeypatch):
    """A signal Python swallowed (in a destructor) is acted on when the work returns: the set is whole."""
    real = run.write_set

    def write_set(out, work, **how):
        def done_but_signalled(out):
            out.path(".nc").write_text("a whole file")
            _SIGNALLED.append(signal.SIGTERM)

        return real(out, done_but_signalled, **how)

    monkeypatch.setattr(run, "write_set", write_set)
    result, out, lines = invoke(tmp_path, run_args(tmp_path))
    assert result.exit_code == 130
    assert lines == [f"interrupted: after the set was complete: {out / ('baseline' + MANIFEST_SUFFIX)}"]
    assert (out / "baseline.nc").read_text() == "a whole file"


def test_every_command_ends_its_refusals_through_the_skeleton():
    """Each registered command is wrapped once by jrsim.cli.sequence.command (refusals in one line)."""
    callbacks = [info.callback for info in cli.app.registered_commands]
    assert [c.__wrapped__ for c in callbacks] == list(cli.COMMANDS)
    assert {c.__name__ for c in callbacks} >= set(COMMANDS) | {"scenarios"}


def test_a_report_failing_after_the_runs_keeps_the_comparison_and_says_how_to_report_it(tmp_path, monkeypatch):
    """The runs finished, then the workbook raised (a fault, as a multi-replicate TR comparison once did):
    one line, exit 1, the finished NetCDF kept under a name no set has, no set looking complete."""
    finished = xr.Dataset({"net": ("replicate", [1.0])}, coords={"replicate": [1]})
    monkeypatch.setattr(paired, "run_pairs", lambda *args, **kwargs: finished)  # the command imports it as it runs

    def fails(*args):
        raise ValueError("boom")

    monkeypatch.setattr(report, "write_reports", fails)
    result, out, lines = invoke(tmp_path, compare_args(tmp_path))
    assert result.exit_code == 1 and len(lines) == 1, result.stderr
    (kept,) = out.glob(f"*{UNREPORTED_SUFFIX}")
    assert lines[0].startswith("failed: the workbook and page could not be written (ValueError: boom)")
    assert f"jrsim report {kept}" in lines[0]
    with xr.open_dataset(kept) as ds:
        xr.testing.assert_identical(ds.load(), finished)
    stem = kept.name[:-len(UNREPORTED_SUFFIX)]
    assert not (out / f"{stem}{MANIFEST_SUFFIX}").exists() and not (out / f"{stem}.nc").exists()
    assert "ValueError: boom" in (out / f"{stem}{LOG_SUFFIX}").read_text()
