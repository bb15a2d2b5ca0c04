{{ config(severity='warn') }}
-- Counts the invoice lines recognised at a point in time because their service period is
-- missing, zero-length or reversed (docs/FINANCE.md): a warning, not an error, so the
-- build reports how many there are (the synthetic company has none).
select invoice_line_id, invoice_id, service_start_date, service_end_date, invoice_date
from {{ ref('fct_revenue_schedule') }}
where is_point_in_time
