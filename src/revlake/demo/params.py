"""The synthetic company's fixed parameters and latent-model coefficients.

Every number the story depends on lives here, so docs/GENERATOR.md can quote them and a
reader can change the company in one place. Money is in minor units (cents) unless a name
says otherwise; percentages are whole numbers.
"""

from __future__ import annotations

# --- segments ---------------------------------------------------------------------------
SEGMENTS: tuple[str, ...] = ("SMB", "Mid-Market", "Enterprise")
SMB, MID, ENT = 0, 1, 2

# --- lead channels (index = channel id) -------------------------------------------------
# The first four are the paid ad platforms (one report file each); the rest are unpaid.
CHANNELS: tuple[str, ...] = (
    "Google Ads",
    "Meta Ads",
    "LinkedIn Ads",
    "Microsoft Ads",
    "Web",
    "Partner Referral",
    "Event",
)
N_PAID = 4
EXISTING_CUSTOMER = "Existing Customer"  # LeadSource of reactivation opportunities
# Share of all leads each channel brings (sums to 1).
CHANNEL_LEAD_SHARE: tuple[float, ...] = (0.25, 0.12, 0.13, 0.07, 0.25, 0.10, 0.08)
# Cost per lead in USD for the paid platforms (spend / CPL = expected leads).
CPL_USD: tuple[float, ...] = (62.0, 38.0, 145.0, 55.0)
# Cost per click in USD and click-through rate, for impressions and clicks.
CPC_USD: tuple[float, ...] = (3.10, 1.05, 6.80, 2.40)
CTR: tuple[float, ...] = (0.045, 0.011, 0.006, 0.038)
# Segment mix of a channel's leads: P(SMB), P(Mid-Market), P(Enterprise).
SEGMENT_MIX: tuple[tuple[float, float, float], ...] = (
    (0.60, 0.30, 0.10),
    (0.80, 0.17, 0.03),
    (0.30, 0.40, 0.30),
    (0.60, 0.30, 0.10),
    (0.65, 0.27, 0.08),
    (0.35, 0.40, 0.25),
    (0.30, 0.40, 0.30),
)
# Probability that a lead converts to an account + opportunity, and the mean lag in days.
LEAD_CONVERT_P: tuple[float, ...] = (0.32, 0.22, 0.30, 0.28, 0.30, 0.45, 0.36)
LEAD_CONVERT_LAG_MEAN_DAYS = 9.0
# Weekend days bring this share of a weekday's leads; leads grow by this rate per year.
WEEKEND_FACTOR = 0.45
ANNUAL_GROWTH = 0.45  # exp(0.45 * years): about 1.57x per year
DAILY_SPEND_NOISE_SIGMA = 0.20  # lognormal noise of a campaign's daily spend
# Expected leads per paying customer: sets the lead volume (and ad spend) for N customers.
LEADS_PER_CUSTOMER = 7.6

# --- geography, currency and tax ---------------------------------------------------------
# (country, weight, currency, region, VAT/GST rate %, is EU)
COUNTRIES: tuple[tuple[str, float, str, str, int, bool], ...] = (
    ("US", 40.0, "USD", "NA", 0, False),
    ("CA", 5.0, "CAD", "NA", 0, False),
    ("BR", 2.0, "USD", "NA", 0, False),
    ("GB", 10.0, "GBP", "EMEA", 20, False),
    ("DE", 8.0, "EUR", "EMEA", 19, True),
    ("FR", 6.0, "EUR", "EMEA", 20, True),
    ("NL", 4.0, "EUR", "EMEA", 21, True),
    ("ES", 3.0, "EUR", "EMEA", 21, True),
    ("IT", 3.0, "EUR", "EMEA", 22, True),
    ("IE", 2.0, "EUR", "EMEA", 23, True),
    ("SE", 2.0, "EUR", "EMEA", 25, True),
    ("AU", 7.0, "AUD", "APAC", 10, False),
    ("SG", 4.0, "USD", "APAC", 0, False),
    ("IN", 4.0, "USD", "APAC", 0, False),
)
REGIONS: tuple[str, ...] = ("NA", "EMEA", "APAC")
STATES: dict[str, tuple[str, ...]] = {
    "US": ("CA", "NY", "TX", "WA", "MA", "IL", "FL", "CO", "GA", "NC"),
    "CA": ("ON", "BC", "QC", "AB"),
    "AU": ("NSW", "VIC", "QLD", "WA"),
}
# Share of EU customers that give a VAT id (B2B): their invoices are reverse-charged.
EU_VAT_ID_SHARE = 0.75
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "CAD", "AUD")
# FX: (level in USD per unit, daily log volatility) — a mean-reverting random walk.
FX_LEVELS: dict[str, tuple[float, float]] = {
    "USD": (1.0, 0.0),
    "EUR": (1.10, 0.0045),
    "GBP": (1.27, 0.0050),
    "CAD": (0.75, 0.0040),
    "AUD": (0.68, 0.0055),
}
FX_MEAN_REVERSION = 0.01
# Price-list factor of each currency against USD (local list price = USD price * factor).
PRICE_FACTOR: dict[str, float] = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "CAD": 1.36, "AUD": 1.52}

