{#-
  Data tests of a partitioned fact (macros/partitioned.sql) or a keyed staging model
  (macros/incremental.sql: its recomputed rows are the keys its new loads hold) in an
  incremental build: a test that can only fail on rows this build recomputed, or on rows
  sharing a tested value with them, reads those rows, not the whole table. The rest of the table is,
  row for row, what the published build held, and that build passed the same test.

  Scoped: `not_null` and `accepted_values` (each row passes or fails alone) read the
  recomputed partitions; `unique` / `unique_combination` read them too when the partition
  key is one of the tested columns (two rows with equal values are then in one
  partition), and otherwise the recomputed partitions' rows plus every row holding the
  same tested values as one of them (a duplicate this build made has at least one row in a
  recomputed partition; two untouched rows were unique in the published build). A
  singular test whose rule holds per group of rows (e.g. per invoice line) reads its fact
  through `rows_to_test(ref(...), group_columns)`, the same way. Not scoped:
  `relationships` (its parent may have lost a row) and the singular tests that compare
  whole tables. A full build, a `--select` build and Spark have no `<model>__changed` (or
  `__changed_keys`) table: every test reads the whole table.

  dbt builds every generic test's `model` argument with `get_where_subquery`; this
  override adds the scope to the test's own `where` config, if any, and leaves every
  other test to dbt's own macro.
-#}

{% macro get_where_subquery(relation) -%}
  {%- set scope = revlake.changed_partitions_scope(relation) -%}
  {%- if not scope -%}
    {#- dbt's own (and its adapters'), exactly as without this override -#}
    {%- do return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) -%}
  {%- endif -%}
  {%- set where = config.get('where', '') -%}
  {%- set condition = '(' ~ where ~ ') and ' ~ scope if where else scope -%}
  {%- set filtered -%}
    (select * from {{ relation }} where {{ condition }}) dbt_subquery
  {%- endset -%}
  {%- do return(filtered) -%}
{%- endmacro %}

{#- The filter that keeps the rows this build recomputed of the fact `relation`, for the
    test being compiled; '' when the test must read the whole table. -#}
{% macro changed_partitions_scope(relation) -%}
  {%- set test = model.get('test_metadata') or {} -%}
  {%- set kind = test.get('name') -%}
  {%- if kind not in ('not_null', 'accepted_values', 'unique', 'unique_combination') -%}
    {%- do return('') -%}
  {%- endif -%}
  {%- set columns = none -%}
  {%- if kind in ('unique', 'unique_combination') -%}
    {%- set arguments = test.get('kwargs') or {} -%}
    {%- set columns = arguments.get('columns') or [arguments.get('column_name')] -%}
  {%- endif -%}
  {%- do return(revlake.rows_to_check_condition(relation, columns)) -%}
{%- endmacro %}

{#- The rows of the model `relation` a singular test whose rule holds per group of rows
    (`group_columns`) must read: in an incremental build that recomputed part of it, the
    recomputed rows and every row of a group one of them belongs to; otherwise the whole
    table. -#}
{% macro rows_to_test(relation, group_columns) -%}
  {%- set condition = revlake.rows_to_check_condition(relation, group_columns) -%}
  {%- if condition -%}
    (select * from {{ relation }} where {{ condition }})
  {%- else -%}
    {{ relation }}
  {%- endif -%}
{%- endmacro %}

{#- The rows of `relation` a check must read in this build: '' (the whole table) unless the
    build recomputed part of it (a partitioned fact's partitions, a keyed model's keys);
    then the recomputed rows, and — when the check compares rows by `columns` that do not
    hold the partition or row key — every row holding the same values of `columns` as one
    of them. -#}
{% macro rows_to_check_condition(relation, columns=none) -%}
  {%- set recomputed = revlake.recomputed_rows(relation) -%}
  {%- if not recomputed -%}
    {%- do return('') -%}
  {%- endif -%}
  {%- set keys, condition = recomputed -%}
  {%- if columns is none or keys | reject('in', columns) | list | length == 0 -%}
    {%- do return(condition) -%}
  {%- endif -%}
  {%- do return('((' ~ condition ~ ') or (' ~ columns | join(', ') ~ ') in (select '
      ~ columns | join(', ') ~ ' from ' ~ relation ~ ' where ' ~ condition ~ '))') -%}
{%- endmacro %}

{#- (key columns, condition keeping the rows this build recomputed) of the model `relation`:
    a partitioned fact's recomputed partitions (its `<model>__changed`; with a second cut,
    a 'model:column' upstream entry, the rows of that model's recomputed partitions too,
    and that column among the keys: macros/partitioned.sql), a keyed staging
    model's rebuilt keys and its rows without a key (its `<model>__changed_keys`); none
    when it is neither or this build recomputed all of it (a full build, a `--select`
    build, a model new to the build), when the SQL is only being parsed, and on engines
    other than DuckDB (where no model is recomputed in part). -#}
{% macro recomputed_rows(relation) -%}
  {%- if not execute or target.type != 'duckdb' or relation.identifier is not defined -%}
    {%- do return(none) -%}
  {%- endif -%}
  {%- set partition_key = revlake.partition_key_of(relation.identifier) -%}
  {%- set row_key = none if partition_key else revlake.keyed_key_of(relation.identifier) -%}
  {%- if not (partition_key or row_key) -%}
    {%- do return(none) -%}
  {%- endif -%}
  {%- set schema, table = ('revlake_partitions', relation.identifier ~ '__changed')
      if partition_key else ('revlake_build', relation.identifier ~ '__changed_keys') -%}
  {#- asked of the catalog each time: dbt's relation cache would not see a table the
      model's pre-hook made after the cache was filled -#}
  {%- if not revlake.table_in_build(relation.database, schema, table) -%}
    {%- do return(none) -%}
  {%- endif -%}
  {%- if partition_key -%}
    {%- set upstream = revlake.upstream_of(relation.identifier) -%}
    {%- set keys = [partition_key] -%}
    {%- for entry in upstream if ':' in entry -%}
      {%- do keys.append(entry.split(':')[1]) -%}
    {%- endfor -%}
    {%- set recomputed = revlake.upstream_recomputed(upstream, relation.database) -%}
    {%- do return((keys, revlake.recomputed_condition(partition_key, recomputed, relation))) -%}
  {%- endif -%}
  {%- do return(([row_key], '(' ~ row_key ~ ' in (select changed_key from '
      ~ revlake.changed_keys_relation_of(relation) ~ ') or ' ~ row_key ~ ' is null)')) -%}
{%- endmacro %}


{#- The partition key of a partitioned fact (the first argument of its
    `delete_changed_partitions` pre-hook); none for any other model. -#}
{% macro partition_key_of(model_name) -%}
  {%- do return(revlake.pre_hook_argument(model_name, 'delete_changed_partitions', 0)) -%}
{%- endmacro %}

{#- The row key of a keyed staging model (the `unique_key` argument of its
    `delete_changed_keys` pre-hook); none for any other model. -#}
{% macro keyed_key_of(model_name) -%}
  {%- do return(revlake.pre_hook_argument(model_name, 'delete_changed_keys', 2)) -%}
{%- endmacro %}

{#- The quoted argument at `position` of the macro `hook_macro` called in the pre-hook of
    the model `model_name`; none when it has no such hook. -#}
{% macro pre_hook_argument(model_name, hook_macro, position) -%}
  {%- set sql = revlake.pre_hook_sql(model_name, hook_macro) -%}
  {%- set found = modules.re.search(hook_macro ~ "[(]([^)]*)[)]", sql or '') -%}
  {%- if found -%}
    {%- set arguments = modules.re.findall("'([^']*)'", found.group(1)) -%}
    {%- if arguments | length > position -%}
      {%- do return(arguments[position]) -%}
    {%- endif -%}
  {%- endif -%}
  {%- do return(none) -%}
{%- endmacro %}

