{#-
  The input rows of each partitioned fact, with their partition (macros/partitioned.sql):
  every row the fact's partition is computed from, hashed whole, so that any change to
  one (a new, corrected or removed record of any source) changes that partition's hash.
-#}

{#- Every row of `relation` (a model, or a subquery in parentheses) hashed whole, in the
    partition of its `key` column. -#}
{% macro hashed_rows(relation, key) -%}
  select r.{{ key }} as partition_key, hash(r) as row_hash
  from {{ relation }} as r
{%- endmacro %}

{#- fct_revenue_schedule, by invoice: the invoice, its lines, and the credit note parts of
    its lines (a credit part is counted in every invoice holding a line of its id, as the
    model joins credits to lines by line id). -#}
{% macro revenue_schedule_partition_inputs() -%}
  {{ revlake.hashed_rows(ref('int_invoices'), 'invoice_id') }}
  union all
  {{ revlake.hashed_rows(ref('int_invoice_lines'), 'invoice_id') }}
  union all
  select lines.invoice_id as partition_key, hash(c) as row_hash
  from {{ ref('int_credit_note_lines') }} as c
  inner join (
    select distinct invoice_line_id, invoice_id from {{ ref('int_invoice_lines') }}
  ) as lines on lines.invoice_line_id = c.invoice_line_id
{%- endmacro %}

{#- fct_deferred_revenue_native, by customer: the customer's revenue schedule rows (the
    columns the model reads). -#}
{% macro deferred_revenue_partition_inputs() -%}
  {%- set schedule -%}
  (select customer_id, invoice_line_id, currency, invoice_date, line_net_amount,
     month_start_date, recognised_amount, credited_amount
   from {{ ref('fct_revenue_schedule') }})
  {%- endset -%}
  {{ revlake.hashed_rows(schedule, 'customer_id') }}
{%- endmacro %}

{#- A conversion into the reporting currency at a month's rate (fct_deferred_revenue_monthly,
    fct_ar_open_invoices_monthly), by month (`month_column`): every FX rate of the day the
    month's rows are converted at (`rate_day_column`: the month's last day) and, with
    `rows`, the rows of `native_model` in the month (without: the conversion takes the
    partitions `native_model` recomputed, cut by another key, as a second cut: `upstream`
    'model:column', macros/partitioned.sql). A day's rate is the latest known rate of
    every later day too, so it moves the months whose rate day is on or after it, and no
    month before. -#}
{% macro month_conversion_partition_inputs(native_model, month_column, rate_day_column, rows=true) -%}
  with native as (
    select * from {{ ref(native_model) }}
  ),
  rate_days as (
    select distinct {{ month_column }} as partition_key, {{ rate_day_column }} as rate_day
    from native
  )
  {%- if rows %}
  select n.{{ month_column }} as partition_key, hash(n) as row_hash from native as n
  union all
  {%- endif %}
  select d.partition_key, hash(d.rate_day, fx) as row_hash
  from rate_days as d
  inner join {{ ref('int_fx__daily_rates') }} as fx on fx.rate_day = d.rate_day
{%- endmacro %}

{#- fct_mrr, by month: the customer months of the month and of the month before (a paying
    month followed by none is a churn month), the as-of month (churn months run up to it)
    and the FX rate ranges holding the month's last day. A day's new rate moves the current
    month only; a past month's partition changes only when its own inputs do. -#}
{% macro mrr_partition_inputs() -%}
  with months as (
    select customer_key, customer_id, month_start_date, currency, mrr
    from {{ ref('int_customer_months_aggregated') }}
  ),
  as_of as (
    select {{ revlake.month_start('max(as_of_date)') }} as as_of_month
    from {{ ref('int_subscription_periods') }}
  ),
  partitions as (
    select distinct month_start_date from months
    union
    select distinct {{ revlake.add_months('month_start_date', 1) }} from months
  )
  select m.month_start_date as partition_key, hash(m) as row_hash from months as m
  union all
  select {{ revlake.add_months('m.month_start_date', 1) }} as partition_key, hash(m) as row_hash
  from months as m
  union all
  select as_of_month as partition_key, hash(as_of_month) as row_hash from as_of
  union all
  select p.month_start_date as partition_key, hash(fx) as row_hash
  from partitions as p
  inner join {{ ref('int_fx__rate_ranges') }} as fx
    on {{ revlake.month_end('p.month_start_date') }} >= fx.valid_from
    and {{ revlake.month_end('p.month_start_date') }} < fx.valid_to
{%- endmacro %}

{#- fct_mrr_movements, by month: the MRR rows of the month and of the month before (through
    `fct_mrr`'s stored input hashes of those months, below), and each customer's first
    paying month (new or reactivation), hashed into that month: a customer's first paying
    month moves only when its MRR rows of some month change (that month is recomputed), and
    the one other month whose classification it flips is its old or its new first paying
    month (a transition into paying before the old one, or after it but before the new
    one, is a row that changed). -#}
{% macro mrr_movements_partition_inputs() -%}
  with mrr_months as (
    {{ revlake.stored_month_hashes('fct_mrr') }}
  )
  select month_start_date as partition_key, month_hash as row_hash from mrr_months
  union all
  select {{ revlake.add_months('month_start_date', 1) }}, month_hash from mrr_months
  union all
  select f.first_paying_month, hash(f.customer_key)
  from ({{ revlake.first_paying_months() }}) as f
{%- endmacro %}

{#- Each customer's first paying month in `fct_mrr` (customer_key, first_paying_month): a
    paying month after it without one before is a reactivation, not new. The movements and
    their partition inputs read this one definition. -#}
{% macro first_paying_months() -%}
  select customer_key, min(month_start_date) as first_paying_month
  from {{ ref('fct_mrr') }}
  where is_paying
  group by customer_key
{%- endmacro %}

{#- kpi_revenue_monthly, by month: a month's KPIs read the MRR rows of the month, of the month
    before (last month's total, one-month retention's start) and of twelve months before
    (twelve-month retention's start), and the movements of the month: through those facts'
    stored input hashes of those months. -#}
{% macro revenue_kpi_partition_inputs() -%}
  with mrr_months as (
    {{ revlake.stored_month_hashes('fct_mrr') }}
  ),
  movement_months as (
    {{ revlake.stored_month_hashes('fct_mrr_movements') }}
  )
  select month_start_date as partition_key, month_hash as row_hash from mrr_months
  union all
  select {{ revlake.add_months('month_start_date', 1) }}, month_hash from mrr_months
  union all
  select {{ revlake.add_months('month_start_date', 12) }}, month_hash from mrr_months
  union all
  select month_start_date, month_hash from movement_months
{%- endmacro %}

{#- The stored input hash of each month of `model`, a fact cut by month (its
    `revlake_partitions` table, written by its post-hook before a model reading it runs):
    what that month's rows are computed from, one row per month, so a fact reading those
    rows hashes this instead of them. The months are a calendar (`month_calendar`) joined
    on the hash of each month. -#}
{% macro stored_month_hashes(model) -%}
  select c.month_start_date, hash('{{ model }}', h.input_hash, h.input_rows) as month_hash
  from ({{ revlake.month_calendar() }}) as c
  inner join {{ revlake.partition_hashes_relation_of(ref(model)) }} as h
    on h.partition_key = {{ revlake.partition_key('c.month_start_date') }}
{%- endmacro %}

{#- Every month start a month-cut fact can hold (DuckDB; dates outside typed parsing's
    widest range, 1900–2999, are not dates in silver). -#}
{% macro month_calendar() -%}
  select cast(range as date) as month_start_date
  from range(date '1900-01-01', date '3000-02-01', interval 1 month)
{%- endmacro %}

{#- The receivables facts, by customer: an invoice's events depend on its payments and credit
    notes and, for a voided one, on the invoice that re-issued it (same subscription), so
    a customer's invoices are computed together. The partitioning holds while each invoice
    id and each subscription belongs to one customer (`invoices_span_customers`). -#}

{#- Each invoice id's customer (payments and credit notes name the invoice, not always its
    customer). -#}
{% macro invoice_customers() -%}
  select distinct invoice_id, customer_id from {{ ref('int_invoices') }}
{%- endmacro %}

{#- Every row of `relation` hashed whole, in the partition of the customer of the invoice it
    names (`invoice_id`). -#}
{% macro hashed_rows_by_invoice_customer(relation) -%}
  select c.customer_id as partition_key, hash(r) as row_hash
  from {{ relation }} as r
  inner join ({{ revlake.invoice_customers() }}) as c on c.invoice_id = r.invoice_id
{%- endmacro %}

{#- True when an invoice id or a subscription appears under two customers (or NULL and
    one): the receivables facts are then rebuilt for every customer. -#}
{% macro invoices_span_customers() -%}
  exists (
    select 1 from {{ ref('int_invoices') }}
    group by invoice_id having count(distinct hash(customer_id)) > 1)
  or exists (
    select 1 from {{ ref('int_invoices') }} where subscription_id is not null
    group by subscription_id having count(distinct hash(customer_id)) > 1)
{%- endmacro %}

{#- fct_ar_balance_events: the customer's invoices (with their source's as-of date where
    the model uses it: invoice files of systems other than Stripe), payments and credit
    notes. -#}
{% macro ar_balance_events_partition_inputs() -%}
  with source_as_of as (
    select source_system, max(invoice_date) as source_as_of_date
    from {{ ref('int_invoices') }}
    where is_valid_invoice and coalesce(status, 'open') <> 'draft' and amount_due is not null
      and source_system <> 'stripe'
    group by source_system
  ),
  invoices as (
    select i.*, a.source_as_of_date
    from {{ ref('int_invoices') }} as i
    left join source_as_of as a on a.source_system = i.source_system
  )
  {{ revlake.hashed_rows('invoices', 'customer_id') }}
  union all
  {{ revlake.hashed_rows_by_invoice_customer(ref('int_payments')) }}
  union all
  {{ revlake.hashed_rows_by_invoice_customer(ref('int_credit_notes')) }}
{%- endmacro %}

{#- fct_ar_invoices: the customer's record. Its invoices and payment attempts are inputs of
    the customer's balance events too (the invoices' rows whole, by customer; the payments
    the attempts are made of, by their invoice's customer), so the partitions
    fct_ar_balance_events recomputed (`upstream`) hold every customer whose invoices or
    attempts changed: hashing them again here would find nothing more. -#}
{% macro ar_invoices_partition_inputs() -%}
  {{ revlake.hashed_rows(ref('int_customers'), 'customer_id') }}
{%- endmacro %}

{#- fct_tax_lines, by invoice: every FX rate of its invoice date (hashed per day: a rate that
    arrives late for a past day recomputes that day's invoices). The invoice and its lines
    are inputs of the revenue schedule too (whole rows, by invoice), so the partitions
    fct_revenue_schedule recomputed (`upstream`) hold every invoice whose record or lines
    changed. -#}
{% macro tax_lines_partition_inputs() -%}
  with day_rates as (
    select rate_day, sum(hash(r)) as rates_hash
    from {{ ref('int_fx__daily_rates') }} as r
    group by rate_day
  )
  select i.invoice_id as partition_key, d.rates_hash as row_hash
  from {{ ref('int_invoices') }} as i
  inner join day_rates as d on d.rate_day = i.invoice_date
{%- endmacro %}

{#- int_customer_months_aggregated, by customer: the customer's subscription periods and the
    as-of month (the latest month any source knows: open periods count up to it). The
    periods are hashed without their as_of_date, which moves every day; the month it falls
    in is what the model uses, so a new month recomputes every customer. -#}
{% macro customer_months_partition_inputs() -%}
  with as_of as (
    select {{ revlake.month_start('max(as_of_date)') }} as as_of_month
    from {{ ref('int_subscription_periods') }}
  )
  select p.customer_key as partition_key, hash(p, as_of.as_of_month) as row_hash
  from (
    select * exclude (as_of_date) from {{ ref('int_subscription_periods') }}
  ) as p
  cross join as_of
{%- endmacro %}

{#- fct_ar_payment_attempts, by invoice: the charges that name it. -#}
{% macro ar_payment_attempts_partition_inputs() -%}
  {{ revlake.hashed_rows(ref('int_payments'), 'invoice_id') }}
{%- endmacro %}

{#- fct_opportunity_stage_history, by opportunity: the opportunity's stage history records
    and its opportunity record (source, stage, dates, amount), with its source's as-of date
    only where the model uses it: an open deal (its current stage's days_in_stage runs to
    the as-of date), so that a closed deal's partition is left alone when the date moves. -#}
{% macro opportunity_stage_history_partition_inputs() -%}
  select h.opportunity_id as partition_key, hash(h) as row_hash
  from {{ ref('int_opportunity_stage_history') }} as h
  where h.opportunity_id is not null
  union all
  {{ revlake.hashed_rows(
      "(select * exclude (as_of_date), case when stage_category = 'open' then as_of_date end"
      ~ " as open_as_of_date from " ~ ref('int_opportunities') ~ ")",
      'opportunity_id') }}
{%- endmacro %}

{#- int_leads, by lead: the lead's records (Salesforce's latest, every record of a mapped
    file's lead, deduplicated in the model) and, for a Salesforce lead, the platform of its
    campaign in the ad reports (its channel). -#}
{% macro leads_partition_inputs() -%}
  select l.lead_id as partition_key, hash(l) as row_hash
  from (
    select s.*, c.platform as campaign_platform
    from {{ ref('stg_salesforce__leads') }} as s
    left join (
      select campaign_id, min(platform) as platform
      from {{ ref('int_marketing_spend') }}
      group by campaign_id
    ) as c on c.campaign_id = s.campaign_id
  ) as l
  union all
  {{ revlake.hashed_rows(
      "(select * from " ~ ref('stg_generic__leads') ~ " where lead_id is not null)",
      'lead_id') }}
{%- endmacro %}

{#- fct_opportunity_stages_reached, by opportunity: whether the deal's pipeline record is
    closed and won; its stage history entries (an open deal's current entry carries its
    days in stage, which move with the as-of date) are the partitions
    fct_opportunity_stage_history recomputed (`upstream`). -#}
{% macro stages_reached_partition_inputs() -%}
  {{ revlake.hashed_rows(
      "(select opportunity_id, is_closed, is_won from " ~ ref('fct_pipeline') ~ ")",
      'opportunity_id') }}
{%- endmacro %}

{#- The month ends fct_ar_open_invoices_native reports: from the first balance event to the
    as-of date (the last event; later month ends are not known yet). The model and its
    partition inputs read this one definition. -#}
{% macro ar_month_ends() -%}
  select distinct d.month_end_date
  from {{ ref('dim_date') }} as d
  cross join (
    select max(event_date) as as_of_date, min(event_date) as first_date
    from {{ ref('fct_ar_balance_events') }}
  ) as as_of
  where d.month_end_date >= as_of.first_date
    and d.month_end_date <= as_of.as_of_date
{%- endmacro %}

{#- fct_ar_open_invoices_native, by customer (of the invoice, as fct_ar_invoices has it): the
    month ends reported (one digest in every customer's hash: a new month end recomputes
    every customer); its invoices' records and balance events are the partitions the two
    receivables facts recomputed (`upstream`). -#}
{% macro ar_open_invoices_native_partition_inputs() -%}
  with month_ends as (
    select sum(hash(m.month_end_date)) as month_ends_hash, count(*) as month_ends
    from ({{ revlake.ar_month_ends() }}) as m
  )
  select c.customer_id as partition_key, hash(m.month_ends_hash, m.month_ends) as row_hash
  from (select distinct customer_id from {{ ref('fct_ar_invoices') }}) as c
  cross join month_ends as m
{%- endmacro %}
