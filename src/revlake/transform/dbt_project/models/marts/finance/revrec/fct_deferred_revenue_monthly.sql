-- Grain: one row per customer × calendar month × currency (customer_id, month_start_date,
-- currency): the deferred revenue roll-forward of fct_deferred_revenue_native (opening +
-- billed − recognised − contra = closing, exact in the invoice currency) with each amount
-- converted into the reporting currency.
-- The *_rc columns are each converted at the FX rate of the month's last day (cross rate
-- through USD), rounded half away from zero, so in the reporting currency the identity
-- holds only to rounding and FX movement.
{% set rc = var('reporting_currency') | upper %}
with native as (
  select * from {{ ref('fct_deferred_revenue_native') }}
),

with_rates as (
  select
    native.*,
    {{ revlake.fx_rate_columns('native.currency') }}
  from native
  {{ revlake.fx_rate_joins('native.currency', 'native.month_end_date') }}
)

select
  customer_id,
  month_start_date,
  month_end_date,
  currency,
  opening,
  billed,
  recognised,
  contra,
  closing,
  '{{ rc }}' as reporting_currency,
  {{ revlake.convert_money('opening', 'fx_from', 'fx_to') }} as opening_rc,
  {{ revlake.convert_money('billed', 'fx_from', 'fx_to') }} as billed_rc,
  {{ revlake.convert_money('recognised', 'fx_from', 'fx_to') }} as recognised_rc,
  {{ revlake.convert_money('contra', 'fx_from', 'fx_to') }} as contra_rc,
  {{ revlake.convert_money('closing', 'fx_from', 'fx_to') }} as closing_rc
from with_rates
