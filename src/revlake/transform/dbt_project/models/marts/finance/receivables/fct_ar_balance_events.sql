-- Grain: one row per invoice balance event (invoice_id, event_sequence): the open balance
-- of every Stripe invoice over time, rebuilt from the billing exports (invoices, charges,
-- credit notes) by the rules of docs/GENERATOR.md and docs/FINANCE.md ("Receivables"):
--   finalized             invoice date, +Amount Due (0 for zero and negative invoices)
--   credit_note           pre-payment credit note (type pre_payment), −the amount applied
--   payment               succeeded charge, −the amount applied (at most the open balance)
--   overpayment           the excess of a charge over the open balance: a customer credit,
--                         the balance stays 0 (amount > 0, open_balance_after unchanged)
--   marked_uncollectible  status uncollectible: on the day of the last failed card attempt,
--                         or var ar_uncollectible_after_days (90) after the invoice date when
--                         nothing was attempted (bank transfer); amount 0, still owed
--   voided                status void: on the day the invoice was re-issued (same
--                         subscription and period, later date), else the next day; −balance
--   settled_per_source    an invoice file of another system that reports less still open
--                         than its linked payments and credit notes explain (an invoice
--                         list exported without its payments, e.g. QuickBooks): the rest
--                         is settled on the source's as-of day (its latest invoice date,
--                         the first day revlake can know it), so the balance ends at what
--                         the file says is open
-- Post-payment credit notes and refunds give money back on a paid invoice: they do not
-- change its open balance. Events of a day are ordered finalized, credit notes, payments,
-- uncollectible, voided (a pre-payment credit note is only issued on an unpaid invoice).
-- open_balance_after of an invoice's last event equals its Amount Remaining at export
-- (tests/assert_ar_balance_equals_amount_remaining.sql).
-- Partitioned by customer (macros/partitioned.sql): an incremental build recomputes only the
-- customers whose invoices, payments or credit notes changed (every customer when an
-- invoice id or a subscription appears under two customers).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('customer_id', revlake.ar_balance_events_partition_inputs(), whole_if=revlake.invoices_span_customers()) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.ar_balance_events_partition_inputs()) }}"
) }}
{% set uncollectible_days = var('ar_uncollectible_after_days', 90) | int %}
with valid_invoices as (
  select
    invoice_id, source_system, invoice_number, customer_id, subscription_id, currency, status,
    invoice_date, invoiced_at, due_date, period_start_at, amount_due, amount_remaining
  from {{ ref('int_invoices') }}
  where is_valid_invoice
    and coalesce(status, 'open') <> 'draft'
    and amount_due is not null
),

source_as_of as (
  -- the source's as-of day: its latest invoice date, over all its customers
  select source_system, max(invoice_date) as source_as_of_date
  from valid_invoices
  group by source_system
),

invoices as (
  select v.*, a.source_as_of_date
  from valid_invoices as v
  left join source_as_of as a
    on a.source_system = v.source_system
    or (a.source_system is null and v.source_system is null)
  where {{ revlake.in_changed_partitions('v.customer_id') }}
),

charges as (
  select charge_id, invoice_id, charge_date, created_at, amount, status, is_collected
  from {{ ref('int_payments') }}
  where invoice_id is not null and charge_date is not null and amount is not null
  {%- if is_incremental() %}
    and invoice_id in (select invoice_id from invoices)
  {%- endif %}
),

pre_payment_credits as (
  select credit_note_id, invoice_id, credit_note_date, created_at, amount
  from {{ ref('int_credit_notes') }}
  where credit_note_type = 'pre_payment'
    and coalesce(status, 'issued') <> 'void'
    and credit_note_date is not null
    and amount is not null
  {%- if is_incremental() %}
    and invoice_id in (select invoice_id from invoices)
  {%- endif %}
),

last_failures as (
  select invoice_id, max(charge_date) as last_failed_date
  from charges
  where status = 'failed'
  group by invoice_id
),

reissues as (
  -- the replacement of a voided invoice: same subscription and period, a later date
  select v.invoice_id, min(r.invoice_date) as reissue_date
  from invoices as v
  inner join invoices as r
    on r.subscription_id = v.subscription_id
    and r.period_start_at = v.period_start_at
    and r.invoice_id <> v.invoice_id
    and r.invoice_date > v.invoice_date
    and coalesce(r.status, 'open') <> 'void'
  where v.status = 'void'
  group by v.invoice_id
),

explained as (
  -- what the linked records already take off each invoice (payments, pre-payment credits)
  select invoice_id, sum(amount) as explained
  from (
    select invoice_id, amount from charges where is_collected
    union all
    select invoice_id, amount from pre_payment_credits
  ) as linked
  group by invoice_id
),

