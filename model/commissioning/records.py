"""What the commissioning layer records as a run goes: payments and measurements, one record each."""
from __future__ import annotations

from dataclasses import dataclass

# What a payment is for: a fee, a fee repaid on a missed target, a results (outcome) payment,
# investors' capital (paid by them: negative), a justice-reinvestment reward, a partner's contribution.
PURPOSES = ("fee", "fee_repaid", "results", "investment", "reinvestment", "contribution")
CAPITAL = PURPOSES[3]  # investors' capital (a negative payment from the payer to them): what a return is on


@dataclass(frozen=True)
class Payment:
    week: int  # week of the run in which it is paid
    contract: str
    commissioner: str
    payer: str
    payee: str
    purpose: str  # one of PURPOSES
    amount: float
    price_year: int
    cohort_year: int  # the cohort or test year it pays on (the contract year, for fees)


@dataclass(frozen=True)
class Measurement:
    """One contract result as the contract measured it (for the report: what was paid on what)."""

    week: int
    contract: str
    year: int
    measure: str
    cohort: float  # people (full size); for demand contracts, the baseline cost of demand
    observed: float
    reference: float
    met: bool
