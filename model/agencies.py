"""The agencies that fund services and bear costs (the default set; the ledger's cost file uses the same names)."""

AGENCIES = (
    "prisons",              # HMPPS prisons
    "probation",            # probation trusts / NPS / CRCs
    "courts",               # HMCTS
    "cps",                  # Crown Prosecution Service
    "legal_aid",            # Legal Aid Agency
    "police",               # police forces and PCCs
    "nhs",                  # NHS, incl. health and mental health
    "local_authority",      # housing, social care, children's services, public-health drug and alcohol treatment
    "dwp",                  # benefits and employment programmes
    "victims_and_society",  # economic and social cost of crime: kept apart from public budgets
)
FUNDERS = AGENCIES[:-1]  # victims and society do not fund services
