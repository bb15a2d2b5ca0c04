"""The gold tables a published build has, named in one place.

Readers name tables through these constants so that a renamed dbt model or ml table is
one edit, and `Build.require` can name what is missing and which command makes it.
"""

from __future__ import annotations

GOLD = "gold"
"""The schema every published (gold) table lives in."""

# receivables (dbt)
AR_BALANCE_EVENTS = "fct_ar_balance_events"
AR_INVOICES = "fct_ar_invoices"
AR_PAYMENT_ATTEMPTS = "fct_ar_payment_attempts"
AR_MONTHLY = "kpi_ar_monthly"
AR_TABLES: tuple[str, ...] = (AR_BALANCE_EVENTS, AR_INVOICES, AR_PAYMENT_ATTEMPTS, AR_MONTHLY)

# payables and bank (dbt)
AP_BALANCE_EVENTS = "fct_ap_balance_events"
BANK_TRANSACTIONS = "fct_bank_transactions"
CASH_PAYMENTS = "fct_cash_payments"
BANK_TABLES: tuple[str, ...] = (BANK_TRANSACTIONS, CASH_PAYMENTS)

# sales tax (dbt)
TAX_REPORT = "rpt_tax_by_period_jurisdiction"
TAX_LINES = "fct_tax_lines"

# revenue recognition (dbt)
REVENUE_SCHEDULE = "fct_revenue_schedule"
DEFERRED_REVENUE_MONTHLY = "fct_deferred_revenue_monthly"

# written by `revlake score` / `revlake churn score` (ml)
DEAL_SCORES = "ml_deal_scores"
DEAL_EXPLANATIONS = "ml_deal_explanations"
FORECAST = "ml_forecast"
DEAL_CLOSE_TIMING = "ml_deal_close_timing"
CUSTOMER_CHURN = "ml_customer_churn"
CUSTOMER_LTV = "ml_customer_ltv"
SEGMENT_LTV = "ml_segment_ltv"
CHANNEL_LTV = "ml_channel_ltv"
