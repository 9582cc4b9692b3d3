"""What every contract kind declares, and the parts kinds share.

A contract kind is one class (a subclass of ``ContractKind``) in its own module of this package,
listed once in the registry (``jrsim.commissioning.kinds.REGISTRY``). The class says what the kind
needs and does, so that nothing else in the commissioning layer asks a contract's kind by name:

- ``NEEDS``: the contract fields (``jrsim.commissioning.contracts.FIELDS``) a scenario must write;
- ``PAYS_ON``: ``COHORTS`` (proven-reoffending cohorts, measured once each cohort's follow-up and proof
  window has closed) or ``DEMAND`` (the cost of demand of its areas' test years against a baseline year);
- ``PAYEE_USED``: whether its ``payee`` is paid (a pool pays each service's funder instead);
- ``settles``: the output week in which it settles a year; ``check``: its checks at load;
- ``schedule`` and ``settle``: what it puts on the commissioning calendar, and what it measures and
  pays when a year is settled.

A kind's methods are class methods: a kind holds no state. At run time they act through a ``Desk``
(the commissioning module): its calendar, its measurements of the run, and its payments. Events on
the calendar are plain callbacks (no generators), so that a run can be copied at a policy date.

The load checks here take a contract (``jrsim.commissioning.contracts.Contract``: its name, fields
``f``, ``kind`` and ``error``) without importing it: the contracts module reads the registry.
"""
from __future__ import annotations

from typing import Callable, ClassVar, Protocol

from jrsim.commissioning.calendar import ContractCalendar
from jrsim.commissioning.records import Measurement
from jrsim.core.constants import WEEKS_PER_YEAR
from jrsim.core.seams import ServiceCapacity

COHORTS = "cohorts"  # pays on proven-reoffending cohorts
DEMAND = "demand"  # pays on the cost of demand of its areas
SETTLES_BEFORE_YEAR_END = 1  # weeks: what is paid on a year's volumes is settled in its last week
MAX_RELATIVE = 1.0  # a fall as a share of the reference
# The fields every kind needs, the results terms of the kinds that pay on cohorts, and what the kinds
# that pay on demand share (in the order a missing field is listed).
COMMON = ("kind", "payer", "level", "payee", "areas", "first_year", "last_year", "price_year", "payment_lag")
RESULTS_FIELDS = ("measure", "disposals", "reference", "risk_adjusted", "baseline_year", "threshold", "threshold_unit",
                  "price", "pay_from", "cap", "alpha", "deduct_rise")
DEMAND_FIELDS = ("weights", "baseline_year")


class Desk(Protocol):
    """What a contract kind may use of the commissioning module at run time."""

    calendar: ContractCalendar  # at, note, year_start, output_week, now
    # jrsim.commissioning.measurement.Measurer (outcome, cost_of_demand, fee_units, service_year_total,
    # window_closes): not imported, as it reads the contracts module, which reads this registry
    measure: object
    capacity: ServiceCapacity  # a pool buys places

    def at_contract(self, week: int, contract: str, action: Callable, year: int) -> None:
        """``action(desk, contract, year)`` on ``week``, on the contract's terms in force then."""

    def pay(self, c, week: int, purpose: str, amount: float, year: int, payer: str | None = None,
            payee: str | None = None) -> None:
        """A payment under the contract (from its payer to its payee unless named)."""

    def paid(self, contract: str, purpose: str, year: int | None = None) -> float:
        """What the contract has paid so far for ``purpose`` (on ``year`` only, if given)."""

    def case_weeks(self, provider: str, year: int) -> float:
        """A provider's case-weeks in (calendar) year ``year``, at full size: what a fee per case-week pays on."""

    def record_measurement(self, measurement: Measurement) -> None:
        """A result as the contract measured it (for the report)."""

    def record_pool_decision(self, decision: dict) -> None:
        """A pool's reinvestment decision (for the report)."""


