"""Commissioning designs as a scenario declares them: what is bought, at which level, with how much
money (``designs.<name>.*``), who may bid (``bidders.<name>.*``) and the terms through which the level
changes the outcome (``commissioning.*``, in every scenario: baseline.yaml, each with its source or a
marked assumption). ``tendered`` lets each design's lots (``jrsim.commissioning.tender``) on the run's
geography; the commissioning module puts what the awards buy into the design's service (its places,
its price per place-week and how well its referrals match needs) and books the cost of commissioning.

A design buys (``buys``) places in one service of the scenario (``service``), whose own capacity and
budget are what the status quo buys: the design's places come on top, at the price its tender reached;
or the supervision of a caseload, as the Community Rehabilitation Companies held it: each lot's winner
supervises the people of its areas on the design's orders and in its bands, as a provider who responds to
its contracts (``jrsim.commissioning.supervision_lots``). Its money is stated like a service's budget, at
the national rate, and held at its areas' share (so the same design at the three levels puts the same
money through each).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from jrsim.commissioning.contracts import DEMAND_MEASURES, INVESTORS
from jrsim.commissioning.payments import MEASURES
from jrsim.commissioning.providers import FALLBACKS, MAX_BELIEF_ERROR, PROVIDER_KINDS
from jrsim.commissioning.tender import DESIGN_LEVELS, Award, Bidder, Design, LevelTerms, lots, tender
from jrsim.core.constants import FIRST_YEAR, LAST_YEAR, SHARE_SUM_TOLERANCE, WEEKS_PER_YEAR
from jrsim.core.errors import ScenarioError
from jrsim.core.vocabulary import FUNDERS, INDEX_DISPOSALS, ORDERS, PROVIDER_BANDS
from jrsim.parameters.declaration import Par, family_members
from jrsim.parameters.members import Member, member_declarations

MAX_TURNOVER_MULTIPLE = 10.0  # a bidder asked for ten times a lot's value in turnover: no lot would be let
MAX_SCALE_ELASTICITY = 1.0  # cost per case falling faster than cases grow would make a case cost nothing
BUYS = ("services", "supervision")  # what a design buys: a service's places, or a caseload's supervision
MAX_CONTACTS_PER_WEEK = 7.0  # a case seen more than daily is not supervision in the community

LEVEL_TERMS = (
    Par("commissioning.turnover_multiple", "multiplier", high=MAX_TURNOVER_MULTIPLE,
        label="Least yearly turnover to bid, a multiple of the lot's yearly value"),
    Par("commissioning.scale_elasticity", "coef", low=0.0, high=MAX_SCALE_ELASTICITY,
        label="Economies of scale: elasticity of cost per case to a lot's cases"),
    Par("commissioning.scale_reference_cases", "count", low=1.0,
        label="Cases a year at which a bidder's cost per case is as it states it"),
    Par("commissioning.top_slice", "prob", label="Prime's management fee, a share of its subcontractors' share"),
    Par("commissioning.subcontract_share", "prob",
        label="Share of a prime's lot its small local subcontractors deliver"),
    Par("commissioning.cost_per_competition", "money", label="Commissioner's cost of letting one lot"),
    Par("commissioning.consortium_overhead", "prob",
        label="A consortium's extra cost a case, a share of its members' own"),
    Par("commissioning.cost_of_capital", "prob",
        label="A bidder's yearly price for the capital it holds against a lot's results risk"),
    Par("commissioning.management_share", "prob",
        label="Contract management and monitoring a year, a share of the lot's value"),
)

# What a provider's costs are when a supervision design's lot sizes them (jrsim.commissioning.supervision_lots).
SUPERVISION_TERMS = (
    Par("commissioning.fixed_cost_share", "prob",
        label="Share of a supervising provider's costs that does not vary with its caseload"),
)

DESIGN_FIELDS = (
    # not fixed: the level is the lever (a derived file lets the same design at another level)
    Par("level", "choice", DESIGN_LEVELS, "the level the design lets its lots at", label="{member}: commissioning level"),
    Par("buys", "choice", BUYS, "services: places in one of the scenario's services; supervision: the caseload "
                                "on its orders and in its bands, each lot's winner its provider", fixed=True,
        label="{member}: what it buys"),
    Par("service", "text", (), "buying services: the scenario's service whose places it buys",
        label="{member}: service bought"),
    Par("orders", "choices", ORDERS, "buying supervision: the orders whose people each lot's winner supervises",
        label="{member}: orders supervised"),
    Par("bands", "choices", PROVIDER_BANDS, "buying supervision: the risk bands (reoffending.band_cuts) it takes",
        label="{member}: risk bands supervised"),
    Par("weeks_per_case", "duration", (), "buying supervision: the mean time a case is supervised (its cases a year "
                                          "times this is the caseload a fee per case-week pays on)", low=1.0,
        label="{member}: weeks a case is supervised"),
    Par("contacts_per_case_week", "rate", (), "buying supervision: the contacts a week a case needs, on average over "
                                              "its bands (sizes each winner's staff and its cost a contact)",
        high=MAX_CONTACTS_PER_WEEK, label="{member}: contacts a case needs a week"),
    Par("min_effort", "prob", (), "buying supervision: the contracts' floor, the least effort a winner may give (a "
                                  "share of need)", label="{member}: least effort its contracts allow"),
    Par("fallback", "choice", FALLBACKS, "buying supervision: what the commissioner does if a winner hands its lot "
                                         "back", label="{member}: commissioner's fallback"),
    Par("areas", "names", (), "the areas it commissions for (any level of the geography); empty: the run's",
        label="{member}: areas commissioned for"),
    Par("payer", "choice", FUNDERS, "the agency whose budget pays, and bears the cost of commissioning",
        label="{member}: paying agency"),
    Par("budget_per_year", "money", (), "its money a year, at the national rate (held at its areas' share)",
        label="{member}: budget a year (national rate)"),
    Par("cases_per_year", "count", (), "the people it is for a year, at the national rate: each lot's cohort",
        label="{member}: cases a year (national rate)"),
    Par("results_share", "prob", (), "share of the lots' value paid on results (0: a fee for service)",
        label="{member}: share paid on results"),
    Par("measure", "choice", MEASURES[:2], "what results are paid on: binary, the share of each lot's cohort who "
                                          "proven-reoffend; frequency, their proven re-offences per person",
        label="{member}: reoffending measure paid on"),
    Par("reoffending_rate", "prob", (), "the cohort's expected proven-reoffending rate (binary measure)",
        label="{member}: the cohort's expected reoffending rate"),
    Par("reoffences_per_person", "multiplier", (), "paying on frequency: the cohort's expected proven re-offences "
                                                   "per person", label="{member}: the cohort's expected re-offences per person"),
    Par("expected_fall", "prob", (), "the fall on the measure (binary: in the rate; frequency: in re-offences per "
                                     "person) that pays the results share in full",
        label="{member}: fall in reoffending that pays results in full"),
    Par("investors", "text", (), "optional, a bond: the investors (parties.<name>.kind: investors) who put in each "
                                 "lot's results money a year and are paid its results, so that no winner bears "
                                 "the results risk; without: each winner is paid its results",
        label="{member}: investors who fund its results (a bond)"),
    Par("partners", "map", FUNDERS, "optional, a pooled budget (buying services): each agency's share of what the "
                                    "design's service costs (shares sum to 1); without: the payer's alone",
        label="{member}: partners' shares of the pool"),
    Par("reinvest_share", "prob", (), "a pooled budget: share of a year's measured cashable savings in the design's "
                                      "areas that buys more of its places the next year",
        label="{member}: share of savings reinvested"),
    Par("demand_weights", "prices", DEMAND_MEASURES, "a pooled budget: pounds per unit of each demand measure (the "
                                                     "cashable cost of demand its savings are measured by)",
        label="{member}: price of each unit of demand"),
    Par("disposals", "choices", INDEX_DISPOSALS, "the index disposals of the lots' results cohorts (each lot's "
                                                   "proven-reoffending cohort of its own local areas)",
        label="{member}: disposals of the results cohorts"),
    Par("baseline_year", "int", (), "the cohort year each lot's results are measured against (its own areas)",
        low=FIRST_YEAR, high=LAST_YEAR, label="{member}: baseline year of the results"),
    Par("price_year", "int", (), "the price year of its money and its bidders'", low=FIRST_YEAR, high=LAST_YEAR,
        label="{member}: price year"),
)
BIDDER_FIELDS = (
    Par("kind", "choice", PROVIDER_KINDS, "what sort of provider it is", fixed=True, label="{member}: kind of provider"),
    Par("areas", "names", (), "the areas it works in (any level); empty: anywhere", label="{member}: areas it works in"),
    Par("turnover", "money", (), "its yearly turnover", label="{member}: yearly turnover"),
    Par("capacity_cases", "count", (), "the cases a year it can take on", label="{member}: capacity, cases a year"),
    Par("reserves", "money", (), "the loss it can carry", label="{member}: reserves"),
    Par("risk_appetite", "prob", (), "the chance of a year's results loss beyond its reserves it accepts",
        label="{member}: appetite for risk"),
    Par("cost_per_case", "money", (), "its cost of a case at commissioning.scale_reference_cases a year",
        label="{member}: cost per case"),
    Par("consortium", "flag", (), "it stands for one provider in each area it works in, who bid together for a lot "
                                  "too large for one of them (a consortium)", label="{member}: bids in consortia"),
    Par("need_match", "prob", (), "how well its referrals match needs: 0 refers anyone eligible, 1 only people "
                                  "with the service's need unmet (local knowledge, information about releases)",
        label="{member}: need matching"),
    Par("responsiveness", "prob", (), "bidding for supervision: 0 serves people by need, 1 fully profit-seeking",
        label="{member}: responsiveness to its contracts"),
    Par("belief_error", "multiplier", (), "bidding for supervision: s.d. of the log error of its belief about how "
                                          "much contact changes reoffending (local knowledge: smaller)",
        high=MAX_BELIEF_ERROR, label="{member}: error in its belief about contact's effect"),
)
COMMON_NAMES = ("level", "buys", "areas", "payer", "budget_per_year", "cases_per_year", "results_share", "measure",
                "reoffending_rate", "expected_fall", "disposals", "baseline_year", "price_year")
# the fields a design needs by what it buys (the others it may leave out)
DESIGN_NEEDS = {"services": (*COMMON_NAMES, "service"),
                "supervision": (*COMMON_NAMES, "orders", "bands", "weeks_per_case", "contacts_per_case_week",
                                "min_effort", "fallback")}
SUPERVISION_BIDDER_NAMES = ("responsiveness", "belief_error")
BIDDER_NAMES = tuple(f.name for f in BIDDER_FIELDS if f.name not in SUPERVISION_BIDDER_NAMES)


def declarations(names) -> list[Par]:
    """The fields each named design and bidder has written, and always its level or kind (a missing field
    is reported by its reader, with its name)."""
    return [*member_declarations(names, "designs", DESIGN_FIELDS, "level"),
            *member_declarations(names, "bidders", BIDDER_FIELDS, "kind")]


@dataclass(frozen=True)
class DesignTerms(Member):
    FAMILY = "designs"

    @classmethod
    def read(cls, name: str, params, origin: dict) -> DesignTerms:
        f, where = cls.fields_of(name, params, origin)
        buys = f.get("buys", "")
        needs = DESIGN_NEEDS.get(buys, ("buys",))
        cls.needs(name, where, f"a commissioning design buying {buys}" if buys else "a commissioning design",
                  [k for k in needs if k not in f])
        return cls.checked(name, f, where, origin)

    @property
    def pooled(self) -> bool:
        """Several agencies' budgets share its service's cost, and its savings are reinvested (a pooled budget)."""
        return bool(self.f.get("partners"))

    @property
    def bonded(self) -> bool:
        """Investors fund its results money and are paid its results (a social impact bond)."""
        return bool(self.f.get("investors"))

    @property
    def supervises(self) -> bool:
        """It buys the supervision of a caseload (not a service's places)."""
        return self.f["buys"] == "supervision"

    def check(self) -> None:
        if self.f["results_share"] > 0 and self.f["expected_fall"] <= 0:
            raise self.error("expected_fall", "a design that pays on results needs the fall that pays it (more than 0)")
        if self.f["cases_per_year"] <= 0:
            raise self.error("cases_per_year", "a design is for someone: more than 0 cases a year")
        if self.f["results_share"] > 0 and not self.f["disposals"]:
            raise self.error("disposals", "a design that pays on results needs its cohorts' index disposals")
        if self.pooled:
            self._check_pool()
        if self.bonded and self.f["results_share"] == 0:
            raise self.error("investors", "a bond funds results: the design pays nothing on results (results_share 0)")
        if self.f["measure"] == "frequency" and "reoffences_per_person" not in self.f:
            raise self.error("measure", "a design paying on frequency needs 'reoffences_per_person' (its cohort's "
                                        "expected re-offences per person)")
        for field in ("orders", "bands") if self.supervises else ():
            if not self.f[field]:
                raise self.error(field, f"names no {field[:-1]}: a design buying supervision supervises someone")

    def _check_pool(self) -> None:
        f = self.f
        if self.supervises:
            raise self.error("partners", "a pooled budget pays for a service's places: a design buying supervision "
                                         "is paid through its lots' contracts")
        missing = [k for k in ("reinvest_share", "demand_weights") if k not in f]
        if missing:
            raise self.error("partners", f"a pooled design needs {', '.join(repr(k) for k in missing)}")
        shares = sum(f["partners"].values())
        if abs(shares - 1.0) > SHARE_SUM_TOLERANCE:
            raise self.error("partners", f"the partners' shares sum to {shares:g}, not 1")
        if not any(f["demand_weights"].values()):
            raise self.error("demand_weights", "weighs no demand measure: the pool would measure no savings")

    def design(self, share: float) -> Design:
        """As the tender sees it: its money and cases at full size in its areas (``share`` of the nation)."""
        f = self.f
        expected = f["reoffending_rate"] if f["measure"] == "binary" else f["reoffences_per_person"]
        return Design(self.name, f["level"], f["budget_per_year"] * share, f["cases_per_year"] * share,
                      f["results_share"], expected, f["expected_fall"], f["measure"], self.bonded)


@dataclass(frozen=True)
class BidderTerms(Member):
    FAMILY = "bidders"

    @classmethod
    def read(cls, name: str, params, origin: dict, geography, supervision: bool = False) -> BidderTerms:
        """A bidder's terms (``supervision``: a design buys supervision, so it needs what a provider who
        supervises has of its own)."""
        f, where = cls.fields_of(name, params, origin)
        needs = (*BIDDER_NAMES, *(SUPERVISION_BIDDER_NAMES if supervision else ()))
        cls.needs(name, where, "a bidder for supervision" if supervision else "a bidder", [k for k in needs if k not in f])
        terms = cls.checked(name, f, where, origin)
        areas = tuple(geography.locals_in(f["areas"], f"{terms.origin['areas']}: '{terms.key('areas')}'")) \
            if f["areas"] else ()
        return replace(terms, f={**f, "areas": areas})

    def bidder(self) -> Bidder:
        f = self.f
        return Bidder(self.name, f["kind"], f["areas"], f["turnover"], f["capacity_cases"], f["reserves"], f["risk_appetite"],
                      f["cost_per_case"], f["need_match"], bool(f["consortium"]))


def level_terms(values) -> LevelTerms:
    return LevelTerms(**{p.name.split(".", 1)[1]: values[p.name] for p in LEVEL_TERMS})


@dataclass(frozen=True)
class Tendered:
    """A design as let: its terms, the share of the nation its areas hold, and one award per lot."""

    terms: DesignTerms
    share: float
    awards: tuple[Award, ...]
    bidders: tuple[BidderTerms, ...] = ()  # those who could bid, as declared

    @property
    def cases_served(self) -> float:
        return sum(a.cases_served for a in self.awards)

    @property
    def need_match(self) -> float:
        served = self.cases_served
        return sum(a.need_match * a.cases_served for a in self.awards) / served if served > 0 else 0.0

    @property
    def value(self) -> float:
        return sum(a.value for a in self.awards)

    @property
    def management_per_year(self) -> float:
        return sum(a.management_cost for a in self.awards)

    @property
    def competition_cost(self) -> float:
        return sum(a.competition_cost for a in self.awards)

    def lot_fee(self, a: Award) -> float:
        """What a lot's winner is paid a year as a fee: its value less its results money (paid on its cohort
        once measured), or all of it under a bond (the investors put the results money in)."""
        return a.value if self.terms.bonded else a.value - a.results_money

    def results_payee(self, a: Award, winner: str | None = None) -> str:
        """Who is paid a lot's results: its investors under a bond, else its winner (``winner``: as the run
        names it, a supervision lot's provider)."""
        return self.terms.f["investors"] if self.terms.bonded else winner or a.winner

    @property
    def fee_per_year(self) -> float:
        """What the service is paid a year for its places (``lot_fee``, over the lots; results:
        jrsim.commissioning.lot_results)."""
        return self.value - (0.0 if self.terms.bonded else sum(a.results_money for a in self.awards))

    def places(self, weeks_per_case: float) -> float:
        """The places (full size) its cases fill, each case one spell of the service."""
        return self.cases_served * weeks_per_case / WEEKS_PER_YEAR

    def price_per_place_week(self, weeks_per_case: float) -> float:
        """What the design pays for a place-week as a fee: its fee over the place-weeks it bought."""
        place_weeks = self.cases_served * weeks_per_case
        return self.fee_per_year / place_weeks if place_weeks > 0 else 0.0


def tendered(values, origin: dict, geography, run_locals, services, years: range | None = None) -> list[Tendered]:
    """Every design in force, let on the geography for the run's local areas (``run_locals``); ``services``:
    the scenario's service names; ``years``: the run's output years (a results baseline must be one). Each
    refusal is one line naming the file and key."""
    designs = family_members(values, "designs")
    if not designs:
        return []
    terms = level_terms(values)
    read = [DesignTerms.read(name, values, origin) for name in designs]
    supervision = any(d.supervises for d in read)
    bidders = tuple(BidderTerms.read(b, values, origin, geography, supervision)
                    for b in family_members(values, "bidders"))
    for d in read:
        if d.bonded and values.get(f"parties.{d.f['investors']}.kind") != INVESTORS:
            raise d.error("investors", f"{d.f['investors']!r} is not investors the scenario declares "
                                       f"(parties.{d.f['investors']}.kind: {INVESTORS})")
        if years is not None and d.f["results_share"] > 0 and d.f["baseline_year"] not in years:
            raise d.error("baseline_year", f"{d.f['baseline_year']} is not an output year of the run "
                                           f"({years.start}-{years.stop - 1}): its lots' baseline cohorts are not counted")
    return [_let(d, geography, run_locals, services, bidders, terms) for d in read]


def _let(d: DesignTerms, geography, run_locals, services, bidders: tuple[BidderTerms, ...],
         terms: LevelTerms) -> Tendered:
    if not d.supervises and d.f["service"] not in services:
        raise d.error("service", f"{d.f['service']!r} is not a service of this scenario (services: "
                                 f"{', '.join(services) or 'none'})")
    wanted = geography.locals_in(d.f["areas"], f"{d.origin['areas']}: '{d.key('areas')}'") if d.f["areas"] \
        else list(run_locals)
    local = [a for a in wanted if a in set(run_locals)]
    if not local:
        raise d.error("areas", "none of its areas is among the run's areas: it would buy nothing the run holds")
    total = sum(geography.share.values())
    share = sum(geography.share[a] for a in local) / total
    weights = [geography.share[a] / total / share for a in local]
    try:
        awards = tender(d.design(share), lots(d.f["level"], local, weights, geography.group),
                        [b.bidder() for b in bidders], terms)
    except ScenarioError as exc:
        raise d.error("level", str(exc)) from None
    return Tendered(d, share, tuple(awards), bidders)
