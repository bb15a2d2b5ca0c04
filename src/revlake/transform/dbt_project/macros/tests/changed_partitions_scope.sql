{#-
  Data tests of a partitioned fact in an incremental build (macros/partitioned.sql): a test
  that can only fail on the rows of one partition reads the partitions this build
  recomputed, not the whole table. The rest of the table is, row for row, what the
  published build held, and that build passed the same test.

  Scoped: `not_null` and `accepted_values` (each row passes or fails alone), and `unique`
  / `unique_combination` when the partition key is one of the tested columns (two rows
  with equal values are then in one partition). Not scoped: a uniqueness test without the
  key (two partitions may now share a value), `relationships` (its parent may have lost a
  row) and the singular tests (they compare whole tables). A full build, a `--select`
  build and Spark have no `<model>__changed` table: every test reads the whole table.

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

{#- The filter that keeps the partitions this build recomputed of the fact `relation`, for
    the test being compiled; '' when the test must read the whole table. -#}
{% macro changed_partitions_scope(relation) -%}
  {%- if not execute or target.type != 'duckdb' or relation.identifier is not defined -%}
    {%- do return('') -%}
  {%- endif -%}
  {%- set test = model.get('test_metadata') or {} -%}
  {%- set kind = test.get('name') -%}
  {%- if kind not in ('not_null', 'accepted_values', 'unique', 'unique_combination') -%}
    {%- do return('') -%}
  {%- endif -%}
  {%- set key = revlake.partition_key_of(relation.identifier) -%}
  {%- if not key -%}
    {%- do return('') -%}
  {%- endif -%}
  {%- if kind in ('unique', 'unique_combination') -%}
    {%- set arguments = test.get('kwargs') or {} -%}
    {%- set columns = arguments.get('columns') or [arguments.get('column_name')] -%}
    {%- if key not in columns -%}
      {%- do return('') -%}
    {%- endif -%}
  {%- endif -%}
  {#- asked of the catalog each time: dbt's relation cache would not see a table the fact's
      pre-hook made after the cache was filled -#}
  {%- set found = run_query(
      "select count(*) from information_schema.tables where table_catalog = '"
      ~ relation.database ~ "' and table_schema = 'revlake_partitions' and table_name = '"
      ~ relation.identifier ~ "__changed'") -%}
  {%- if found.columns[0].values()[0] == 0 -%}
    {%- do return('') -%}
  {%- endif -%}
  {%- do return(revlake.partition_key(key) ~ ' in (select partition_key from '
      ~ revlake.partition_hashes_relation_of(relation, '__changed') ~ ')') -%}
{%- endmacro %}

{#- The partition key of a partitioned fact (the first argument of its
    `delete_changed_partitions` pre-hook); none for any other model. -#}
{% macro partition_key_of(model_name) -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type == 'model' and node.name == model_name -%}
      {%- for hook in node.config.get('pre-hook', []) -%}
        {%- set found = modules.re.search("delete_changed_partitions[(] *'([^']+)'", hook.get('sql', '')) -%}
        {%- if found -%}
          {%- do return(found.group(1)) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do return(none) -%}
{%- endmacro %}
