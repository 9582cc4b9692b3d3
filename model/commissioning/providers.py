"""Providers as a scenario declares them (``providers.<name>.<field>``) and as mesa Agents that decide.

A provider (a national prime, a Community Rehabilitation Company, the National Probation Service, a
regional provider, a small local voluntary-sector provider) supervises the people its contracts send
it: those on the orders it takes (``orders``), in the risk bands it takes (``bands``, of
``reoffending.band_cuts``), in its areas (``areas``: reported areas, such as contract package areas).
It has staff who can make so many contacts a week, fixed and variable costs, reserves (the loss it
can carry) and a belief about how much its contact changes each person's reoffending (``belief_error``:
how far off that belief may be; local knowledge makes it smaller). At each review it decides its effort
per band (``jrsim.commissioning.decision``) from what it may see (``Situation``), then whom it refers
on to which service (``jrsim.commissioning.referral``); its books take what
it earned and spent in the period; when its reserves are gone it hands its contracts back and its
commissioner's fallback (``fallback``) takes over.

A name declared here is a party outside the public sector that contracts may pay (as ``parties.<name>``
declares investors or a provider who only takes payments). The global parameters of provision
(``provision.*``: the contacts each band needs, the declared form of effort's effect, the review
period, the staff time a referral takes) are declared here too: every scenario holds them
(baseline.yaml, with their sources).
"""
from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from jrsim.commissioning.decision import NEED, Decision, EffortForm, Situation, decide
from jrsim.commissioning.referral import Offer, choose_referrals
from jrsim.core.areas import not_reported
from jrsim.core.constants import FIRST_YEAR, LAST_YEAR, WEEKS_PER_YEAR
from jrsim.core.vocabulary import ORDERS, PROVIDER_BANDS
from jrsim.parameters.declaration import Par, family_members, words
from jrsim.parameters.members import Member, member_declarations

PROVIDER_KINDS = ("national_prime", "community_rehabilitation_company", "national_probation_service", "regional",
                  "local_voluntary")
# What the commissioner does when a provider hands its contracts back: its own service takes the
# caseload and serves it by need, or the caseload gets the contracts' floor until they end.
FALLBACKS = ("public_sector", "minimum_service")
# Kinds that are the public sector's own service: the people they supervise stay priced at the unit cost
# (their cost is the probation budget's); every other kind is outside the public sector, and the people
# it supervises are priced by its contracts instead (the ledger's ``CONTRACTED_OUT``).
PUBLIC_KINDS = ("national_probation_service",)
MAX_EFFECT = 5.0  # an elasticity of the hazard, drop-out or referral to effort above this is implausible
MAX_BELIEF_ERROR = 3.0  # s.d. of the log error of a provider's belief: exp(3) is twentyfold
MAX_REFERRAL_CONTACTS = 13.0  # a referral taking more than a quarter of weekly contacts is not one referral

PROVISION = (
    *[Par(f"provision.need_contacts.{b}", "rate", label=f"Contacts a person needs: {words(b)} risk")
      for b in PROVIDER_BANDS],
    Par("provision.contact_effect", "coef", low=0.0, high=MAX_EFFECT,
        label="Effect of contact on reoffending (elasticity of the hazard)"),
    Par("provision.dropout_effect", "coef", low=0.0, high=MAX_EFFECT,
        label="Effect of contact on drop-out from services (elasticity)"),
    Par("provision.referral_elasticity", "coef", low=0.0, high=MAX_EFFECT,
        label="Effect of contact on referrals on to services (elasticity)"),
    Par("provision.max_effort", "multiplier", low=NEED, label="Most effort a provider can give (a multiple of need)"),
    Par("provision.referral_contacts", "count", high=MAX_REFERRAL_CONTACTS,
        label="Staff time a referral on to a service takes (contacts)"),
    Par("provision.review_period", "duration", low=1.0, high=WEEKS_PER_YEAR, label="Providers' review period"),
    Par("provision.reoffences_per_reoffender", "multiplier", low=NEED,
        label="Re-offences per reoffender, as providers forecast them"),
)

FIELDS = (
    Par("kind", "choice", PROVIDER_KINDS, "what sort of provider it is", fixed=True, label="{member}: kind of provider"),
    Par("areas", "names", (), "the areas whose people it supervises (reported areas)", label="{member}: areas it serves"),
    Par("orders", "choices", ORDERS, "the orders whose people it supervises", label="{member}: orders it supervises"),
    Par("bands", "choices", PROVIDER_BANDS, "the risk bands it takes (reoffending.band_cuts)",
        label="{member}: risk bands it takes"),
    Par("responsiveness", "prob", (), "0: serves people by need, as under a fee for service; 1: fully profit-seeking",
        label="{member}: responsiveness to its contracts"),
    Par("min_effort", "prob", (), "the contracts' floor: the least effort it may give, a share of need",
        label="{member}: least effort its contracts allow"),
    Par("staff_contacts_per_week", "count", (), "contacts its staff can make a week (full size)",
        label="{member}: staff capacity, contacts a week"),
    Par("fixed_cost_per_year", "money", (), "its fixed costs a year (premises, management, systems)",
        label="{member}: fixed costs a year"),
    Par("cost_per_contact", "money", (), "what one contact costs it", label="{member}: cost of a contact"),
    Par("reserves", "money", (), "the loss it can carry before it hands its contracts back", label="{member}: reserves"),
    Par("belief_error", "multiplier", (), "s.d. of the log error of its belief about how much contact changes "
                                          "reoffending (local knowledge: smaller)", high=MAX_BELIEF_ERROR,
        label="{member}: error in its belief about contact's effect"),
    Par("fallback", "choice", FALLBACKS, "what its commissioner does if it hands its contracts back",
        label="{member}: commissioner's fallback"),
    Par("price_year", "int", (), "the price year of its costs and reserves", low=FIRST_YEAR, high=LAST_YEAR,
        label="{member}: price year of its costs"),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)