# --- plans -------------------------------------------------------------------------------
TIERS: tuple[str, ...] = ("Starter", "Growth", "Business", "Enterprise")
# List price per seat per month in USD (whole dollars); annual = 10 x monthly per year.
TIER_MONTHLY_USD: tuple[int, ...] = (25, 49, 89, 149)
ANNUAL_MONTHS_CHARGED = 10
TIER_MIX: tuple[tuple[float, float, float, float], ...] = (
    (0.55, 0.35, 0.10, 0.00),
    (0.15, 0.45, 0.35, 0.05),
    (0.00, 0.10, 0.45, 0.45),
)
# Seats: minimum + geometric extra with this mean.
SEATS_MIN: tuple[int, ...] = (2, 12, 50)
SEATS_EXTRA_MEAN: tuple[float, ...] = (6.0, 25.0, 140.0)
ANNUAL_P: tuple[float, ...] = (0.25, 0.50, 0.80)
CARD_P: tuple[float, ...] = (0.95, 0.65, 0.20)
BANK_TERMS_DAYS = 30
TRIAL_P: tuple[float, ...] = (0.50, 0.30, 0.05)
TRIAL_30_DAYS_P = 0.30  # otherwise 14 days
# Coupons: (id, name, percent off, duration, months). Only percent-off coupons.
COUPONS: tuple[tuple[str, str, int, str, int], ...] = (
    ("WELCOME10", "Welcome 10% forever", 10, "forever", 0),
    ("LAUNCH20", "Launch 20% for 3 months", 20, "repeating", 3),
    ("ANNUAL15", "Annual commitment 15% forever", 15, "forever", 0),
    ("PARTNER25", "Partner 25% for 12 months", 25, "repeating", 12),
    ("STARTUP50", "Startup 50% for 6 months", 50, "repeating", 6),
)
COUPON_P = 0.22
PARTNER_COUPON_P = 0.45  # referral deals get PARTNER25 this often

# --- sales team --------------------------------------------------------------------------
CUSTOMERS_PER_REP = 3000  # reps per (team, region) = max(2, round(N / this))
REP_SKILL_SIGMA = 1.0

# --- win model (logit of the probability that an opportunity is won) --------------------
WIN_INTERCEPT = -0.90
WIN_LOG_AMOUNT = -0.45  # per unit of ln(ACV in USD) - ln(WIN_AMOUNT_REF_USD)
WIN_AMOUNT_REF_USD = 15000.0
WIN_SEGMENT: tuple[float, ...] = (0.30, 0.0, -0.30)
WIN_SKILL = 0.75  # per standard deviation of rep skill
WIN_CHANNEL: tuple[float, ...] = (0.0, -0.55, 0.10, -0.10, 0.20, 0.90, 0.40)
WIN_EXISTING = 0.80  # reactivation deals (LeadSource "Existing Customer")
WIN_TIER: tuple[float, ...] = (0.20, 0.0, -0.10, -0.20)
WIN_FIT_SIGMA = 0.90  # deal-level latent "fit", part of the true probability

