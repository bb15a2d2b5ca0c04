{#- Customer demographics computed the same way on every engine (docs/SALES.md). -#}

{#- Whole years from a birth date to a day (the age on that day); null when either is null. -#}
{% macro age_on(birth_expr, day_expr) -%}
  (cast(extract(year from {{ day_expr }}) as int) - cast(extract(year from {{ birth_expr }}) as int)
   - case
       when cast(extract(month from {{ day_expr }}) as int) * 100 + cast(extract(day from {{ day_expr }}) as int)
          < cast(extract(month from {{ birth_expr }}) as int) * 100 + cast(extract(day from {{ birth_expr }}) as int)
       then 1 else 0
     end)
{%- endmacro %}

{#- The age group of an age in whole years: under 35, 35–44, 45–54, 55–64, 65–74, 75 and
    over; `unknown` when the age is null (no valid birth date or no order date). -#}
{% macro age_group(age_expr) -%}
  case
    when {{ age_expr }} is null then 'unknown'
    when {{ age_expr }} < 35 then 'under 35'
    when {{ age_expr }} < 45 then '35–44'
    when {{ age_expr }} < 55 then '45–54'
    when {{ age_expr }} < 65 then '55–64'
    when {{ age_expr }} < 75 then '65–74'
    else '75 and over'
  end
{%- endmacro %}
