-- Reconciliation: the tax report's tax per month and currency equals, exactly, the Tax of
-- the countable silver invoices dated that month. Returns the months that disagree.
with report as (
  select tax_period, currency, sum(tax_charged) as tax
  from {{ ref('rpt_tax_by_period_jurisdiction') }}
  group by tax_period, currency
),

invoices as (
  select
    {{ revlake.month_start('invoice_date') }} as tax_period,
    currency,
    sum(tax_amount) as tax
  from {{ ref('stg_stripe__invoices') }}
  where is_countable and invoice_date is not null
  group by {{ revlake.month_start('invoice_date') }}, currency
)

select
  coalesce(r.tax_period, i.tax_period) as tax_period,
  coalesce(r.currency, i.currency) as currency,
  r.tax as report_tax,
  i.tax as invoice_tax
from report as r
full outer join invoices as i on i.tax_period = r.tax_period and i.currency = r.currency
where coalesce(r.tax, 0) <> coalesce(i.tax, 0)
