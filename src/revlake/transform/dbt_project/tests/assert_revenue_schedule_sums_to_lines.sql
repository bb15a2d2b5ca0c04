-- Revenue recognition: per invoice line, Σ recognised + Σ credited = the line's net, and
-- the last month leaves nothing unrecognised. Returns the lines that break it. An
-- incremental build checks the lines of the invoices it recomputed (rows_to_test).
with per_line as (
  select
    invoice_line_id,
    max(line_net_amount) as net,
    sum(recognised_amount) as recognised,
    sum(credited_amount) as credited,
    max(month_start_date) as last_month
  from {{ revlake.rows_to_test(ref('fct_revenue_schedule'), ['invoice_line_id']) }} as s
  group by invoice_line_id
),

last_rows as (
  select s.invoice_line_id, s.unrecognised_amount
  from {{ revlake.rows_to_test(ref('fct_revenue_schedule'), ['invoice_line_id']) }} as s
  inner join per_line as p
    on p.invoice_line_id = s.invoice_line_id and p.last_month = s.month_start_date
)

select p.invoice_line_id, p.net, p.recognised, p.credited, l.unrecognised_amount
from per_line as p
inner join last_rows as l on l.invoice_line_id = p.invoice_line_id
where p.recognised + p.credited <> p.net or l.unrecognised_amount <> 0
