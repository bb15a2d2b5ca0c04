-- Grain: one row per invoice line (invoice_line_id) of a countable (not void, not draft)
-- invoice: the tax it was billed with. This is the truth of what was charged; the rate
-- tables and the workspace's tax settings are applied in Python (revlake.finance.tax),
-- which lists the lines whose charged tax differs from the expected tax.
-- tax_period is the month of the invoice date (the tax point). jurisdiction is the
-- line's Tax Jurisdiction without the " (reverse charge)" note, or the customer's country
-- when the line has none. Amounts are in the invoice currency and, at the invoice date's
-- FX rate (the latest on or before it), in var reporting_currency.
-- Partitioned by invoice (macros/partitioned.sql): an incremental build recomputes only the
-- invoices whose invoice or lines changed (the invoices the revenue schedule recomputed:
-- it reads both whole) or whose invoice date's FX rates changed.
-- depends_on: {{ ref('fct_revenue_schedule') }}
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_partitions('invoice_id', revlake.tax_lines_partition_inputs(), upstream=['fct_revenue_schedule']) }}",
    post_hook="{{ revlake.keep_partition_hashes(revlake.tax_lines_partition_inputs()) }}"
) }}
{% set rc = var('reporting_currency') | upper %}
{% set eu = ['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR',
             'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI',
             'SK'] %}
with invoices as (
  select
    invoice_id,
    customer_id,
    invoice_date,
    currency as invoice_currency,
    customer_country_code,
    customer_tax_id
  from {{ ref('int_invoices') }}
  where is_countable and invoice_date is not null
    and {{ revlake.in_changed_partitions('invoice_id') }}
),

lines as (
  select
    l.invoice_line_id,
    l.invoice_id,
    i.customer_id,
    i.invoice_date,
    coalesce(l.currency, i.invoice_currency) as currency,
    i.customer_country_code,
    i.customer_tax_id,
    l.tax_jurisdiction,
    coalesce(
      nullif(trim(replace(upper(l.tax_jurisdiction), ' (REVERSE CHARGE)', '')), ''),
      i.customer_country_code,
      'unknown'  -- a line with no tax jurisdiction and no customer country: reported as such
    ) as jurisdiction,
    coalesce(lower(l.tax_jurisdiction) like '%(reverse charge)%', false) as is_reverse_charge,
    cast(coalesce(l.tax_rate, 0) as decimal(9, 4)) as tax_rate,
    cast(coalesce(l.net_amount, 0) as decimal(18, 2)) as net_amount,
    cast(l.tax_amount as decimal(18, 2)) as tax_amount
  from {{ ref('int_invoice_lines') }} as l
  inner join invoices as i on i.invoice_id = l.invoice_id
  where {{ revlake.in_changed_partitions('l.invoice_id') }}
),

classified as (
  select
    lines.*,
    {{ revlake.month_start('invoice_date') }} as tax_period,
    case
      when jurisdiction in ('{{ eu | join("', '") }}', 'GB') then 'VAT'
      when jurisdiction = 'AU' then 'GST'
      when jurisdiction in ('CA-NB', 'CA-NL', 'CA-NS', 'CA-ON', 'CA-PE') then 'HST'
      when jurisdiction = 'CA' or jurisdiction like 'CA-%' then 'GST'
      when jurisdiction = 'US' or jurisdiction like 'US-%' then 'sales'
      else 'other'
    end as tax_kind,
    case
      when is_reverse_charge then 'reverse_charge'
      when tax_amount <> 0 or tax_rate > 0 then 'taxed'
      else 'untaxed'
    end as tax_treatment
  from lines
),

with_fx as (
  select
    c.*,
    {{ revlake.fx_rate_columns('c.currency') }}
  from classified as c
  {{ revlake.fx_rate_joins('c.currency', 'c.invoice_date') }}
)

select
  invoice_line_id,
  invoice_id,
  customer_id,
  invoice_date,
  tax_period,
  customer_country_code,
  customer_tax_id,
  tax_jurisdiction,
  jurisdiction,
  tax_kind,
  tax_treatment,
  is_reverse_charge,
  tax_rate,
  net_amount,
  tax_amount,
  currency,
  '{{ rc }}' as reporting_currency,
  {{ revlake.convert_money('net_amount', 'fx_from', 'fx_to') }} as net_amount_rc,
  {{ revlake.convert_money('tax_amount', 'fx_from', 'fx_to') }} as tax_amount_rc
from with_fx
