"""jrsim: a justice-reinvestment cost-benefit simulator.

Layers, lowest first; each imports only the layers beneath it:
data -> core -> parameters -> flows | services -> commissioning -> engine -> outputs -> economics ->
experiments -> calibration -> reporting -> cli -> __main__.
flows and services are independent siblings (neither imports the other); calibration sits above
experiments (it runs its evaluations through the experiments' runner). Every module is in one layer,
and no imports go round in a cycle inside a layer. The contract is in pyproject.toml
([tool.importlinter]), checked by `lint-imports` in `make test`.
"""
__version__ = "0.1.0"
