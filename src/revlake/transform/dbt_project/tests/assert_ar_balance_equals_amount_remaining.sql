-- Reconciliation: the open balance of every invoice after its last balance event
-- (gold.fct_ar_balance_events) equals the invoice's Amount Remaining in the Stripe export,
-- and the aging of every month end adds up to its total (kpi_ar_monthly).
-- Returns the invoices (or months) that disagree.
with last_events as (
  select invoice_id, open_balance_after
  from {{ ref('fct_ar_balance_events') }}
  where is_last_event
),

exported as (
  select invoice_id, amount_remaining
  from {{ ref('stg_stripe__invoices') }}
  where amount_remaining is not null
)

select
  l.invoice_id,
  cast(l.open_balance_after as {{ dbt.type_string() }}) as gold_value,
  cast(e.amount_remaining as {{ dbt.type_string() }}) as export_value
from last_events as l
inner join exported as e on e.invoice_id = l.invoice_id
where l.open_balance_after <> e.amount_remaining

union all

select
  cast(month_end_date as {{ dbt.type_string() }}) as invoice_id,
  cast(ar_total_rc as {{ dbt.type_string() }}) as gold_value,
  cast(ar_current_rc + ar_1_30_rc + ar_31_60_rc + ar_61_90_rc + ar_91_120_rc + ar_120_plus_rc
       as {{ dbt.type_string() }}) as export_value
from {{ ref('kpi_ar_monthly') }}
where ar_total_rc
  <> ar_current_rc + ar_1_30_rc + ar_31_60_rc + ar_61_90_rc + ar_91_120_rc + ar_120_plus_rc
