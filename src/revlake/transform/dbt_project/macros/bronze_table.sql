{#-
  bronze_table(table_name, columns): the ONE way a model reads bronze.

  Renders a subquery selecting exactly `columns` (bronze column names, i.e.
  revlake.ingest.naming.normalize_column_name of the native header) from the bronze table
  `table_name`:
    * the table exists          -> its columns; a column the table lacks -> null
    * the table does not exist  -> an empty relation with those columns
  Every column is a string (bronze is VARCHAR-only). So every model builds, possibly empty,
  for every tenant whatever sources it has. Bronze is database var('bronze_database')
  (default `bronze`, the attached bronze.duckdb), schema var('bronze_schema').
  Usage:  from {{ bronze_table('stripe_invoices', ['id', 'customer', 'status']) }} as inv
-#}
{% macro bronze_table(table_name, columns) -%}
  {{ return(adapter.dispatch('bronze_table', 'revlake')(table_name, columns)) }}
{%- endmacro %}

{% macro default__bronze_table(table_name, columns) -%}
  {%- set relation = revlake.bronze_relation(table_name) -%}
  {%- set existing = [] -%}
  {%- if relation is not none -%}
    {%- for col in adapter.get_columns_in_relation(relation) -%}
      {%- do existing.append(col.name | lower) -%}
    {%- endfor -%}
  {%- endif -%}
  (
    select
    {%- for col in columns %}
      {% if col | lower in existing -%}
        cast({{ adapter.quote(col) }} as {{ dbt.type_string() }}) as {{ adapter.quote(col) }}
      {%- else -%}
        cast(null as {{ dbt.type_string() }}) as {{ adapter.quote(col) }}
      {%- endif -%}
      {{ "," if not loop.last }}
    {%- endfor %}
    {% if relation is not none -%}
    from {{ relation }}
    {%- else -%}
    {# no such bronze table: an empty relation with the requested columns #}
    where 1 = 0
    {%- endif %}
  )
{%- endmacro %}

{#- The bronze relation `table_name`, or none when it does not exist (or while parsing). -#}
{% macro bronze_relation(table_name) -%}
  {%- if not execute -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set relation = adapter.get_relation(
        database=var('bronze_database', none),
        schema=var('bronze_schema', 'main'),
        identifier=table_name) -%}
  {{ return(relation) }}
{%- endmacro %}
