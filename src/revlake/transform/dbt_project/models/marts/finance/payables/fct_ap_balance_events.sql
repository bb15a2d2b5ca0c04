-- Grain: one row per change of a vendor bill's open balance (bill_number, event, source_id):
--   issued      +total, on the bill date
--   credit_note −credit note total, on the credit note's date (allocated via Reference)
--   payment     −payment amount, on the payment date
-- open_balance_after is the running balance in event order (date, issued < credit < payment,
-- then source id). The last event's open_balance_after is the bill's amount due. bill_date
-- and due_date are repeated on every event so that aging on any date needs this table only.
-- Definitions: docs/FINANCE.md, "Payables and bank reconciliation".
with bills as (
  select bill_number, vendor_name, currency, bill_date, due_date, total
  from {{ ref('int_vendor_bills') }}
  where document_type = 'bill' and is_valid
),

credits as (
  select
    c.reference as bill_number,
    c.bill_date as event_date,
    'credit_note' as event,
    1 as event_order,
    c.bill_number as source_id,
    -c.total as amount
  from {{ ref('int_vendor_bills') }} as c
  inner join bills as b on b.bill_number = c.reference
  where c.document_type = 'credit_note' and c.is_valid
),

payments as (
  select
    p.bill_number,
    p.payment_date as event_date,
    'payment' as event,
    2 as event_order,
    p.payment_id as source_id,
    -p.amount as amount
  from {{ ref('int_bill_payments') }} as p
  inner join bills as b on b.bill_number = p.bill_number
  where p.is_valid
),

events as (
  select
    bill_number,
    bill_date as event_date,
    'issued' as event,
    0 as event_order,
    bill_number as source_id,
    total as amount
  from bills
  union all
  select * from credits
  union all
  select * from payments
)

select
  e.bill_number,
  b.vendor_name,
  b.currency,
  b.bill_date,
  b.due_date,
  e.event_date,
  e.event,
  e.event_order,
  e.source_id,
  cast(e.amount as decimal(18, 2)) as amount,
  cast(sum(e.amount) over (
    partition by e.bill_number
    order by e.event_date, e.event_order, e.source_id
    rows between unbounded preceding and current row) as decimal(18, 2)) as open_balance_after
from events as e
inner join bills as b on b.bill_number = e.bill_number
