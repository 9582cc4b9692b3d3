"""The one-Agent-per-person reference that `make bench` times the engine against runs on the shipped
baseline's parameters (the same tables the engine's modules build), and counts its person-weeks."""
from __future__ import annotations

from jrsim import engine
from jrsim.experiments.agent_reference import AgentModel
from tests.conftest import BASELINE

PEOPLE, WEEKS = 500, 4


def test_the_agent_reference_runs_on_the_shipped_baseline_and_counts_person_weeks():
    model = AgentModel(engine.load(BASELINE), PEOPLE)
    counted = 0
    for _ in range(WEEKS):
        counted += len(model.agents)
        model.step()
    assert model.person_weeks == counted and counted >= PEOPLE