class ContractKind:
    """One kind of contract: what it needs, when it settles, its checks, what it does on the calendar."""

    name: ClassVar[str]  # the kind as a scenario writes it (contracts.<name>.kind)
    NEEDS: ClassVar[tuple[str, ...]]
    PAYS_ON: ClassVar[str]  # COHORTS or DEMAND
    PAYEE_USED: ClassVar[bool] = True

    # ------------------------------------------------------------ at load
    @classmethod
    def check(cls, c) -> None:
        """The kind's own checks of a contract's terms (one clear error for the first that fails)."""

    @classmethod
    def uses_baseline(cls, f: dict) -> bool:
        """Whether the contract (fields ``f``) measures against its ``baseline_year``."""
        return True

    @classmethod
    def measures_cohorts(cls, f: dict) -> bool:
        """Whether the contract (fields ``f``) measures cohorts, and so must wait for their proof window."""
        return cls.PAYS_ON == COHORTS

    @classmethod
    def pays_on_caseload(cls, f: dict) -> bool:
        """Whether it pays on its payee provider's caseload (which must then be a provider)."""
        return False

    @classmethod
    def last_payment(cls, f: dict, year_index: int, lag: int) -> int:
        """The output week of the contract's last payment on output year ``year_index``."""
        return cls.settles(year_index, lag)

    # ------------------------------------------------------------ as a provider sees it
    @classmethod
    def accrues(cls, c, case_weeks: float, weeks: float) -> float:
        """What a provider earns under the contract, as it accrues, on ``case_weeks`` of its caseload over
        ``weeks`` (a fee per case-week, a block fee); 0: what it is paid is booked when paid."""
        return 0.0

    @classmethod
    def incentive(cls, c, bands, fee_per_week: float):
        """How the contract rewards a provider's effort on results (a ``decision.Incentive``; None: not
        at all). ``bands``: the risk bands (bool) of the provider's caseload its cohort counts."""
        return None

    @classmethod
    def settles(cls, year_index: int, lag: int) -> int:
        """The output week in which the contract settles output year ``year_index``: ``lag`` weeks
        after the year ends."""
        return (year_index + 1) * WEEKS_PER_YEAR + lag

    # ------------------------------------------------------------ on the calendar
    @classmethod
    def schedule(cls, desk: Desk, c) -> None:
        """The contract's dated events: its own payments (``schedule_payments``), its start, each year's
        settlement (and what the kind notes in each year), and its end."""
        cal, f, lag = desk.calendar, c.f, int(round(c.f["payment_lag"]))
        start = cal.clock.start_year
        cls.schedule_payments(desk, c)
        cal.at(cal.year_start(f["first_year"]), cal.note, c.name, "contract starts", f["first_year"])
        for y in range(f["first_year"], f["last_year"] + 1):
            settles = cal.output_week(cls.settles(y - start, lag))
            if cls.measures_cohorts(f) or cls.PAYS_ON != COHORTS or (
                    settles >= desk.measure.window_closes(y) and all(k in f for k in RESULTS_FIELDS)):
                desk.at_contract(settles, c.name, cls.settle, y)
                cls.schedule_year(desk, c, y)
        cal.at(cal.output_week(cls.settles(f["last_year"] - start, lag)), cal.note, c.name, "contract ends",
               f["last_year"])

    @classmethod
    def schedule_payments(cls, desk: Desk, c) -> None:
        """Payments the kind makes on dates of their own (fees, investors' capital): none by default."""

    @classmethod
    def schedule_year(cls, desk: Desk, c, year: int) -> None:
        """What the kind notes on the calendar in each contract year: nothing by default."""

    @classmethod
    def settle(cls, desk: Desk, c, year: int) -> None:
        """Measure the contract's ``year`` and pay on it."""
        raise NotImplementedError(f"the {cls.name} kind does not say how it settles a year")


