"""The skeleton every command follows, written once: how a command ends early, and the sequence of a
command that writes files (open the output set, work interruptibly, commit, or end in one line).

A command's body only parses its options, loads its inputs and hands ``write_set`` its work; whatever
stops it on the way (bad input, a failed run, Ctrl-C) ends it here, the same way for every command.
"""
from __future__ import annotations

import functools
import os
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import typer

from jrsim.cli import signals
from jrsim.cli.terminal import say
from jrsim.core.errors import PairFailed, RunsFailed, ScenarioError
from jrsim.reporting.output_set import OutputSet, manifest_path

T = TypeVar("T")
EXIT_FAILED = 1  # some runs raised (their tracebacks are in the log)
EXIT_BAD_INPUT = 2  # input refused with a message (the code usage errors have too)
EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C
LOG_SUFFIX = ".log"  # beside a set: the tracebacks of the runs that raised
BEFORE_ANY_OUTPUT = "stopped before any output was written"
UNREPORTED_SUFFIX = ".unreported.nc"  # beside a set: finished runs whose workbook or page failed (no set's name)

# A run that raised on a worker, as the command tells it: one line (scenario, seed, the error), and its
# traceback to keep in the set's log (None: the runner has logged it already).
Failure = tuple[str, str | None]


class ReportFailed(RuntimeError):
    """The workbook or page failed after the runs finished: ``str()`` is one line, ``trace`` its traceback."""

    def __init__(self, line: str, trace: str):
        super().__init__(line)
        self.trace = trace


def failed_run(exc: RuntimeError) -> Failure | None:
    """The failures the runners raise: a pair (compare), evaluations (sensitivity), or the reports after
    the runs (``kept_if_reports_fail``); None for any other."""
    if isinstance(exc, (PairFailed, ReportFailed)):
        return str(exc), exc.trace
    if isinstance(exc, RunsFailed):
        return str(exc), None
    return None


@contextmanager
def one_line(interrupted: Callable[[], str] | None = None, log: Path | None = None,
             failure: Callable[[RuntimeError], Failure | None] = failed_run) -> Iterator[None]:
    """Every way a command ends early, said in one line on standard error, without a traceback, and
    raised as ``typer.Exit`` with its code:

    - bad input (a ScenarioError) and a file that cannot be read or written (an OSError): code 2;
    - a usage error typer found (an unknown option, a value of the wrong type): code 2, pointing to --help;
    - runs that raised on the workers, as ``failure`` reads them (a traceback kept in ``log``): code 1;
    - Ctrl-C or TERM: code 130, with the line ``interrupted()`` gives (without one, the block lets the
      interruption through, to the enclosing block that knows what was written).
    """
    try:
        yield
    except typer.Exit:  # a command's own ending, said already
        raise
    except ScenarioError as exc:
        _end("error", str(exc), EXIT_BAD_INPUT)
    except OSError as exc:  # the disk filled, a folder vanished: nothing half-written is kept
        _end("error", f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}", EXIT_BAD_INPUT)
    except typer.Abort:  # typer's own stop (end of input at a prompt): nothing more to say
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except typer.TyperException as exc:
        _end_usage(exc)
    except RuntimeError as exc:
        told = failure(exc)
        if told is None or (told[1] is not None and log is None):
            raise
        line, trace = told
        if trace is not None:
            _keep_trace(line, trace, log)
            line = f"{line} (traceback in {log})"
        _end("failed", line, EXIT_FAILED)
    except KeyboardInterrupt:
        if interrupted is None:
            raise
        _end("interrupted", interrupted(), EXIT_INTERRUPTED)


def _end(label: str, message: str, code: int) -> None:
    say(label, message)
    raise typer.Exit(code=code) from None


def _end_usage(exc: typer.TyperException) -> None:
    """Typer's refusals: a usage error (typer gives it the usage code, 2) points to the command's help."""
    message = exc.format_message()
    if exc.exit_code != EXIT_BAD_INPUT:
        _end("error", message, exc.exit_code)
    if message:  # (no command at all: the help was shown, nothing more to say)
        context = getattr(exc, "ctx", None)
        say("error", f"{message} (see {context.command_path if context is not None else 'jrsim'} --help)")
    raise typer.Exit(code=EXIT_BAD_INPUT) from None


def _keep_trace(line: str, trace: str, log: Path) -> None:
    with open(log, "a") as f:
        f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} failed: {line}\n{trace}\n")


def exit_code(action: Callable[[], object]) -> int:
    """Run ``action`` (the whole command line) and give its exit code: 0 when it finished."""
    try:
        with one_line(interrupted=lambda: BEFORE_ANY_OUTPUT):
            result = action()
    except typer.Exit as exc:
        return exc.exit_code
    return result if isinstance(result, int) else 0


def command(body: Callable[..., None]) -> Callable[..., None]:
    """A command's body with its refusals ended in one line (typer reads the body's signature)."""
    @functools.wraps(body)
    def refusing(*args, **kwargs) -> None:
        with one_line():
            return body(*args, **kwargs)

    return refusing


@contextmanager
def kept_if_reports_fail(netcdf: Path, out: OutputSet) -> Iterator[None]:
    """Finished runs are not lost to a fault in the reports: if writing the workbook or page from the set's
    NetCDF raises (other than bad input or a file that cannot be written, which end as they always do), the
    NetCDF is moved beside the set under a name no set has (the set stays incomplete) and the command ends
    in one line saying where it is and how to write the reports from it, the traceback in the set's log."""
    try:
        yield
    except (ScenarioError, OSError):
        raise
    except Exception as exc:
        kept = out.out_dir / f"{out.stem}{UNREPORTED_SUFFIX}"
        os.replace(netcdf, kept)
        raise ReportFailed(f"the workbook and page could not be written ({type(exc).__name__}: {exc}); the finished "
                           f"comparison is kept in {kept} (jrsim report {kept} writes them)",
                           traceback.format_exc()) from None


def write_set(out: OutputSet, work: Callable[[OutputSet], T], interrupted: str | None = None,
              failure: Callable[[RuntimeError], Failure | None] = failed_run) -> T:
    """The sequence of every command that writes files:

    1. open ``out``: ``--out`` is checked and locked before any work;
    2. run ``work(out)``, which writes each file at ``out.path(suffix)`` and returns what the command
       prints; Ctrl-C and TERM interrupt it (a swallowed signal at ``signals.stop_if_interrupted()``);
    3. commit the set when the work returns, if it wrote files (a batch stopped short writes none and
       leaves the earlier set as it was);
    4. or end in one line (``one_line``): a run that failed (``failure`` reads it; a traceback goes to
       ``<stem>.log`` beside the set), bad input, or an interruption, saying ``interrupted`` or, without
       it, whether the set had been committed. No set is ever left looking complete when it is not.
    """
    with one_line():
        out.open()

    def interruption() -> str:
        if interrupted is not None:
            return interrupted
        if out.committed:
            return f"after the set was complete: {manifest_path(out.out_dir, out.stem)}"
        return f"nothing was written to {out.out_dir} (an earlier complete set there is unchanged)"

    with one_line(interruption, out.out_dir / f"{out.stem}{LOG_SUFFIX}", failure), signals.interruptible():
        with out:
            result = work(out)
            if out.files:
                out.commit()
        signals.stop_if_interrupted()
    return result
