-- Grain: one row per calendar day (date_day) from var('date_spine_start') (default
-- 2000-01-01) up to but excluding var('date_spine_end') (default 2036-01-01).
-- Fiscal years start in var('fiscal_year_start_month') and are named after the calendar
-- year in which they end (FY2025 = Feb 2024..Jan 2025 when the year starts in February).
{%- set fy_start = var('fiscal_year_start_month', 1) | int %}
with spine as (
  {{ dbt.date_spine(
      'day',
      "cast('" ~ var('date_spine_start', '2000-01-01') ~ "' as date)",
      "cast('" ~ var('date_spine_end', '2036-01-01') ~ "' as date)") }}
),

days as (
  select cast(date_day as date) as date_day from spine
),

parts as (
  select
    date_day,
    cast(extract(year from date_day) as int) as calendar_year,
    cast(extract(quarter from date_day) as int) as calendar_quarter,
    cast(extract(month from date_day) as int) as calendar_month,
    cast(extract(day from date_day) as int) as day_of_month,
    -- ISO day of week (Monday = 1), computed the same way on every engine
    cast(
      ((({{ dbt.datediff("cast('2000-01-03' as date)", 'date_day', 'day') }}) % 7) + 7) % 7 + 1
      as int) as iso_day_of_week
  from days
)

select
  date_day,
  calendar_year,
  calendar_quarter,
  calendar_month,
  day_of_month,
  iso_day_of_week,
  iso_day_of_week >= 6 as is_weekend,
  {{ revlake.month_start('date_day') }} as month_start_date,
  {{ revlake.month_end('date_day') }} as month_end_date,
  date_day = {{ revlake.month_end('date_day') }} as is_month_end,
  calendar_year + case when {{ fy_start }} > 1 and calendar_month >= {{ fy_start }} then 1 else 0 end
    as fiscal_year,
  cast(floor(((calendar_month - {{ fy_start }} + 12) % 12) / 3) as int) + 1 as fiscal_quarter,
  ((calendar_month - {{ fy_start }} + 12) % 12) + 1 as fiscal_month
from parts
