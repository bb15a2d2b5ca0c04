{#- Date helpers that return DATE on every engine (Spark's date_trunc returns a timestamp). -#}

{#- First day of the month of a date expression. -#}
{% macro month_start(date_expr) -%}
  cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}

{#- Last day of the month of a date expression. -#}
{% macro month_end(date_expr) -%}
  cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, revlake.month_start(date_expr))) }} as date)
{%- endmacro %}

{#- date + n months, as a date. -#}
{% macro add_months(date_expr, n) -%}
  cast({{ dbt.dateadd('month', n, date_expr) }} as date)
{%- endmacro %}

{#- Fiscal year of a date under var fiscal_year_start_month, named by the calendar year in
    which it ends (start month 4: April 2026 – March 2027 is fiscal 2027). -#}
{% macro fiscal_year(date_expr) -%}
  {%- set start = var('fiscal_year_start_month') | int -%}
  {%- if start == 1 -%}
    cast(extract(year from {{ date_expr }}) as integer)
  {%- else -%}
    cast(extract(year from {{ date_expr }})
         + case when extract(month from {{ date_expr }}) >= {{ start }} then 1 else 0 end
         as integer)
  {%- endif -%}
{%- endmacro %}

{#- Fiscal quarter (1-4) of a date under var fiscal_year_start_month. -#}
{% macro fiscal_quarter(date_expr) -%}
  {%- set start = var('fiscal_year_start_month') | int -%}
  cast(floor(cast((extract(month from {{ date_expr }}) - {{ start }} + 12) % 12 as double) / 3)
       + 1 as integer)
{%- endmacro %}

{#- One row per month start from first_month to last_month (both month starts, inclusive),
    as a select-list expression: `select t.*, month_series(a, b) as month_start_date from t`.
    It expands each row by its own months instead of range-joining a calendar spine
    (a range join compares every row with the spine and was most of the revenue
    schedule's and deferred revenue's time). -#}
{% macro month_series(first_month, last_month) -%}
  {{ return(adapter.dispatch('month_series', 'revlake')(first_month, last_month)) }}
{%- endmacro %}

{% macro default__month_series(first_month, last_month) -%}
  cast(unnest(generate_series(
    cast({{ first_month }} as timestamp), cast({{ last_month }} as timestamp), interval 1 month
  )) as date)
{%- endmacro %}

{% macro spark__month_series(first_month, last_month) -%}
  explode(sequence(cast({{ first_month }} as date), cast({{ last_month }} as date), interval 1 month))
{%- endmacro %}
