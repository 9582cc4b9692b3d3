"""Checks for the structured files the model reads (scenarios, geography, unit costs, targets,
experiments): each value checked where it is read, and every problem one line naming the file and
the dotted key, ``file: 'key': problem``.

Unknown keys are refused at every depth (with the nearest known keys suggested), numbers must be
finite and inside their stated range, and text must be text. A scenario's parameter values are
checked by their kind's converter (``jrsim.parameters.kinds``); its keys and lines go through here.
"""
from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

from jrsim.core.errors import ScenarioError

SUGGESTIONS = 1  # the nearest known key offered for a misspelt one


class FileChecker:
    """Checks values read from one file; ``key`` arguments are dotted paths within it."""

    def __init__(self, path: str):
        self.path = path

    def error(self, key: str, message: str) -> ScenarioError:
        return ScenarioError(self.line(key, message))

    def line(self, key: str, message: str) -> str:
        """One problem as the user reads it: the file, the key (none: the file as a whole), what is wrong."""
        return f"{self.origin(key)}: {message}" if key else f"{self.path}: {message}"

    def unknown(self, key: str, known: Iterable[str], what: str = "key", n: int = SUGGESTIONS,
                name: str | None = None) -> ScenarioError:
        """``key`` is none of the ``known`` names (``name``: the part of it that is, if not all of it):
        say so, with the nearest known ones."""
        return self.error(key, f"unknown {what}{did_you_mean(key if name is None else name, known, n)}")

    def origin(self, key: str) -> str:
        """How a message names a key of this file, as the user wrote it (also the ``where`` of settings
        the file passes on to a scenario, so that a scenario's message names this file's key)."""
        return f"{self.path}: '{key}'"

    def mapping(self, value: Any, key: str, required: Iterable[str] = (), optional: Iterable[str] = (),
                text_keys: bool = True) -> dict:
        """A mapping with text keys (unless ``text_keys`` is false); with ``required`` or ``optional``
        given, no other keys."""
        if not isinstance(value, Mapping):
            raise self.error(key, f"expected a mapping, got {show(value)}")
        for k in value:
            if text_keys and not isinstance(k, str):
                raise self.error(key, f"key {k!r} must be a name")
        required, optional = tuple(required), tuple(optional)
        if required or optional:
            allowed = required + optional
            for k in value:
                if k not in allowed:
                    unknown = self.unknown(f"{key}.{k}" if key else k, allowed, name=k)
                    raise ScenarioError(f"{unknown}; allowed here: {sorted(allowed)}")
            for k in required:
                if k not in value:
                    raise self.error(f"{key}.{k}" if key else k, "missing")
        return dict(value)

    def number(self, value: Any, key: str, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"expected a number, got {show(value)}")
        v = float(value)
        if not math.isfinite(v):
            raise self.error(key, f"expected a finite number, got {value!r}")
        if not low <= v <= high:
            raise self.error(key, f"must lie in [{low:g}, {high:g}], got {value!r}")
        return v

    def whole(self, value: Any, key: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected a whole number, got {show(value)}")
        if not low <= value <= high:
            raise self.error(key, f"must lie in [{low}, {high}], got {value}")
        return value

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"expected text, got {show(value)}")
        return value

    def choice(self, value: Any, key: str, labels: Iterable[str]) -> str:
        labels = tuple(labels)
        if not isinstance(value, str) or value not in labels:
            hint = did_you_mean(str(value), labels)
            raise self.error(key, f"unknown {show(value)}{hint}; expected one of {sorted(labels)}")
        return value


def did_you_mean(name: str, names: Iterable[str], n: int = SUGGESTIONS) -> str:
    """' (did you mean 'x'?)' with the nearest known names (up to ``n``), or nothing when none is near."""
    close = difflib.get_close_matches(name, list(names), n=n)
    shown = ", ".join(f"'{c}'" for c in close)
    return f" (did you mean {shown}?)" if close else ""


def show(value: Any) -> str:
    """A value for a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


MAX_SHOWN = 60  # characters of a bad value quoted in a message
