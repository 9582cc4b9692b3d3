"""Economics: unit costs, the agency ledger (cashable or not) and the appraisal (NPV, ROI, payback,
the who-invests-who-saves matrix). Pure functions of Datasets: only the ledger moves money."""
