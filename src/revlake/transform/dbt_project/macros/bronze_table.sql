{#-
  bronze_table(table_name, columns): the ONE way a model reads bronze.

  Renders a subquery selecting exactly `columns` (bronze column names, i.e.
  revlake.ingest.naming.normalize_column_name of the native header) from the bronze table
  `table_name`:
    * the table exists          -> its columns; a column the table lacks -> null
    * the table does not exist  -> an empty relation with those columns
  Every column is a string (bronze is VARCHAR-only). So every model builds, possibly empty,
  for every tenant whatever sources it has.
  Typed ingest (revlake.transform.formats): for a column whose files use a format DuckDB's
  cast would not read, a companion `_fmt__<col>` holds the format of the row's file (a
  constant, or joined from bronze's _column_formats); the parse macros (to_date, to_money,
  …) use it. `_value_issues` names, per row, the values that fit no format. Bronze is database var('bronze_database')
  (default `bronze`, the attached bronze.duckdb), schema var('bronze_schema').
  `changed_key` (a keyed staging model, macros/incremental.sql): in an incremental run only
  the rows of the keys the new loads hold, and the new loads' rows without a key (with
  `keyless_by_file_row`, a row without a key is keyed by its file and row number).
  Usage:  from {{ bronze_table('stripe_invoices', ['id', 'customer', 'status']) }} as inv
-#}
{% macro bronze_table(table_name, columns, changed_key=none, keyless_by_file_row=false) -%}
  {{ return(adapter.dispatch('bronze_table', 'revlake')(
      table_name, columns, changed_key, keyless_by_file_row)) }}
{%- endmacro %}

{% macro default__bronze_table(table_name, columns, changed_key=none, keyless_by_file_row=false) -%}
  {%- if table_name in var('revlake_sources', []) -%}
    {#- a declared source (a built-in layout): lineage and freshness start at bronze -#}
    {%- do source('bronze', table_name) -%}
  {%- endif -%}
  {%- set relation = revlake.bronze_relation(table_name) -%}
  {%- set existing = revlake.bronze_columns(relation) -%}
  {%- set formats = var('revlake_formats', {}) -%}
  {%- set typed = formats.get('columns', {}) -%}
  {%- set table_codes = formats.get('tables', {}).get(table_name, {}) -%}
  {%- set table_issues = formats.get('issues', {}).get(table_name, {}) -%}
  {%- set companions = [] -%}
  {%- set joined = [] -%}
  {%- for col in columns -%}
    {%- if col | lower in typed -%}
      {%- do companions.append(col) -%}
      {%- if col | lower in existing and (table_codes.get(col | lower, []) | length) > 1 -%}
        {%- do joined.append(col) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set flagged = [] -%}
  {%- for col in columns -%}
    {%- if col | lower in table_issues and col | lower in existing -%}
      {%- do flagged.append(col) -%}
    {%- endif -%}
  {%- endfor -%}
  (
    select
      typed_bronze.*,
      {% if flagged -%}
      nullif(concat_ws('; '
        {%- for col in flagged %},
        {{ revlake.value_issue(col, table_issues[col | lower]) }}
        {%- endfor %}), '')
      {%- else -%}
      cast(null as {{ dbt.type_string() }})
      {%- endif %} as _value_issues
    from (
      select
      {%- for col in columns %}
        {% if col | lower in existing -%}
          cast(b.{{ adapter.quote(col) }} as {{ dbt.type_string() }}) as {{ adapter.quote(col) }}
        {%- else -%}
          cast(null as {{ dbt.type_string() }}) as {{ adapter.quote(col) }}
        {%- endif -%}
        {{ "," if not loop.last or companions }}
      {%- endfor %}
      {%- for col in companions %}
        {% set codes = table_codes.get(col | lower, []) -%}
        {% if col in joined -%}
          f.{{ adapter.quote('_fmt__' ~ col) }}
        {%- elif col | lower in existing and codes | length == 1 -%}
          '{{ codes[0] }}'
        {%- else -%}
          cast(null as {{ dbt.type_string() }})
        {%- endif %} as {{ adapter.quote('_fmt__' ~ col) }}{{ "," if not loop.last }}
      {%- endfor %}
      {% if relation is not none -%}
      from {{ relation }} as b
      {%- if joined %}
      left join (
        select load_id, source_file
        {%- for col in joined %},
          max(case when column_name = '{{ col | lower }}' then coalesce(format, '') end)
            as {{ adapter.quote('_fmt__' ~ col) }}
        {%- endfor %}
        from {{ revlake.bronze_relation('_column_formats') }}
        where table_name = '{{ table_name }}'
        group by load_id, source_file
      ) as f on f.load_id = b._load_id and f.source_file = b._source_file
      {%- endif %}
      {%- if changed_key and is_incremental() %}
      {{ revlake.changed_key_filter(
          table_name, changed_key, changed_key | lower in existing, keyless_by_file_row) }}
      {%- endif %}
      {%- else -%}
      {# no such bronze table: an empty relation with the requested columns #}
      where 1 = 0
      {%- endif %}
    ) as typed_bronze
  )
{%- endmacro %}

{#- `col: 'value' is not a <kind>` when a value of `col` does not parse with its file's
    format (or is a date outside the plausible range); null otherwise. -#}
{% macro value_issue(col, kind) -%}
  {%- if kind == 'timestamp' -%}
    {%- set ts = revlake.to_timestamp(adapter.quote(col)) -%}
    {%- set parsed = 'case when ' ~ revlake.in_date_range(ts) ~ ' then ' ~ ts ~ ' end' -%}
    {%- set what = 'a date in its format, or out of range' -%}
  {%- elif kind == 'number' -%}
    {%- set parsed = revlake.number_text(adapter.quote(col)) -%}
    {%- set what = 'a number in its format' -%}
  {%- elif kind == 'boolean' -%}
    {%- set parsed = revlake.to_bool(adapter.quote(col)) -%}
    {%- set what = 'true/false' -%}
  {%- else -%}
    {{ return("cast(null as " ~ dbt.type_string() ~ ")") }}
  {%- endif -%}
  case when nullif(trim({{ adapter.quote(col) }}), '') is not null and ({{ parsed }}) is null
    then concat('{{ col }}: ''', trim({{ adapter.quote(col) }}), ''' is not {{ what }}') end
{%- endmacro %}

{#- The lower-cased column names of a bronze `relation` ([] for none). -#}
{% macro bronze_columns(relation) -%}
  {%- if relation is none -%}
    {{ return([]) }}
  {%- endif -%}
  {{ return(adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list) }}
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
