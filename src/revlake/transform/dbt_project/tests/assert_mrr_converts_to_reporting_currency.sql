-- Every customer-month of MRR converts to the reporting currency: an MRR in a currency
-- without an FX rate on or before the month's last day would be left out of every total.
-- Returns the currencies and months without a rate. Fix: land FX rates for them (fx_rates
-- or generic_fx_rates, docs/DATA-CONTRACT.md), or set reporting_currency in revlake.toml.
select
  currency,
  min(month_start_date) as first_month_without_rate,
  count(*) as customer_months,
  '{{ var("reporting_currency") }}' as reporting_currency
from {{ ref('fct_mrr') }}
where mrr_rc is null
group by currency
