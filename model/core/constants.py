"""Fixed numbers of the model that are not scenario parameters, each defined once with why.

Anything a policy analyst might want to vary is a parameter in the scenario files instead; these are
definitions (a year is 52 weeks), limits of the model's scope (adults, 90 at most at entry),
numerical guards and engine settings that change speed, never results.
"""
from __future__ import annotations

# ---------------------------------------------------------------- time
WEEKS_PER_YEAR = 52  # the model steps in weeks; a model year is 52 of them (results are dated weekly)
QUARTERS_PER_YEAR = 4  # quarterly cohorts (Transforming Rehabilitation paid on them)
WEEKS_PER_QUARTER = WEEKS_PER_YEAR // QUARTERS_PER_YEAR  # a model quarter: 13 weeks
DAYS_PER_WEEK = 7
MONTHS_PER_YEAR = 12
OGRS_HORIZON_WEEKS = 2 * WEEKS_PER_YEAR  # OGRS predicts proven reoffending within two years

# ---------------------------------------------------------------- people
ADULT_AGE = 18.0  # the population is adults: ages are drawn as 18 plus a lognormal excess
MIN_MEDIAN_EXCESS_AGE = 0.5  # the lognormal of years above 18 needs a positive median
MAX_AGE_AT_ENTRY = 90.0  # no one enters older than this (the lognormal's far tail is cut)
MAX_LIFETIME_YEARS = 120  # a drawn death this far away is beyond any run (keeps int32 weeks finite)
REFERENCE_AGE = 30.0  # the age at which age terms of the risk score and career-end hazard are zero
AGE_PER_DECADE = 10.0  # the risk score's age coefficient is per decade of age
GOMPERTZ_REFERENCE_AGE = 40.0  # the age at which the mortality rate parameter applies
MAX_PREVIOUS_AT_START = 200  # a drawn starting record is capped (int16 column; the tail is immaterial)
MAX_OFFENCES_ADDED_PER_CASE = 50  # a caution or conviction adds at most this many offences to a record (int16)
MAX_RISK = 0.999  # a two-year probability of 1 would give an infinite hazard
MAX_RECENCY_WEEKS = 40 * WEEKS_PER_YEAR  # the recency table's length: after 40 years the hazard is at its floor

# ---------------------------------------------------------------- sentences and orders
# Sentence length limits of each custody band, in weeks (under 12 months; 12 months to under 4
# years; 4 years and over, to 30 years: longer terms are too few to matter for the flows).
BAND_LIMITS_WEEKS = ((1.0, 51.0), (52.0, 207.0), (208.0, 30.0 * WEEKS_PER_YEAR))
ORDER_LENGTH_LIMITS_WEEKS = (4.0, 156.0)  # community and suspended orders: a month to three years
INITIAL_ORDER_RESIDUAL_WEEKS = WEEKS_PER_YEAR  # orders in force at the start end within a year (uniform)

# ---------------------------------------------------------------- services
RISK_BAND_CUTS = (0.5, 0.75)  # OGRS bands: low under 50%, medium 50-74%, high 75% and over
EFFECT_FLOOR = 0.002  # a service effect smaller than this is dropped (it no longer changes anything visible)
MOTIVATION_SPREAD = 2.0  # drop-out is the average rate times 2 x (1 - motivation): motivation U(0,1) has mean 1/2
MAX_SERVICES = 32  # services in one scenario: the width of the service_member bit column

# ---------------------------------------------------------------- numerical guards
PROB_EPSILON = 1e-12  # keeps probabilities off 0 and 1 before a logit or a normal quantile
SHARE_EPSILON = 1e-6  # keeps shares off 0 and 1 before a logit; tolerance of shares summing to 1
SHARE_SUM_TOLERANCE = 1e-3  # published area shares, rounded in their tables, must sum to 1 within this
TINY = 1e-9  # a denominator or a half-life that must not be zero
POISSON_MAX = 60  # the inverse-CDF Poisson stops here (means in the model are below 5)
NORMAL_APPROX_MEAN = 50  # above this mean, weekly entrant counts are drawn from the normal approximation

# ---------------------------------------------------------------- what a run may ask for
FIRST_YEAR, LAST_YEAR = 1990, 2100  # output years the model's figures can speak for (dates end in 2262)
MAX_HORIZON_YEARS = 60  # output years in one run
MAX_WARMUP_YEARS = 30
MAX_SEED = 2**63 - 1  # the seed is stored in the NetCDF as a signed 64-bit integer
MIN_SCALE = 1e-4  # a smaller share of England and Wales is a few hundred people
MAX_SCALE = 100.0  # far beyond any machine: the memory check refuses what does not fit first
MIN_PEOPLE = 500  # a run smaller than this has too few people for any measure to mean anything

# ---------------------------------------------------------------- plausible ranges of some parameters
MIN_SPREAD = 0.01  # a lognormal's sigma or a gamma's shape: zero divides by zero
MIN_MEDIAN_WEEKS = 1.0  # a sentence's or an order's median length: at least one weekly step
MIN_SERVICE_WEEKS = 1.0  # a service lasts at least one weekly step (shorter would complete unpaid)
MAX_AGE_SLOPE = 1.0  # per year of age: e to the 10 over a decade is beyond any published hazard

# ---------------------------------------------------------------- engine settings (speed, not results)
CAREER_CHECK_WEEKS = 4  # careers are checked for their end every four weeks (hazard per four weeks)
REVIEW_WEEKS = 4  # community caseloads are reviewed for referral, and effects faded, every four weeks
BALANCE_CHECK_WEEKS = 13  # a full head count is checked against the flows every quarter (every week in tests)
CAPACITY_HEADROOM = 1.3  # population arrays are allocated this much above the starting size
MIN_CAPACITY = 1024  # and at least this many rows

# Units of size and of display, shared by every module that converts (one definition each).
KIB = 1024  # bytes in a kibibyte (/proc/meminfo and ru_maxrss on Linux count in kibibytes)
GIB = KIB**3  # bytes in a gibibyte
MILLION = 1e6  # money and rates shown in millions
