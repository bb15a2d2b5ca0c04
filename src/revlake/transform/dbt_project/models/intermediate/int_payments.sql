-- Grain: one row per payment (source_system, charge_id): the data contract's `payments`,
-- every source conformed to the layout receivables and cash use (Stripe's charges).
-- Payments of files mapped onto the contract count as collected unless their status says
-- failed, refunded or pending; their method is normalised to card / bank_transfer (wire,
-- ACH, SEPA, checks and direct debits reach the bank one by one) or kept as written.
-- A view: it only unions its sources' staging tables, so copying them into one more
-- table would cost build time and disk for nothing (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with vendor as (
  select 'stripe' as source_system, v.*
  from {{ ref('stg_stripe__charges') }} as v
),

generic as (
  select
    g.source_system,
    cast(g.payment_id as {{ dbt.type_string() }}) as charge_id,
    cast(g.payment_date as timestamp) as created_at,
    cast(g.payment_date as date) as charge_date,
    cast(g.amount as decimal(18, 2)) as amount,
    cast(0 as decimal(18, 2)) as amount_refunded,
    cast(upper(coalesce(g.currency, '{{ var("reporting_currency") }}')) as {{ dbt.type_string() }}) as currency,
    cast(lower(coalesce(g.status, 'succeeded')) as {{ dbt.type_string() }}) as status,
    cast(true as boolean) as is_captured,
    cast(g.customer_id as {{ dbt.type_string() }}) as customer_id,
    cast(g.invoice_id as {{ dbt.type_string() }}) as invoice_id,
    cast(case
      when g.payment_method is null then null
      when replace(replace(lower(trim(g.payment_method)), ' ', '_'), '-', '_') in (
        'bank_transfer', 'transfer', 'wire', 'wire_transfer', 'bank', 'ach', 'sepa',
        'sepa_credit_transfer', 'bacs', 'check', 'cheque', 'direct_debit', 'sepa_debit',
        'ach_debit', 'bank_deposit', 'eft'
      ) then 'bank_transfer'
      when replace(replace(lower(trim(g.payment_method)), ' ', '_'), '-', '_') in (
        'card', 'credit_card', 'debit_card', 'visa', 'mastercard', 'amex',
        'american_express'
      ) then 'card'
      else replace(replace(lower(trim(g.payment_method)), ' ', '_'), '-', '_')
    end as {{ dbt.type_string() }}) as payment_method_type,
    cast(null as {{ dbt.type_string() }}) as failure_code,
    cast(null as {{ dbt.type_string() }}) as failure_message,
    cast(coalesce(lower(g.status) not in ('failed', 'pending', 'canceled', 'cancelled', 'refunded'), true) as boolean) as is_collected
  from {{ ref('stg_generic__payments') }} as g
)

select * from vendor
union all
select * from generic