class CohortKind(ContractKind):
    """A kind that pays on the Ministry of Justice's proven-reoffending cohorts of its areas and index
    disposals, each measured once its follow-up and proof window has closed."""

    PAYS_ON = COHORTS

    @classmethod
    def uses_baseline(cls, f: dict) -> bool:
        return f["reference"] == "baseline"

    @classmethod
    def schedule_year(cls, desk: Desk, c, year: int) -> None:
        cal = desk.calendar
        cal.at(cal.year_start(year), cal.note, c.name, "cohort opens", year)
        cal.at(cal.year_start(year + 1), cal.note, c.name, "cohort closes to new members", year)
        cal.at(desk.measure.window_closes(year), cal.note, c.name, "cohort's follow-up and proof window closes", year)

    @classmethod
    def settle(cls, desk: Desk, c, year: int) -> None:
        """Measure the cohort on each of the contract's measures, record them, and pay (``pay_on``)."""
        week = desk.calendar.now
        if week < desk.measure.window_closes(year):
            raise RuntimeError(f"contract {c.name!r} measured cohort {year} before its window closed")  # load checks
        desk.calendar.note(c.name, "cohort measured and paid", year)
        terms = c.terms()
        outcomes = {t.measure: desk.measure.outcome(c, year, t.measure) for t in terms}
        for t in terms:
            o = outcomes[t.measure]
            desk.record_measurement(Measurement(week, c.name, year, t.measure, o.cohort, o.observed, o.reference,
                                                t.met(o)))
        cls.pay_on(desk, c, year, week, terms, outcomes)

    @classmethod
    def pay_on(cls, desk: Desk, c, year: int, week: int, terms: list, outcomes: dict) -> None:
        """Pay on a measured cohort (``terms``: ResultTerms, the first the contract's own measure;
        ``outcomes``: an Outcome by measure)."""
        raise NotImplementedError(f"the {cls.name} kind does not say how it pays on a cohort")


class DemandKind(ContractKind):
    """A kind that pays on the fall in its areas' weighted cost of demand against a baseline year."""

    PAYS_ON = DEMAND

    @classmethod
    def measure_demand(cls, desk: Desk, c, year: int, week: int) -> tuple[float, float]:
        """The baseline year's and the test year's cost of demand, recorded as a measurement."""
        base, test = desk.measure.cost_of_demand(c, c.f["baseline_year"]), desk.measure.cost_of_demand(c, year)
        fall = 1.0 - test / base if base > 0 else 0.0
        threshold = c.f.get("threshold", 0.0)
        desk.record_measurement(Measurement(week, c.name, year, "cost_of_demand", base, test, base,
                                            fall >= threshold and fall > 0))
        return base, test


# ---------------------------------------------------------------- checks the kinds share
def check_cohort_terms(c) -> None:
    """A cohort contract's results terms: a cohort that holds someone, a possible fall, a baseline
    before the first cohort."""
    f = c.f
    for field in ("disposals", "bands"):
        if field in f and not f[field]:
            raise c.error(field, "is empty: the cohort would hold no one")
    if f["threshold_unit"] == "relative":
        check_relative(c, "threshold", "a relative fall")
    if f["reference"] == "baseline" and f["baseline_year"] >= f["first_year"]:
        raise c.error("baseline_year", f"the baseline ({f['baseline_year']}) must come before the first cohort "
                                       f"({f['first_year']})")


def check_gateway(c, takes_gateway: bool) -> None:
    """A gateway names both its service and its target, and only on a kind that takes one."""
    f = c.f
    if ("gateway_service" in f) != ("gateway_starts" in f):
        field = "gateway_starts" if "gateway_service" in f else "gateway_service"
        raise c.error(field, "a gateway needs both its service and the starts it must reach")
    if "gateway_service" in f and not takes_gateway:
        raise c.error("gateway_service", f"a gateway conditions a payment_by_results contract, not a {c.kind}")


def check_relative(c, field: str, what: str) -> None:
    """A fall given as a share is at most 1 (100%)."""
    if c.f[field] > MAX_RELATIVE:
        raise c.error(field, f"{what} is at most 1 (100%), got {c.f[field]:g}")


def check_demand_terms(c) -> None:
    """A demand contract weighs some demand, against a baseline before its first test year."""
    f = c.f
    if not any(f["weights"].values()):
        raise c.error("weights", "weighs no demand measure: the cost of demand would be zero")
    if f["baseline_year"] >= f["first_year"]:
        raise c.error("baseline_year", f"the baseline year ({f['baseline_year']}) must come before the first "
                                       f"test year ({f['first_year']})")
