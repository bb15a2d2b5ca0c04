-- Grain: one row per customer × calendar month × currency (customer_id, month_start_date,
-- currency): the deferred revenue roll-forward of fct_deferred_revenue_native (opening +
-- billed − recognised − contra = closing, exact in the invoice currency) with each amount
-- converted into the reporting currency.
-- The *_rc columns are each converted at the FX rate of the month's last day (cross rate
-- through USD), rounded half away from zero, so in the reporting currency the identity
-- holds only to rounding and FX movement.
-- Cut two ways (macros/partitioned.sql): by month, an incremental build recomputes the
-- months whose month-end FX rates changed (a day's rate is the latest known rate of every
-- later day, so it moves the current month and the future months a contract defers into,
-- never the history); and the customers whose roll-forward fct_deferred_revenue_native
-- recomputed, in every month (a customer's rows can reach back: a first invoice in a new
-- currency opens that currency's rows from the customer's first month).
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('month_start_date', revlake.month_conversion_partition_inputs('fct_deferred_revenue_native', 'month_start_date', 'month_end_date', rows=false), upstream=['fct_deferred_revenue_native:customer_id']) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.month_conversion_partition_inputs('fct_deferred_revenue_native', 'month_start_date', 'month_end_date', rows=false)) }}"
) }}
{% set rc = var('reporting_currency') | upper %}
with native as (
  select * from {{ ref('fct_deferred_revenue_native') }}
  where {{ revlake.in_changed_partitions('month_start_date') }}
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
