-- Grain: one row per day and currency (revenue_date, currency) with any billing activity.
-- billed: totals of countable (not void, not draft) invoices dated that day, tax included;
-- collected: succeeded and captured charges; refunded: succeeded refunds; credited:
-- credit notes not void. Each amount also in var reporting_currency at the day's rate
-- (the latest known rate on or before the day), rounded half away from zero.
{% set rc = var('reporting_currency') | upper %}
with billed as (
  select invoice_date as revenue_date, currency, sum(total) as billed, count(*) as invoices
  from {{ ref('int_invoices') }}
  where is_countable and invoice_date is not null and total is not null
  group by invoice_date, currency
),

collected as (
  select charge_date as revenue_date, currency, sum(amount) as collected, count(*) as charges
  from {{ ref('int_payments') }}
  where is_collected and charge_date is not null and amount is not null
  group by charge_date, currency
),

refunded as (
  select refund_date as revenue_date, currency, sum(amount) as refunded
  from {{ ref('int_refunds') }}
  where coalesce(status, 'succeeded') = 'succeeded' and refund_date is not null
  group by refund_date, currency
),

credited as (
  select credit_note_date as revenue_date, currency, sum(amount) as credited
  from {{ ref('int_credit_notes') }}
  where coalesce(status, 'issued') <> 'void' and credit_note_date is not null
  group by credit_note_date, currency
),

keys as (
  select revenue_date, currency from billed
  union
  select revenue_date, currency from collected
  union
  select revenue_date, currency from refunded
  union
  select revenue_date, currency from credited
),

daily as (
  select
    k.revenue_date,
    k.currency,
    cast(coalesce(b.billed, 0) as decimal(18, 2)) as billed,
    cast(coalesce(c.collected, 0) as decimal(18, 2)) as collected,
    cast(coalesce(r.refunded, 0) as decimal(18, 2)) as refunded,
    cast(coalesce(cn.credited, 0) as decimal(18, 2)) as credited,
    coalesce(b.invoices, 0) as invoice_count,
    coalesce(c.charges, 0) as charge_count,
    {{ revlake.fx_rate_columns('k.currency') }}
  from keys as k
  left join billed as b on b.revenue_date = k.revenue_date and b.currency = k.currency
  left join collected as c on c.revenue_date = k.revenue_date and c.currency = k.currency
  left join refunded as r on r.revenue_date = k.revenue_date and r.currency = k.currency
  left join credited as cn on cn.revenue_date = k.revenue_date and cn.currency = k.currency
  {{ revlake.fx_rate_joins('k.currency', 'k.revenue_date') }}
)

select
  revenue_date,
  currency,
  billed,
  collected,
  refunded,
  credited,
  invoice_count,
  charge_count,
  '{{ rc }}' as reporting_currency,
  {{ revlake.convert_money('billed', 'fx_from', 'fx_to') }} as billed_rc,
  {{ revlake.convert_money('collected', 'fx_from', 'fx_to') }} as collected_rc,
  {{ revlake.convert_money('refunded', 'fx_from', 'fx_to') }} as refunded_rc,
  {{ revlake.convert_money('credited', 'fx_from', 'fx_to') }} as credited_rc
from daily