def provider_names(names) -> list[str]:
    """The providers a scenario names, in first-seen order."""
    return family_members(names, "providers")


def declarations(names) -> list[Par]:
    """The fields each named provider has written, and always its kind (a missing field is reported by
    ``ProviderTerms``, with the provider's name: a provider needs every field)."""
    return member_declarations(names, "providers", FIELDS, "kind")


@dataclass(frozen=True)
class ProviderTerms(Member):
    """One provider's fields, read once from the parameters and checked together."""

    FAMILY = "providers"

    @classmethod
    def read(cls, name: str, params, origin: dict) -> ProviderTerms:
        f, where = cls.fields_of(name, params, origin)
        cls.needs(name, where, "a provider", [k for k in FIELD_NAMES if k not in f])
        return cls.checked(name, f, where, origin)

    def check(self) -> None:
        for field in ("areas", "orders", "bands"):
            if not self.f[field]:
                raise self.error(field, f"names no {field[:-1]}: a provider supervises someone")
        if self.f["staff_contacts_per_week"] <= 0:
            raise self.error("staff_contacts_per_week", "a provider needs staff who can make contacts (more than 0)")

    @property
    def band_mask(self) -> np.ndarray:
        return np.isin(PROVIDER_BANDS, self.f["bands"])


def check_providers(params: dict, origin: dict, reported: tuple[str, ...]) -> list[ProviderTerms]:
    """Every provider in the scenario, read and checked: its areas are the run's reported areas, and no
    two providers supervise the same people (an area, order and band has at most one)."""
    out, owner = [], {}
    for name in provider_names(params):
        p = ProviderTerms.read(name, params, origin)
        unknown = [a for a in p.f["areas"] if a not in reported]
        if unknown:
            raise p.error("areas", not_reported(unknown[0], reported))
        for cell in ((a, o, b) for a in p.f["areas"] for o in p.f["orders"] for b in p.f["bands"]):
            if cell in owner:
                area, order, band = cell
                raise p.error("bands", f"{owner[cell]!r} already supervises {words(order)} in {area} at "
                                       f"{words(band)} risk: one provider per area, order and band")
            owner[cell] = name
        out.append(p)
    return out


def provision_form(params) -> EffortForm:
    """The declared form of effort's effect, as it truly is in the run."""
    return EffortForm(params["provision.contact_effect"], params["provision.dropout_effect"],
                      params["provision.referral_elasticity"], params["provision.max_effort"])


class Provider(mesa.Agent):
    """A party outside the public sector that contracts pay; one with ``terms`` supervises people and
    decides how much effort to give them at each review, and keeps books of what it earns and spends."""

    def __init__(self, model, name: str, terms: ProviderTerms | None = None, belief_error: float = 0.0):
        super().__init__(model)
        self.name, self.terms = name, terms
        self.received = 0.0  # everything its contracts have paid it (net)
        self.belief_error = belief_error  # this provider's draw: its belief is off by exp(belief_error)
        self.reserves = terms.f["reserves"] if terms else 0.0
        self.effort = np.full(len(PROVIDER_BANDS), NEED)
        self.rule = "by_need"
        self.handed_back_week: int | None = None

    @property
    def supervises(self) -> bool:
        return self.terms is not None and self.handed_back_week is None

    @property
    def contracted_out(self) -> bool:
        """It supervises people for the public sector from outside it: their cost is what its contracts
        pay it (once it has handed back, the public sector bears their cost again)."""
        return self.supervises and self.terms.f["kind"] not in PUBLIC_KINDS

    def decide(self, situation: Situation) -> Decision:
        decision = decide(situation)
        self.effort, self.rule = decision.effort, decision.rule
        return decision

    def refer(self, situation: Situation, effort: np.ndarray, offers: tuple[Offer, ...],
              referral_contacts: float) -> np.ndarray:
        """Whom it refers on to which service at ``effort``: a multiplier per band and service
        (``jrsim.commissioning.referral``)."""
        return choose_referrals(situation, effort, offers, referral_contacts)

    def book(self, income: float, costs: float) -> None:
        """A period's income (fees accrued, results received) and costs (fixed and contact) into its reserves."""
        self.reserves += income - costs

    def hand_back(self, week: int) -> None:
        self.handed_back_week = week
