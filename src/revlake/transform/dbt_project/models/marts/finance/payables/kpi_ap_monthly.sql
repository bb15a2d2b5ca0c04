-- Grain: one row per month (month_start_date) from the first bill month to the as-of month.
--   open_ap: Σ open bill balances at the month's snapshot date (fct_ap_aging), split into
--     the aging buckets (current … 120+ days past due); open_bills: bills with a balance
--   billed_amount: bill totals dated in the month; credited_amount: vendor credit notes
--     allocated in the month; paid_amount: bill payments in the month
--   dpo_days = open_ap ÷ billed_amount × days in the month (days payable outstanding,
--     countback-free single-month version); null when nothing was billed
-- Amounts in the bills' currency (the demo company is billed in USD only).
with aging as (
  select * from {{ ref('fct_ap_aging') }}
),

events as (
  select * from {{ ref('fct_ap_balance_events') }}
),

bounds as (
  select min(event_date) as first_date, max(event_date) as as_of_date from events
),

months as (
  select
    d.month_start_date,
    d.date_day as month_end_date,
    d.day_of_month as days_in_month
  from {{ ref('dim_date') }} as d
  cross join bounds
  where d.is_month_end
    and d.date_day >= bounds.first_date
    and d.month_start_date <= bounds.as_of_date
),

open_ap as (
  select
    month_end_date,
    sum(open_balance) as open_ap,
    count(*) as open_bills,
    sum(case when aging_bucket = 'current' then open_balance else 0 end) as current_amount,
    sum(case when aging_bucket = '1-30' then open_balance else 0 end) as past_due_1_30,
    sum(case when aging_bucket = '31-60' then open_balance else 0 end) as past_due_31_60,
    sum(case when aging_bucket = '61-90' then open_balance else 0 end) as past_due_61_90,
    sum(case when aging_bucket = '91-120' then open_balance else 0 end) as past_due_91_120,
    sum(case when aging_bucket = '120+' then open_balance else 0 end) as past_due_120_plus
  from aging
  group by month_end_date
),

flows as (
  select
    {{ revlake.month_start('event_date') }} as month_start_date,
    sum(case when event = 'issued' then amount else 0 end) as billed_amount,
    sum(case when event = 'credit_note' then -amount else 0 end) as credited_amount,
    sum(case when event = 'payment' then -amount else 0 end) as paid_amount
  from events
  group by {{ revlake.month_start('event_date') }}
),

joined as (
  select
    m.month_start_date,
    m.month_end_date,
    m.days_in_month,
    cast(coalesce(o.open_ap, 0) as decimal(18, 2)) as open_ap,
    coalesce(o.open_bills, 0) as open_bills,
    cast(coalesce(o.current_amount, 0) as decimal(18, 2)) as current_amount,
    cast(coalesce(o.past_due_1_30, 0) as decimal(18, 2)) as past_due_1_30,
    cast(coalesce(o.past_due_31_60, 0) as decimal(18, 2)) as past_due_31_60,
    cast(coalesce(o.past_due_61_90, 0) as decimal(18, 2)) as past_due_61_90,
    cast(coalesce(o.past_due_91_120, 0) as decimal(18, 2)) as past_due_91_120,
    cast(coalesce(o.past_due_120_plus, 0) as decimal(18, 2)) as past_due_120_plus,
    cast(coalesce(f.billed_amount, 0) as decimal(18, 2)) as billed_amount,
    cast(coalesce(f.credited_amount, 0) as decimal(18, 2)) as credited_amount,
    cast(coalesce(f.paid_amount, 0) as decimal(18, 2)) as paid_amount
  from months as m
  left join open_ap as o on o.month_end_date = m.month_end_date
  left join flows as f on f.month_start_date = m.month_start_date
)

select
  month_start_date,
  month_end_date,
  open_ap,
  open_bills,
  current_amount,
  past_due_1_30,
  past_due_31_60,
  past_due_61_90,
  past_due_91_120,
  past_due_120_plus,
  billed_amount,
  credited_amount,
  paid_amount,
  case
    when billed_amount > 0
      then cast(round(cast(open_ap as double) / cast(billed_amount as double) * days_in_month, 1)
                as decimal(10, 1))
  end as dpo_days
from joined
