{#- Models go to the schema named in their config (`silver`, `gold`) as is, not to
    `<target schema>_<name>` (dbt's default), so BI tools see stable schema names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}
    {{ target.schema }}
  {%- else -%}
    {{ custom_schema_name | trim }}
  {%- endif -%}
{%- endmacro %}
