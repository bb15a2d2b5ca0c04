-- Grain: one row per invoice line (source_system, invoice_line_id): the data contract's
-- `invoice_lines`, every source conformed to the layout the revenue schedule and tax use.
-- Lines of files mapped onto the contract are one-off lines (line_type `invoiceitem`)
-- unless they carry a service period (then `subscription`); net_amount = amount.
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'stripe' as source_system, v.*
  from {{ ref('stg_stripe__invoice_lines') }} as v
),

generic as (
  select
    g.source_system,
    cast(g.line_id as {{ dbt.type_string() }}) as invoice_line_id,
    cast(1 as bigint) as source_record_count,
    cast(g.invoice_id as {{ dbt.type_string() }}) as invoice_id,
    cast(case when g.service_start_date is not null and g.service_end_date is not null then 'subscription' else 'invoiceitem' end as {{ dbt.type_string() }}) as line_type,
    cast(null as {{ dbt.type_string() }}) as subscription_id,
    cast(null as {{ dbt.type_string() }}) as subscription_item_id,
    cast(null as {{ dbt.type_string() }}) as price_id,
    cast(g.product_id as {{ dbt.type_string() }}) as product_id,
    cast(g.description as {{ dbt.type_string() }}) as description,
    cast(upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as {{ dbt.type_string() }}) as currency,
    cast(coalesce(g.unit_amount, g.amount) as decimal(18, 2)) as unit_amount,
    cast(coalesce(g.quantity, 1) as bigint) as quantity,
    cast(g.amount as decimal(18, 2)) as amount,
    cast(0 as decimal(18, 2)) as discount_amount,
    cast(null as {{ dbt.type_string() }}) as coupon_id,
    cast(false as boolean) as is_proration,
    cast(g.service_start_date as date) as service_start_date,
    cast(g.service_end_date as date) as service_end_date,
    cast(null as {{ dbt.type_string() }}) as plan_interval,
    cast(null as bigint) as plan_interval_count,
    cast(coalesce(g.tax_amount, 0) as decimal(18, 2)) as tax_amount,
    cast(null as decimal(9,4)) as tax_rate,
    cast(null as {{ dbt.type_string() }}) as tax_jurisdiction,
    cast(g.amount as decimal(19,2)) as net_amount,
    cast(nullif(concat_ws('; ', g.invalid_reason, case when g.service_end_date < g.service_start_date then 'service_end_date: before service_start_date' end), '') as {{ dbt.type_string() }}) as invalid_reason,
    cast(g.invalid_reason is null and not coalesce(g.service_end_date < g.service_start_date, false) as boolean) as is_valid_line
  from {{ ref('stg_generic__invoice_lines') }} as g
)

select * from vendor
union all
select * from generic
