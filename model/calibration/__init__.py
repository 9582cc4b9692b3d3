"""Calibration: the published targets and how far a run is from them, the effect replay against the
evaluations, approximate Bayesian computation (``jrsim calibrate``) and the regression summary. The
files they read are in the top-level ``calibration/`` folder (``jrsim.data.shipped("calibration")``)."""
