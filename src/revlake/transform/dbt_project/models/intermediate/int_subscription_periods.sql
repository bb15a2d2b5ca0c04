-- Grain: one row per subscription period valued as MRR (source_system, period_id): the
-- contract entity `subscriptions`, every source conformed. MRR is defined once here
-- (docs/METRICS.md): Stripe invoice lines (stg_stripe__mrr_lines: price × quantity less
-- coupon, per month of the billing interval, prorations signed) and subscription-period
-- files mapped onto the contract (stg_generic__subscriptions: `mrr` when given, else
-- amount × quantity ÷ months per interval, rounded to cents; a trial counts 0 unless var
-- include_trials). A period counts for the months whose last day falls in
-- [start_date, counts_until_date): end dates are exclusive, an open period runs on.
-- as_of_date: the latest date the source knows (Stripe: its latest invoice; a periods
-- file: the day it was loaded), so open periods count up to then.
-- Rows that cannot be valued (no customer, no start, no mrr and no amount, an end before
-- the start, an unknown interval) are kept with invalid_reason and count 0.
{%- set months = {
    'month': '1', 'monthly': '1', 'mo': '1', 'quarter': '3', 'quarterly': '3',
    'half_year': '6', 'semiannual': '6', 'semi-annual': '6', 'year': '12', 'yearly': '12',
    'annual': '12', 'annually': '12', 'week': '12.0 / 52', 'weekly': '12.0 / 52',
    'day': '12.0 / 365', 'daily': '12.0 / 365'} %}
with stripe as (
  select
    'stripe' as source_system,
    invoice_line_id as period_id,
    customer_id,
    subscription_id,
    product_id,
    currency,
    service_start_date as start_date,
    service_end_date as end_date,
    counts_until_date,
    line_mrr as mrr,
    is_mrr_line,
    is_trial,
    is_proration,
    as_of_date,
    cast(null as {{ dbt.type_string() }}) as invalid_reason
  from {{ ref('stg_stripe__mrr_lines') }}
),

generic_raw as (
  select
    g.*,
    case lower(trim(coalesce(g.interval, 'month')))
      {%- for name, value in months.items() %}
      when '{{ name }}' then cast({{ value }} as decimal(18, 6))
      {%- endfor %}
    end * coalesce(g.interval_count, 1) as months_per_interval,
    max(cast(g._loaded_at as date)) over (partition by g.source_system) as loaded_date
  from {{ ref('stg_generic__subscriptions') }} as g
),

generic as (
  select
    source_system,
    concat(
      coalesce(subscription_id, concat(_source_file, ':', cast(_row_number as {{ dbt.type_string() }}))),
      ':', coalesce(cast(start_date as {{ dbt.type_string() }}), '')
    ) as period_id,
    customer_id,
    subscription_id,
    plan as product_id,
    upper(coalesce(currency, '{{ var("reporting_currency") }}')) as currency,
    start_date,
    end_date,
    coalesce(end_date, cast('9999-12-31' as date)) as counts_until_date,
    cast(case
      when coalesce(is_trial, false) and not {{ var('include_trials') }} then 0
      when mrr is not null then mrr
      when amount is not null and months_per_interval > 0
        then round(amount * coalesce(quantity, 1) / months_per_interval, 2)
    end as decimal(18, 2)) as mrr,
    true as is_mrr_line,
    coalesce(is_trial, false) as is_trial,
    false as is_proration,
    coalesce(
      greatest(max(start_date) over (partition by source_system), loaded_date),
      loaded_date
    ) as as_of_date,
    nullif(concat_ws('; ',
      invalid_reason,
      case when mrr is null and amount is null then 'mrr: no mrr and no amount' end,
      case when mrr is null and amount is not null and months_per_interval is null
        then concat('interval: unknown interval ''', interval, '''') end,
      case when end_date < start_date then 'end_date: before start_date' end), '')
      as row_invalid_reason
  from generic_raw
)

select
  source_system,
  period_id,
  customer_id,
  concat(source_system, ':', customer_id) as customer_key,
  subscription_id,
  product_id,
  currency,
  start_date,
  end_date,
  counts_until_date,
  mrr,  -- never null for Stripe lines (tested: not_null on mrr)
  is_mrr_line,
  is_trial,
  is_proration,
  as_of_date,
  invalid_reason,
  invalid_reason is null as is_valid
from stripe
union all
select
  source_system,
  period_id,
  customer_id,
  concat(source_system, ':', customer_id),
  subscription_id,
  product_id,
  currency,
  start_date,
  end_date,
  counts_until_date,
  case when row_invalid_reason is null then mrr else cast(0 as decimal(18, 2)) end,
  row_invalid_reason is null,
  is_trial,
  is_proration,
  as_of_date,
  row_invalid_reason,
  row_invalid_reason is null
from generic
