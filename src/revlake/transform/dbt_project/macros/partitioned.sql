{#-
  Partitioned facts: large facts rebuilt, in an incremental build, only for the partitions
  whose inputs changed (docs/TRANSFORM.md "Incremental builds", "Partitioned facts").

  A partitioned fact names a partition key (an invoice, a customer) such that every output
  row of a partition is computed from input rows of that partition only, and a macro that
  lists those input rows with their partition: `select <partition key> as partition_key,
  hash(<row>) as row_hash from ...` (one select per input, `union all`). The fact keeps,
  per partition, the sum and count of its input rows' hashes in the schema
  `revlake_partitions` of the build (table = the model's name). In an incremental run
  (`is_incremental()`: the table is in the copy of the published build) its pre-hook
  hashes the inputs again (one scan, far cheaper than the fact) and deletes the rows of
  every partition whose hash changed, appeared or disappeared; the model reads only the
  inputs of those partitions (`in_changed_partitions`) and dbt appends the result; the
  post-hook keeps the new hashes. A full build computes them all in the post-hook. The
  partitions an incremental run recomputed stay in `<model>__changed` of its build (a
  full build has none; a copy drops the published build's), so what a build did can be
  checked afterwards.

  The changed set is derived from the inputs themselves, not traced from load ids, so it
  holds whatever changed them: a new load of any source, a file mapped onto the data
  contract, a late record, a corrected export. Whatever a fact reads beyond its
  partition's rows is hashed into the partitions that use it (an FX rate, an as-of date:
  macros/partition_inputs.sql) or is in the build's digest (a setting, a calendar bound:
  a change there is a full build). `whole_if` (a SQL condition) rebuilds every partition when the
  partitioning does not hold for the data at hand (e.g. an invoice id under two customers).

  Usage, at the top of the model:
    {{ config(materialized=revlake.keyed_materialization(),
              pre_hook="{{ revlake.delete_changed_partitions('invoice_id', revlake.my_fact_partition_inputs()) }}",
              post_hook="{{ revlake.keep_partition_hashes(revlake.my_fact_partition_inputs()) }}") }}
  and filter each input with `where {{ revlake.in_changed_partitions('i.invoice_id') }}`.
  On engines other than DuckDB the model is a plain table and the hooks do nothing.
-#}

{#- on-run-start (dbt_project.yml): the hashes' schema, made once before the models run
    (two models making it at once in their own transactions would conflict). -#}
{% macro create_partitions_schema() -%}
  {%- if target.type == 'duckdb' -%}
  create schema if not exists revlake_partitions
  {%- endif -%}
{%- endmacro %}

{#- The partition as the hashes store it: the key's hash (a number groups and joins faster
    than an id; NULL has a hash of its own; two keys of one hash are one partition). -#}
{% macro partition_key(expression) -%}
  hash({{ expression }})
{%- endmacro %}

{% macro partition_hashes_relation(suffix='') -%}
  {{ revlake.partition_hashes_relation_of(this, suffix) }}
{%- endmacro %}

{#- The same, of the fact `relation` (a test reads it of the model it tests). -#}
{% macro partition_hashes_relation_of(relation, suffix='') -%}
  {{ adapter.quote(relation.database) }}.revlake_partitions.{{ adapter.quote(relation.identifier ~ suffix) }}
{%- endmacro %}

{#- The inputs' hash per partition. -#}
{% macro partition_hashes_sql(inputs) -%}
  select {{ revlake.partition_key('partition_key') }} as partition_key,
    sum(row_hash) as input_hash, count(*) as input_rows
  from (
    {{ inputs }}
  ) as partition_inputs
  group by 1
{%- endmacro %}

{#- Pre-hook: hash the inputs again, record the changed partitions and delete their rows.
    `upstream`: partitioned facts the fact reads whose rows are not hashed again; the
    partitions they recomputed in this build are what changed of them (their other
    partitions hold, row for row, what the published build held; a fact not rebuilt in
    this build has no `__changed` table and changed nothing). An entry 'model' is cut by
    the fact's own key: its recomputed partitions are the fact's changed partitions. An
    entry 'model:column' is cut by another column of the fact's rows (deferred revenue's
    conversion, cut by month, reads the roll-forward cut by customer): the rows whose
    `column` is in one of its recomputed partitions are recomputed as well — a second cut
    beside the partitions, read by `in_changed_partitions` and the scoped tests. Nothing
    outside an incremental run. -#}
{% macro delete_changed_partitions(output_key, inputs, whole_if=none, upstream=[]) -%}
  {%- if is_incremental() -%}
  create or replace table {{ revlake.partition_hashes_relation('__now') }} as
  {{ revlake.partition_hashes_sql(inputs) }};
  create or replace table {{ revlake.partition_hashes_relation('__changed') }} as
  select coalesce(n.partition_key, b.partition_key) as partition_key
  from {{ revlake.partition_hashes_relation('__now') }} as n
  full outer join {{ revlake.partition_hashes_relation() }} as b
    on b.partition_key = n.partition_key
  where n.partition_key is null
    or b.partition_key is null
    or n.input_hash <> b.input_hash
    or n.input_rows <> b.input_rows
    {%- if whole_if is not none %}
    or ({{ whole_if }})
    {%- endif %}
  {%- set recomputed = revlake.upstream_recomputed(upstream) -%}
  {%- for column, changed in recomputed if column is none %}
  union
  select partition_key from {{ changed }}
  {%- endfor %};
  delete from {{ this }}
  where {{ revlake.recomputed_condition(output_key, recomputed) }}
  {%- endif -%}
{%- endmacro %}

{#- (column, `__changed` relation) of each `upstream` entry ('model' or 'model:column', see
    `delete_changed_partitions`; column none for the former) that this build recomputed in
    part (asked of the catalog: dbt's relation cache would not see a table another model's
    pre-hook made). The tables are those of the build `database` (this model's when none:
    a test reads them without a ref to the upstream model). -#}
{% macro upstream_recomputed(upstream, database=none) -%}
  {%- set database = database or this.database -%}
  {%- set found = [] -%}
  {%- for entry in upstream -%}
    {%- set name, column = (entry.split(':') + [none])[:2] -%}
    {%- if revlake.table_in_build(database, 'revlake_partitions', name ~ '__changed') -%}
      {%- do found.append((column, adapter.quote(database) ~ '.revlake_partitions.'
          ~ adapter.quote(name ~ '__changed'))) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do return(found) -%}
{%- endmacro %}

{#- The `upstream` entries of the partitioned fact `model_name`'s pre-hook ([] without):
    the one list its delete, its filter and its scoped tests read. -#}
{% macro upstream_of(model_name) -%}
  {%- set sql = revlake.pre_hook_sql(model_name, 'delete_changed_partitions') or '' -%}
  {%- set found = modules.re.search("upstream=\\[([^\\]]*)\\]", sql) -%}
  {%- do return(modules.re.findall("'([^']*)'", found.group(1)) if found else []) -%}
{%- endmacro %}

{#- The SQL of the pre-hook of the model `model_name` that calls `hook_macro`; none when it
    has none. -#}
{% macro pre_hook_sql(model_name, hook_macro) -%}
  {%- for node in graph.nodes.values() -%}
    {%- if node.resource_type == 'model' and node.name == model_name -%}
      {%- for hook in node.config.get('pre-hook', []) -%}
        {%- if hook_macro ~ '(' in hook.get('sql', '') -%}
          {%- do return(hook.get('sql')) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do return(none) -%}
{%- endmacro %}

{#- The rows of `relation` (a fact, or this model when none) whose partition (`key`) this
    build recomputed, or whose column of a 'model:column' upstream entry is in a
    partition that model recomputed (`recomputed`: `upstream_recomputed`'s list). -#}
{% macro recomputed_condition(key, recomputed, relation=none) -%}
  {%- set changed = revlake.partition_hashes_relation_of(relation or this, '__changed') -%}
  {%- set terms = [revlake.partition_key(key) ~ ' in (select partition_key from ' ~ changed ~ ')'] -%}
  {%- for column, upstream_changed in recomputed if column is not none -%}
    {%- do terms.append(revlake.partition_key(column) ~ ' in (select partition_key from '
        ~ upstream_changed ~ ')') -%}
  {%- endfor -%}
  {%- do return('(' ~ terms | join(' or ') ~ ')') -%}
{%- endmacro %}

{#- Whether the build `database` holds `schema`.`table` now. -#}
{% macro table_in_build(database, schema, table) -%}
  {%- set found = run_query(
      "select count(*) from information_schema.tables where table_catalog = '"
      ~ database ~ "' and table_schema = '" ~ schema ~ "' and table_name = '" ~ table ~ "'") -%}
  {%- do return(found.columns[0].values()[0] > 0) -%}
{%- endmacro %}

{#- Post-hook: keep the inputs' hashes for the next build (computed here in a full build,
    taken from the pre-hook in an incremental one). -#}
{% macro keep_partition_hashes(inputs) -%}
  {%- if target.type == 'duckdb' -%}
  create table if not exists {{ revlake.partition_hashes_relation('__now') }} as
  {{ revlake.partition_hashes_sql(inputs) }};
  drop table if exists {{ revlake.partition_hashes_relation() }};
  alter table {{ revlake.partition_hashes_relation('__now') }} rename to {{ adapter.quote(this.identifier) }}
  {%- endif -%}
{%- endmacro %}

{#- The filter of an input in the model: its rows of the changed partitions (and, with
    'model:column' entries in the model's `upstream`, of the rows that cut recomputes) in
    an incremental run, every row otherwise. -#}
{% macro in_changed_partitions(key) -%}
  {%- if is_incremental() -%}
  {{ revlake.recomputed_condition(key, revlake.upstream_recomputed(revlake.upstream_of(this.identifier))) }}
  {%- else -%}
  true
  {%- endif -%}
{%- endmacro %}
