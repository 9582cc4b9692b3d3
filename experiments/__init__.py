"""Files, not code: the experiment files ``jrsim batch`` and ``jrsim sensitivity`` run, shipped as
package data (``jrsim.data.experiments``; the code that runs them is ``model/experiments/``)."""
