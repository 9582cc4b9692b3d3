"""Commissioning: commissioners and providers (mesa Agents), contracts and their payments, and the
event calendar on which they happen (simpy), stepped with the weekly engine.

``payments`` holds the payment mechanisms as pure functions; ``kinds`` the contract kinds, one class
each in a module of its own, registered once; ``contracts`` the contract terms a scenario declares and
their checks; ``calendar`` the simpy calendar and its log; ``measurement`` what contracts measure in a
run (cohorts through the CohortMeasure seam, the cost of demand, services' activity); ``records`` and
``variables`` what is recorded and how it becomes the run's Dataset; ``commissioners`` the agents and
the module that composes them. It sits above the flows and services (a pool buys service places) and
below the engine, which adds it to the step order; payments are priced as transfers by
``jrsim.economics``.
"""
