{#-
  Conversion of an amount in `currency` on `day` into var('reporting_currency'), through
  USD: amount × fx_from ÷ fx_to (revlake.convert_money), with the latest rate known on or
  before the day (int_fx__daily_rates: an equality join, cheap for millions of rows;
  days from var('date_spine_end') on have no rate). Use both macros together:

    select x.*, {{ revlake.fx_rate_columns('x.currency') }}
    from x
    {{ revlake.fx_rate_joins('x.currency', 'x.some_date') }}

  fx_from = USD per unit of `currency`, fx_to = USD per unit of the reporting currency;
  both are 1 where no conversion is needed (USD, or the reporting currency itself), and
  null when no rate is known yet (the converted amount is then null, never a guess).
-#}
{% macro fx_rate_columns(currency) -%}
  {%- set rc = var('reporting_currency') | upper -%}
    case
      when {{ currency }} = '{{ rc }}' or {{ currency }} = 'USD' then cast(1 as decimal(18, 6))
      else fx.rate_to_usd
    end as fx_from,
    case
      when {{ currency }} = '{{ rc }}' or '{{ rc }}' = 'USD' then cast(1 as decimal(18, 6))
      else fx_rc.rate_to_usd
    end as fx_to
{%- endmacro %}

{% macro fx_rate_joins(currency, day) -%}
  {%- set rc = var('reporting_currency') | upper -%}
  left join {{ ref('int_fx__daily_rates') }} as fx
    on fx.currency = {{ currency }}
    and fx.rate_day = {{ day }}
  left join {{ ref('int_fx__daily_rates') }} as fx_rc
    on fx_rc.currency = '{{ rc }}'
    and fx_rc.rate_day = {{ day }}
{%- endmacro %}
