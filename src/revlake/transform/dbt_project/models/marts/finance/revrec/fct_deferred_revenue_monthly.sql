-- Grain: one row per customer × calendar month × currency (customer_id, month_start_date,
-- currency), every month from the customer's first billing or recognition month to its
-- last: the deferred revenue roll-forward of billing-driven recognition.
--   billed     = Σ net of the invoice lines invoiced in the month (invoice date)
--   recognised = Σ fct_revenue_schedule.recognised_amount of the month (net of revenue
--                reversed by credits larger than the unrecognised balance)
--   contra     = Σ revenue part of credit notes issued in the month
--   closing    = opening + billed − recognised − contra; opening = previous closing
-- Exact in the invoice currency. The *_rc columns are each converted at the FX rate of
-- the month's last day (cross rate through USD), rounded half away from zero, so in the
-- reporting currency the identity holds only to rounding and FX movement.
-- A negative balance is revenue recognised before it was billed (billing in arrears).
{% set rc = var('reporting_currency') | upper %}
with schedule as (
  select * from {{ ref('fct_revenue_schedule') }}
),

billed as (
  select
    customer_id,
    currency,
    {{ revlake.month_start('invoice_date') }} as month_start_date,
    sum(line_net_amount) as billed
  from (
    select distinct invoice_line_id, customer_id, currency, invoice_date, line_net_amount
    from schedule
  ) as billed_lines
  group by customer_id, currency, {{ revlake.month_start('invoice_date') }}
),

moved as (
  select
    customer_id,
    currency,
    month_start_date,
    sum(recognised_amount) as recognised,
    sum(credited_amount) as contra
  from schedule
  group by customer_id, currency, month_start_date
),

activity as (
  select customer_id, currency, month_start_date from billed
  union
  select customer_id, currency, month_start_date from moved
),

ranges as (
  select
    customer_id,
    currency,
    min(month_start_date) as first_month,
    max(month_start_date) as last_month
  from activity
  group by customer_id, currency
),

customer_months as (
  -- every month from the customer's first to its last, within the calendar's bounds
  select customer_id, currency, month_start_date
  from (
    select
      customer_id,
      currency,
      {{ revlake.month_series('first_month', 'last_month') }} as month_start_date
    from ranges
  ) as spans
  where month_start_date >= cast('{{ var('date_spine_start', '2000-01-01') }}' as date)
    and month_start_date < cast('{{ var('date_spine_end', '2036-01-01') }}' as date)
),

dense as (
  select
    m.customer_id,
    m.currency,
    m.month_start_date,
    cast(coalesce(b.billed, 0) as decimal(18, 2)) as billed,
    cast(coalesce(mv.recognised, 0) as decimal(18, 2)) as recognised,
    cast(coalesce(mv.contra, 0) as decimal(18, 2)) as contra
  from customer_months as m
  left join billed as b
    on b.customer_id = m.customer_id and b.currency = m.currency
    and b.month_start_date = m.month_start_date
  left join moved as mv
    on mv.customer_id = m.customer_id and mv.currency = m.currency
    and mv.month_start_date = m.month_start_date
),

rolled as (
  select
    dense.*,
    {{ revlake.month_end('month_start_date') }} as month_end_date,
    cast(sum(billed - recognised - contra) over (
      partition by customer_id, currency order by month_start_date
      rows between unbounded preceding and current row
    ) as decimal(18, 2)) as closing
  from dense
),

with_rates as (
  select
    rolled.*,
    cast(closing - (billed - recognised - contra) as decimal(18, 2)) as opening,
    {{ revlake.fx_rate_columns('rolled.currency') }}
  from rolled
  {{ revlake.fx_rate_joins('rolled.currency', 'rolled.month_end_date') }}
)

select
  customer_id,
  month_start_date,
  month_end_date,
  currency,
  opening,
  billed,
  recognised,
  contra,
  closing,
  '{{ rc }}' as reporting_currency,
  {{ revlake.convert_money('opening', 'fx_from', 'fx_to') }} as opening_rc,
  {{ revlake.convert_money('billed', 'fx_from', 'fx_to') }} as billed_rc,
  {{ revlake.convert_money('recognised', 'fx_from', 'fx_to') }} as recognised_rc,
  {{ revlake.convert_money('contra', 'fx_from', 'fx_to') }} as contra_rc,
  {{ revlake.convert_money('closing', 'fx_from', 'fx_to') }} as closing_rc
from with_rates
