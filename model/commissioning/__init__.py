"""Commissioning: areas, commissioners and providers (mesa Agents), contracts and their payments, and
the event calendar on which they happen (simpy), stepped with the weekly engine.

Empty until its issue (areas, commissioners and incentive contracts): this is where it goes. It sits
above the flows and services (commissioners set capacities and referrals) and below the engine, which
adds it to the step order; payments are priced as transfers by ``jrsim.economics``.
"""
