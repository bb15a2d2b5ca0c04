-- Grain: one row per payment attempt on an invoice (charge_id): every Stripe charge that
-- names an invoice, succeeded or failed, with its failure code and message, so collection
-- work can see the last attempt and failure as of any date.
-- Partitioned by invoice (macros/partitioned.sql): an incremental build recomputes only the
-- invoices whose charges changed.
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('invoice_id', revlake.ar_payment_attempts_partition_inputs()) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.ar_payment_attempts_partition_inputs()) }}"
) }}
select
  ch.charge_id,
  ch.invoice_id,
  ch.customer_id,
  ch.currency,
  ch.created_at as attempted_at,
  ch.charge_date as attempt_date,
  ch.status,
  ch.is_collected,
  ch.amount,
  ch.amount_refunded,
  ch.payment_method_type,
  ch.failure_code,
  ch.failure_message
from {{ ref('int_payments') }} as ch
where ch.invoice_id is not null and ch.charge_date is not null
  and {{ revlake.in_changed_partitions('ch.invoice_id') }}
