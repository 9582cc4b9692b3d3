"""The words of the domain, each label set defined once: statuses, orders, custody bands, offence
types, courts, disposals, pathways, risk bands and agencies.

Every other module takes its labels from here, so a label a run writes, a scenario names and the
ledger prices is the same string everywhere.
"""
from __future__ import annotations

from enum import IntEnum

import numpy as np


class Status(IntEnum):
    """Where a person is, legally and physically. The stocks partition the population by it."""

    COMMUNITY = 0  # at liberty, under no order
    COMMUNITY_ORDER = 1
    SUSPENDED_SENTENCE = 2
    LICENCE = 3
    POST_SENTENCE_SUPERVISION = 4  # licence plus supervision to 12 months after a short sentence (TR switch)
    REMAND = 5
    CUSTODY_UNDER_12M = 6
    CUSTODY_12M_TO_4Y = 7
    CUSTODY_4Y_PLUS = 8
    RECALLED = 9


class Order(IntEnum):
    """The supervision order in force, whether or not the person is at liberty just now."""

    NONE = 0
    COMMUNITY_ORDER = 1
    SUSPENDED_SENTENCE = 2
    LICENCE = 3
    POST_SENTENCE_SUPERVISION = 4


STATUSES = tuple(s.name.lower() for s in Status)
N_STATUS = len(Status)
OUTSIDE = N_STATUS  # row/column index for entries and exits in the transition matrix
EXITED = N_STATUS  # the status of a row whose person has left (until the row is compacted away)
OUTSIDE_LABEL = "outside"

# The orders probation supervises, in Order's numbering from 1 (at liberty, status = order).
ORDERS = tuple(o.name.lower() for o in Order if o != Order.NONE)
SUPERVISED_STATUSES = (Status.COMMUNITY_ORDER, Status.SUSPENDED_SENTENCE, Status.LICENCE,
                       Status.POST_SENTENCE_SUPERVISION)
AT_LIBERTY = np.array([s in (Status.COMMUNITY, *SUPERVISED_STATUSES) for s in Status])
IN_PRISON = ~AT_LIBERTY
PRISON_STATUSES = tuple(label for label, inside in zip(STATUSES, IN_PRISON) if inside)
PROBATION_STATUSES = tuple(STATUSES[s] for s in SUPERVISED_STATUSES)
# At liberty, a person's status is the order they are under (same numbers by design).
ORDER_STATUS = np.array([Status.COMMUNITY, *SUPERVISED_STATUSES], dtype=np.int8)

# Custody: three bands by sentence length, each a status while serving.
BANDS = ("under_12m", "12m_to_4y", "4y_plus")
CUSTODY_BANDS = (Status.CUSTODY_UNDER_12M, Status.CUSTODY_12M_TO_4Y, Status.CUSTODY_4Y_PLUS)
CUSTODY_STATUSES = tuple(f"custody_{b}" for b in BANDS)

# Offence types: the Home Office groups of the economic and social costs of crime (Heeks et al. 2018),
# by which offences are drawn, detected, charged, tried and sentenced, and the cost of crime is priced.
OFFENCE_TYPES = ("violence", "sexual", "robbery", "burglary", "theft", "criminal_damage", "drugs", "fraud", "other")

COURTS = ("magistrates", "crown")
# What a court passes on conviction; custody is then given a band and a length.
DISPOSALS = ("custody", "suspended_sentence", "community_order", "fine_discharge")
SENTENCES = CUSTODY_STATUSES + DISPOSALS[1:]
# The index disposals of the proven-reoffending cohorts, as the Ministry of Justice groups them.
INDEX_DISPOSALS = ("caution", "fine_discharge", "community_order", "suspended_sentence") + CUSTODY_STATUSES
# The index disposals of the cohorts of the people on each order: a licence follows custody of 12 months
# or more, post-sentence supervision custody under 12 months.
ORDER_DISPOSALS = {"community_order": ("community_order",), "suspended_sentence": ("suspended_sentence",),
                   "licence": CUSTODY_STATUSES[1:], "post_sentence_supervision": CUSTODY_STATUSES[:1]}

# The seven resettlement pathways (NOMS Reducing Reoffending Action Plan, 2004).
PATHWAYS = ("accommodation", "education_training_employment", "health", "drugs_alcohol",
            "finance_benefit_debt", "children_families", "attitudes_thinking_behaviour")
# OGRS risk bands: under 50%, 50-74%, 75% and over (the cuts are in core.constants).
RISK_BANDS = ("low", "medium", "high")
# The four OGRS3 bands providers and contracts see (low, medium, high, very high: Howard et al. 2009); their
# cuts are the parameter reoffending.band_cuts (jrsim.core.bands). RISK_BANDS above stays as it is.
PROVIDER_BANDS = ("low", "medium", "high", "very_high")
# The dimensions of providers' results: their bands (a run's Dataset already has "band", the custody
# sentence bands, and "risk_band", the services' three RISK_BANDS: a variable along either would be cut
# to their labels) and their decision log ("decision" is the pooled budgets').
PROVIDER_BAND = "provider_band"
PROVIDER_DECISION = "provider_decision"
# Points of the justice process at which a service can take referrals.
REFERRAL_POINTS = ("arrest", "sentence", "pre_release", "release", "community")
EXIT_REASONS = ("desistance", "death")
# What happens to referrals to a service, counted each week.
SERVICE_OUTCOMES = ("referrals", "starts", "completions", "dropouts", "declined", "lost")

# The agencies that fund services and bear costs (the cost file lists the same names).
AGENCIES = (
    "prisons",              # HMPPS prisons
    "probation",            # probation trusts / NPS / CRCs
    "courts",               # HMCTS
    "cps",                  # Crown Prosecution Service
    "legal_aid",            # Legal Aid Agency
    "police",               # police forces and PCCs
    "nhs",                  # NHS, incl. health and mental health
    "local_authority",      # housing, social care, children's services, public-health drug and alcohol treatment
    "dwp",                  # benefits and employment programmes
    "victims_and_society",  # economic and social cost of crime: kept apart from public budgets
)
FUNDERS = AGENCIES[:-1]  # victims and society do not fund services
