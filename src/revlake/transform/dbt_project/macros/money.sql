{#-
  Exact money arithmetic. DuckDB turns DECIMAL division into DOUBLE, which would round
  half-cents the wrong way, so every division that feeds a rounded amount goes through
  rounded_quotient: integer numerator and denominator, result rounded half away from zero.
-#}

{#- round_half_away_from_zero(n / d) for integer expressions n and d (d > 0), an integer. -#}
{% macro rounded_quotient(n, d) -%}
  {{ return(adapter.dispatch('rounded_quotient', 'revlake')(n, d)) }}
{%- endmacro %}

{% macro default__rounded_quotient(n, d) -%}
  (sign(cast({{ n }} as hugeint))
    * ((2 * abs(cast({{ n }} as hugeint)) + cast({{ d }} as hugeint))
       // (2 * cast({{ d }} as hugeint))))
{%- endmacro %}

{% macro spark__rounded_quotient(n, d) -%}
  (sign(cast({{ n }} as decimal(38, 0)))
    * floor((2 * abs(cast({{ n }} as decimal(38, 0))) + cast({{ d }} as decimal(38, 0)))
            / (2 * cast({{ d }} as decimal(38, 0)))))
{%- endmacro %}

{#- An integer number of cents as DECIMAL(18,2). -#}
{% macro cents_to_money(cents) -%}
  cast(cast({{ cents }} as decimal(38, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}

{#- A text amount from bronze as DECIMAL(18,2); null when it is not a number. -#}
{% macro to_money(column) -%}
  try_cast(nullif(trim({{ column }}), '') as decimal(18, 2))
{%- endmacro %}

{#- Text → integer / timestamp / date / boolean, null when unparseable. -#}
{% macro to_int(column) -%}
  try_cast(nullif(trim({{ column }}), '') as bigint)
{%- endmacro %}

{% macro to_timestamp(column) -%}
  try_cast(nullif(trim({{ column }}), '') as timestamp)
{%- endmacro %}

{% macro to_date(column) -%}
  cast(try_cast(nullif(trim({{ column }}), '') as timestamp) as date)
{%- endmacro %}

{% macro to_bool(column) -%}
  case lower(trim({{ column }}))
    when 'true' then true when 't' then true when '1' then true when 'yes' then true
    when 'false' then false when 'f' then false when '0' then false when 'no' then false
  end
{%- endmacro %}

{#- Trimmed text, empty → null. -#}
{% macro clean_text(column) -%}
  nullif(trim({{ column }}), '')
{%- endmacro %}

{#- An integer expression widened so products of cents and micro-rates cannot overflow. -#}
{% macro wide_int(expr) -%}
  {{ return(adapter.dispatch('wide_int', 'revlake')(expr)) }}
{%- endmacro %}

{% macro default__wide_int(expr) -%}
  cast({{ expr }} as hugeint)
{%- endmacro %}

{% macro spark__wide_int(expr) -%}
  cast({{ expr }} as decimal(38, 0))
{%- endmacro %}

{#-
  convert_money(amount, rate_from, rate_to): amount × rate_from ÷ rate_to rounded to cents,
  half away from zero, where both rates are USD per unit (6 decimals). With rate_to = 1
  (USD reporting) this is round(amount × rate_from, 2).
-#}
{% macro convert_money(amount, rate_from, rate_to) -%}
  {{ revlake.cents_to_money(revlake.rounded_quotient(
      revlake.wide_int('round(' ~ amount ~ ' * 100, 0)') ~ ' * '
        ~ revlake.wide_int('round(' ~ rate_from ~ ' * 1000000, 0)'),
      revlake.wide_int('round(' ~ rate_to ~ ' * 1000000, 0)'))) }}
{%- endmacro %}
