"""Ctrl-C and a TERM signal stop a command the same way: as a KeyboardInterrupt, ended with one line.

A TERM signal (a scheduler's or a supervisor's stop) is made to raise KeyboardInterrupt, as Ctrl-C
does, so every command ends both the same way (``jrsim.cli.sequence`` says the line, exit code 130).
A signal that lands where Python swallows the exception (in a destructor, such as a Dask future's)
is remembered here, and acted on at the next ``stop_if_interrupted()`` or when the work returns.
"""
from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

_SIGNALLED: list[int] = []  # the signals received since the current interruptible stretch began


def _raise_interrupt(signum, frame) -> None:
    _SIGNALLED.append(signum)
    raise KeyboardInterrupt


def stop_if_interrupted() -> None:
    """Raise the interruption a swallowed signal asked for (call it where long work can stop cleanly)."""
    if _SIGNALLED:
        raise KeyboardInterrupt


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, TERM and Ctrl-C raise KeyboardInterrupt and are remembered; on leaving it,
    the handlers that were there before are put back (the blocks nest: the whole command, its work)."""
    _SIGNALLED.clear()
    previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is not signal.SIG_IGN:  # a command started in the background keeps ignoring Ctrl-C
        signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)
