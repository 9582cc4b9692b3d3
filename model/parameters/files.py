"""Reading the YAML files the model takes in (scenarios, unit costs, experiments): one careful reader.

Refused with one line naming the file (and the key or line where there is one): a missing file, a
folder or a device, a file larger than ``MAX_FILE_BYTES``, a file that is not UTF-8 text, YAML that
does not parse, a duplicate key, tags that build Python objects, and aliases that would expand beyond
``MAX_NODES`` (an alias bomb is refused before anything is built). Numbers in exponent form (``1e-9``,
``1.0e12``) are read as numbers, which YAML 1.1 alone does not do.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from jrsim.core.errors import ScenarioError

FROM_START = "run"  # ``starts: run``: a derived file's set: holds from the start of the run, not from a date

MAX_FILE_BYTES = 2_000_000  # the baseline is about 40 kB; a scenario file fifty times larger is a mistake
MAX_NODES = 200_000  # YAML nodes after aliases are expanded (the baseline has a few thousand)
MAX_MESSAGE = 200  # characters of YAML's own complaint quoted


# libyaml's parser where PyYAML was built with it (the wheels are): it parses the baseline ten times as
# fast as the pure-Python one, which is most of the time a scenario takes to load.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """PyYAML's safe loader, with duplicate keys refused and exponent-form numbers read as floats."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool, type(None), date)):
                raise yaml.constructor.ConstructorError(None, None, f"a key must be a name, not {type(key).__name__}",
                                                        key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


# YAML 1.1 wants a dot in a float (1.0e+12); people write 1e-9 and 1.0e12: read them as numbers.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$|^[-+]?\.[0-9_]+[eE][-+]?[0-9]+$"""),
    list("-+0123456789."))


def _expanded_size(node: Node, memo: dict[int, int]) -> int:
    """Nodes in the document with every alias expanded (shared nodes counted each time they appear)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = MAX_NODES + 1  # a node that contains itself expands without end
    if isinstance(node, MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, SequenceNode):
        size = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        size = 1
    memo[key] = min(size, MAX_NODES + 1)
    return memo[key]


def read_text(path: Path, what: str = "file") -> str:
    """A small UTF-8 text file, or a ScenarioError that names it and says what is wrong."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: {what} not found")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder, not a {what}")
    if not path.is_file():
        raise ScenarioError(f"{path}: not a regular file (a device or a pipe?)")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: {size:,} bytes is more than a {what} can be ({MAX_FILE_BYTES:,})")
    data = path.read_bytes()
    if b"\x00" in data:
        raise ScenarioError(f"{path}: not a text file (it holds NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _load(text: str, where: str) -> object:
    """Parse one YAML document safely (see the module's docstring)."""
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            if root is not None and _expanded_size(root, {}) > MAX_NODES:
                raise ScenarioError(f"{where}: more than {MAX_NODES:,} YAML nodes once aliases are expanded "
                                    f"(an alias bomb, or a file far larger than any scenario)")
            return loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{where}: not valid YAML: {_one_line(exc)}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # a value YAML cannot build: 2011-02-30, !!int abc
        raise ScenarioError(f"{where}: not valid YAML: {_one_line(exc)[:MAX_MESSAGE]}") from None
    except RecursionError:
        raise ScenarioError(f"{where}: YAML nested too deeply") from None


def read_mapping(path: Path) -> dict:
    """A YAML file whose top level is a mapping, or a ScenarioError that names the file."""
    doc = _load(read_text(path), str(path))
    if not isinstance(doc, dict):
        raise ScenarioError(f"{path}: expected a mapping at the top level")
    return doc


def parse_value(text: str, where: str) -> object:
    """One value written on the command line (``--set key=value``), read as a YAML file's are."""
    return _load(text, where)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
