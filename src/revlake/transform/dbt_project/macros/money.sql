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

{#-
  Parsing bronze text with the format ingest recorded for the value's file
  (revlake.transform.formats): `column` is a bronze column name, optionally prefixed by
  its relation (`src.amount`); its companion `_fmt__<column>` (from bronze_table) holds the
  file's format when that is not plain ISO / a plain number. Without a recorded format the
  text is cast as before (ISO dates, plain numbers). A date outside the plausible range
  (var revlake_formats.date_min/date_max) is kept as parsed and named in the row's
  `_value_issues` (bronze_table), for the model to flag: never dropped, never silent.
-#}
{% macro _format_parts(column) -%}
  {%- set last = column.split('.')[-1] -%}
  {%- set name = last | replace('"', '') | replace('`', '') -%}
  {%- set prefix = column[:(column | length) - (last | length)] -%}
  {%- set codes = var('revlake_formats', {}).get('columns', {}).get(name | lower, {}) -%}
  {{ return({'name': name, 'prefix': prefix, 'codes': codes}) }}
{%- endmacro %}

{% macro _by_format(column, fallback, null_value, kind) -%}
  {%- set parts = revlake._format_parts(column) -%}
  {%- if not parts.codes -%}
    {{ fallback }}
  {%- else -%}
    (case {{ parts.prefix }}{{ adapter.quote('_fmt__' ~ parts.name) }}
      {%- for code, template in parts.codes.items() %}
      {%- if revlake._code_kind(code) == kind %}
      when '{{ code | replace("'", "''") }}' then {{ template | replace('__V__', column) }}
      {%- endif %}
      {%- endfor %}
      when '' then {{ null_value }}
      else {{ fallback }} end)
  {%- endif -%}
{%- endmacro %}

{% macro _code_kind(code) -%}
  {%- if code.startswith('num:') -%}{{ return('number') }}
  {%- elif code in ('bool', 'text', 'empty') -%}{{ return(code) }}
  {%- else -%}{{ return('temporal') }}{%- endif -%}
{%- endmacro %}

{#- Bronze text → plain numeric text (`-1234.5`) by its file's number format. -#}
{% macro number_text(column) -%}
  {{ revlake._by_format(column, "nullif(trim(" ~ column ~ "), '')",
                        "cast(null as " ~ dbt.type_string() ~ ")", 'number') }}
{%- endmacro %}

{#- A text amount from bronze as DECIMAL(18,2); null when it is not a number. -#}
{% macro to_money(column) -%}
  try_cast({{ revlake.number_text(column) }} as decimal(18, 2))
{%- endmacro %}

{#- Text → integer / timestamp / date / boolean, null when unparseable. -#}
{% macro to_int(column) -%}
  try_cast({{ revlake.number_text(column) }} as bigint)
{%- endmacro %}

{% macro parsed_timestamp(column) -%}
  {{ revlake._by_format(column, "try_cast(nullif(trim(" ~ column ~ "), '') as timestamp)",
                        "cast(null as timestamp)", 'temporal') }}
{%- endmacro %}

{% macro to_timestamp(column) -%}
  {{ revlake.parsed_timestamp(column) }}
{%- endmacro %}

{#- True when a parsed timestamp lies in the plausible range (var revlake_formats). -#}
{% macro in_date_range(parsed) -%}
  {%- set formats = var('revlake_formats', {}) -%}
  ({{ parsed }} >= cast('{{ formats.get("date_min", "1900-01-01") }}' as timestamp)
   and {{ parsed }} < cast('{{ formats.get("date_max", "2999-12-31") }}' as timestamp)
                      + interval 1 day)
{%- endmacro %}

{% macro to_date(column) -%}
  cast({{ revlake.to_timestamp(column) }} as date)
{%- endmacro %}

{% macro to_bool(column) -%}
  case lower(trim({{ column }}))
    when 'true' then true when 't' then true when '1' then true when 'yes' then true
    when 'y' then true
    when 'false' then false when 'f' then false when '0' then false when 'no' then false
    when 'n' then false
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
