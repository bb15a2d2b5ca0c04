-- Grain: one row per invoice per month end (invoice_id, month_end_date) at which the
-- invoice has an open balance (> 0), for every month end up to the as-of date (the last
-- day with a balance event: later month ends are not known yet), in the invoice currency.
--   open_balance      open_balance_after of the invoice's last event on or before the day
--   days_past_due     month end − due date (0 when not yet due)
--   aging_bucket      current (not yet due), 1-30, 31-60, 61-90, 91-120, 120+ days past due
--   is_uncollectible  marked uncollectible on or before the month end (still owed: it
--                     stays in receivables until written off)
-- fct_ar_open_invoices_monthly adds the reporting-currency amount.
-- Partitioned by customer (macros/partitioned.sql): an invoice's rows are computed from its
-- balance events and its invoice record and from the month ends reported (first event ..
-- as-of date, `ar_month_ends`: they change when the as-of date passes a month end, and
-- then every customer is recomputed); a day recomputes the customers whose invoices or
-- balance events changed (the partitions the two receivables facts recomputed).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('customer_id', revlake.ar_open_invoices_native_partition_inputs(), upstream=['fct_ar_balance_events', 'fct_ar_invoices']) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.ar_open_invoices_native_partition_inputs()) }}"
) }}
with invoices as (
  select * from {{ ref('fct_ar_invoices') }}
  where {{ revlake.in_changed_partitions('customer_id') }}
),

events as (
  select e.*
  from {{ ref('fct_ar_balance_events') }} as e
  where e.invoice_id in (select invoice_id from invoices)
),

day_ends as (
  -- the balance at the end of each day with events: that day's last event
  select
    invoice_id, event_date, open_balance_after,
    row_number() over (
      partition by invoice_id, event_date order by event_sequence desc
    ) as day_rank
  from events
),

intervals as (
  select
    invoice_id,
    event_date as valid_from,
    coalesce(
      lead(event_date) over (partition by invoice_id order by event_date asc),
      cast('9999-12-31' as date)
    ) as valid_to,
    open_balance_after as open_balance
  from day_ends
  where day_rank = 1
),

month_ends as (
  {{ revlake.ar_month_ends() }}
),

open_rows as (
  select iv.invoice_id, m.month_end_date, iv.open_balance
  from intervals as iv
  inner join month_ends as m
    on m.month_end_date >= iv.valid_from
    and m.month_end_date < iv.valid_to
  where iv.open_balance > 0
),

aged as (
  select
    o.invoice_id,
    o.month_end_date,
    i.invoice_number,
    i.customer_id,
    i.customer_key,
    i.currency,
    i.invoice_date,
    i.due_date,
    o.open_balance,
    case
      when i.due_date is null or o.month_end_date <= i.due_date then 0
      else cast({{ dbt.datediff('i.due_date', 'o.month_end_date', 'day') }} as integer)
    end as days_past_due,
    coalesce(i.uncollectible_date <= o.month_end_date, false) as is_uncollectible
  from open_rows as o
  inner join invoices as i on i.invoice_id = o.invoice_id
)

select
  invoice_id,
  month_end_date,
  {{ revlake.month_start('month_end_date') }} as month_start_date,
  invoice_number,
  customer_id,
  customer_key,
  currency,
  invoice_date,
  due_date,
  open_balance,
  days_past_due,
  case
    when days_past_due = 0 then 'current'
    when days_past_due <= 30 then '1-30'
    when days_past_due <= 60 then '31-60'
    when days_past_due <= 90 then '61-90'
    when days_past_due <= 120 then '91-120'
    else '120+'
  end as aging_bucket,
  is_uncollectible
from aged
