"""Commissioners and providers (mesa Agents), and the commissioning module: the thin composition of
the contracts a scenario lets, the calendar (simpy) on which they pay, stepped with the weekly engine,
the run's measurements, and the records that become the run's Dataset.

A commissioner lets contracts at one level (the Ministry of Justice nationally, a contract package
area's commissioner, a local commissioner such as a council or a police and crime commissioner) and
pays from one agency's budget; it keeps what it paid by budget (financial) year. A provider or
investors are payees outside the public sector. Each contract is a set of dated events on the
calendar, which its kind (``jrsim.commissioning.kinds``) puts there: fees, investors' capital, a
measurement of each cohort once its follow-up and proof window has closed (or, for demand contracts,
once the test year has ended), paid after the contract's lag, and for a pooled budget the partners'
contributions and the reinvestment decision at the end of each year. Events are callbacks of this
module (no generators), so that a run can be copied at a policy date (``engine.run_pair``).

A contract is a policy: it is taken up on the week its parameters come into force, and its terms are
read again when a policy changes them. Payments are recorded in the contract's price year; the ledger
(``jrsim.economics``) books them as transfers.
"""
from __future__ import annotations

from typing import Callable

import mesa
import xarray as xr

from jrsim.commissioning import variables
from jrsim.commissioning.calendar import ContractCalendar
from jrsim.commissioning.contracts import Contract, check_contracts, declarations, run_frame
from jrsim.commissioning.measurement import Measurer
from jrsim.commissioning.records import Measurement, Payment
from jrsim.core.module import Module
from jrsim.core.seams import CohortMeasure, ServiceCapacity
from jrsim.core.vocabulary import FUNDERS

# Agencies whose budgets the Ministry of Justice holds: a national contract paid from one of them is the
# ministry's (HMPPS prisons and probation, HMCTS, the Legal Aid Agency).
MINISTRY_BUDGETS = ("prisons", "probation", "courts", "legal_aid")
MINISTRY = "ministry_of_justice"


def commissioner_name(level: str, payer: str, areas) -> str:
    """The commissioner who lets a contract: its level, its place, and the budget it pays from."""
    if level == "national":
        return f"{MINISTRY}:{payer}" if payer in MINISTRY_BUDGETS else f"national:{payer}"
    return f"{level}:{'+'.join(areas)}:{payer}"


class Commissioner(mesa.Agent):
    """A commissioner: the contracts it has let, the budget it pays from, what it paid by budget year."""

    def __init__(self, model, name: str, level: str, agency: str, areas: tuple[str, ...]):
        super().__init__(model)
        self.name, self.level, self.agency, self.areas = name, level, agency, areas
        self.contracts: list[str] = []
        self.paid_by_budget_year: dict[int, float] = {}  # keyed by the year the budget year starts in
        self.budget_year = 0

    def pay(self, amount: float) -> None:
        self.paid_by_budget_year[self.budget_year] = self.paid_by_budget_year.get(self.budget_year, 0.0) + amount


class Provider(mesa.Agent):
    """A payee outside the public sector (a provider, investors) and what it has received."""

    def __init__(self, model, name: str):
        super().__init__(model)
        self.name = name
        self.received = 0.0


