"""Files, not code: calibration targets, evaluations, accepted sets and the regression summary, shipped
as package data (``jrsim.data.calibration``; the code that reads them is ``model/calibration/``)."""
