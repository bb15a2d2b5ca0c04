-- Grain: one row per payment that should appear on the bank statement (payment_kind,
-- payment_id), signed as the bank sees it (money in > 0), in the payment's currency:
--   charge        a collected bank-transfer charge (+amount), document = its invoice number
--   refund        a refund of a bank-transfer charge (−amount), document = the invoice number
--   payout        a paid Stripe payout (+amount, on its arrival date), document = payout id
--   bill_payment  a bill payment (−amount), document = the bill number
-- Card charges reach the bank only through payouts, so they are not listed one by one; a
-- payment whose source gives no method counts as a bank transfer when that source has no
-- payouts (a ledger's receipts), and as paid out when it has.
-- Payments of every source conformed (int_payments, int_refunds, int_payouts,
-- int_bill_payments); customers and invoices are matched within their source.
-- Input of the bank reconciliation (revlake.finance.reconciliation).
with sources_with_payouts as (
  select distinct source_system from {{ ref('int_payouts') }}
),

charges as (
  select p.*
  from {{ ref('int_payments') }} as p
  where p.is_collected
    and (
      p.payment_method_type = 'bank_transfer'
      or (
        p.payment_method_type is null
        and p.source_system <> 'stripe'
        and p.source_system not in (select source_system from sources_with_payouts)
      )
    )
),

invoices as (
  select source_system, invoice_id, invoice_number from {{ ref('int_invoices') }}
),

customers as (
  select source_system, customer_id, customer_name from {{ ref('int_customers') }}
),

charge_payments as (
  select
    'charge' as payment_kind,
    c.charge_id as payment_id,
    c.charge_date as payment_date,
    c.amount,
    c.currency,
    i.invoice_number as document_number,
    cu.customer_name as counterparty
  from charges as c
  left join invoices as i on i.source_system = c.source_system and i.invoice_id = c.invoice_id
  left join customers as cu
    on cu.source_system = c.source_system and cu.customer_id = c.customer_id
),

refund_payments as (
  select
    'refund' as payment_kind,
    r.refund_id as payment_id,
    r.refund_date as payment_date,
    -r.amount as amount,
    r.currency,
    i.invoice_number as document_number,
    cu.customer_name as counterparty
  from {{ ref('int_refunds') }} as r
  inner join charges as c on c.charge_id = r.charge_id
  left join invoices as i on i.source_system = c.source_system and i.invoice_id = c.invoice_id
  left join customers as cu
    on cu.source_system = c.source_system and cu.customer_id = c.customer_id
  where coalesce(r.status, 'succeeded') = 'succeeded'
),

payouts as (
  select
    'payout' as payment_kind,
    payout_id as payment_id,
    arrival_date as payment_date,
    amount,
    currency,
    payout_id as document_number,
    upper(source_system) as counterparty
  from {{ ref('int_payouts') }}
  where status = 'paid'
),

bill_payments as (
  select
    'bill_payment' as payment_kind,
    payment_id,
    payment_date,
    -amount as amount,
    currency,
    bill_number as document_number,
    vendor_name as counterparty
  from {{ ref('int_bill_payments') }}
  where is_valid
),

unioned as (
  select * from charge_payments
  union all
  select * from refund_payments
  union all
  select * from payouts
  union all
  select * from bill_payments
)

select
  payment_kind,
  payment_id,
  payment_date,
  cast(amount as decimal(18, 2)) as amount,
  currency,
  document_number,
  counterparty
from unioned
where payment_date is not null and amount is not null