# ---------------------------------------------------------------- the module
class Commissioning(Module):
    name = "commissioning"
    READS = ("run.scale", "reoffending.follow_up", "reoffending.proof_window")
    USES = {"cohorts": CohortMeasure, "capacity": ServiceCapacity}

    @classmethod
    def family_parameters(cls, names) -> list:
        return declarations(names)

    def init(self) -> None:
        sim = self.sim
        self.calendar = ContractCalendar(sim.calendar, sim.week)
        self.measure = Measurer(sim, self.cohorts, self.p["run.scale"])
        self.contracts: dict[str, Contract] = {}
        self.payments: list[Payment] = []
        self.measurements: list[Measurement] = []
        self.pool_decisions: list[dict] = []
        self.commissioners: dict[str, Commissioner] = {}
        self.commissioner_of: dict[str, str] = {}  # contract -> the commissioner who let it
        self.providers: dict[str, Provider] = {}
        self.calendar.schedule_budget_years(self._open_budget_year)
        self._take_contracts()

    def configure(self) -> None:
        if hasattr(self, "calendar"):  # a policy date: contracts it lets are taken up, changed terms read again
            self._take_contracts()

    def step(self, t: int) -> None:
        self.calendar.run_until(t + 1)  # every event dated this week or before

    # ------------------------------------------------------------ contracts and commissioners
    def _take_contracts(self) -> None:
        sim = self.sim
        values = {k: self.p[k] for k in self._parameter_names if k in self.p}
        # the frame names the scenario's services: their names only, which every module may know
        frame = run_frame(sim.params.values, sim.areas.reported, (sim.calendar.start_year, sim.calendar.output_years))
        for c in check_contracts(values, sim.params.origin, frame):
            new = c.name not in self.contracts
            self.contracts[c.name] = c  # events read the terms in force when they fall
            if new:
                self._let(c)

    def _let(self, c: Contract) -> None:
        f = c.f
        name = commissioner_name(f["level"], f["payer"], f["areas"])
        if name not in self.commissioners:
            self.commissioners[name] = Commissioner(self.sim, name, f["level"], f["payer"], tuple(f["areas"]))
        self.commissioners[name].contracts.append(c.name)
        self.commissioner_of[c.name] = name
        if f["payee"] not in FUNDERS:
            self.providers.setdefault(f["payee"], Provider(self.sim, f["payee"]))
        c.kind_class.schedule(self, c)

    def _open_budget_year(self, year: int, event) -> None:
        for commissioner in self.commissioners.values():
            commissioner.budget_year = year
        self.calendar.note("", "budget year starts", year)

    # ------------------------------------------------------------ what a contract kind may use (kinds.base.Desk)
    def at_contract(self, week: int, contract: str, action: Callable, year: int) -> None:
        """``action(self, contract, year)`` on ``week``, on the contract's terms in force when it falls."""
        self.calendar.at(week, self._contract_event, contract, action, year)

    def _contract_event(self, contract: str, action: Callable, year: int, event) -> None:
        action(self, self.contracts[contract], year)

    def pay(self, c: Contract, week: int, purpose: str, amount: float, year: int,
            payer: str | None = None, payee: str | None = None) -> None:
        """Record a payment from the contract's payer to its payee (negative: the payee pays the payer)."""
        if amount == 0:
            return
        payer, payee = payer or c.f["payer"], payee or c.f["payee"]
        name = self.commissioner_of[c.name]
        self.payments.append(Payment(week, c.name, name, payer, payee, purpose, float(amount), c.f["price_year"], year))
        self.commissioners[name].pay(amount)
        if payee in self.providers:
            self.providers[payee].received += amount

    def paid(self, contract: str, purpose: str, year: int | None = None) -> float:
        """What the contract has paid so far for ``purpose`` (on ``year`` only, if given)."""
        return sum(p.amount for p in self.payments
                   if p.contract == contract and p.purpose == purpose and (year is None or p.cohort_year == year))

    def record_measurement(self, measurement: Measurement) -> None:
        self.measurements.append(measurement)

    def record_pool_decision(self, decision: dict) -> None:
        self.pool_decisions.append(decision)

    # ------------------------------------------------------------ outputs
    def dataset_variables(self) -> dict[str, xr.DataArray]:
        """Every payment made within the run, one entry each (none: an empty list); each measurement;
        each pool's reinvestment decisions; what each commissioner paid by budget year."""
        cal = self.sim.calendar
        dates = variables.week_dates(cal)
        years = list(range(cal.start_year, cal.start_year + cal.output_years))
        return {**variables.payment_variables(self.payments, dates),
                **variables.measurement_variables(self.measurements, dates),
                **variables.pool_variables(self.pool_decisions),
                **variables.commissioner_variables(self.commissioners, years),
                "provider_received": variables.received_variable(self.providers),
                "contract_kind": variables.kind_variable(self.contracts),
                "calendar_events": variables.calendar_variable(self.calendar.log, dates)}
