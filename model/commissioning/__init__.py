"""Commissioning: commissioners and providers (mesa Agents), contracts and their payments, and the
event calendar on which they happen (simpy), stepped with the weekly engine.

``payments`` holds the payment mechanisms as pure functions, ``contracts`` the contract terms a
scenario declares and their checks, ``commissioners`` the module that lets contracts, keeps the
calendar and records payments. It sits above the flows and services (a pool buys service places) and
below the engine, which adds it to the step order; payments are priced as transfers by
``jrsim.economics``.
"""
