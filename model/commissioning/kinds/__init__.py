"""The contract kinds, registered once: each is one class in its own module of this package
(``base`` says what a kind declares). A new kind is its module, imported here and listed in
``REGISTRY``; a scenario's ``contracts.<name>.kind`` chooses among the registry's names, in its order."""
from __future__ import annotations

from jrsim.commissioning.kinds.base import COHORTS, DEMAND, ContractKind
from jrsim.commissioning.kinds.fee_for_service import FeeForService
from jrsim.commissioning.kinds.justice_reinvestment import JusticeReinvestment
from jrsim.commissioning.kinds.payment_by_results import PaymentByResults
from jrsim.commissioning.kinds.pooled_budget import PooledBudget
from jrsim.commissioning.kinds.social_impact_bond import SocialImpactBond

REGISTRY: dict[str, type[ContractKind]] = {kind.name: kind for kind in (
    FeeForService,
    PaymentByResults,
    SocialImpactBond,
    JusticeReinvestment,
    PooledBudget,
)}
KINDS = tuple(REGISTRY)  # the choices of contracts.<name>.kind

__all__ = ["COHORTS", "DEMAND", "KINDS", "REGISTRY", "ContractKind", "kind_of"]


def kind_of(name: str) -> type[ContractKind]:
    """The class of a contract kind a scenario names (its choice is checked at load)."""
    return REGISTRY[name]