# --- stage durations ---------------------------------------------------------------------
STAGES: tuple[str, ...] = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
)
STAGE_PROBABILITY: tuple[int, ...] = (10, 20, 40, 60, 80)
STAGE_FORECAST: tuple[str, ...] = ("Pipeline", "Pipeline", "Pipeline", "Best Case", "Commit")
STAGE_MEAN_DAYS: tuple[float, ...] = (6.0, 9.0, 12.0, 10.0, 8.0)  # Mid-Market winners
SEGMENT_CYCLE_FACTOR: tuple[float, ...] = (0.55, 1.0, 1.9)
LOSS_STAGE_FACTOR = 1.8  # every stage of an eventual loss lasts this much longer
LOSS_STALL_FACTOR = 2.5  # and the stage it dies in this much again
LOSS_LAST_STAGE_P: tuple[float, ...] = (0.25, 0.25, 0.20, 0.15, 0.15)
EXISTING_CYCLE_FACTOR = 0.5

# --- churn hazard (logit of the monthly probability of a cancellation request) -----------
CHURN_INTERCEPT = -4.1
CHURN_SEGMENT: tuple[float, ...] = (0.45, 0.0, -0.60)
CHURN_LOG_TENURE = -0.30  # per unit of ln(1 + months since the customer first paid)
CHURN_EARLY = 0.55  # first three months
CHURN_DISCOUNT_ACTIVE = 0.25
CHURN_DISCOUNT_ENDED = 0.55  # a repeating coupon ended within the last 3 months
CHURN_FAILURES = 0.70  # per failed payment in the last 90 days (at most 3)
CHURN_TIER: tuple[float, ...] = (0.40, 0.10, 0.0, -0.30)
CHURN_ANNUAL = -0.50
CHURN_RECENT_CONTRACTION = 0.45
CHURN_HEALTH = -0.60  # per standard deviation of the customer's latent health
IMMEDIATE_CANCEL_P = 0.10  # of voluntary cancellations; the rest end at period end

# --- expansion / contraction (monthly logits) --------------------------------------------
EXPANSION_INTERCEPT = -3.3
EXPANSION_HEALTH = 0.50
EXPANSION_SEGMENT: tuple[float, ...] = (-0.2, 0.0, 0.3)
CONTRACTION_INTERCEPT = -4.2
CONTRACTION_HEALTH = -0.40
UPGRADE_SHARE = 0.30  # of expansions that change tier (otherwise seats up)

# --- product usage (monthly, from the product-analytics export) --------------------------
# Share of seats active in a month: σ(USAGE_INTERCEPT + USAGE_HEALTH × health + N(0, noise));
# sessions per active user: USAGE_SESSIONS × exp(USAGE_SESSIONS_HEALTH × health + N(0, 0.3)).
USAGE_INTERCEPT = 0.60
USAGE_HEALTH = 0.80
USAGE_NOISE = 0.70
USAGE_SESSIONS = 12.0
USAGE_SESSIONS_HEALTH = 0.20
USAGE_SESSIONS_NOISE = 0.30
DOWNGRADE_SHARE = 0.30  # of contractions that change tier (otherwise seats down)

# --- reactivation ------------------------------------------------------------------------
REACTIVATION_FIRST_CHECK_DAYS = 60
REACTIVATION_MONTHLY_P = 0.03
REACTIVATION_WINDOW_MONTHS = 24

# --- payments ----------------------------------------------------------------------------
CARD_FAIL_BASE = 0.05  # per attempt, times exp(customer payment risk)
CARD_RISK_SIGMA = 0.8
CARD_FAIL_CAP = 0.6
CARD_RETRY_DAYS: tuple[int, ...] = (3, 5, 7)  # after attempts 1, 2, 3; 4 failures = uncollectible
BANK_NEVER_PAY_P = 0.02
BANK_NEVER_PAY_DAYS = 90  # then uncollectible
BANK_PARTIAL_P = 0.04
BANK_OVERPAY_P = 0.015
BANK_LATE_P = 0.30
BANK_VERY_LATE_P = 0.07
FAILURE_CODES: tuple[tuple[str, str], ...] = (
    ("card_declined", "Your card was declined."),
    ("insufficient_funds", "Your card has insufficient funds."),
    ("expired_card", "Your card has expired."),
)
PRE_PAYMENT_CREDIT_P = 0.02  # of bank-transfer invoices, before payment
POST_PAYMENT_CREDIT_P = 0.012  # of paid invoices, refunded
POST_PAYMENT_FULL_P = 0.30
VOID_REPLACE_P = 0.01  # of bank-transfer renewal invoices: voided and re-issued next day
