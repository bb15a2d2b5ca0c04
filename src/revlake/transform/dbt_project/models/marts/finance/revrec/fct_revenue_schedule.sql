-- Grain: one row per invoice line × calendar month (invoice_line_id, month_start_date)
-- from the line's first service month (or first credit month) to its last service month
-- (or last credit month): billing-driven revenue recognition, docs/FINANCE.md.
-- Lines of void and draft invoices are excluded; uncollectible invoices are still
-- revenue (collectability is judged when the contract is made, ASC 606-10-25-1(e)).
-- net = line amount − discount (tax is not revenue), in the invoice currency.
-- Recognised through the end of month m, before credits (cumulative rounding):
--   scheduled_to_date = round(net × days of [start, end) before the 1st of m+1 ÷ days, 2)
-- A line without a period, or with a zero-length or reversed one, is recognised at a
-- point in time: in full in the month of its invoice date (is_point_in_time).
-- Credit notes (their revenue part, int_credit_note_lines) first consume the
-- line's unrecognised balance: recognised_to_date = least(scheduled_to_date,
-- net − credited_to_date) for a positive line, so refunding the unused part stops
-- recognition and a credit larger than the unrecognised balance reverses revenue in the
-- month it is issued (a negative recognised_amount). Refunds themselves are cash: the
-- credit note they pay out is what reduces revenue, so they are not counted twice.
-- Negative proration lines are recognised (as negative revenue) over their own period.
-- Partitioned by invoice (macros/partitioned.sql): an incremental build recomputes only
-- the invoices whose invoice, lines or credit note parts changed.
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('invoice_id', revlake.revenue_schedule_partition_inputs()) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.revenue_schedule_partition_inputs()) }}"
) }}
{#- The line's scheduled revenue (cents) recognised before BOUNDARY (a month start):
    net × days of [start, end) before it ÷ days, rounded; a point-in-time line counts in
    full once its invoice date is before it. -#}
{%- set scheduled_before_boundary -%}
    case
      when b.is_point_in_time then
        case when b.invoice_date < BOUNDARY then b.net_cents else 0 end
      else {{ revlake.rounded_quotient(
          'b.net_cents * greatest(least('
            ~ dbt.datediff('b.service_start_date', 'BOUNDARY', 'day')
            ~ ', b.service_days), 0)',
          'b.service_days') }}
    end
{%- endset %}
with invoices as (
  select invoice_id, customer_id, currency, invoice_date
  from {{ ref('int_invoices') }}
  where is_countable and invoice_date is not null and customer_id is not null
    and {{ revlake.in_changed_partitions('invoice_id') }}
),

lines as (
  select
    l.invoice_line_id,
    l.invoice_id,
    i.customer_id,
    coalesce(i.currency, l.currency) as currency,
    i.invoice_date,
    l.service_start_date,
    l.service_end_date,
    l.is_proration,
    cast(l.net_amount as decimal(18, 2)) as net_amount,
    {{ revlake.wide_int('round(l.net_amount * 100, 0)') }} as net_cents,
    (l.service_start_date is null
      or l.service_end_date is null
      or l.service_end_date <= l.service_start_date) as is_point_in_time
  from {{ ref('int_invoice_lines') }} as l
  inner join invoices as i on i.invoice_id = l.invoice_id
  where l.net_amount is not null and l.net_amount <> 0
    and {{ revlake.in_changed_partitions('l.invoice_id') }}
),

line_credits as (
  select
    invoice_line_id,
    {{ revlake.month_start('credit_note_date') }} as month_start_date,
    sum({{ revlake.wide_int('round(credited_amount * 100, 0)') }}) as credited_cents
  from {{ ref('int_credit_note_lines') }}
  {%- if is_incremental() %}
  where invoice_line_id in (
    select invoice_line_id from {{ ref('int_invoice_lines') }}
    where {{ revlake.in_changed_partitions('invoice_id') }})
  {%- endif %}
  group by invoice_line_id, {{ revlake.month_start('credit_note_date') }}
),

credit_span as (
  select
    invoice_line_id,
    min(month_start_date) as first_credit_month,
    max(month_start_date) as last_credit_month
  from line_credits
  group by invoice_line_id
),

spans as (
  select
    lines.*,
    case when is_point_in_time then 0
      else {{ dbt.datediff('service_start_date', 'service_end_date', 'day') }}
    end as service_days,
    case when is_point_in_time then {{ revlake.month_start('invoice_date') }}
      else {{ revlake.month_start('service_start_date') }}
    end as first_service_month,
    case when is_point_in_time then {{ revlake.month_start('invoice_date') }}
      else {{ revlake.month_start(dbt.dateadd('day', -1, 'service_end_date')) }}
    end as last_service_month
  from lines
),

bounded as (
  select
    s.*,
    case when c.first_credit_month is not null and c.first_credit_month < s.first_service_month
      then c.first_credit_month else s.first_service_month end as first_month,
    case when c.last_credit_month is not null and c.last_credit_month > s.last_service_month
      then c.last_credit_month else s.last_service_month end as last_month,
    c.invoice_line_id is not null as has_credits
  from spans as s
  left join credit_span as c on c.invoice_line_id = s.invoice_line_id
),

line_month_spans as (
  -- every month of the line's span, within the calendar's bounds (var date_spine_*)
  select
    bounded.*,
    {{ revlake.month_series('first_month', 'last_month') }} as month_start_date
  from bounded
),

months_in_calendar as (
  select
    s.*,
    {{ revlake.add_months('s.month_start_date', 1) }} as next_month_start_date
  from line_month_spans as s
  where s.month_start_date >= cast('{{ var('date_spine_start', '2000-01-01') }}' as date)
    and s.month_start_date < cast('{{ var('date_spine_end', '2036-01-01') }}' as date)
),

line_months as (
  select
    b.invoice_line_id,
    b.invoice_id,
    b.customer_id,
    b.currency,
    b.invoice_date,
    b.service_start_date,
    b.service_end_date,
    b.is_point_in_time,
    b.is_proration,
    b.net_amount,
    b.net_cents,
    b.service_days,
    b.has_credits,
    b.month_start_date,
    b.next_month_start_date,
    {{ scheduled_before_boundary | replace('BOUNDARY', 'b.next_month_start_date') }} as scheduled_to_date_cents,
    {{ scheduled_before_boundary | replace('BOUNDARY', 'b.month_start_date') }} as scheduled_before_cents,
    coalesce(lc.credited_cents, 0) as credited_cents
  from months_in_calendar as b
  left join line_credits as lc
    on lc.invoice_line_id = b.invoice_line_id and lc.month_start_date = b.month_start_date
),

-- Lines no credit note touches (nearly all): recognised to date is the schedule itself
-- (it never exceeds net), and a month's revenue is the schedule through its end less the
-- schedule through the end of the month before — no running sum or lag over every
-- line-month, which was most of this model's time.
uncredited as (
  select
    line_months.*,
    {{ revlake.wide_int('0') }} as credited_to_date_cents,
    scheduled_to_date_cents as recognised_to_date_cents,
    scheduled_to_date_cents - scheduled_before_cents as recognised_cents
  from line_months
  where not has_credits
),

cumulated as (
  select
    line_months.*,
    sum(credited_cents) over (
      partition by invoice_line_id order by month_start_date
      rows between unbounded preceding and current row
    ) as credited_to_date_cents
  from line_months
  where has_credits
),

capped as (
  select
    cumulated.*,
    case
      when net_cents > 0 and scheduled_to_date_cents > net_cents - credited_to_date_cents
        then net_cents - credited_to_date_cents
      else scheduled_to_date_cents
    end as recognised_to_date_cents
  from cumulated
),

credited as (
  select
    capped.*,
    recognised_to_date_cents - coalesce(lag(recognised_to_date_cents) over (
      partition by invoice_line_id order by month_start_date
    ), 0) as recognised_cents
  from capped
),

stepped as (
  select * from uncredited
  union all
  select * from credited
)

select
  invoice_line_id,
  invoice_id,
  customer_id,
  currency,
  month_start_date,
  {{ revlake.month_end('month_start_date') }} as month_end_date,
  invoice_date,
  service_start_date,
  service_end_date,
  is_point_in_time,
  is_proration,
  net_amount as line_net_amount,
  {{ revlake.cents_to_money('recognised_cents') }} as recognised_amount,
  {{ revlake.cents_to_money('credited_cents') }} as credited_amount,
  {{ revlake.cents_to_money('recognised_to_date_cents') }} as recognised_to_date,
  {{ revlake.cents_to_money('credited_to_date_cents') }} as credited_to_date,
  {{ revlake.cents_to_money('net_cents - credited_to_date_cents - recognised_to_date_cents') }}
    as unrecognised_amount
from stepped
