"""Property: any malformed scenario or cost file is either accepted with finite, in-range
parameters, or refused with one line naming the file and the key; never a traceback."""
from __future__ import annotations

import math

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jrsim import engine
from jrsim.core.errors import ScenarioError
from jrsim.economics.costs import default_costs, load_costs
from tests.conftest import BASELINE

NAMES = sorted(engine.load(BASELINE).values)
DECLARED = {p.name: p for p in engine.declarations(NAMES)}
COSTS = yaml.safe_load(default_costs().read_text())
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

junk = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**30), 10**30), st.booleans(), st.none(),
    st.text(max_size=8), st.lists(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
    st.dictionaries(st.text(max_size=6), st.one_of(st.floats(), st.text(max_size=4)), max_size=3),
    st.fixed_dictionaries({"value": st.floats(allow_nan=True), "unit": st.sampled_from(["weeks", "days", "unti", ""])}),
    st.fixed_dictionaries({"value": st.integers(-5, 5), "unti": st.just("months")}),
)


def _finite_and_in_range(params) -> None:
    for name, value in params.values.items():
        par = DECLARED.get(name)
        if isinstance(value, float):
            low, high = par.bounds
            assert math.isfinite(value) and low <= value <= high, (name, value)


def _one_line_naming(message: str, path, key: str | None) -> None:
    assert "\n" not in message and "Traceback" not in message, message
    assert str(path) in message, message
    if key is not None:
        assert key in message, (key, message)


@EXAMPLES
@given(key=st.sampled_from(NAMES), value=junk)
def test_any_value_in_a_scenario_is_accepted_in_range_or_refused_in_one_line(tmp_path_factory, key, value):
    path = tmp_path_factory.mktemp("prop") / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "p", "base": str(BASELINE), "set": {key: value}}))
    try:
        _finite_and_in_range(engine.load(path))
    except ScenarioError as err:
        _one_line_naming(str(err), path.resolve(), key)


@EXAMPLES
@given(data=st.data())
def test_any_corruption_of_a_scenario_file_is_accepted_or_refused_in_one_line(tmp_path_factory, data):
    text = f"name: p\nbase: {BASELINE}\nset:\n  run.scale: 0.01\n  courts.crown_share: 0.12\n  run.horizon_years: 2\n"
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 10))
    insert = data.draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=6))
    path = tmp_path_factory.mktemp("prop") / "c.yaml"
    path.write_text(text[:at] + insert + text[at + cut:])
    try:
        _finite_and_in_range(engine.load(path))
    except ScenarioError as err:
        message = str(err)
        assert "\n" not in message and "Traceback" not in message, message
        assert message.startswith(str(path.resolve())) or message.startswith(str(path)) or \
            str(BASELINE) in message or "file not found" in message, message


def _leaves(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, prefix + (k,))
    else:
        yield prefix


COST_LEAVES = [p for p in _leaves(COSTS) if p]


@EXAMPLES
@given(where=st.sampled_from(COST_LEAVES), value=junk, extra=st.booleans())
def test_any_value_in_the_cost_file_is_accepted_or_refused_in_one_line(tmp_path_factory, where, value, extra):
    doc = yaml.safe_load(default_costs().read_text())
    node = doc
    for k in where[:-1]:
        node = node[k]
    if extra:
        node[f"{where[-1]}_x"] = value  # an unknown key next to a known one
    else:
        node[where[-1]] = value
    path = tmp_path_factory.mktemp("prop") / "costs.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    try:
        book = load_costs(path)
        assert all(math.isfinite(a.cost) and a.cost >= 0 for a in book.activities)
        assert math.isfinite(book.discount_rate) and 0 <= book.discount_rate
    except ScenarioError as err:
        _one_line_naming(str(err), path, None)
        assert "'" in str(err) or "YAML" in str(err), str(err)  # a key is quoted
