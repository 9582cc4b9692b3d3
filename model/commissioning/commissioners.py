"""Commissioners and providers (mesa Agents) and the event calendar (simpy) on which their contracts
pay, stepped with the weekly engine.

A commissioner lets contracts at one level (the Ministry of Justice nationally, a contract package
area's commissioner, a local commissioner such as a council or a police and crime commissioner) and
pays from one agency's budget; it keeps what it paid by budget (financial) year. A provider or
investors are payees outside the public sector. Each contract is a set of dated events on the
calendar: fees at the start of each contract year, investors' capital at the start, a measurement of
each cohort once its follow-up and proof window has closed (or, for demand contracts, once the test
year has ended), paid after the contract's lag, and for a pooled budget the partners' contributions
and the reinvestment decision at the end of each year. Events are callbacks of this module (no
generators), so that a run can be copied at a policy date (``engine.run_pair``).

A contract is a policy: it is taken up on the week its parameters come into force, and its terms are
read again when a policy changes them. Payments are recorded in the contract's price year; the ledger
(``jrsim.economics``) books them as transfers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

import mesa
import numpy as np
import simpy
import xarray as xr

from jrsim.commissioning.contracts import (
    COHORT_KINDS,
    DEMAND_MEASURES,
    FEE_UNITS,
    SETTLES_BEFORE_YEAR_END,
    Contract,
    check_contracts,
    declarations,
    run_frame,
    settles,
)
from jrsim.commissioning.payments import (
    Outcome,
    cohort_trigger_payments,
    fee_at_risk,
    pbr_payment,
    reinvestment_payment,
)
from jrsim.commissioning.providers import PROVISION, Provider
from jrsim.commissioning.providers import declarations as provider_declarations
from jrsim.commissioning.provision import Provision
from jrsim.core import effects
from jrsim.core.constants import MONTHS_PER_QUARTER, QUARTERS_PER_YEAR, WEEKS_PER_YEAR
from jrsim.core.module import Module
from jrsim.core.results import LONG_NAME
from jrsim.core.seams import CohortMeasure, ServiceCapacity, ServiceUse
from jrsim.core.vocabulary import FUNDERS, INDEX_DISPOSALS, PROVIDER_BANDS

GBP_CONTRACT_PRICES = "GBP (the contract's price year), at full size"
# What a payment is for: a fee, a fee repaid on a missed target, a results (outcome) payment,
# investors' capital (paid by them: negative), a justice-reinvestment reward, a partner's contribution.
PURPOSES = ("fee", "fee_repaid", "results", "investment", "reinvestment", "contribution")
BUDGET_YEAR_STARTS = (4, 1)  # month, day: the UK public sector's financial year starts on 1 April
# Agencies whose budgets the Ministry of Justice holds: a national contract paid from one of them is the
# ministry's (HMPPS prisons and probation, HMCTS, the Legal Aid Agency).
MINISTRY_BUDGETS = ("prisons", "probation", "courts", "legal_aid")
MINISTRY = "ministry_of_justice"


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
    PARAMETERS = PROVISION
    READS = ("run.scale", "reoffending.follow_up", "reoffending.proof_window", "reoffending.band_cuts")
    USES = {"cohorts": CohortMeasure, "capacity": ServiceCapacity, "services_used": ServiceUse}
    STREAMS = ("provider_belief",)
    COLUMNS = {"provision_effort": (np.float32, 1.0),  # the effort a provider gives the person now (1: need)
               "provision_owner": (np.int16, -1),  # the provider who supervised them last week (-1: none)
               "provision_services_seen": (np.uint32, 0)}  # their services last week (to count referrals on)
    WRITES_EFFECTS = (effects.SUPERVISION_CONTACT, effects.REFERRAL, effects.DROPOUT)

    @classmethod
    def family_parameters(cls, names) -> list:
        names = list(names)
        return [*declarations(names), *provider_declarations(names)]

    def init(self) -> None:
        sim = self.sim
        self.env = simpy.Environment(initial_time=sim.week)
        self.contracts: dict[str, Contract] = {}
        self.payments: list[Payment] = []
        self.measurements: list[Measurement] = []
        self.pool_decisions: list[dict] = []
        self.calendar_log: list[tuple[int, str, str, int]] = []  # (week, contract, what, year)
        self.commissioners: dict[str, Commissioner] = {}
        self.commissioner_of: dict[str, str] = {}  # contract -> the commissioner who let it
        self.providers: dict[str, Provider] = {}
        self.provision = Provision(self)
        self._reviewing = False
        self._schedule_budget_years()
        self._take_providers()
        self._take_contracts()

    def configure(self) -> None:
        if hasattr(self, "env"):  # a policy date: contracts it lets are taken up, changed terms read again
            self._take_providers()
            self._take_contracts()

    def step(self, t: int) -> None:
        self.env.run(until=t + 1)  # every event dated this week or before
        self.provision.weekly(t)

    # ------------------------------------------------------------ providers
    def _take_providers(self) -> None:
        """Providers in force from today; the first ones start the reviews (every review period from the
        start of the output window); a provider taken up later decides at once."""
        values = {k: self.p[k] for k in self._parameter_names if k in self.p}
        new = self.provision.take_up(values, self.sim.params.origin)
        for name in new:
            self.providers[name] = self.provision.providers[name]
        if not new:
            return
        period = self._review_period_of(self.sim.week)
        self._at(self.sim.week, self._review, period, tuple(new) if self._reviewing else None)
        self._reviewing = True

    def _review_weeks(self) -> int:
        return max(int(round(self.p["provision.review_period"])), 1)

    def _review_period_of(self, week: int) -> int:
        return max(week - self.sim.calendar.warmup_weeks, 0) // self._review_weeks()

    def _review(self, period: int, only, event) -> None:
        self._note("", "providers review their effort", period)
        self.provision.review(period, int(self.env.now), only)
        if only is None:
            self._at(self.sim.calendar.warmup_weeks + (period + 1) * self._review_weeks(), self._review, period + 1, None)

    def contracts_paying(self, payee: str) -> list[Contract]:
        return [c for c in self.contracts.values() if c.f["payee"] == payee]

    def received_by(self, payee: str, purposes: tuple[str, ...]) -> float:
        return sum(p.amount for p in self.payments if p.payee == payee and p.purpose in purposes)

    def handed_back(self, provider: str, week: int) -> None:
        """A provider hands its contracts back: each is noted on the calendar; nothing more is paid to it."""
        for c in self.contracts_paying(provider):
            self._note(c.name, "contract handed back by its provider", self.sim.calendar.output_year(week)
                       + self.sim.calendar.start_year)

    def dates_of(self, weeks: list[int]) -> list:
        return self._dates(weeks)

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
        if f["payee"] not in FUNDERS and f["payee"] not in self.providers:
            self.providers[f["payee"]] = Provider(self.sim, f["payee"])
        self._schedule(c)

    # ------------------------------------------------------------ the calendar
    def _year_start(self, year: int) -> int:
        return self.sim.calendar.warmup_weeks + (year - self.sim.calendar.start_year) * WEEKS_PER_YEAR

    def _at(self, week: int, action, *args) -> None:
        """``action(*args, event)`` on ``week`` (this week if it has passed)."""
        event = self.env.timeout(max(week - self.env.now, 0))
        event.callbacks.append(partial(action, *args))

    def _schedule_budget_years(self) -> None:
        cal = self.sim.calendar
        month, day = BUDGET_YEAR_STARTS
        for year in range(cal.start_year, cal.start_year + cal.output_years):
            self._at(cal.week_of(date(year, month, day)), self._open_budget_year, year)

    def _open_budget_year(self, year: int, event) -> None:
        for commissioner in self.commissioners.values():
            commissioner.budget_year = year
        self._note("", "budget year starts", year)

    def _note(self, contract: str, what: str, year: int, event=None) -> None:
        """Log a dated event of the calendar (a callback, or called by one)."""
        self.calendar_log.append((int(self.env.now), contract, what, year))

    def _schedule(self, c: Contract) -> None:
        f, lag = c.f, int(round(c.f["payment_lag"]))
        years = range(f["first_year"], f["last_year"] + 1)
        if c.kind == "social_impact_bond":
            self._at(self._year_start(f["first_year"]), self._invest, c.name)
        if c.kind == "fee_for_service":
            block = f["fee_basis"] == "block"  # a block fee is paid up front; a fee per unit on the year's volumes
            for y in years:
                self._at(self._year_start(y) if block else self._year_start(y + 1) - SETTLES_BEFORE_YEAR_END,
                         self._fee, c.name, y)
        settle = {"pooled_budget": self._pool_year, "justice_reinvestment": self._reinvestment}.get(c.kind, self._measure)
        start, warmup = self.sim.calendar.start_year, self.sim.calendar.warmup_weeks
        self._at(self._year_start(f["first_year"]), self._note, c.name, "contract starts", f["first_year"])
        for y in years:
            measurable = warmup + settles(c.kind, y - start, lag) >= self.cohorts.window_closes(y - start)
            if c.nothing_at_risk and not measurable:
                continue  # a fee with nothing at risk paid before its cohort closes: no measurement to make
            self._at(warmup + settles(c.kind, y - start, lag), settle, c.name, y)
            if c.kind in COHORT_KINDS:
                self._at(self._year_start(y), self._note, c.name, "cohort opens", y)
                self._at(self._year_start(y + 1), self._note, c.name, "cohort closes to new members", y)
                self._at(self.cohorts.window_closes(y - start), self._note, c.name,
                         "cohort's follow-up and proof window closes", y)
        self._at(warmup + settles(c.kind, f["last_year"] - start, lag), self._note, c.name, "contract ends",
                 f["last_year"])

    # ------------------------------------------------------------ paying
    def _pay(self, c: Contract, week: int, purpose: str, amount: float, year: int,
             payer: str | None = None, payee: str | None = None) -> None:
        """Record a payment from the contract's payer to its payee (negative: the payee pays the payer)."""
        payer, payee = payer or c.f["payer"], payee or c.f["payee"]
        gone = payee in self.providers and self.providers[payee].handed_back_week is not None
        if amount == 0 or gone:  # a provider that handed its contracts back is paid nothing more
            return
        name = self.commissioner_of[c.name]
        self.payments.append(Payment(week, c.name, name, payer, payee, purpose, float(amount), c.f["price_year"], year))
        self.commissioners[name].pay(amount)
        if payee in self.providers:
            self.providers[payee].received += amount

    def _invest(self, name: str, event) -> None:
        c = self.contracts[name]
        self._pay(c, int(self.env.now), "investment", -c.f["investment"], c.f["first_year"])

    def _fee(self, name: str, year: int, event) -> None:
        c = self.contracts[name]
        f = c.f
        if f["fee_basis"] == "block":
            fee = f["fee_per_year"]
        elif f["fee_basis"] == "per_case_week":
            fee = f["fee_per_unit"] * self.provision.case_weeks(f["payee"], year - self.sim.calendar.start_year)
        else:
            fee = f["fee_per_unit"] * self._service_year_total(FEE_UNITS[f["fee_basis"]], f["fee_service"], year)
        self._pay(c, int(self.env.now), "fee", fee, year)

    def _fees_paid(self, name: str, year: int) -> float:
        return sum(p.amount for p in self.payments if p.contract == name and p.purpose == "fee" and p.cohort_year == year)

    # ------------------------------------------------------------ measuring cohorts
    def outcome(self, c: Contract, year: int, measure: str) -> Outcome:
        """The contract cohort's result on ``measure`` in cohort ``year``, per person, against its
        reference: the same areas' baseline cohort (adjusted for case mix if the contract says so) or
        the same disposals' cohort in the run's other areas (the comparison group)."""
        mine = np.isin(self.sim.areas.reported, c.f["areas"])
        n, observed, risk = self._rate(c, year, mine, measure)
        if c.f["reference"] == "baseline":
            _, reference, base_risk = self._rate(c, c.f["baseline_year"], mine, measure)
            if c.f["risk_adjusted"] and base_risk > 0:
                reference *= risk / base_risk  # the baseline rate for this cohort's predicted risk
        else:
            reference = self._rate(c, year, ~mine, measure)[1]
        cohort = n / self.p["run.scale"]  # the real cohort's size: the contract's test is on it
        spread = reference * (1.0 - reference) if measure == "binary" else reference  # Bernoulli; Poisson
        return Outcome(measure, cohort, observed, reference, spread / max(cohort, 1.0))

    def _rate(self, c: Contract, year: int, areas: np.ndarray, measure: str) -> tuple[float, float, float]:
        """Cohort size, its rate on the measure and its mean predicted risk, in the given areas."""
        disposals = [INDEX_DISPOSALS.index(d) for d in c.f["disposals"]]
        bands = tuple(PROVIDER_BANDS.index(b) for b in c.f["bands"]) if "bands" in c.f else None
        counts = self.cohorts.cohort_counts(year - self.sim.calendar.start_year, bands)
        size, reoffenders, reoffences, predicted = (float(x[disposals][:, areas].sum()) for x in counts)
        count = reoffenders if measure == "binary" else reoffences
        return size, count / max(size, 1.0), predicted / max(size, 1.0)

    def _measure(self, name: str, year: int, event) -> None:
        c, week = self.contracts[name], int(self.env.now)
        if week < self.cohorts.window_closes(year - self.sim.calendar.start_year):
            raise RuntimeError(f"contract {name!r} measured cohort {year} before its window closed")  # load checks
        self._note(name, "cohort measured and paid", year)
        terms = c.terms()
        outcomes = {t.measure: self.outcome(c, year, t.measure) for t in terms}
        for t in terms:
            o = outcomes[t.measure]
            self.measurements.append(Measurement(week, name, year, t.measure, o.cohort, o.observed, o.reference,
                                                 t.met(o)))
        main = terms[0]
        if c.kind == "fee_for_service":
            met = main.met(outcomes[main.measure])
            self._pay(c, week, "fee_repaid", fee_at_risk(self._fees_paid(name, year), c.f["at_risk_share"], met), year)
        elif c.kind == "social_impact_bond":
            done = [self.outcome(c, y, main.measure) for y in range(c.f["first_year"], year + 1)]
            due = cohort_trigger_payments(done, main, c.f["pooled_threshold"], final=year == c.f["last_year"])
            paid = sum(p.amount for p in self.payments if p.contract == name and p.purpose == "results")
            self._pay(c, week, "results", sum(due) - paid, year)
        else:
            hurdle = main.measure if len(terms) > 1 else None
            gateway = c.gateway()
            achieved = None if gateway is None else self._service_year_total("service_starts", gateway.name, year)
            if gateway is not None:
                self.measurements.append(Measurement(week, name, year, f"gateway:{gateway.name}", 0.0, achieved,
                                                     gateway.target, gateway.met(achieved)))
            self._pay(c, week, "results", pbr_payment(outcomes, terms, hurdle=hurdle, gateway=gateway,
                                                      achieved=achieved), year)

    def _year_of(self, result: str, year: int) -> np.ndarray:
        """The weeks of an output year of a weekly result (time first)."""
        first = (year - self.sim.calendar.start_year) * WEEKS_PER_YEAR
        return self.sim.results.arrays[result][first:first + WEEKS_PER_YEAR]

    def _service_year_total(self, result: str, service: str, year: int) -> float:
        """A service's result (starts, referrals, place-weeks, spend) summed over a contract year, at full size."""
        labels = dict(self.sim.results.specs[result].dims)["service"]
        return float(self._year_of(result, year)[:, labels.index(service)].sum()) / self.p["run.scale"]

    # ------------------------------------------------------------ measuring demand
    def cost_of_demand(self, c: Contract, year: int) -> float:
        """The contract areas' weighted cost of demand over a calendar year, at full size."""
        mine = np.isin(self.sim.areas.reported, c.f["areas"])
        total = 0.0
        for measure in DEMAND_MEASURES:
            weight = c.f["weights"][measure]
            if weight:
                total += weight * float(self._year_of(measure, year)[:, mine].sum())
        return total / self.p["run.scale"]

    def _demand_measurement(self, c: Contract, year: int, week: int) -> tuple[float, float]:
        base, test = self.cost_of_demand(c, c.f["baseline_year"]), self.cost_of_demand(c, year)
        fall = 1.0 - test / base if base > 0 else 0.0
        threshold = c.f.get("threshold", 0.0)
        self.measurements.append(Measurement(week, c.name, year, "cost_of_demand", base, test, base,
                                             fall >= threshold and fall > 0))
        return base, test

    def _reinvestment(self, name: str, year: int, event) -> None:
        c, week = self.contracts[name], int(self.env.now)
        self._note(name, "test year measured and paid", year)
        base, test = self._demand_measurement(c, year, week)
        f = c.f
        amount = reinvestment_payment(base, test, f["threshold"], f["share_at_threshold"], f["cap_fall"])
        self._pay(c, week, "reinvestment", amount, year)

    # ------------------------------------------------------------ pooled budgets
    def _pool_year(self, name: str, year: int, event) -> None:
        """The end of a pool's year: partners pay their shares of what the pool's services cost that
        year to the services' funders; then a share of the year's measured cashable savings buys
        places in the reinvestment service for the next year."""
        c, week = self.contracts[name], int(self.env.now)
        self._note(name, "pool year settled: contributions and the reinvestment decision", year)
        self._contributions(c, year, week)
        base, test = self._demand_measurement(c, year, week)
        saving = max(base - test, 0.0)
        reinvested = c.f["reinvest_share"] * saving
        per_place = self.capacity.place_cost_per_year(c.f["reinvest_in"])
        places = reinvested / per_place if per_place > 0 else 0.0
        if year < c.f["last_year"]:  # the last year's savings have no next year in the pool to buy
            self.capacity.set_extra_places(c.f["reinvest_in"], places)
        else:
            places, reinvested = 0.0, 0.0
            self.capacity.set_extra_places(c.f["reinvest_in"], 0.0)
        self.pool_decisions.append({"contract": name, "year": year, "week": week, "savings_measured": saving,
                                    "reinvested": reinvested, "places_added": places})

    def _contributions(self, c: Contract, year: int, week: int) -> None:
        for service in c.f["pooled_services"]:
            cost = self._service_year_total("service_spend", service, year)
            funder = self.capacity.funder_of(service)
            for partner, share in c.f["partners"].items():
                if partner != funder and share > 0:
                    self._pay(c, week, "contribution", share * cost, year, payer=partner, payee=funder)

    # ------------------------------------------------------------ outputs
    def dataset_variables(self) -> dict[str, xr.DataArray]:
        """Every payment made within the run, one entry each (none: an empty list); each measurement;
        each pool's reinvestment decisions; what each commissioner paid by budget year."""
        providers = list(self.providers)
        received = xr.DataArray(np.array([self.providers[n].received for n in providers], float), dims=("provider",),
                                coords={"provider": providers}, attrs={"units": GBP_CONTRACT_PRICES, "kind": "money",
                                                                       LONG_NAME: "Received by outside parties",
                                                                       "description": "net received by each party "
                                                                                      "outside the public sector"})
        names = list(self.contracts)
        kinds = xr.DataArray(np.array([self.contracts[n].kind for n in names], dtype=object).astype(str),
                             dims=("contract",), coords={"contract": names},
                             attrs={"units": "kind", "kind": "label", LONG_NAME: "Kind of contract",
                                    "description": "the contracts let in the run"})
        return {**self._payment_variables(), **self._measurement_variables(), **self._pool_variables(),
                **self._commissioner_variables(), "provider_received": received, "contract_kind": kinds,
                "calendar_events": self._calendar_variable(),
                **self.provision.dataset_variables(self._review_dates(), self._cohort_quarters())}

    def _review_dates(self) -> list:
        cal, r = self.sim.calendar, self._review_weeks()
        return self._dates([cal.warmup_weeks + k * r for k in range(-(-cal.output_weeks // r))])

    def _cohort_quarters(self) -> list:
        cal = self.sim.calendar
        return [np.datetime64(date(cal.start_year + q // QUARTERS_PER_YEAR, 1 + MONTHS_PER_QUARTER * (q % QUARTERS_PER_YEAR),
                                   1), "ns") for q in range(QUARTERS_PER_YEAR * cal.output_years)]

    def _calendar_variable(self) -> xr.DataArray:
        """The calendar as it ran: each dated event, in order (the year it concerns as the value)."""
        weeks, contracts, what, years = (list(column) for column in zip(*self.calendar_log)) if self.calendar_log \
            else ([], [], [], [])
        coords = {"event_on": ("event", self._dates(weeks)), "event_contract": ("event", contracts),
                  "event_what": ("event", what)}
        return xr.DataArray(np.array(years, np.int64), dims=("event",), coords=coords,
                            attrs={"units": "year", "kind": "label", LONG_NAME: "Commissioning calendar",
                                   "description": "the commissioning calendar's events; the value is the "
                                                  "cohort, test, contract or budget year each concerns"})

    def _dates(self, weeks: list[int]) -> list:
        cal = self.sim.calendar
        dates = cal.dates()
        return [dates[min(max(cal.output_index(w), 0), len(dates) - 1)] for w in weeks]

    def _payment_variables(self) -> dict[str, xr.DataArray]:
        pays = self.payments
        coords = {"paid_on": ("payment", self._dates([p.week for p in pays])),
                  "payment_contract": ("payment", [p.contract for p in pays]),
                  "commissioner": ("payment", [p.commissioner for p in pays]),
                  "payer": ("payment", [p.payer for p in pays]), "payee": ("payment", [p.payee for p in pays]),
                  "purpose": ("payment", [p.purpose for p in pays]),
                  "payment_price_year": ("payment", np.array([p.price_year for p in pays], np.int64)),
                  "pays_on_year": ("payment", np.array([p.cohort_year for p in pays], np.int64))}
        return {"contract_payments": xr.DataArray(np.array([p.amount for p in pays], float), dims=("payment",),
                                                  coords=coords, attrs={"units": GBP_CONTRACT_PRICES, "kind": "money",
                                                                        LONG_NAME: "Contract payments",
                                                                        "description": "payer to payee; negative: "
                                                                                       "the payee pays back"})}

    def _measurement_variables(self) -> dict[str, xr.DataArray]:
        ms = self.measurements
        coords = {"measured_on": ("measurement", self._dates([m.week for m in ms])),
                  "measured_contract": ("measurement", [m.contract for m in ms]),
                  "measure": ("measurement", [m.measure for m in ms]),
                  "measured_year": ("measurement", np.array([m.year for m in ms], np.int64)),
                  "met": ("measurement", np.array([m.met for m in ms], bool))}
        dims = ("measurement",)
        attrs = {"units": "per person (binary: a share; frequency: re-offences); cost_of_demand: GBP", "kind": "rate"}
        return {"contract_observed": xr.DataArray(np.array([m.observed for m in ms], float), dims=dims,
                                                  coords=coords, attrs={**attrs, LONG_NAME: "Outcome measured"}),
                "contract_reference": xr.DataArray(np.array([m.reference for m in ms], float), dims=dims,
                                                   coords=coords, attrs={**attrs, LONG_NAME: "Outcome it is compared with"}),
                "contract_cohort": xr.DataArray(np.array([m.cohort for m in ms], float), dims=dims, coords=coords,
                                                attrs={"units": "people (full size); cost_of_demand: the baseline "
                                                                "cost, GBP", "kind": "count",
                                                       LONG_NAME: "Cohort measured"})}

    def _pool_variables(self) -> dict[str, xr.DataArray]:
        ds = self.pool_decisions
        coords = {"decision_contract": ("decision", [d["contract"] for d in ds]),
                  "decision_year": ("decision", np.array([d["year"] for d in ds], np.int64))}
        out = {}
        for key, unit, label in (("savings_measured", GBP_CONTRACT_PRICES, "Pooled budget: savings measured"),
                                 ("reinvested", GBP_CONTRACT_PRICES, "Pooled budget: savings reinvested"),
                                 ("places_added", "places in the pool's areas (full size), the next year",
                                  "Pooled budget: places added")):
            out[f"pool_{key}"] = xr.DataArray(np.array([d[key] for d in ds], float), dims=("decision",),
                                              coords=coords, attrs={"units": unit, "kind": "money"
                                                                    if unit == GBP_CONTRACT_PRICES else "count",
                                                                    LONG_NAME: label})
        return out

    def _commissioner_variables(self) -> dict[str, xr.DataArray]:
        cal = self.sim.calendar
        years = list(range(cal.start_year, cal.start_year + cal.output_years))
        names = list(self.commissioners)
        paid = np.array([[self.commissioners[n].paid_by_budget_year.get(y, 0.0) for y in years] for n in names],
                        float).reshape(len(names), len(years))
        coords = {"commissioner": names, "budget_year": years,
                  "level": ("commissioner", [self.commissioners[n].level for n in names]),
                  "budget": ("commissioner", [self.commissioners[n].agency for n in names])}
        return {"commissioner_paid": xr.DataArray(paid, dims=("commissioner", "budget_year"), coords=coords,
                                                  attrs={"units": GBP_CONTRACT_PRICES, "kind": "money",
                                                         LONG_NAME: "Paid by each commissioner",
                                                         "description": "net paid under the commissioner's "
                                                                        "contracts in each budget year (from 1 April)"})}
