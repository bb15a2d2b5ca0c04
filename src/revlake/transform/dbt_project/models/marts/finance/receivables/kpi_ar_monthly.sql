-- Grain: one row per month end and currency (month_end_date, currency): receivables of the
-- invoices in that currency, plus one row per month end with currency 'ALL' that adds every
-- currency up in var reporting_currency (its invoice-currency columns are null). Month ends
-- run from the first invoice to the as-of date (the last day with a balance event).
--   ar_total, ar_<bucket>      open balances at the month end by aging bucket (current =
--                              not yet due, 1-30 … 120+ days past due); uncollectible
--                              invoices stay in until written off (also in ar_uncollectible)
--   overdue_invoices/_amount   open invoices past their due date
--   billed                     revenue billed in the month: totals of the countable (not
--                              void) invoices dated in it, tax included (fct_revenue_daily)
--   dso_days                   DSO = receivables ÷ revenue × days in period: ar_total ÷
--                              billed × days in the month; null when nothing was billed
-- *_rc: in var reporting_currency; balances at the month-end rate (fct_ar_open_invoices_
-- monthly), billed at each day's rate (fct_revenue_daily), DSO from those two.
{% set rc = var('reporting_currency') | upper %}
{% set buckets = [('current', 'current'), ('1-30', '1_30'), ('31-60', '31_60'),
                  ('61-90', '61_90'), ('91-120', '91_120'), ('120+', '120_plus')] %}
with open_monthly as (
  select * from {{ ref('fct_ar_open_invoices_monthly') }}
),

as_of as (
  select max(event_date) as as_of_date from {{ ref('fct_ar_balance_events') }}
),

currencies as (
  select currency, min(invoice_date) as first_date
  from {{ ref('fct_ar_invoices') }}
  where currency is not null
  group by currency
),

keys as (
  select distinct d.month_end_date, c.currency
  from {{ ref('dim_date') }} as d
  cross join as_of
  inner join currencies as c on d.month_end_date >= c.first_date
  where d.month_end_date <= as_of.as_of_date
),

ar as (
  select
    month_end_date,
    currency,
    count(*) as open_invoices,
    sum(open_balance) as ar_total,
    sum(open_balance_rc) as ar_total_rc,
    {%- for label, suffix in buckets %}
    sum(case when aging_bucket = '{{ label }}' then open_balance else 0 end) as ar_{{ suffix }},
    sum(case when aging_bucket = '{{ label }}' then open_balance_rc else 0 end)
      as ar_{{ suffix }}_rc,
    {%- endfor %}
    sum(case when days_past_due > 0 then 1 else 0 end) as overdue_invoices,
    sum(case when days_past_due > 0 then open_balance else 0 end) as overdue_amount,
    sum(case when days_past_due > 0 then open_balance_rc else 0 end) as overdue_amount_rc,
    sum(case when is_uncollectible then open_balance else 0 end) as ar_uncollectible,
    sum(case when is_uncollectible then open_balance_rc else 0 end) as ar_uncollectible_rc
  from open_monthly
  group by month_end_date, currency
),

billed as (
  select
    {{ revlake.month_end('revenue_date') }} as month_end_date,
    currency,
    sum(billed) as billed,
    sum(billed_rc) as billed_rc
  from {{ ref('fct_revenue_daily') }}
  group by {{ revlake.month_end('revenue_date') }}, currency
),

