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

BILLING_CUSTOMERS_CTE = """billing_customers as (
  -- one row per billing customer id (a customer of Stripe or of any source that feeds
  -- fct_mrr): its key, its own segment else its CRM account's, and the account's
  -- segment. Ids may repeat across sources while the MRR tables joined to these rows
  -- carry the id only, so billing systems come first, then the key.
  select d.customer_id, d.customer_key,
    coalesce(d.segment, a.segment) as segment, a.segment as account_segment
  from gold.dim_customer d
  left join gold.dim_customer a on a.customer_key = d.linked_account_key
  where d.source_system = 'stripe'
    or d.customer_id in (select billed.customer_id from gold.fct_mrr as billed)
  qualify row_number() over (
    partition by d.customer_id order by d.source_system = 'stripe' desc, d.customer_key
  ) = 1
)"""
"""A CTE (`with {BILLING_CUSTOMERS_CTE}, ...`) that the churn, LTV, cohort and customer
intelligence queries read segments and names of billing customers from."""
