-- Grain: one row per tax period (month of the invoice date), jurisdiction and invoice
-- currency with any countable invoice line. taxable_net: net of lines that carried tax;
-- reverse_charged_net: net of reverse-charged lines (no tax, the customer self-assesses);
-- untaxed_net: net of the other lines (exports, no nexus). tax_charged sums the lines'
-- billed tax, so the report reconciles to the invoices (assert_tax_report_equals_invoice_tax).
-- The _rc amounts sum the lines' reporting-currency amounts.
with lines as (
  select * from {{ ref('fct_tax_lines') }}
),

grouped as (
  select
    tax_period,
    jurisdiction,
    currency,
    max(tax_kind) as tax_kind,
    sum(case when tax_treatment = 'taxed' then net_amount else 0 end) as taxable_net,
    sum(tax_amount) as tax_charged,
    sum(case when tax_treatment = 'reverse_charge' then net_amount else 0 end)
      as reverse_charged_net,
    sum(case when tax_treatment = 'untaxed' then net_amount else 0 end) as untaxed_net,
    count(*) as line_count,
    sum(case when tax_treatment = 'reverse_charge' then 1 else 0 end) as reverse_charge_line_count,
    max(reporting_currency) as reporting_currency,
    sum(case when tax_treatment = 'taxed' then net_amount_rc else 0 end) as taxable_net_rc,
    sum(tax_amount_rc) as tax_charged_rc,
    sum(case when tax_treatment = 'reverse_charge' then net_amount_rc else 0 end)
      as reverse_charged_net_rc
  from lines
  group by tax_period, jurisdiction, currency
)

select
  tax_period,
  jurisdiction,
  currency,
  tax_kind,
  cast(taxable_net as decimal(18, 2)) as taxable_net,
  cast(tax_charged as decimal(18, 2)) as tax_charged,
  cast(reverse_charged_net as decimal(18, 2)) as reverse_charged_net,
  cast(untaxed_net as decimal(18, 2)) as untaxed_net,
  line_count,
  reverse_charge_line_count,
  reporting_currency,
  cast(taxable_net_rc as decimal(18, 2)) as taxable_net_rc,
  cast(tax_charged_rc as decimal(18, 2)) as tax_charged_rc,
  cast(reverse_charged_net_rc as decimal(18, 2)) as reverse_charged_net_rc
from grouped
