-- Grain: one row per credit note and invoice line it reduces (credit_note_id,
-- invoice_line_id). The revenue part of a credit note (its amount without tax) is
--   credit_revenue = round(amount × (subtotal − discount) ÷ total, 2)
-- of its invoice, spread over the invoice's lines with a positive net amount in
-- proportion to their net by cumulative rounding, so the line parts sum exactly to it.
-- Credit notes of void or draft invoices, void credit notes and invoices whose total is
-- not positive carry no revenue part and are left out.
with invoices as (
  select invoice_id, customer_id, currency, subtotal, discount_amount, total
  from {{ ref('int_invoices') }}
  where is_countable and total is not null and total > 0 and subtotal is not null
),

credit_notes as (
  select
    cn.credit_note_id,
    cn.invoice_id,
    cn.credit_note_date,
    cn.credit_note_type,
    {{ revlake.rounded_quotient(
        revlake.wide_int('round(cn.amount * 100, 0)') ~ ' * '
          ~ revlake.wide_int('round((i.subtotal - i.discount_amount) * 100, 0)'),
        revlake.wide_int('round(i.total * 100, 0)')) }} as revenue_cents
  from {{ ref('int_credit_notes') }} as cn
  inner join invoices as i on i.invoice_id = cn.invoice_id
  where coalesce(cn.status, 'issued') <> 'void'
    and cn.amount is not null
    and cn.amount > 0
    and cn.credit_note_date is not null
),

credited_invoices as (
  -- only the lines of invoices some credit note reduces are weighted: a few thousand
  -- partitions instead of every invoice's lines
  select distinct invoice_id from credit_notes
),

positive_lines as (
  select
    l.invoice_id,
    l.invoice_line_id,
    {{ revlake.wide_int('round(l.net_amount * 100, 0)') }} as net_cents
  from {{ ref('int_invoice_lines') }} as l
  inner join credited_invoices as c on c.invoice_id = l.invoice_id
  where l.net_amount is not null and l.net_amount > 0
),

weighted as (
  select
    invoice_id,
    invoice_line_id,
    net_cents,
    sum(net_cents) over (
      partition by invoice_id order by invoice_line_id
      rows between unbounded preceding and current row
    ) as cumulative_cents,
    sum(net_cents) over (partition by invoice_id) as invoice_net_cents
  from positive_lines
),

split as (
  select
    cn.credit_note_id,
    cn.invoice_id,
    w.invoice_line_id,
    cn.credit_note_date,
    cn.credit_note_type,
    {{ revlake.rounded_quotient('cn.revenue_cents * w.cumulative_cents', 'w.invoice_net_cents') }}
      - {{ revlake.rounded_quotient(
          'cn.revenue_cents * (w.cumulative_cents - w.net_cents)', 'w.invoice_net_cents') }}
      as credited_cents
  from credit_notes as cn
  inner join weighted as w on w.invoice_id = cn.invoice_id
)

select
  credit_note_id,
  invoice_id,
  invoice_line_id,
  credit_note_date,
  credit_note_type,
  {{ revlake.cents_to_money('credited_cents') }} as credited_amount
from split
