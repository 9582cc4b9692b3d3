"""Errors with a reader in mind: each says what is wrong and where, so no traceback is needed."""
from __future__ import annotations


class ScenarioError(Exception):
    """An input file or option is wrong. The message names the file (or option) and the key."""


class RunsFailed(RuntimeError):
    """Some runs raised on the workers (the inputs were fine): the message is one line naming the first
    (scenario, seed, the error) and the log that keeps the tracebacks; the command exits with code 1."""


class PairFailed(RuntimeError):
    """A pair raised on a worker: ``str()`` is one line (scenario, seed, the error); ``trace`` its traceback."""

    def __init__(self, line: str, trace: str):
        super().__init__(line)
        self.trace = trace


class BalanceError(AssertionError):
    """Stocks and flows do not balance: a person was lost or counted twice."""


class UndeclaredError(KeyError):
    """A module used a parameter, random stream, handoff or seam it did not declare at its top."""

    def __str__(self) -> str:  # KeyError quotes its message; this one is a sentence
        return str(self.args[0]) if self.args else ""
