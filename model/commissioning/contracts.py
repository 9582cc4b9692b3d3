"""Contracts as a scenario declares them (``contracts.<name>.<field>``): the fields, which kinds need
which, one contract's terms read once and checked together, and the checks at load against the run
(its areas, years, services and the cohorts' proof window).

The kinds, each after the real contracts in ../shared/DOMAIN.md ('How the real incentive contracts
worked'), are classes registered once in ``jrsim.commissioning.kinds`` (fee for service, payment by
results, social impact bond, justice reinvestment, pooled budget): each says which fields it needs,
whether it pays on cohorts or on demand, when it settles and its own checks, which this module asks of
it; the fields and the checks every contract shares are here.

Every contract is let by a commissioner at one level (``level``: national, contract package area or
local), who pays from the budget of the agency named ``payer``. Its ``payee`` is an agency, or a party
outside the public sector that the scenario declares (``parties.<name>.kind``: a provider or investors),
so that a misspelt agency is refused rather than paid as a new outside party.

Cohorts are the Ministry of Justice's yearly proven-reoffending cohorts (``jrsim.flows.reoffending``)
of the contract's areas and index disposals: a cohort year is an output year. A field a kind does not
use may be left out; one a kind needs and that is missing is one clear error.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from jrsim.commissioning.kinds import KINDS, ContractKind, kind_of
from jrsim.commissioning.payments import MEASURES, PAY_FROM, THRESHOLD_UNITS, Gateway, ResultTerms
from jrsim.core.areas import SHOWN_AREAS, not_reported
from jrsim.core.constants import FIRST_YEAR, LAST_YEAR, WEEKS_PER_YEAR
from jrsim.core.errors import ScenarioError
from jrsim.core.vocabulary import AGENCIES, FUNDERS, INDEX_DISPOSALS, PROVIDER_BANDS
from jrsim.parameters.declaration import Par, family_members
from jrsim.parameters.members import Member, written_fields
from jrsim.parameters.schema import did_you_mean
from jrsim.services.catalogue import service_names

COMMISSIONING_LEVELS = ("national", "contract_package_area", "local")
FEE_BASES = ("block", "per_referral", "per_start", "per_place_week", "per_case_week")
REFERENCES = ("comparison", "baseline")
# The demand the Local Justice Reinvestment pilots weighed (the run's by-area flows).
DEMAND_MEASURES = ("arrests", "charges", "cautions", "court_cases", "prison_receptions", "recalls", "breaches")
MAX_POINTS = 100.0  # a fall in percentage points
# Parties outside the public sector a contract may pay, each declared by the scenario (parties.<name>.kind).
INVESTORS = "investors"
PARTY_KINDS = ("provider", INVESTORS)
PARTY = Par("kind", "choice", PARTY_KINDS, "a payee outside the public sector that the scenario's contracts "
                                            "name: a provider of services, or social investors",
            label="{member}: kind of party")

FIELDS = (
    Par("kind", "choice", KINDS, "the payment mechanism (a derived file may not give an inherited contract "
                                 "another kind)", fixed=True, label="{member}: payment mechanism"),
    Par("payer", "choice", FUNDERS, "the agency that pays (for a pool: the partner that holds it)",
        label="{member}: paying agency"),
    Par("level", "choice", COMMISSIONING_LEVELS, "who lets the contract: the ministry nationally, a contract "
                                                 "package area's commissioner, or a local commissioner",
                                                 label="{member}: who lets the contract"),
    Par("payee", "text", (), "who is paid: an agency, or a provider or investors (outside the public sector)",
        label="{member}: who is paid"),
    Par("areas", "names", (), "the areas whose cohorts or demand the contract pays on (reported areas)",
        label="{member}: areas it pays on"),
    Par("first_year", "int", (), "the first cohort (or test) year (not over when the contract is let)",
        low=FIRST_YEAR, high=LAST_YEAR, opens=True, label="{member}: first cohort year"),
    Par("last_year", "int", (), "the last cohort (or test) year", low=FIRST_YEAR, high=LAST_YEAR,
        label="{member}: last cohort year"),
    Par("price_year", "int", (), "the price year of the contract's amounts", low=FIRST_YEAR, high=LAST_YEAR,
        label="{member}: price year of its amounts"),
    Par("payment_lag", "duration", (), "from the end of each cohort (or test) year to its payment: a cohort "
                                       "contract's lag must cover the follow-up and proof window",
                                       label="{member}: time from year end to payment"),
    # fee for service
    Par("fee_basis", "choice", FEE_BASES, "block: a yearly fee at the start of each contract year; per_referral, "
                                          "per_start, per_place_week: a price per unit of a service's activity, "
                                          "paid at the end of each contract year on its volumes; per_case_week: a "
                                          "price per person-week of the payee provider's caseload (reconciled to "
                                          "volumes, as Transforming Rehabilitation's fee for service)",
                                          label="{member}: what the fee is paid on"),
    Par("fee_per_year", "money", (), "a block fee: the yearly fee", label="{member}: yearly block fee"),
    Par("fee_service", "text", (), "a fee per unit: the service whose referrals, starts or place-weeks are paid",
        label="{member}: service whose activity the fee pays"),
    Par("fee_per_unit", "money", (), "a fee per unit: pounds per referral, start or place-week",
        label="{member}: fee per referral, start, place-week or case-week"),
    Par("at_risk_share", "prob", (), "share of the year's fee repaid if that year's cohort misses the target",
        label="{member}: share of the fee at risk"),
    # results
    Par("measure", "choice", MEASURES[:2], "binary: share who proven-reoffend; frequency: re-offences per person",
        label="{member}: reoffending measure paid on"),
    Par("disposals", "choices", INDEX_DISPOSALS, "the index disposals whose cohorts count",
        label="{member}: disposals whose cohorts count"),
    Par("bands", "choices", PROVIDER_BANDS, "optional: only cohort members in these risk bands at their index "
                                            "event count (Transforming Rehabilitation: the National Probation "
                                            "Service's cases were outside the CRCs' cohorts); default all",
        label="{member}: risk bands whose cohorts count"),
    Par("reference", "choice", REFERENCES, "the comparison group (the run's other areas) or the areas' baseline year",
        label="{member}: what the cohort is compared with"),
    Par("risk_adjusted", "flag", (), "a baseline reference on the contract's own measure is adjusted for the "
                                     "cohort's predicted risk (the case mix, as Transforming Rehabilitation's "
                                     "binary measure was, not its frequency measure)",
                                     label="{member}: baseline adjusted for risk"),
    Par("baseline_year", "int", (), "the cohort year the reference is measured on", low=FIRST_YEAR, high=LAST_YEAR,
        label="{member}: baseline year"),
    Par("threshold", "multiplier", (), "the fall needed (in threshold_unit)", high=MAX_POINTS,
        label="{member}: fall needed before payment"),
    Par("threshold_unit", "choice", THRESHOLD_UNITS, "relative (0.1 = 10% fewer) or points",
        label="{member}: unit of the fall needed"),
    Par("price", "money", (), "pounds per unit avoided (a person not reoffending, a re-offence)",
        label="{member}: price per outcome"),
    Par("frequency_price", "money", (), "with a binary measure: pounds per re-offence avoided, paid only if "
                                        "the binary target is met (the hurdle)", label="{member}: price per re-offence avoided"),
    Par("pay_from", "choice", PAY_FROM, "units avoided paid from zero or only beyond the threshold",
        label="{member}: outcomes paid from zero or from the threshold"),
    Par("cap", "money", (), "the most paid (or deducted) for one cohort; 0: no cap", label="{member}: most paid for one cohort"),
    Par("alpha", "prob", (), "one-sided significance level a change needs; 0: no test", label="{member}: significance level"),
    Par("deduct_rise", "flag", (), "a significant rise is deducted at the same price",
        label="{member}: a rise in reoffending is deducted"),
    Par("gateway_service", "text", (), "payment by results (optional): a service whose starts in the cohort year "
                                       "must reach gateway_starts before any results payment (Lewisham's drug-"
                                       "treatment gateway)", label="{member}: gateway service"),
    Par("gateway_starts", "count", (), "the starts of the gateway service the contract needs in a cohort year "
                                       "(full size, the run's areas)", label="{member}: gateway starts needed in a year"),
    Par("pooled_threshold", "prob", (), "social impact bond: the fall of all cohorts together that pays the rest",
        label="{member}: fall of all cohorts that pays the rest"),
    Par("investment", "money", (), "social impact bond: the investors' capital, put in at the start",
        label="{member}: investors' capital"),
    # justice reinvestment
    Par("weights", "prices", DEMAND_MEASURES, "pounds per unit of each demand measure (the cost of demand)",
        label="{member}: price of each unit of demand"),
    Par("share_at_threshold", "prob", (), "share of the savings paid at the threshold",
        label="{member}: share of savings paid at the threshold"),
    Par("cap_fall", "prob", (), "the fall beyond which savings are not paid",
        label="{member}: fall beyond which savings are not paid"),
    # pooled budget
    Par("partners", "map", FUNDERS, "each partner's share of the pool (shares sum to 1)",
        label="{member}: partners' shares of the pool"),
    Par("pooled_services", "names", (), "the services the pool pays for (services named in the scenario)",
        label="{member}: services the pool pays for"),
    Par("reinvest_share", "prob", (), "share of a year's measured cashable savings reinvested the next year",
        label="{member}: share of savings reinvested"),
    Par("reinvest_in", "text", (), "the pool's service whose places the reinvested savings buy",
        label="{member}: service the reinvested savings buy"),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)


def contract_names(names) -> list[str]:
    """The contracts named in a scenario's dotted parameter names, in first-seen order."""
    return family_members(names, "contracts")


