"""Reading the YAML files the model takes in (scenarios, unit costs): one reader for all."""
from __future__ import annotations

from pathlib import Path

import yaml

from jrsim.core.errors import ScenarioError


def read_mapping(path: Path) -> dict:
    """A YAML file whose top level is a mapping, or a ScenarioError that names the file."""
    if not path.exists():
        raise ScenarioError(f"{path}: file not found")
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ScenarioError(f"{path}: expected a mapping at the top level")
    return doc
