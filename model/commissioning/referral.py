"""Whom a provider refers on to which pathway service: pure functions of what it can see, after effort.

A provider's referral choice is a multiplier, for each service and band, of the service's chance of a
referral of the people it supervises (``Services._refer`` applies it through the ``ReferralChoice``
seam). **By need** (responsiveness 0) it is exactly what contact gives today, ``e ** gamma`` for every
service (``EffortForm.referral``): a provider serving by need refers as its contact does.

**Profit-seeking** (responsiveness 1), a referral is worth what the service's effect on the band's
reoffending is expected to pay under the provider's contracts, less what it costs in staff time.
For each service and band the provider compares one yearly cohort with and without referring the
band: the share it would refer (the service's chance of a referral at the most referral there is, at
most all) has its hazard multiplied by ``1 - effect * engagement`` (the service's cut in reoffending
for those who start, times the share offered a place who start), and the contracts' expected
payment (``Incentive.expected``, the same payment functions over the cohort's noise as the effort
decision) is set against those referrals' cost (``provision.referral_contacts`` contacts each, at the
provider's cost of a contact). Worth more than it costs: the most referral there is (``max_effort **
gamma``); otherwise none (0). Nothing about which services is written in: a service with no effect is
worth nothing, a band no contract pays on is worth nothing, a costly referral must earn its cost.
The two are blended by responsiveness, as effort is. A service that takes none of the provider's
orders cannot take its caseload: its multiplier stays by need (it never applies).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from jrsim.commissioning.decision import BandForecast, EffortForm, Situation, expected_results

NO_REFERRAL = 0.0  # the multiplier of a band a profit-seeker does not refer to a service


@dataclass(frozen=True)
class Offer:
    """A pathway service as a provider sees it when it chooses whom to refer."""

    name: str
    effect: float  # relative cut in the reoffending hazard of those who start
    engagement: float  # share of those offered a place who start
    referral_probability: float  # share of eligible people referred (a year, for a community referral)
    takes: bool  # whether any of the provider's orders is eligible: whether it can take the caseload at all

    @property
    def hazard_factor(self) -> float:
        """What a referral is expected to do to a referred person's hazard."""
        return 1.0 - self.effect * self.engagement


def by_need(effort: np.ndarray, form: EffortForm, n_services: int) -> np.ndarray:
    """The multiplier contact gives, per band (rows) and service (columns): ``effort ** gamma`` for every service."""
    return np.repeat(form.referral(effort)[:, None], n_services, axis=1)


def referred_forecast(forecast: BandForecast, band: int, share: float, factor: float) -> BandForecast:
    """The forecast with ``share`` of ``band``'s cohort split off as one more band whose hazard is
    multiplied by ``factor`` (``factor`` 1: the same cohort, only split)."""
    def split(values: np.ndarray, referred_value: float, kept: float = 1.0) -> np.ndarray:
        out = np.append(values, referred_value)
        out[band] = values[band] * kept
        return out
    return BandForecast(split(forecast.people, forecast.people[band] * share, 1.0 - share),
                        split(forecast.entrants_per_year, forecast.entrants_per_year[band] * share, 1.0 - share),
                        split(forecast.one_year, 1.0 - (1.0 - forecast.one_year[band]) ** factor),
                        split(forecast.reoffences, forecast.reoffences[band] * factor),
                        split(forecast.contacts_at_need, forecast.contacts_at_need[band]))


def _payment(s: Situation, effort: np.ndarray, band: int, share: float, factor: float) -> float:
    """The contracts' expected payment on one yearly cohort with ``share`` of ``band`` referred (the
    reference: the same cohort served by need, with no referral)."""
    forecast = referred_forecast(s.forecast, band, share, factor)
    if "need" not in s.memo:
        expected_results(s, effort)  # fills the need rates the effort decision worked out
    need = {m: np.append(rates, rates[band]) for m, rates in s.memo["need"].items()}
    trial = np.append(effort, effort[band])
    return sum(dataclasses.replace(i, bands=np.append(i.bands, i.bands[band])).expected(forecast, trial, s.form, need)
               for i in s.incentives)


def worth_referring(s: Situation, effort: np.ndarray, offer: Offer, referral_contacts: float) -> np.ndarray:
    """Per band: whether referring it to the service is expected to pay more than it costs."""
    most = s.form.referral(s.form.max_effort)
    share = min(offer.referral_probability * most, 1.0)
    out = np.zeros(len(effort), bool)
    paid = np.any([i.bands for i in s.incentives], axis=0) if s.incentives else out
    for band in np.flatnonzero(paid & (s.forecast.entrants_per_year > 0)):
        if share <= 0:
            break
        key = ("referral", band, share)  # the cohort only split: the same for every service of this share
        if key not in s.memo:
            s.memo[key] = _payment(s, effort, band, share, 1.0)
        gain = _payment(s, effort, band, share, offer.hazard_factor) - s.memo[key]
        cost = share * s.forecast.entrants_per_year[band] * referral_contacts * s.cost_per_contact
        out[band] = gain > cost
    return out


def choose_referrals(s: Situation, effort: np.ndarray, offers: tuple[Offer, ...], referral_contacts: float
                     ) -> np.ndarray:
    """The referral multiplier per band (rows) and service (columns) for the coming period, at ``effort``
    (the effort the provider gives: its need multiplier is what that contact gives)."""
    need = by_need(effort, s.form, len(offers))
    if s.responsiveness <= 0:
        return need
    most = s.form.referral(s.form.max_effort)
    chosen = need.copy()
    for k, offer in enumerate(offers):
        if offer.takes:
            profit = np.where(worth_referring(s, effort, offer, referral_contacts), most, NO_REFERRAL)
            chosen[:, k] = (1.0 - s.responsiveness) * need[:, k] + s.responsiveness * profit
    return chosen

