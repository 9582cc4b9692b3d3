"""Provision: which provider supervises whom, the effort each person gets, and the providers' reviews.

Each week, everyone on an order at liberty is found once; a provider supervises those in its areas, on
its orders and in its bands. A person's effort (a multiple of need, the provider's choice for their
band) acts through what already exists, by the effects (``jrsim.core.effects``): their offending
hazard (``SUPERVISION_CONTACT``) and their drop-out from services (``DROPOUT``), each by the declared
form (``decision.EffortForm``). Effects are set only for the people whose effort changed, so a caseload
served by need costs one pass a week. Whom a provider refers on to which service is its choice per
band and service (``jrsim.commissioning.referral``), kept here as a provider x band x service table
that services ask for through the ``ReferralChoice`` seam, for the people each provider supervised
last week (their provider and band are population columns).

At each review (a calendar callback: every ``provision.review_period`` from the start of the output
window, and on the date providers are taken up) each provider's period is booked (fees accrued on its
caseload, results received, fixed and contact costs, into its reserves); a provider whose reserves are
gone hands its contracts back (on that review's date) and its commissioner's fallback takes over;
the others decide their effort for the next period from what they may see (``decision.Situation``),
then whom they refer on to which service at that effort.
What they did is kept by period and written to the run's Dataset.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr
from scipy import stats

from jrsim.commissioning.decision import NEED, BandForecast, Situation, one_year_chance
from jrsim.commissioning.providers import Provider, ProviderTerms, check_providers, provision_form
from jrsim.commissioning.referral import Offer, by_need
from jrsim.core import effects
from jrsim.core.bands import band_of, cuts_of
from jrsim.core.constants import WEEKS_PER_YEAR
from jrsim.core.results import JOIN, LONG_NAME
from jrsim.core.vocabulary import (
    INDEX_DISPOSALS,
    N_STATUS,
    ORDER_DISPOSALS,
    ORDERS,
    PROVIDER_BAND,
    PROVIDER_BANDS,
    PROVIDER_DECISION,
    STATUSES,
    SUPERVISED_STATUSES,
    Status,
)

NOBODY = -1  # the owner of a person no provider supervises
CONTRACTED_OUT = "contracted_out"  # the result: people supervised by providers outside the public sector
ACCRUED_FEE_BASES = ("per_case_week", "block")  # fees a provider books as it earns them, week by week
RESULTS_PURPOSES = ("results", "fee_repaid")  # what it books when it is paid (or repays)
DISPOSAL_AXIS, AREA_AXIS = 1, 2  # of the cohorts by quarter, disposal, area and band
MONEY = "GBP (the provider's price year), at full size"
PER_PERIOD = ("caseload", "contacts", "referrals_on", "in_services")  # kept per band for each period
STOCKS = ("caseload", "in_services")  # averaged over the period's weeks; the others are summed
BAND, DECISION = PROVIDER_BAND, PROVIDER_DECISION  # the dimensions of the providers' results


@dataclass
class Period:
    """What one provider did in one review period (full size)."""

    effort: np.ndarray
    rule: str
    referral: np.ndarray  # the referral multiplier chosen, per band and service
    by_band: dict = field(default_factory=dict)  # PER_PERIOD name -> per band
    referrals_by_service: np.ndarray | None = None  # people newly referred, per band and service
    income: float = np.nan
    costs: float = np.nan
    reserves: float = np.nan


class Provision:
    """The supervising providers of one run (owned by the commissioning module, which steps it)."""

    def __init__(self, module) -> None:
        self.m = module
        self.sim = module.sim
        self.providers: dict[str, Provider] = {}  # those who supervise, in the order they were taken up
        self.terms: dict[str, ProviderTerms] = {}
        self.owner = np.full((self.sim.areas.n_reported, N_STATUS, len(PROVIDER_BANDS)), NOBODY, np.int16)
        self.effort = np.zeros((0, len(PROVIDER_BANDS)))
        self._outside = np.zeros(0, bool)  # by provider: it supervises from outside the public sector
        self._serving = np.zeros(0, bool)  # by provider: it supervises (it has not handed its contracts back)
        self.n_services = len(module.services_used.referral_terms())
        self.referral = np.ones((0, len(PROVIDER_BANDS), self.n_services), np.float32)  # provider, band, service
        self.periods: dict[tuple[str, int], Period] = {}
        self.decisions: list[tuple[int, str, str, float]] = []  # (week, provider, rule, expected results)
        self._acc = np.zeros((0, len(PER_PERIOD), len(PROVIDER_BANDS)))
        self._by_service = np.zeros((0, len(PROVIDER_BANDS), self.n_services))  # referrals on this period
        self._entrants = np.zeros((0, len(PROVIDER_BANDS)))
        self._risk = np.zeros((0, len(PROVIDER_BANDS)))  # this week's sum of risk, by provider and band
        self._people = np.zeros((0, len(PROVIDER_BANDS)))  # this week's caseload
        self._weeks = 0
        self._received_at_close: dict[str, float] = {}
        self._case_weeks: dict[tuple[int, int], float] = {}  # (output year, provider) -> case-weeks (full size)

    # ------------------------------------------------------------ taking providers up
    @property
    def active(self) -> bool:
        return bool(self.providers)

    def take_up(self, params: dict, origin: dict) -> list[str]:
        """Providers in force from today (a policy date): new ones are created; changed terms read again.
        Returns the names of the new ones."""
        new = []
        for terms in check_providers(params, origin, tuple(self.sim.areas.reported)):
            self.terms[terms.name] = terms
            if terms.name not in self.providers:
                self.providers[terms.name] = Provider(self.sim, terms.name, terms, self._belief_draw(terms))
                new.append(terms.name)
            self.providers[terms.name].terms = terms
        n = len(self.providers)
        self.effort = np.vstack([self.effort, np.full((n - len(self.effort), len(PROVIDER_BANDS)), NEED)])
        self.referral = np.concatenate([self.referral, np.ones((n - len(self.referral), *self.referral.shape[1:]),
                                                               np.float32)])
        for name in ("_acc", "_entrants", "_risk", "_people", "_by_service"):
            old = getattr(self, name)
            grown = np.zeros((n, *old.shape[1:]))
            grown[: len(old)] = old
            setattr(self, name, grown)
        self._own()
        return new

    def _belief_draw(self, terms: ProviderTerms) -> float:
        """How far off this provider's belief is (a normal draw on its own stream, fixed for the run)."""
        u = self.m.streams["provider_belief"].uniform(0, np.array([len(self.providers)], np.int64))[0]
        return terms.f["belief_error"] * float(stats.norm.ppf(u))

    def _own(self) -> None:
        """Who supervises whom: by reported area, status (an order at liberty) and band."""
        self.owner[:] = NOBODY
        self._outside = np.array([p.contracted_out for p in self.providers.values()], bool)
        self._serving = np.array([p.supervises for p in self.providers.values()], bool)
        reported = list(self.sim.areas.reported)
        for k, p in enumerate(self.providers.values()):
            if p.handed_back_week is not None and p.terms.f["fallback"] == "public_sector":
                continue  # the commissioner's own service has its people: nobody's effort changes
            f = p.terms.f
            for area in f["areas"]:
                for order in f["orders"]:
                    status = SUPERVISED_STATUSES[ORDERS.index(order)]
                    self.owner[reported.index(area), status, p.terms.band_mask] = k

    # ------------------------------------------------------------ each week
    def weekly(self, t: int) -> None:
        """Find each provider's caseload, give each person their band's effort, and count the week."""
        if not self.active:
            return
        rows, owner, band = self._caseloads()
        self._set_effort(rows, self.effort[owner, band].astype(np.float32))
        self._count(rows, owner, band)
        outside = self._outside[owner]
        self.sim.results.count(CONTRACTED_OUT, rows[outside], at=self.sim.pop.status[rows[outside]])

    def _caseloads(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Everyone a provider supervises now: their rows, provider and band."""
        sim, pop = self.sim, self.sim.pop
        supervised = pop.rows_where((pop.status >= Status.COMMUNITY_ORDER) & (pop.status <= Status.POST_SENTENCE_SUPERVISION))
        band = band_of(pop.risk[supervised], cuts_of(self.m.p["reoffending.band_cuts"]))
        owner = self.owner[sim.results.area_of(supervised), pop.status[supervised], band]
        mine = owner != NOBODY
        return supervised[mine], owner[mine], band[mine]

    def _look(self) -> None:
        """The caseloads as they stand, for a provider deciding before it has run a week."""
        rows, owner, band = self._caseloads()
        n, b = len(self.providers), len(PROVIDER_BANDS)
        cell = owner.astype(np.int64) * b + band
        per = 1.0 / self.m.p["run.scale"]
        self._people = np.bincount(cell, minlength=n * b).reshape(n, b) * per
        self._risk = np.bincount(cell, self.sim.pop.risk[rows].astype(float), minlength=n * b).reshape(n, b) * per
        self.sim.pop.column("provision_owner")[rows] = owner  # already on the caseload: not joining it next week
        self.sim.pop.column("provision_band")[rows] = band

    def _set_effort(self, rows: np.ndarray, effort: np.ndarray) -> None:
        """Effects for the people whose effort changed since last week (and need again for those who left)."""
        pop = self.sim.pop
        applied = pop.column("provision_effort")
        left = np.flatnonzero(applied != NEED)
        left = left[~np.isin(left, rows)]
        now = np.full(len(left) + len(rows), NEED, np.float32)
        now[len(left):] = effort
        every = np.concatenate([left, rows])
        changed = applied[every] != now
        every, now = every[changed], now[changed]
        if len(every) == 0:
            return
        applied[every] = now
        form = provision_form(self.m.p)
        self.m.effects.set(effects.SUPERVISION_CONTACT, every, form.hazard(now).astype(np.float32))
        self.m.effects.set(effects.DROPOUT, every, form.dropout(now).astype(np.float32))

    def _count(self, rows: np.ndarray, owner: np.ndarray, band: np.ndarray) -> None:
        pop, per = self.sim.pop, 1.0 / self.m.p["run.scale"]
        n, b = len(self.providers), len(PROVIDER_BANDS)
        cell = owner.astype(np.int64) * b + band

        def by_cell(weights=None) -> np.ndarray:
            return np.bincount(cell, weights, minlength=n * b).reshape(n, b) * per

        previous = pop.column("provision_owner")
        joined = previous[rows] != owner
        previous[previous != NOBODY] = NOBODY
        previous[rows] = owner
        pop.column("provision_band")[rows] = band
        members = self.m.services_used.memberships(rows)
        seen = pop.column("provision_services_seen")
        new_bits = members & ~seen[rows]
        seen[rows] = members
        self._count_by_service(owner, band, new_bits, per)
        need = np.array([self.m.p[f"provision.need_contacts.{x}"] for x in PROVIDER_BANDS])
        self._people = by_cell()
        self._risk = by_cell(pop.risk[rows].astype(float))
        self._entrants += by_cell(joined.astype(float))
        self._acc[:, PER_PERIOD.index("caseload")] += self._people
        year = self.sim.calendar.output_year(self.sim.week)
        for k in np.flatnonzero(self._serving):  # a fee pays on the weeks a provider supervised, not after
            self._case_weeks[(year, k)] = self._case_weeks.get((year, k), 0.0) + float(self._people[k].sum())
        self._acc[:, PER_PERIOD.index("contacts")] += by_cell(need[band] * self.effort[owner, band])
        self._acc[:, PER_PERIOD.index("referrals_on")] += by_cell(np.bitwise_count(new_bits).astype(float))
        self._acc[:, PER_PERIOD.index("in_services")] += by_cell((members != 0).astype(float))
        self._weeks += 1

    def _count_by_service(self, owner: np.ndarray, band: np.ndarray, new_bits: np.ndarray, per: float) -> None:
        """This week's referrals on, by provider, band and service (only the few people newly referred)."""
        fresh = np.flatnonzero(new_bits)
        if len(fresh) == 0:
            return
        bits = (new_bits[fresh, None] >> np.arange(self.n_services, dtype=np.uint32)) & 1
        np.add.at(self._by_service, (owner[fresh], band[fresh]), bits * per)

    def referral_multiplier(self, service: int, rows: np.ndarray) -> np.ndarray:
        """The ``ReferralChoice`` seam: each person's multiplier of the chance of a referral to the run's
        ``service``-th service, their provider's choice for their band (1 for anyone no provider supervised
        last week, exactly)."""
        out = np.ones(len(rows))
        if not self.active:
            return out
        pop = self.sim.pop
        owner = pop.column("provision_owner")[rows]
        mine = np.flatnonzero(owner != NOBODY)
        out[mine] = self.referral[owner[mine], pop.column("provision_band")[rows[mine]], service]
        return out

    def offers(self, p: Provider) -> tuple[Offer, ...]:
        """The run's services as provider ``p`` sees them when it refers: their effect and take-up, and
        whether any of its orders may be referred to them."""
        statuses = {STATUSES[SUPERVISED_STATUSES[ORDERS.index(o)]] for o in p.terms.f["orders"]}
        return tuple(Offer(t["name"], t["effect"], t["engagement_probability"], t["referral_probability"],
                           bool(statuses & set(t["eligible_status"]))) for t in self.m.services_used.referral_terms())

    def _refer_by_need(self, k: int) -> None:
        self.referral[k] = by_need(self._applied(self.effort[k]), provision_form(self.m.p), self.n_services)

    @staticmethod
    def _applied(effort: np.ndarray) -> np.ndarray:
        """Effort as people get it (the population holds it in float32)."""
        return effort.astype(np.float32).astype(float)

    # ------------------------------------------------------------ reviews
    def review(self, period: int, t: int, only: tuple[str, ...] | None = None) -> None:
        """Book the period just ended, then each provider hands back or decides for the next one
        (``only``: providers just taken up decide, with no period to book)."""
        if only is None:
            self._close(period - 1)
        if only is not None or not self._people.any():
            self._look()
        for k, (name, p) in enumerate(self.providers.items()):
            if only is not None and name not in only:
                continue
            if p.handed_back_week is None and p.reserves < 0:
                p.hand_back(t)
                self.m.handed_back(name, t)
                self._own()
                self.effort[k] = NEED if p.terms.f["fallback"] == "public_sector" else p.terms.f["min_effort"]
                self._refer_by_need(k)
                self.decisions.append((t, name, "handed_back", 0.0))
            if p.handed_back_week is not None:
                self.periods[(name, period)] = Period(self.effort[k].copy(), "fallback", self.referral[k].copy())
                continue
            situation = self.situation(k, p)
            decision = p.decide(situation)
            self.effort[k] = decision.effort
            self.referral[k] = p.refer(situation, self._applied(decision.effort), self.offers(p),
                                       self.m.p["provision.referral_contacts"])
            self.decisions.append((t, name, decision.rule, decision.expected_results))
            self.periods[(name, period)] = Period(decision.effort.copy(), decision.rule, self.referral[k].copy())

    def _close(self, period: int) -> None:
        """Each provider's period booked: what it delivered, what it earned and spent, its reserves."""
        if self._weeks == 0:
            return
        for k, (name, p) in enumerate(self.providers.items()):
            record = self.periods.get((name, period))
            if record is None:
                continue
            acc = self._acc[k].copy()
            for what in STOCKS:
                acc[PER_PERIOD.index(what)] /= self._weeks
            record.by_band = {what: acc[i] for i, what in enumerate(PER_PERIOD)}
            record.referrals_by_service = self._by_service[k].copy()
            if p.handed_back_week is None:
                received = self.m.received_by(name, RESULTS_PURPOSES)
                results = received - self._received_at_close.get(name, 0.0)
                self._received_at_close[name] = received
                f = p.terms.f
                income = self.accrued_fees(name, self._acc[k, PER_PERIOD.index("caseload")].sum(), self._weeks) + results
                costs = (f["fixed_cost_per_year"] * self._weeks / WEEKS_PER_YEAR
                         + self._acc[k, PER_PERIOD.index("contacts")].sum() * f["cost_per_contact"])
                p.book(income, costs)
                record.income, record.costs = income, costs
            record.reserves = p.reserves
        self._acc[:] = 0.0
        self._by_service[:] = 0.0
        self._entrants_per_week = self._entrants / self._weeks
        self._entrants[:] = 0.0
        self._weeks = 0

    def _year(self) -> int:
        return self.sim.calendar.start_year + self.sim.calendar.output_year(self.sim.week)

    def case_weeks(self, provider: str, year: int) -> float:
        """A provider's case-weeks in output year ``year`` (full size): what a fee per case-week pays on."""
        if provider not in self.providers:
            return 0.0
        return self._case_weeks.get((year, list(self.providers).index(provider)), 0.0)

    def accrued_fees(self, provider: str, case_weeks: float, weeks: float) -> float:
        """The fees a provider earns on ``case_weeks`` of its caseload over ``weeks``, as they accrue (its
        contracts in force this year; what else they pay it is booked when paid)."""
        year = self._year()
        return sum(c.kind_class.accrues(c, case_weeks, weeks) for c in self.m.contracts_paying(provider)
                   if c.f["first_year"] <= year <= c.f["last_year"])

    def situation(self, k: int, p: Provider) -> Situation:
        """What provider ``k`` may see now: its caseload by band and its forecast, its contracts' incentives,
        its costs and its fee income at this caseload."""
        people = self._people[k]
        mean_risk = np.divide(self._risk[k], people, out=np.zeros_like(people), where=people > 0)
        entrants = getattr(self, "_entrants_per_week", None)
        yearly = entrants[k] * WEEKS_PER_YEAR if entrants is not None and len(entrants) > k else people
        chance = one_year_chance(mean_risk)
        need = np.array([self.m.p[f"provision.need_contacts.{x}"] for x in PROVIDER_BANDS])
        forecast = BandForecast(people, yearly, chance, chance * self.m.p["provision.reoffences_per_reoffender"], need)
        f = p.terms.f
        fee_week = self.accrued_fees(p.name, float(people.sum()), 1.0)
        return Situation(forecast, tuple(self.incentives(p, fee_week)), f["responsiveness"], f["min_effort"],
                         f["cost_per_contact"], f["fixed_cost_per_year"] / WEEKS_PER_YEAR, fee_week,
                         f["staff_contacts_per_week"], provision_form(self.m.p).believed(p.belief_error),
                         reserves=p.reserves, weeks_left=self._weeks_left(p))

    def _weeks_left(self, p: Provider) -> float:
        """Weeks from now to the end of the last of its contracts (none: none left to carry a loss over)."""
        cal = self.sim.calendar
        years = [c.f["last_year"] for c in self.m.contracts_paying(p.name)]
        if not years:
            return 0.0
        end = cal.warmup_weeks + (max(years) + 1 - cal.start_year) * WEEKS_PER_YEAR
        return float(max(end - self.sim.week, 0))

    def incentives(self, p: Provider, fee_per_week: float):
        """Its contracts that pay on results on a cohort of this year or later, as it sees them (on the
        cohort of its caseload in their bands): effort now does not change a cohort already closed."""
        year = self._year()
        for c in self.m.contracts_paying(p.name):
            if c.f["last_year"] < year:
                continue
            bands = np.isin(PROVIDER_BANDS, c.f.get("bands", PROVIDER_BANDS)) & p.terms.band_mask
            incentive = c.kind_class.incentive(c, bands, fee_per_week)
            if incentive is not None:
                yield incentive

    # ------------------------------------------------------------ outputs
    def dataset_variables(self, review_dates: list, cohort_quarters: list) -> dict[str, xr.DataArray]:
        """What each provider did, by review period and band; its books; its cohorts; its decisions."""
        if not self.active:
            return {}
        self._close(len(review_dates) - 1)  # the period running when the run ends
        names = list(self.providers)
        n, r, b = len(names), len(review_dates), len(PROVIDER_BANDS)
        coords = {"provider": names, "review_on": ("review", review_dates), BAND: list(PROVIDER_BANDS),
                  "provider_kind": ("provider", [self.providers[x].terms.f["kind"] for x in names]),
                  "provider_responsiveness": ("provider", [self.providers[x].terms.f["responsiveness"] for x in names]),
                  "provider_handed_back_on": ("provider", self._handed_back_dates(names, review_dates)),
                  # where each supervises, on which orders, and its books' price year (a design's lots make
                  # providers no scenario file names, so the report reads them here)
                  "provider_areas": ("provider", [JOIN.join(self.providers[x].terms.f["areas"]) for x in names]),
                  "provider_orders": ("provider", [JOIN.join(self.providers[x].terms.f["orders"]) for x in names]),
                  "provider_price_year": ("provider", np.array([self.providers[x].terms.f["price_year"]
                                                                for x in names], np.int64))}
        banded = {"effort": np.full((n, r, b), np.nan), **{w: np.full((n, r, b), np.nan) for w in PER_PERIOD}}
        books = {w: np.full((n, r), np.nan) for w in ("income", "costs", "reserves")}
        for (name, period), rec in self.periods.items():
            i = names.index(name)
            banded["effort"][i, period] = np.where(self.providers[name].terms.band_mask, rec.effort, np.nan)
            for w, v in rec.by_band.items():
                banded[w][i, period] = v
            for w in books:
                books[w][i, period] = getattr(rec, w)
        out = {}
        dims3, dims2 = ("provider", "review", BAND), ("provider", "review")
        for w, (unit, label, what) in BANDED_OUTPUTS.items():
            out[f"provider_{w}"] = xr.DataArray(banded[w], dims=dims3, coords=coords,
                                                attrs={"units": unit, "kind": "count" if w != "effort" else "rate",
                                                       LONG_NAME: label, "description": what})
        for w, (label, what) in BOOK_OUTPUTS.items():
            out[f"provider_{w}"] = xr.DataArray(books[w], dims=dims2, coords={k: v for k, v in coords.items()
                                                                               if k != BAND},
                                                attrs={"units": MONEY, "kind": "money", LONG_NAME: label,
                                                       "description": what})
        out.update(self._by_service_variables(names, review_dates, coords))
        out.update(self._cohort_variables(names, cohort_quarters))
        out["provider_decisions"] = self._decision_log()
        return out

    def _by_service_variables(self, names: list[str], review_dates: list, coords: dict) -> dict[str, xr.DataArray]:
        """Each provider's referral choice and its referrals on, by review period, band and service."""
        shape = (len(names), len(review_dates), len(PROVIDER_BANDS), self.n_services)
        values = {w: np.full(shape, np.nan) for w in BY_SERVICE_OUTPUTS}
        for (name, period), rec in self.periods.items():
            i, takes = names.index(name), self.providers[name].terms.band_mask[:, None]
            values["referral_choice"][i, period] = np.where(takes, rec.referral, np.nan)
            if rec.referrals_by_service is not None:
                values["referrals_by_service"][i, period] = rec.referrals_by_service
        services = [t["name"] for t in self.m.services_used.referral_terms()]
        return {f"provider_{w}": xr.DataArray(values[w], dims=("provider", "review", BAND, "service"),
                                              coords={**coords, "service": services},
                                              attrs={"units": unit, "kind": kind, LONG_NAME: label, "description": what})
                for w, (unit, kind, label, what) in BY_SERVICE_OUTPUTS.items()}

    def _handed_back_dates(self, names: list[str], review_dates: list) -> np.ndarray:
        dates = self.m.dates_of([self.providers[x].handed_back_week or 0 for x in names])
        return np.array([np.datetime64(d, "ns") if self.providers[x].handed_back_week is not None
                         else np.datetime64("NaT", "ns") for x, d in zip(names, dates)])

    def _cohort_variables(self, names: list[str], quarters: list) -> dict[str, xr.DataArray]:
        """Each provider's cohorts by quarter and band: its areas, the index disposals of its orders."""
        size, reoffenders, reoffences = self.m.cohorts.quarter_counts()
        reported = list(self.sim.areas.reported)
        out = {}
        for key, counts, label in (("cohort_size", size, "Providers' cohorts"),
                                   ("reoffenders", reoffenders, "Providers' cohorts: proven reoffenders"),
                                   ("reoffences", reoffences, "Providers' cohorts: proven re-offences")):
            per = np.zeros((len(names), counts.shape[0], len(PROVIDER_BANDS)))
            for i, name in enumerate(names):
                f = self.providers[name].terms.f
                disposals = [INDEX_DISPOSALS.index(d) for o in f["orders"] for d in ORDER_DISPOSALS[o]]
                areas = [reported.index(a) for a in f["areas"]]
                theirs = counts[:, disposals][:, :, areas]  # (quarter, disposal, area, band)
                per[i] = theirs.sum(axis=(DISPOSAL_AXIS, AREA_AXIS)) * self.providers[name].terms.band_mask
            per /= self.m.p["run.scale"]
            out[f"provider_{key}"] = xr.DataArray(
                per, dims=("provider", "cohort_quarter", BAND),
                coords={"provider": names, "cohort_quarter": quarters, BAND: list(PROVIDER_BANDS)},
                attrs={"units": "people (full size)" if key != "reoffences" else "proven re-offences (full size)",
                       "kind": "count", LONG_NAME: label,
                       "description": "the proven-reoffending cohorts of the people a provider supervises: its "
                                      "areas, the index disposals of its orders, its bands"})
        return out

    def _decision_log(self) -> xr.DataArray:
        weeks, who, rule, expected = (list(c) for c in zip(*self.decisions)) if self.decisions else ([], [], [], [])
        coords = {"decision_provider": (DECISION, who), "decision_on": (DECISION, self.m.dates_of(weeks)),
                  "decision_rule": (DECISION, rule)}
        return xr.DataArray(np.array(expected, float), dims=(DECISION,), coords=coords,
                            attrs={"units": "GBP a yearly cohort (the contracts' price year), at full size",
                                   "kind": "money", LONG_NAME: "Providers' decisions",
                                   "description": "each review's decision and the rule that set it; the value is "
                                                  "the results payment the provider expected at that effort"})


BANDED_OUTPUTS = {
    "effort": ("multiple of need (1: the contact the band needs)", "Providers' effort",
               "the effort each provider chose for each band in each review period"),
    "caseload": ("people (full size)", "Providers' caseloads", "mean people supervised in the period"),
    "contacts": ("contacts (full size)", "Providers' contacts", "contacts delivered in the period"),
    "referrals_on": ("referrals (full size)", "Providers' referrals on to services",
                     "people of the caseload newly referred to a pathway service in the period"),
    "in_services": ("people (full size)", "Providers' caseloads in services",
                    "mean people of the caseload waiting for or in a pathway service place"),
}
BOOK_OUTPUTS = {
    "income": ("Providers' income", "fees accrued on the caseload and results payments received in the period"),
    "costs": ("Providers' costs", "fixed costs and the cost of the contacts delivered in the period"),
    "reserves": ("Providers' reserves", "what the provider could still lose at the end of the period"),
}
BY_SERVICE_OUTPUTS = {
    "referral_choice": ("multiplier of the service's chance of a referral (1: as nobody supervised them)", "rate",
                        "Providers' referral choice",
                        "the multiplier each provider chose, for each band and service in each review period, of "
                        "the chance that a person it supervises is referred on to the service (by need: effort ** "
                        "provision.referral_elasticity; a service none of its orders may use keeps that, unused)"),
    "referrals_by_service": ("referrals (full size)", "count", "Providers' referrals on, by service",
                             "people of the caseload newly referred to each pathway service in the period"),
}