def party_names(names) -> list[str]:
    """The outside parties (providers, investors) a scenario declares, in first-seen order."""
    return family_members(names, "parties")


def declarations(names) -> list[Par]:
    """The fields each contract the scenario names has written (a kind's missing field is reported
    by ``Contract``, which knows the kind), and always its kind; each declared party's kind."""
    names = list(names)
    out = [PARTY.member("parties", p) for p in party_names(names)]
    for c in contract_names(names):
        written = written_fields(names, "contracts", c)
        # a contract is a policy: it is let on the policy's date, so a scenario and its counterfactual
        # share their history until then; its own years (first_year...) say what it pays on
        out.extend(f.member("contracts", c) for f in FIELDS if f.name in written | {"kind"})
    return out


@dataclass(frozen=True)
class Contract(Member):
    """One contract's terms, read once from the parameters and checked together."""

    FAMILY = "contracts"

    @classmethod
    def read(cls, name: str, params, origin: dict) -> Contract:
        f, where = cls.fields_of(name, params, origin)
        if "kind" not in f:
            raise ScenarioError(f"{where}: 'contracts.{name}.kind': a contract needs its kind (one of {list(KINDS)}) "
                                f"from the date its other terms hold")
        cls.needs(name, where, f"a {f['kind']} contract", [k for k in kind_of(f["kind"]).NEEDS if k not in f])
        return cls.checked(name, f, where, origin)

    def check(self) -> None:
        """The checks every contract shares, then its kind's own."""
        f = self.f
        if f["last_year"] < f["first_year"]:
            raise self.error("last_year", f"the cohort window ends ({f['last_year']}) before it starts ({f['first_year']})")
        if not f["areas"]:
            raise self.error("areas", "names no area")
        if f["payee"] == f["payer"] and self.kind_class.PAYEE_USED:
            elsewhere = self.origin["payer"] != self.origin["payee"]
            written = f", as written in {self.origin['payer']}" if elsewhere else ""
            raise self.error("payee", f"is the payer ('contracts.{self.name}.payer': {f['payer']!r}{written}): a "
                                      f"contract moves money between two parties")
        self.kind_class.check(self)

    @property
    def kind(self) -> str:
        return self.f["kind"]

    @property
    def kind_class(self) -> type[ContractKind]:
        """What the contract's kind needs and does (``jrsim.commissioning.kinds``)."""
        return kind_of(self.kind)

    def gateway(self) -> Gateway | None:
        """The condition the results payment depends on, if the contract has one."""
        return Gateway(self.f["gateway_service"], self.f["gateway_starts"]) if "gateway_service" in self.f else None

    def terms(self) -> list[ResultTerms]:
        """The measures the contract pays on: its own, and re-offences behind a binary hurdle."""
        f = self.f
        main = ResultTerms(f["measure"], f["threshold"], f["threshold_unit"], f["price"], f["pay_from"],
                           f["cap"] or None, f["alpha"] or None, f["deduct_rise"])
        if f["measure"] == "binary" and f.get("frequency_price", 0.0) > 0:
            return [main, replace(main, measure="frequency", threshold=0.0, threshold_unit="relative",
                                  price=f["frequency_price"], pay_from="zero")]
        return [main]


