"""The service catalogue: the fields every service declares, and one service's settings read once.

Each service in a scenario (``services.<name>.*``) has the fields in ``FIELDS``; the ``Services``
module declares them for every service the scenario names.
"""
from __future__ import annotations

import numpy as np

from jrsim.core.areas import not_reported
from jrsim.core.constants import FIRST_YEAR, LAST_YEAR, MAX_SERVICES, MIN_SERVICE_WEEKS, WEEKS_PER_YEAR
from jrsim.core.errors import ScenarioError
from jrsim.core.vocabulary import AT_LIBERTY, CUSTODY_BANDS, EXITED, FUNDERS, PATHWAYS, REFERRAL_POINTS, STATUSES
from jrsim.parameters.declaration import Par, family_members
from jrsim.services.queueing import QUEUE_ORDERS, ServiceQueue

FIELDS = (
    Par("pathway", "choice", PATHWAYS, "the need it addresses", label="{member}: need addressed"),
    Par("funder", "choice", FUNDERS, "the agency that pays for it", label="{member}: funding agency"),
    Par("eligible_status", "choices", STATUSES, "statuses in which a person can be referred",
        label="{member}: who can be referred (statuses)"),
    Par("requires_need", "flag", (), "only people with the pathway need", label="{member}: only people with the need"),
    Par("prolific_only", "flag", (), "only prolific and priority offenders",
        label="{member}: only prolific and priority offenders"),
    Par("areas", "names", (), "the areas (at the run's area level) where the service is open; empty: all of "
                              "the run's areas. Its capacity and budget are then stated at the national rate "
                              "and held at those areas' share", label="{member}: areas where it is open"),
    Par("min_risk", "prob", (), "lowest risk score eligible", label="{member}: lowest eligible risk score"),
    Par("max_risk", "prob", (), "highest risk score eligible", label="{member}: highest eligible risk score"),
    Par("referral_point", "choice", REFERRAL_POINTS, "when referral happens", label="{member}: when people are referred"),
    Par("referral_probability", "prob", (), "share of eligible people referred at that point (per year for 'community')",
        label="{member}: share of eligible people referred"),
    Par("pre_release_weeks", "duration", (), "for pre_release: how long before release",
        label="{member}: weeks before release of a referral"),
    Par("delivered_in", "choice", ("community", "custody"), "where a place is taken up",
        label="{member}: where places are taken up"),
    Par("capacity", "count", (), "places", label="{member} places"),
    Par("budget_per_year", "money", (), "a budget that buys further places at cost_per_place_week",
        label="{member}: yearly budget for extra places"),
    Par("cost_per_place_week", "money", (), "cost of one place for one week", label="{member}: cost of a place for a week"),
    Par("price_year", "int", (), "price year of the costs", low=FIRST_YEAR, high=LAST_YEAR,
        label="{member}: price year of its costs"),
    Par("queue_order", "choice", QUEUE_ORDERS, "who is offered a free place first",
        label="{member}: who is offered a place first"),
    Par("max_wait", "duration", (), "referrals waiting longer are lost",
        label="{member}: longest wait before a referral is lost"),
    Par("duration", "duration", (), "length of the service", low=MIN_SERVICE_WEEKS, label="{member}: length of the service"),
    Par("engagement_probability", "prob", (), "share of those offered a place who start",
        label="{member}: share offered a place who start"),
    Par("dropout_rate", "rate", (), "drop-out hazard for an average participant", label="{member}: drop-out rate"),
    Par("dropout_reduction_if_met", "map", PATHWAYS, "drop-out falls by this share if that need is met or absent",
        label="{member}: fall in drop-out when other needs are met"),
    Par("effect", "prob", (), "relative reduction of the reoffending hazard on completion",
        label="{member}: cut in reoffending on completion"),
    Par("partial_effect_share", "prob", (), "share of the effect kept on drop-out, pro rata to time done",
        label="{member}: share of the effect kept on drop-out"),
    Par("effect_half_life", "duration", (), "the effect halves over this time", label="{member}: half-life of the effect"),
    Par("enforcement_detection_multiplier", "multiplier", (), "detection multiplier for non-engagers (IOM)",
        label="{member}: detection multiplier for non-engagers"),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
MIN_PLACE_COST = 1.0  # pounds a place-week: below it a budget would buy more places than there are people


def service_names(names) -> list[str]:
    """The services named in a scenario's dotted parameter names, in first-seen order."""
    return family_members(names, "services")


def check_services(values: dict, origin: dict[str, str], file: str) -> None:
    """What the services' fields must be together (at any date of a run): no more services than the
    membership column holds, someone each could refer, a budget that buys places. ``values``: dotted
    names to values; ``origin``: where each was set; ``file``: the scenario."""
    names = service_names(values)
    if len(names) > MAX_SERVICES:
        raise ScenarioError(f"{file}: 'services': at most {MAX_SERVICES} services in one scenario, got {len(names)}")
    for s in names:
        key = f"services.{s}"
        if values[f"{key}.min_risk"] > values[f"{key}.max_risk"]:
            low, high = origin[key + ".min_risk"], origin[key + ".max_risk"]
            written = "" if high == low else f", written in {high}"  # the pair may come from two files
            raise ScenarioError(f"{low}: '{key}.min_risk' ({values[key + '.min_risk']:g}) is above its max_risk "
                                f"('{key}.max_risk': {values[key + '.max_risk']:g}{written}): no one could be referred")
        if not values[f"{key}.eligible_status"]:
            raise ScenarioError(f"{origin[key + '.eligible_status']}: '{key}.eligible_status' is empty: "
                                f"no one could be referred")
        cost = values[f"{key}.cost_per_place_week"]
        if values[f"{key}.budget_per_year"] > 0 and cost < MIN_PLACE_COST:
            raise ScenarioError(f"{origin[key + '.cost_per_place_week']}: '{key}.cost_per_place_week': a budget "
                                f"buys places only at a cost of at least £{MIN_PLACE_COST:g} a place-week")


def check_service_areas(values: dict, origin: dict[str, str], reported: tuple[str, ...]) -> None:
    """The areas each service is open in are areas the run reports by."""
    for s in service_names(values):
        key = f"services.{s}.areas"
        unknown = [a for a in values[key] if a not in reported]
        if unknown:
            raise ScenarioError(f"{origin.get(key, 'scenario')}: '{key}': {not_reported(unknown[0], reported)}")


class Service:
    """One service's settings (read once) and its queue."""

    def __init__(self, name: str, params, scale: float):
        self.name = name
        self.extra_places = 0.0  # places commissioners buy beyond the scenario's (a pool's reinvestment)
        # places a commissioning design buys (full size, in the run's areas), at the price its tender reached,
        # and how well its providers' referrals match needs (0: anyone eligible, as the service refers)
        self.commissioned_places, self.commissioned_price, self.need_match = 0.0, 0.0, 0.0
        self.configure(params, scale)
        self.queue = ServiceQueue()
        self.referred: list[np.ndarray] = []  # ids referred, week by week (who got what)

    def configure(self, params, scale: float) -> None:
        """The settings read from the parameters (again when a policy changes them; the queue stays)."""
        name = self.name
        f = {k: params[f"services.{name}.{k}"] for k in FIELD_NAMES}
        self.f = f
        self.need_bit = np.uint8(1 << PATHWAYS.index(f["pathway"]))
        self.status_ok = np.zeros(EXITED + 1, bool)
        self.status_ok[[STATUSES.index(s) for s in f["eligible_status"]]] = True
        self.deliverable = np.zeros(EXITED + 1, bool)
        if f["delivered_in"] == "custody":
            self.deliverable[list(CUSTODY_BANDS)] = True
        else:
            self.deliverable[np.flatnonzero(AT_LIBERTY)] = True
        cost_year = WEEKS_PER_YEAR * f["cost_per_place_week"]
        self.cost_per_year = cost_year
        bought = int(f["budget_per_year"] // cost_year) if cost_year > 0 else 0
        # capacities and budgets are national, scaled like every other count
        self.own_places = int(round((f["capacity"] + bought + self.extra_places) * scale))
        self.bought_places = int(round(self.commissioned_places * scale))
        self.places = self.own_places + self.bought_places
        self.duration = max(1, int(round(f["duration"])))
        self.max_wait = int(round(f["max_wait"]))
        self.boost_bits = [(np.uint8(1 << PATHWAYS.index(k)), v) for k, v in f["dropout_reduction_if_met"].items()]

    def spend_per_week(self, in_places: int) -> float:
        """The week's spending: its own places in use, at its cost; and every place a design bought, used or
        not, at the design's price (a lot let by tender is paid its value: a block contract)."""
        own = min(in_places, self.own_places)
        return own * self.f["cost_per_place_week"] + self.bought_places * self.commissioned_price

    def referred_ids(self) -> np.ndarray:
        return np.unique(np.concatenate(self.referred)) if self.referred else np.empty(0, np.int64)


