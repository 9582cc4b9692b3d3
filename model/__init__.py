"""jrsim: a justice-reinvestment cost-benefit simulator.

Layers, lowest first (each imports only those below it; tests/test_architecture.py checks):
core -> parameters -> flows | services -> commissioning -> engine -> outputs -> economics ->
calibration | experiments -> reporting -> cli.
"""
__version__ = "0.1.0"
