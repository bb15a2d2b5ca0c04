-- Grain: one row per Stripe invoice that has balance events (invoice_id): who owes it and
-- how to reach them, its terms, its open balance at export and its collection history
-- (payment attempts and failures), for overdue lists and collection work.
--   open_balance       open_balance_after of the invoice's last event (= Amount Remaining)
--   last_attempt_*     the latest charge (succeeded or failed) on the invoice
--   failed_attempts    failed charges; uncollectible_date / voided_date from the events
-- Partitioned by customer (macros/partitioned.sql): an incremental build recomputes only the
-- customers whose customer record changed or whose balance events fct_ar_balance_events
-- recomputed (those are the customers whose invoices or payments, hence attempts, changed).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('customer_id', revlake.ar_invoices_partition_inputs(), whole_if=revlake.invoices_span_customers(), upstream=['fct_ar_balance_events']) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.ar_invoices_partition_inputs()) }}"
) }}
with events as (
  select * from {{ ref('fct_ar_balance_events') }}
  where {{ revlake.in_changed_partitions('customer_id') }}
),

invoices as (
  select
    invoice_id, subscription_id, status, billing_reason, amount_due, amount_paid,
    amount_remaining, total
  from {{ ref('int_invoices') }}
  where {{ revlake.in_changed_partitions('customer_id') }}
),

customers as (
  select customer_key, customer_name, email
  from {{ ref('int_customers') }}
  where {{ revlake.in_changed_partitions('customer_id') }}
),

attempts as (
  select
    invoice_id, charge_id, attempted_at, status, payment_method_type,
    failure_code, failure_message,
    row_number() over (
      partition by invoice_id
      order by attempted_at desc nulls last, attempt_date desc, charge_id desc
    ) as recency_rank
  from {{ ref('fct_ar_payment_attempts') }}
  {%- if is_incremental() %}
  where invoice_id in (select invoice_id from events)
  {%- endif %}
),

attempt_counts as (
  select
    invoice_id,
    count(*) as attempts,
    sum(case when status = 'failed' then 1 else 0 end) as failed_attempts
  from attempts
  group by invoice_id
),

per_invoice as (
  select
    invoice_id,
    max(invoice_number) as invoice_number,
    max(customer_id) as customer_id,
    max(customer_key) as customer_key,
    max(currency) as currency,
    max(invoice_date) as invoice_date,
    max(due_date) as due_date,
    max(case when event_type = 'finalized' then amount end) as finalized_amount,
    max(case when is_last_event then open_balance_after end) as open_balance,
    max(event_date) as last_event_date,
    max(case when event_type = 'payment' then event_date end) as last_payment_date,
    sum(case when event_type = 'overpayment' then amount else 0 end) as overpaid_amount,
    sum(case when event_type = 'credit_note' then -amount else 0 end) as credited_amount,
    max(case when event_type = 'marked_uncollectible' then event_date end)
      as uncollectible_date,
    max(case when event_type = 'voided' then event_date end) as voided_date
  from events
  group by invoice_id
)

select
  p.invoice_id,
  p.invoice_number,
  p.customer_id,
  p.customer_key,
  c.customer_name,
  c.email as customer_email,
  i.subscription_id,
  i.billing_reason,
  i.status,
  p.currency,
  p.invoice_date,
  p.due_date,
  i.total,
  cast(p.finalized_amount as decimal(18, 2)) as amount_due,
  i.amount_paid,
  i.amount_remaining,
  cast(p.open_balance as decimal(18, 2)) as open_balance,
  cast(p.credited_amount as decimal(18, 2)) as credited_amount,
  cast(p.overpaid_amount as decimal(18, 2)) as overpaid_amount,
  p.last_event_date,
  p.last_payment_date,
  p.uncollectible_date,
  p.voided_date,
  cast(coalesce(a.attempts, 0) as integer) as payment_attempts,
  cast(coalesce(a.failed_attempts, 0) as integer) as failed_attempts,
  l.attempted_at as last_attempt_at,
  l.status as last_attempt_status,
  l.payment_method_type,
  l.failure_code as last_failure_code,
  l.failure_message as last_failure_message
from per_invoice as p
left join invoices as i on i.invoice_id = p.invoice_id
left join customers as c on c.customer_key = p.customer_key
left join attempt_counts as a on a.invoice_id = p.invoice_id
left join attempts as l on l.invoice_id = p.invoice_id and l.recency_rank = 1