# ---------------------------------------------------------------- checks at load
@dataclass(frozen=True)
class RunFrame:
    """What a contract is checked against: the run's reported areas, output years, and the cohorts'
    follow-up and proof window, in weeks."""

    reported: tuple[str, ...]
    start_year: int
    years: int
    window_weeks: int
    services: tuple[str, ...]


def check_contracts(params: dict, origin: dict, frame: RunFrame) -> list[Contract]:
    """Every contract in the scenario, read and checked against the run's areas, years, services and
    the parties the scenario declares (its providers are parties too)."""
    out = []
    providers = tuple(family_members(params, "providers"))
    parties = (*party_names(params), *providers)
    for party in (p for p in parties if p in AGENCIES):
        key = f"parties.{party}.kind"
        raise ScenarioError(f"{origin.get(key, 'scenario')}: '{key}': {party!r} is an agency of the public sector, "
                            f"not a party outside it: name the provider or investors otherwise")
    for name in contract_names(params):
        c = Contract.read(name, params, origin)
        _check_payee(c, parties)
        if c.kind_class.pays_on_caseload(c.f) and c.f["payee"] not in providers:
            raise c.error("payee", f"a fee per case-week pays on the payee's caseload: {c.f['payee']!r} is not a "
                                   f"provider the scenario declares (providers.<name>.*)")
        _check_areas(c, frame.reported)
        _check_years(c, frame)
        _check_services(c, params, origin, frame.services)
        out.append(c)
    return out