raw_events as (
  select
    i.invoice_id, 'finalized' as event_type, i.invoice_date as event_date, 0 as event_rank,
    i.invoiced_at as event_at, i.invoice_id as source_id,
    cast(0 as decimal(18, 2)) as reduction
  from invoices as i

  union all

  select
    cn.invoice_id, 'credit_note' as event_type, cn.credit_note_date as event_date,
    1 as event_rank, cn.created_at as event_at, cn.credit_note_id as source_id,
    cast(cn.amount as decimal(18, 2)) as reduction
  from pre_payment_credits as cn
  inner join invoices as i on i.invoice_id = cn.invoice_id

  union all

  select
    ch.invoice_id, 'payment' as event_type, ch.charge_date as event_date, 2 as event_rank,
    ch.created_at as event_at, ch.charge_id as source_id,
    cast(ch.amount as decimal(18, 2)) as reduction
  from charges as ch
  inner join invoices as i on i.invoice_id = ch.invoice_id
  where ch.is_collected

  union all

  select
    i.invoice_id, 'marked_uncollectible' as event_type,
    coalesce(
      f.last_failed_date,
      cast({{ dbt.dateadd('day', uncollectible_days, 'i.invoice_date') }} as date)
    ) as event_date,
    3 as event_rank, cast(null as timestamp) as event_at, i.invoice_id as source_id,
    cast(0 as decimal(18, 2)) as reduction
  from invoices as i
  left join last_failures as f on f.invoice_id = i.invoice_id
  where i.status = 'uncollectible'

  union all

  select
    i.invoice_id, 'voided' as event_type,
    coalesce(
      r.reissue_date, cast({{ dbt.dateadd('day', 1, 'i.invoice_date') }} as date)
    ) as event_date,
    4 as event_rank, cast(null as timestamp) as event_at, i.invoice_id as source_id,
    cast(0 as decimal(18, 2)) as reduction
  from invoices as i
  left join reissues as r on r.invoice_id = i.invoice_id
  where i.status = 'void'

  union all

  select
    i.invoice_id, 'settled_per_source' as event_type,
    greatest(i.invoice_date, i.source_as_of_date) as event_date,
    5 as event_rank, cast(null as timestamp) as event_at, i.invoice_id as source_id,
    cast(i.amount_due - i.amount_remaining - coalesce(x.explained, 0) as decimal(18, 2))
      as reduction
  from invoices as i
  left join explained as x on x.invoice_id = i.invoice_id
  where i.source_system <> 'stripe'
    and coalesce(i.status, 'open') not in ('void', 'uncollectible')
    and i.amount_remaining is not null
    and i.amount_due - i.amount_remaining - coalesce(x.explained, 0) > 0
),

ordered as (
  select
    e.*,
    i.amount_due,
    row_number() over (
      partition by e.invoice_id
      order by e.event_date asc, e.event_rank asc, e.event_at asc nulls last,
        e.source_id asc
    ) as base_sequence
  from raw_events as e
  inner join invoices as i on i.invoice_id = e.invoice_id
),

running as (
  -- reductions (credit notes, charges) in order; a void zeroes the balance for good
  select
    o.*,
    sum(o.reduction) over (
      partition by o.invoice_id order by o.base_sequence asc
      rows between unbounded preceding and current row
    ) as cumulative_reduction,
    max(case when o.event_type = 'voided' then 1 else 0 end) over (
      partition by o.invoice_id order by o.base_sequence asc
      rows between unbounded preceding and current row
    ) as is_voided
  from ordered as o
),

balances as (
  select
    r.*,
    cast(
      case
        when r.is_voided = 1 then 0
        when r.amount_due - r.cumulative_reduction > 0
          then r.amount_due - r.cumulative_reduction
        else 0
      end as decimal(18, 2)) as balance_after
  from running as r
),

with_before as (
  select
    b.*,
    cast(coalesce(
      lag(b.balance_after) over (partition by b.invoice_id order by b.base_sequence asc),
      0) as decimal(18, 2)) as balance_before
  from balances as b
),

events as (
  select
    invoice_id, event_date, event_type, source_id, 2 * base_sequence as sort_key,
    cast(balance_after - balance_before as decimal(18, 2)) as amount,
    balance_after as open_balance_after
  from with_before

  union all

  -- the part of a charge beyond the open balance: a customer credit
  select
    invoice_id, event_date, 'overpayment' as event_type, source_id,
    2 * base_sequence + 1 as sort_key,
    cast(reduction - (balance_before - balance_after) as decimal(18, 2)) as amount,
    balance_after as open_balance_after
  from with_before
  where event_type = 'payment' and reduction > balance_before - balance_after
),

sequenced as (
  select
    e.*,
    row_number() over (partition by e.invoice_id order by e.sort_key asc) as event_sequence,
    count(*) over (partition by e.invoice_id) as event_count
  from events as e
)

select
  concat(s.invoice_id, '|', cast(s.event_sequence as {{ dbt.type_string() }})) as event_id,
  s.invoice_id,
  i.invoice_number,
  i.customer_id,
  concat(i.source_system, ':', i.customer_id) as customer_key,
  i.currency,
  i.invoice_date,
  i.due_date,
  cast(s.event_sequence as integer) as event_sequence,
  s.event_date,
  s.event_type,
  s.source_id,
  s.amount,
  s.open_balance_after,
  s.event_sequence = s.event_count as is_last_event
from sequenced as s
inner join invoices as i on i.invoice_id = s.invoice_id