per_currency as (
  select
    k.month_end_date,
    k.currency,
    cast(coalesce(a.open_invoices, 0) as integer) as open_invoices,
    cast(coalesce(a.overdue_invoices, 0) as integer) as overdue_invoices,
    cast(coalesce(a.ar_total, 0) as decimal(18, 2)) as ar_total,
    {%- for label, suffix in buckets %}
    cast(coalesce(a.ar_{{ suffix }}, 0) as decimal(18, 2)) as ar_{{ suffix }},
    {%- endfor %}
    cast(coalesce(a.overdue_amount, 0) as decimal(18, 2)) as overdue_amount,
    cast(coalesce(a.ar_uncollectible, 0) as decimal(18, 2)) as ar_uncollectible,
    cast(coalesce(b.billed, 0) as decimal(18, 2)) as billed,
    cast(coalesce(a.ar_total_rc, 0) as decimal(18, 2)) as ar_total_rc,
    {%- for label, suffix in buckets %}
    cast(coalesce(a.ar_{{ suffix }}_rc, 0) as decimal(18, 2)) as ar_{{ suffix }}_rc,
    {%- endfor %}
    cast(coalesce(a.overdue_amount_rc, 0) as decimal(18, 2)) as overdue_amount_rc,
    cast(coalesce(a.ar_uncollectible_rc, 0) as decimal(18, 2)) as ar_uncollectible_rc,
    cast(coalesce(b.billed_rc, 0) as decimal(18, 2)) as billed_rc
  from keys as k
  left join ar as a on a.month_end_date = k.month_end_date and a.currency = k.currency
  left join billed as b on b.month_end_date = k.month_end_date and b.currency = k.currency
),

all_currencies as (
  select
    month_end_date,
    'ALL' as currency,
    cast(sum(open_invoices) as integer) as open_invoices,
    cast(sum(overdue_invoices) as integer) as overdue_invoices,
    cast(null as decimal(18, 2)) as ar_total,
    {%- for label, suffix in buckets %}
    cast(null as decimal(18, 2)) as ar_{{ suffix }},
    {%- endfor %}
    cast(null as decimal(18, 2)) as overdue_amount,
    cast(null as decimal(18, 2)) as ar_uncollectible,
    cast(null as decimal(18, 2)) as billed,
    cast(sum(ar_total_rc) as decimal(18, 2)) as ar_total_rc,
    {%- for label, suffix in buckets %}
    cast(sum(ar_{{ suffix }}_rc) as decimal(18, 2)) as ar_{{ suffix }}_rc,
    {%- endfor %}
    cast(sum(overdue_amount_rc) as decimal(18, 2)) as overdue_amount_rc,
    cast(sum(ar_uncollectible_rc) as decimal(18, 2)) as ar_uncollectible_rc,
    cast(sum(billed_rc) as decimal(18, 2)) as billed_rc
  from per_currency
  group by month_end_date
),

unioned as (
  select * from per_currency
  union all
  select * from all_currencies
)

select
  u.month_end_date,
  {{ revlake.month_start('u.month_end_date') }} as month_start_date,
  u.currency,
  '{{ rc }}' as reporting_currency,
  cast(extract(day from u.month_end_date) as integer) as days_in_period,
  u.open_invoices,
  u.overdue_invoices,
  u.ar_total,
  {%- for label, suffix in buckets %}
  u.ar_{{ suffix }},
  {%- endfor %}
  u.overdue_amount,
  u.ar_uncollectible,
  u.billed,
  case when u.billed > 0 then {{ revlake.cents_to_money(revlake.rounded_quotient(
      revlake.wide_int('round(u.ar_total * 100, 0)') ~ ' * 100 * extract(day from u.month_end_date)',
      revlake.wide_int('round(u.billed * 100, 0)'))) }}
  end as dso_days,
  u.ar_total_rc,
  {%- for label, suffix in buckets %}
  u.ar_{{ suffix }}_rc,
  {%- endfor %}
  u.overdue_amount_rc,
  u.ar_uncollectible_rc,
  u.billed_rc,
  case when u.billed_rc > 0 then {{ revlake.cents_to_money(revlake.rounded_quotient(
      revlake.wide_int('round(u.ar_total_rc * 100, 0)') ~ ' * 100 * extract(day from u.month_end_date)',
      revlake.wide_int('round(u.billed_rc * 100, 0)'))) }}
  end as dso_days_rc
from unioned as u
