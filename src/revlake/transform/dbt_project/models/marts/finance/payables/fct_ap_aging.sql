-- Grain: one row per month (month_end_date) and vendor bill (bill_number) with a non-zero
-- open balance at the month's snapshot date. snapshot_date = the month's last day, or the
-- data's as-of date (last bill, credit or payment date) for the month that contains it.
-- days_past_due = snapshot_date − due_date; aging_bucket: current (not yet due),
-- 1-30, 31-60, 61-90, 91-120, 120+ days past due (the same buckets as receivables).
with events as (
  select * from {{ ref('fct_ap_balance_events') }}
),

bills as (
  select bill_number, vendor_name, currency, bill_date, due_date
  from {{ ref('int_vendor_bills') }}
  where document_type = 'bill' and is_valid
),

bounds as (
  select min(event_date) as first_date, max(event_date) as as_of_date from events
),

months as (
  select
    d.date_day as month_end_date,
    case when d.date_day < bounds.as_of_date then d.date_day else bounds.as_of_date end
      as snapshot_date
  from {{ ref('dim_date') }} as d
  cross join bounds
  where d.is_month_end
    and d.date_day >= bounds.first_date
    and d.month_start_date <= bounds.as_of_date
),

balances as (
  select
    m.month_end_date,
    m.snapshot_date,
    e.bill_number,
    cast(sum(e.amount) as decimal(18, 2)) as open_balance
  from months as m
  inner join events as e on e.event_date <= m.snapshot_date
  group by m.month_end_date, m.snapshot_date, e.bill_number
),

aged as (
  select
    bal.month_end_date,
    bal.snapshot_date,
    bal.bill_number,
    b.vendor_name,
    b.currency,
    b.bill_date,
    b.due_date,
    bal.open_balance,
    {{ dbt.datediff('b.due_date', 'bal.snapshot_date', 'day') }} as days_past_due
  from balances as bal
  inner join bills as b on b.bill_number = bal.bill_number
  where bal.open_balance <> 0
)

select
  month_end_date,
  snapshot_date,
  bill_number,
  vendor_name,
  currency,
  bill_date,
  due_date,
  open_balance,
  days_past_due,
  case
    when days_past_due <= 0 then 'current'
    when days_past_due <= 30 then '1-30'
    when days_past_due <= 60 then '31-60'
    when days_past_due <= 90 then '61-90'
    when days_past_due <= 120 then '91-120'
    else '120+'
  end as aging_bucket
from aged
