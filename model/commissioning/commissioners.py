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
import numpy as np
import xarray as xr

from jrsim.commissioning import design_parameters, designs, lot_results, supervision_lots, variables
from jrsim.commissioning.calendar import ContractCalendar
from jrsim.commissioning.contracts import Contract, check_contracts, cohort_window, declarations, run_frame
from jrsim.commissioning.measurement import Measurer
from jrsim.commissioning.providers import PROVISION, Provider
from jrsim.commissioning.providers import declarations as provider_declarations
from jrsim.commissioning.provision import CONTRACTED_OUT, Provision
from jrsim.commissioning.records import CAPITAL, Measurement, Payment
from jrsim.core import effects
from jrsim.core.constants import WEEKS_PER_YEAR
from jrsim.core.module import Module
from jrsim.core.results import money, stock
from jrsim.core.seams import CohortMeasure, ReferralChoice, ServiceCapacity, ServiceUse
from jrsim.core.vocabulary import FUNDERS, STATUSES
from jrsim.parameters.declaration import family_members
from jrsim.parameters.geography import run_geography

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


# ---------------------------------------------------------------- the module
class Commissioning(Module):
    name = "commissioning"
    PARAMETERS = (*PROVISION, *designs.LEVEL_TERMS, *designs.SUPERVISION_TERMS)
    READS = ("run.scale", "run.geography", "reoffending.follow_up", "reoffending.proof_window", "reoffending.band_cuts")
    USES = {"cohorts": CohortMeasure, "capacity": ServiceCapacity, "services_used": ServiceUse}
    IMPLEMENTS = (ReferralChoice,)
    STREAMS = ("provider_belief",)
    COLUMNS = {"provision_effort": (np.float32, 1.0),  # the effort a provider gives the person now (1: need)
               "provision_owner": (np.int16, -1),  # the provider who supervised them last week (-1: none)
               "provision_band": (np.int8, 0),  # their risk band last week, if a provider supervised them
               "provision_services_seen": (np.uint32, 0)}  # their services last week (to count referrals on)
    WRITES_EFFECTS = (effects.SUPERVISION_CONTACT, effects.DROPOUT)
    # every run has it (zero without providers), so that the ledger prices any run the same way
    RESULTS = {CONTRACTED_OUT: stock(("status", STATUSES), by_area=True,
                                     label="People supervised by providers outside the public sector")}

    @classmethod
    def family_parameters(cls, names) -> list:
        names = list(names)
        return [*declarations(names), *provider_declarations(names), *designs.declarations(names)]

    def design_names(self) -> list[str]:
        """Every design the scenario names, at its start or on a policy date."""
        return family_members(self.sim.params.every_key(), "designs")

    def dataset_coords(self) -> dict:
        """Who pays for each design's commissioning, and the price year of its money."""
        names = self.design_names()
        if not names:
            return {}
        values = self.sim.params.latest()
        return {"design_payer": ("design", [values[f"designs.{d}.payer"] for d in names]),
                "design_price_year": ("design", [int(values[f"designs.{d}.price_year"]) for d in names])}

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
        self.provision = Provision(self)
        self._reviewing = False
        self.tendered: dict[str, designs.Tendered] = {}  # each design in force, as let
        self._letting_due: set[str] = set()  # designs let this week: their competitions are paid now
        # by output week and design, at run scale; laid out at the first booking (a scenario branched from its
        # counterfactual on a policy date has designs its counterfactual's init did not know)
        self.commissioning_spend: np.ndarray | None = None
        self._let_week: dict[str, int] = {}  # the week each design was first let
        self._results_due: set[tuple[str, int]] = set()  # (design, cohort year) on the calendar
        # what each design makes as parameters, with origins (design_parameters: a supervision design's lots'
        # providers and contracts, a pooled design's pool)
        self._made: dict[str, tuple[dict, dict]] = {}
        self._lot_of: dict[str, str] = {}  # a contract a design's lot makes -> the lot (its commissioner's place)
        self.calendar.schedule_budget_years(self._open_budget_year)
        self._take_all()

    def configure(self) -> None:
        if hasattr(self, "calendar"):  # a policy date: contracts it lets are taken up, changed terms read again
            self._take_all()

    def _take_all(self) -> None:
        """Designs first: a supervision design's lots make providers and contracts, taken up with the scenario's."""
        self._take_designs()
        self._take_providers()
        self._take_contracts()

    def step(self, t: int) -> None:
        self.calendar.run_until(t + 1)  # every event dated this week or before
        self.provision.weekly(t)
        self._book_commissioning()

    # ------------------------------------------------------------ commissioning designs
    def _take_designs(self) -> None:
        """Each design in force let at its level (again when a policy changes its terms: a new competition),
        and what its awards buy put into its service."""
        values = self._scenario_values()
        if not family_members(values, "designs"):
            return
        sim = self.sim
        origin = sim.params.origin
        geography = run_geography(self.p["run.geography"], origin.get("run.geography", "scenario"))
        services = [t["name"] for t in self.services_used.referral_terms()]
        for d in designs.tendered(values, origin, geography, sim.areas.local, services):
            if d.terms.name in self.tendered and self.tendered[d.terms.name].terms.f == d.terms.f:
                continue
            self.tendered[d.terms.name] = d
            self._letting_due.add(d.terms.name)
            year = self.sim.calendar.start_year + max(self.sim.calendar.output_year(self.sim.week), 0)
            self.calendar.note(d.terms.name, f"lots let ({len(d.awards)}) at the {d.terms.f['level']} level", year)
            self._made[d.terms.name] = design_parameters.make(d, values, sim.areas, sim.calendar, sim.week)
            if d.terms.supervises:
                for a in d.awards:
                    name = lot_results.lot_contract(d.terms.name, a.lot.name)
                    self._lot_of.update({name: a.lot.name, supervision_lots.fee_contract(name): a.lot.name})
                self._let_week.setdefault(d.terms.name, sim.week)
                years = supervision_lots.let_years(sim.calendar, sim.week, cohort_window(values))
                self._fund(d, range(years.results_from, years.results_to + 1))
                continue
            service = d.terms.f["service"]
            weeks = self.capacity.weeks_per_case(service)
            self.capacity.commission(service, d.places(weeks), d.price_per_place_week(weeks), d.need_match)
            self._let_lots(d, year)

    def _let_lots(self, d: designs.Tendered, year: int) -> None:
        """Each lot's commissioner and winner known to the run, and, for a design paying on results, each
        cohort year from the letting on paid once its window has closed (a year already on the calendar,
        from an earlier letting of the design, is paid on the terms in force when it falls)."""
        f, cal = d.terms.f, self.sim.calendar
        for a in d.awards:  # a lot's commissioner is named by the lot (a national one by its budget alone)
            self._register(lot_results.lot_contract(d.terms.name, a.lot.name), f["level"], f["payer"],
                           (a.lot.name,), a.lot.areas, d.results_payee(a))
        self._let_week.setdefault(d.terms.name, self.sim.week)
        if f["results_share"] == 0:
            return
        paid = []
        for cohort in range(year, cal.start_year + cal.output_years):
            week = self.measure.window_closes(cohort)
            if week < cal.total_weeks and (d.terms.name, cohort) not in self._results_due:
                self._results_due.add((d.terms.name, cohort))
                self.calendar.at(week, self._pay_lot_results, d.terms.name, cohort)
                paid.append(cohort)
        self._fund(d, paid)

    def _fund(self, d: designs.Tendered, years) -> None:
        """Under a bond, the investors put each lot's results money for each cohort year paid in the run in at
        the year's start (or the letting, pro rata), to the payer: a negative payment, the ledger's capital."""
        if not d.terms.bonded:
            return
        for year in years:
            week = max(self.calendar.year_start(year), self.sim.week)
            self.calendar.at(week, self._invest, d.terms.name, year)

    def _invest(self, design: str, year: int, event) -> None:
        d = self.tendered[design]
        f = d.terms.f
        for a in d.awards:
            self._record(lot_results.lot_contract(design, a.lot.name), self.sim.week, CAPITAL,
                         -a.results_money * self._share_in_force(design, year), year, f["payer"], f["investors"],
                         f["price_year"])

    def _pay_lot_results(self, design: str, year: int, event) -> None:
        """A cohort year's results paid to each lot's winner on its own cohort (lot_results)."""
        d = self.tendered[design]
        f, week = d.terms.f, self.sim.week
        for a in d.awards:
            contract = lot_results.lot_contract(design, a.lot.name)
            local = self.sim.areas.local_indices(a.lot.areas)
            n, observed = self.measure.local_rate(year, local, f["disposals"], f["measure"])
            reference = self.measure.local_rate(f["baseline_year"], local, f["disposals"], f["measure"])[1]
            self.record_measurement(Measurement(week, contract, year, f["measure"], n, observed, reference,
                                                observed < reference))
            amount = lot_results.results_payment(a.results_money, self._share_in_force(design, year), reference,
                                                 observed, f["expected_fall"])
            self._record(contract, week, "results", amount, year, f["payer"], d.results_payee(a), f["price_year"])

    def _share_in_force(self, design: str, year: int) -> float:
        """The share of calendar ``year`` the design held (it was let in the warm-up: all of it)."""
        cal = self.sim.calendar
        first = cal.warmup_weeks + (year - cal.start_year) * WEEKS_PER_YEAR
        return min(max(first + WEEKS_PER_YEAR - self._let_week[design], 0) / WEEKS_PER_YEAR, 1.0)

    def _book_commissioning(self) -> None:
        """The week's cost of commissioning (at the run's scale, as every money result): each design's
        contract management and monitoring, and the competitions of the designs let this week (those let
        in the warm-up: in its first output week). Kept here, not in the run's results, whose arrays are
        laid out before a policy date brings a design in (the scenario branches from its counterfactual)."""
        week = self.sim.results.index
        if week < 0 or not self.tendered:
            return
        names = self.design_names()
        if self.commissioning_spend is None:
            self.commissioning_spend = np.zeros((self.sim.calendar.output_weeks, len(names)))
        for name, d in self.tendered.items():
            cost = d.management_per_year / WEEKS_PER_YEAR + (d.competition_cost if name in self._letting_due else 0.0)
            self.commissioning_spend[week, names.index(name)] += cost * self.p["run.scale"]
        self._letting_due.clear()

    # ------------------------------------------------------------ providers who supervise
    def _take_providers(self) -> None:
        """Providers in force from today; the first ones start the reviews (every review period from the
        start of the output window); a provider taken up later decides at once."""
        new = self.provision.take_up(self._in_force(), self._origin())
        for name in new:
            self.providers[name] = self.provision.providers[name]
        if not new:
            return
        self.calendar.at(self.sim.week, self._review, self._review_period_of(self.sim.week),
                         tuple(new) if self._reviewing else None)
        self._reviewing = True

    def _scenario_values(self) -> dict:
        """This module's parameters in force, in the scenario's order (not the set's: a set's order changes
        with the process's hash seed, and contracts and providers keep the order they are found in)."""
        return {k: v for k, v in self.sim.params.values.items() if k in self._parameter_names and k in self.p}

    def _in_force(self) -> dict:
        """The scenario's parameters in force and those its designs make (after them)."""
        values = self._scenario_values()
        for made, _ in self._made.values():
            values.update(made)
        return values

    def _origin(self) -> dict:
        """Where each parameter in force was set (one a design made: the design, and its lot or pool)."""
        origin = dict(self.sim.params.origin)
        for _, where in self._made.values():
            origin.update(where)
        return origin

    def _review_weeks(self) -> int:
        return max(int(round(self.p["provision.review_period"])), 1)

    def _review_period_of(self, week: int) -> int:
        return max(week - self.sim.calendar.warmup_weeks, 0) // self._review_weeks()

    def _review(self, period: int, only, event) -> None:
        """A review (a calendar callback): the providers book their period and decide the next; the next
        review is put on the calendar."""
        self.calendar.note("", "providers review their effort", period)
        self.provision.review(period, self.calendar.now, only)
        if only is None:
            self.calendar.at(self.calendar.output_week((period + 1) * self._review_weeks()), self._review,
                             period + 1, None)

    def contracts_paying(self, payee: str) -> list[Contract]:
        return [c for c in self.contracts.values() if c.f["payee"] == payee]

    def received_by(self, payee: str, purposes: tuple[str, ...]) -> float:
        return sum(p.amount for p in self.payments if p.payee == payee and p.purpose in purposes)

    def case_weeks(self, provider: str, year: int) -> float:
        return self.provision.case_weeks(provider, year - self.sim.calendar.start_year)

    def handed_back(self, provider: str, week: int) -> None:
        """A provider hands its contracts back: each is noted on the calendar; nothing on a later year is paid to it."""
        year = self.sim.calendar.start_year + self.sim.calendar.output_year(week)
        for c in self.contracts_paying(provider):
            self.calendar.note(c.name, "contract handed back by its provider", year)

    def referral_multiplier(self, service: int, rows: np.ndarray) -> np.ndarray:
        return self.provision.referral_multiplier(service, rows)

    def dates_of(self, weeks: list[int]) -> list:
        return variables.week_dates(self.sim.calendar)(weeks)

    # ------------------------------------------------------------ contracts and commissioners
    def _take_contracts(self) -> None:
        sim = self.sim
        values = self._in_force()
        # the frame names the scenario's services: their names only, which every module may know
        frame = run_frame(sim.params.values, sim.areas.reported, (sim.calendar.start_year, sim.calendar.output_years))
        for c in check_contracts(values, self._origin(), frame):
            new = c.name not in self.contracts
            self.contracts[c.name] = c  # events read the terms in force when they fall
            if new:
                self._let(c)

    def _let(self, c: Contract) -> None:
        f = c.f  # a design's lot's commissioner is named by the lot, as a service design's lots are
        place = (self._lot_of[c.name],) if c.name in self._lot_of else f["areas"]
        self._register(c.name, f["level"], f["payer"], place, f["areas"], f["payee"])
        c.kind_class.schedule(self, c)

    def _register(self, contract: str, level: str, payer: str, place, areas, payee: str) -> None:
        """A contract (or a design's lot) known to the run: the commissioner who lets it (one for each level,
        ``place`` and paying budget, covering ``areas``), and its payee if outside the public sector."""
        name = commissioner_name(level, payer, place)
        if name not in self.commissioners:
            self.commissioners[name] = Commissioner(self.sim, name, level, payer, tuple(areas))
        if contract not in self.commissioner_of:  # a design let again keeps its lots' commissioners
            self.commissioners[name].contracts.append(contract)
            self.commissioner_of[contract] = name
        if payee not in FUNDERS and payee not in self.providers:
            self.providers[payee] = Provider(self.sim, payee)

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
        self._record(c.name, week, purpose, amount, year, payer or c.f["payer"], payee or c.f["payee"],
                     c.f["price_year"])

    def _record(self, contract: str, week: int, purpose: str, amount: float, year: int, payer: str, payee: str,
                price_year: int) -> None:
        """A payment under a contract (or a design's lot), booked to the commissioner who let it."""
        if amount == 0 or self._after_hand_back(payee, year):
            return
        name = self.commissioner_of[contract]
        self.payments.append(Payment(week, contract, name, payer, payee, purpose, float(amount), price_year, year))
        self.commissioners[name].pay(amount)
        if payee in self.providers:
            self.providers[payee].received += amount

    def _after_hand_back(self, payee: str, year: int) -> bool:
        """A payment on a year after the one its payee handed its contracts back in: not its work, not paid.
        What it earned before (the fee on the case-weeks it supervised, results and deductions on cohorts
        of its years) is paid or recorded as owed as the contract says."""
        gone = self.providers[payee].handed_back_week if payee in self.providers else None
        return gone is not None and year > self.sim.calendar.start_year + self.sim.calendar.output_year(gone)

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
                "calendar_events": variables.calendar_variable(self.calendar.log, dates),
                **variables.tender_variables(self.tendered),
                **self._commissioning_variable(),
                **self.provision.dataset_variables(self._review_dates(), self._cohort_quarters())}

    def _commissioning_variable(self) -> dict[str, xr.DataArray]:
        if self.commissioning_spend is None:
            return {}
        names = self.design_names()
        attrs = money(("design", tuple(names)), label="Spending on commissioning (competitions, contract management)").attrs
        return {"commissioning_spend": xr.DataArray(self.commissioning_spend, dims=("time", "design"),
                                                    coords={"design": names}, attrs=attrs)}

    def _review_dates(self) -> list:
        cal, r = self.sim.calendar, self._review_weeks()
        return self.dates_of([cal.warmup_weeks + k * r for k in range(-(-cal.output_weeks // r))])

    def _cohort_quarters(self) -> list:
        return list(self.sim.calendar.quarter_starts().values)
