{#-
  Keyed staging models rebuilt from the new loads only (docs/TRANSFORM.md "Incremental
  builds", "Keyed staging models").

  A staging model that keeps the latest record per key of ONE bronze table, row by row,
  can be rebuilt in an incremental build from the keys the new loads carry: bronze is
  append-only, so a key's latest record can only change when a new load holds that key.
  Such a model is a dbt incremental model on DuckDB (a table on other engines, where
  nothing changes). In an incremental build (`is_incremental()`: its table is in the copy
  of the published build) its pre-hook deletes the rows of every key a new load holds
  (`delete_changed_keys`), and `bronze_table(..., changed_key=...)` reads only the bronze
  rows of those keys (from every load, so the latest record and the duplicate count are
  those of a full rebuild) plus the new loads' rows without a key; dbt appends the result.
  The new loads are the table `revlake_build.new_loads` (table_name, load_id) the build
  writes into its copy before dbt runs (revlake.transform.incremental.write_new_loads);
  without it an incremental run fails instead of guessing. A `--select` build passes
  --full-refresh, so these models are rebuilt whole there.

  Usage, at the top of the model:
    {{ config(materialized=revlake.keyed_materialization(),
              pre_hook="{{ revlake.delete_changed_keys('stripe_invoices', 'id', 'invoice_id') }}") }}
  and read bronze with revlake.bronze_table('stripe_invoices', [...], changed_key='id').
  A model that keys a row without an id by its file and row number (`<file>:<row>`, so that
  a file re-exported under the same name replaces its rows) passes
  `keyless_by_file_row=true` to both: the key is then never null, and a bronze table
  without the key column at all is keyed by file and row alone.
-#}

{% macro keyed_materialization() -%}
  {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{#- The load ids of `table_name` that arrived since the published build (incremental builds). -#}
{% macro new_loads(table_name) -%}
  select load_id from {{ adapter.quote(this.database) }}.revlake_build.new_loads
  where table_name = '{{ table_name }}'
{%- endmacro %}

{#- Pre-hook: delete the rows whose key (`unique_key`, the model's clean `key_column`) a
    new load of `table_name` holds, after keeping those keys in
    `revlake_build."<model>__changed_keys"` (the build's own: the state written after a
    green build replaces the schema), which the model's data tests read to check the rows
    this build rebuilt (macros/tests/changed_partitions_scope.sql). Nothing outside an
    incremental run. -#}
{% macro delete_changed_keys(table_name, key_column, unique_key, keyless_by_file_row=false) -%}
  {%- if is_incremental() -%}
    {%- set relation = revlake.bronze_relation(table_name) -%}
    {%- if relation is not none -%}
      {%- set has_key = key_column | lower in revlake.bronze_columns(relation) -%}
  create or replace table {{ revlake.changed_keys_relation_of(this) }} as
  select distinct {{ revlake.bronze_row_key('b', key_column, has_key, keyless_by_file_row) }}
    as changed_key
  from {{ relation }} as b
  where b._load_id in ({{ revlake.new_loads(table_name) }});
  delete from {{ this }}
  where {{ unique_key }} in (select changed_key from {{ revlake.changed_keys_relation_of(this) }})
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}

{#- The key of a bronze row (alias `alias`): its clean `key_column` (none when the table
    lacks the column, `has_key` false); with `keyless_by_file_row`, `<file>:<row>` where
    there is none. -#}
{% macro bronze_row_key(alias, key_column, has_key, keyless_by_file_row) -%}
  {%- set key = revlake.clean_text(alias ~ '.' ~ adapter.quote(key_column)) if has_key
      else 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
  {%- if keyless_by_file_row -%}
  coalesce({{ key }}, concat({{ alias }}._source_file, ':', {{ alias }}._row_number))
  {%- else -%}
  {{ key }}
  {%- endif -%}
{%- endmacro %}

{#- Where a keyed model's incremental run keeps the keys it rebuilt. -#}
{% macro changed_keys_relation_of(relation) -%}
  {{ adapter.quote(relation.database) }}.revlake_build.{{ adapter.quote(relation.identifier ~ '__changed_keys') }}
{%- endmacro %}

{#- The filter bronze_table adds for a keyed model in an incremental run (alias b): the rows
    of the keys the pre-hook kept (`delete_changed_keys`: those a new load holds), from
    every load, and the new loads' rows without a key (none with `keyless_by_file_row`:
    those rows have a key). -#}
{% macro changed_key_filter(table_name, key_column, has_key=true, keyless_by_file_row=false) -%}
  {%- set key = revlake.bronze_row_key('b', key_column, has_key, keyless_by_file_row) -%}
  where {{ key }} in (
      select changed_key from {{ revlake.changed_keys_relation_of(this) }}
      where changed_key is not null)
  {%- if not keyless_by_file_row %}
    or ({{ key }} is null and b._load_id in ({{ revlake.new_loads(table_name) }}))
  {%- endif %}
{%- endmacro %}
