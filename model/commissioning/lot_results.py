"""A commissioning design's results money paid in the run, lot by lot (``jrsim.commissioning.tender``: each
lot's ``results_money``, the share of its value paid on results).

For each cohort year the design is in force, a lot's winner is paid its results money (pro rata in the year
the design is let) in proportion to the fall in its lot's proven-reoffending rate against the same lot's
cohort in the design's ``baseline_year``, over the fall that pays it in full (``expected_fall``): a fall of
exactly that pays the results money, a larger one more, a rise nothing (the provider's loss is the results
money it does not earn). Each lot is measured on its own local areas' cohorts (of the design's index
disposals), whatever the run reports by, once the cohort's follow-up and proof window has closed: so a
lot's payment carries the noise of its own cohort, which is what the level changes (``tender.results_sd``
says how much, for a cohort of the lot's size; a run at ``run.scale`` samples the cohort, so its spread is
that of a cohort ``run.scale`` times as large).
"""
from __future__ import annotations

LOT_SEPARATOR = "/"  # a lot's results are paid under the name design/lot


def lot_contract(design: str, lot: str) -> str:
    """The name a lot's results payments and measurements are recorded under."""
    return f"{design}{LOT_SEPARATOR}{lot}"


def results_payment(results_money: float, in_force: float, reference: float, observed: float,
                    expected_fall: float) -> float:
    """A lot's results payment for a cohort year: its year's results money (``in_force``: the share of the
    year the design held) times the fall from ``reference`` to ``observed`` over ``expected_fall``; nothing
    for a rise."""
    if results_money == 0:  # a design paying results has a fall that pays them (designs.DesignTerms.check)
        return 0.0
    return results_money * in_force * max(reference - observed, 0.0) / expected_fall