def _check_payee(c: Contract, parties: tuple[str, ...]) -> None:
    payee = c.f["payee"]
    if payee not in FUNDERS and payee not in parties:
        declared = f"; the scenario declares {list(parties)}" if parties else ""
        raise c.error("payee", f"{payee!r} is neither an agency ({', '.join(FUNDERS)}) nor a party the scenario "
                               f"declares (parties.{payee}.kind: one of {list(PARTY_KINDS)}){declared}"
                               f"{did_you_mean(payee, (*FUNDERS, *parties))}")


def _check_services(c: Contract, params: dict, origin: dict, services: tuple[str, ...]) -> None:
    """The services a contract names are the scenario's, open in at least one of the contract's areas
    (a fee on a service closed there would pay for activity elsewhere)."""
    named = {"pooled_services": c.f.get("pooled_services", ()), "gateway_service": [c.f.get("gateway_service")],
             "fee_service": [c.f.get("fee_service")]}
    for field, names in named.items():
        for s in (n for n in names if n is not None):
            if s not in services:
                raise c.error(field, f"{s!r} is not a service of the scenario "
                                     f"({', '.join(services[:SHOWN_AREAS])}...){did_you_mean(s, services)}")
            key = f"services.{s}.areas"
            open_in = params.get(key, ())
            if open_in and not set(open_in) & set(c.f["areas"]):
                raise c.error(field, f"{s!r} is open only in {list(open_in)[:SHOWN_AREAS]} ('{key}', in "
                                     f"{origin.get(key, c.where)}), none of the contract's areas {list(c.f['areas'])}")


def _check_areas(c: Contract, reported: tuple[str, ...]) -> None:
    unknown = [a for a in c.f["areas"] if a not in reported]
    if unknown:
        raise c.error("areas", not_reported(unknown[0], reported))
    if c.kind_class.measures_cohorts(c.f) and c.f["reference"] == "comparison" and set(c.f["areas"]) >= set(reported):
        raise c.error("reference", "a comparison group needs areas outside the contract in the run")


def _check_years(c: Contract, frame: RunFrame) -> None:
    f, first, last = c.f, frame.start_year, frame.start_year + frame.years - 1
    fields = ["first_year", "last_year"]
    if c.kind_class.uses_baseline(f):
        fields.append("baseline_year")
    for field in fields:
        if not first <= f[field] <= last:
            raise c.error(field, f"{f[field]} is outside the run's output years ({first}-{last})")
    lag = int(round(f["payment_lag"]))
    if c.kind_class.measures_cohorts(c.f) and lag < frame.window_weeks:
        raise c.error("payment_lag", f"{lag} weeks after a cohort year ends is before the cohort can be measured: "
                                     f"its follow-up and proof window closes {frame.window_weeks} weeks after")
    last_paid = c.kind_class.last_payment(f, f["last_year"] - first, lag)
    if last_paid >= frame.years * WEEKS_PER_YEAR:
        raise c.error("last_year", f"the {f['last_year']} payment falls {lag} weeks after that year ends, after the "
                                   f"run's last output year ({last}): lengthen run.horizon_years or pay earlier")


def run_frame(params: dict, reported: tuple[str, ...], calendar_years: tuple[int, int]) -> RunFrame:
    """The frame a scenario's contracts are checked against (``params``: dotted names to values)."""
    return RunFrame(tuple(reported), calendar_years[0], calendar_years[1], cohort_window(params),
                    tuple(service_names(params)))


def cohort_window(params: dict) -> int:
    """Weeks from the end of a cohort year to the close of its follow-up and proof window."""
    return int(round(params["reoffending.follow_up"])) + int(round(params["reoffending.proof_window"]))
