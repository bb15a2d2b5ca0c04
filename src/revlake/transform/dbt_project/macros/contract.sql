{#-
  The data contract in SQL (revlake.transform.entities, docs/DATA-CONTRACT.md).

  mapped_entity(entity): one row per record of every bronze table whose layout maps onto
  `entity` (var revlake_entities: built-in generic layouts and the workspace's own), with
  the entity's fields (var revlake_contract) typed by the contract: a mapped column is
  parsed with its file's recorded format (to_date, to_money, … via bronze_table), a value
  map turns the file's words into the contract's (`Won` → true), a constant fills a field
  the file does not carry. Columns:
    source_system   the layout's `source` (generic when none): keys are source-qualified
    source_table    the bronze table (layout) the row comes from
    <fields>        the entity's fields, typed
    features        the layout's feature columns as a JSON object (null when none)
    _source_file, _row_number, _loaded_at   where the row comes from
    invalid_reason  required fields without a value and values that fit no format; rows
                    are flagged, never dropped
    _versions       how many rows carry this record's key in its source (1 when unique)
  A record exported again (the same key in a later file, or later in the same file) is
  kept once, as its latest row (latest load, then latest file, then latest line): monthly
  re-exports of a customer list update it instead of duplicating it. A key field marked
  as_month (a date standing for its month) is compared by its month start. Rows whose key is
  incomplete are all kept. The superseded rows stay in bronze; `_versions` counts them
  and the build's coverage report says how many there were.
-#}
{% macro mapped_entity(entity) -%}
  {%- set contract = var('revlake_contract', none) -%}
  {%- if contract is none -%}
    {{ exceptions.raise_compiler_error("var revlake_contract is missing: build through revlake (revlake.transform.entities)") }}
  {%- endif -%}
  {%- set fields = contract.get(entity) -%}
  {%- if fields is none -%}
    {{ exceptions.raise_compiler_error("unknown entity " ~ entity) }}
  {%- endif -%}
  {%- set sources = var('revlake_entities', {}).get(entity, []) -%}
  {%- if not sources -%}
    select
      cast(null as {{ dbt.type_string() }}) as source_system,
      cast(null as {{ dbt.type_string() }}) as source_table,
      {%- for f in fields %}
      cast(null as {{ revlake.contract_sql_type(f.type) }}) as {{ f.name }},
      {%- endfor %}
      cast(null as {{ dbt.type_string() }}) as features,
      cast(null as {{ dbt.type_string() }}) as _source_file,
      cast(null as bigint) as _row_number,
      cast(null as timestamp) as _loaded_at,
      cast(null as {{ dbt.type_string() }}) as invalid_reason,
      cast(null as bigint) as _versions
    where 1 = 0
  {%- else -%}
    {%- set keys = [] -%}
    {%- set key_values = [] -%}
    {%- for f in fields if f.key -%}
      {%- do keys.append(f.name) -%}
      {%- do key_values.append(revlake.month_start('u.' ~ f.name) if f.get('as_month') else 'u.' ~ f.name) -%}
    {%- endfor -%}
    {%- if not keys -%}
      {{ exceptions.raise_compiler_error("entity " ~ entity ~ " has no key fields in var revlake_contract") }}
    {%- endif -%}
    {%- set record -%}
      u.source_system
      {%- for k in key_values %}, {{ k }}{% endfor %},
      case when {% for k in keys %}u.{{ k }} is null{{ " or " if not loop.last }}{% endfor %}
        then concat(u._source_file, ':', cast(u._row_number as {{ dbt.type_string() }})) end
    {%- endset %}
    select
      source_system,
      source_table,
      {%- for f in fields %}
      {{ f.name }},
      {%- endfor %}
      features,
      _source_file,
      _row_number,
      _loaded_at,
      invalid_reason,
      _versions
    from (
      select
        u.*,
        row_number() over (
          partition by {{ record }}
          order by u._loaded_at desc, u._source_file desc, u._row_number desc
        ) as _version_rank,
        count(*) over (partition by {{ record }}) as _versions
      from (

    {%- for src in sources %}
    {%- set wanted = [] -%}
    {%- for f in fields -%}
      {%- if src.columns.get(f.name) and src.columns[f.name] not in wanted -%}
        {%- do wanted.append(src.columns[f.name]) -%}
      {%- endif -%}
    {%- endfor -%}
    {%- for col in src.features -%}
      {%- if col not in wanted -%}{%- do wanted.append(col) -%}{%- endif -%}
    {%- endfor %}
    select
      '{{ src.source }}' as source_system,
      '{{ src.table }}' as source_table,
      {%- for f in fields %}
      {{ revlake.contract_value(f, src) }} as {{ f.name }},
      {%- endfor %}
      {{ revlake.features_json(src.features) }} as features,
      cast(b._source_file as {{ dbt.type_string() }}) as _source_file,
      cast(b._row_number as bigint) as _row_number,
      cast(b._loaded_at as timestamp) as _loaded_at,
      nullif(concat_ws('; '
        {%- for f in fields if f.required %},
        case when {{ revlake.contract_value(f, src) }} is null
          then '{{ f.name }}: missing' end
        {%- endfor %},
        b._value_issues), '') as invalid_reason
    from {{ revlake.bronze_table(src.table, wanted + ['_source_file', '_row_number', '_loaded_at', '_load_id']) }} as b
    {{ "union all" if not loop.last }}
    {%- endfor %}
      ) as u
    ) as versioned
    where _version_rank = 1
  {%- endif -%}
{%- endmacro %}

{#- The SQL type of a contract field type. -#}
{% macro contract_sql_type(type) -%}
  {%- if type == 'date' -%}date
  {%- elif type == 'timestamp' -%}timestamp
  {%- elif type == 'number' -%}decimal(18, 6)
  {%- elif type == 'integer' -%}bigint
  {%- elif type == 'boolean' -%}boolean
  {%- else -%}{{ dbt.type_string() }}
  {%- endif -%}
{%- endmacro %}

{#- One field of one mapped source, typed: column (by its file's format), value map, constant. -#}
{% macro contract_value(f, src) -%}
  {%- set column = src.columns.get(f.name) -%}
  {%- set mapping = src['values'].get(f.name) -%}
  {%- if column -%}
    {%- set col = 'b.' ~ adapter.quote(column) -%}
    {%- if mapping -%}
      {%- set raw -%}
        (case lower(trim({{ col }}))
          {%- for source_value, contract_value in mapping.items() %}
          when '{{ source_value | replace("'", "''") }}' then '{{ contract_value | replace("'", "''") }}'
          {%- endfor %}
          else {{ col }} end)
      {%- endset -%}
      {{ revlake.typed_text(raw, f.type) }}
    {%- elif f.type == 'date' -%}{{ revlake.to_date(col) }}
    {%- elif f.type == 'timestamp' -%}{{ revlake.to_timestamp(col) }}
    {%- elif f.type == 'number' -%}{{ revlake.to_number(col) }}
    {%- elif f.type == 'integer' -%}{{ revlake.to_int(col) }}
    {%- elif f.type == 'boolean' -%}{{ revlake.to_bool(col) }}
    {%- else -%}{{ revlake.clean_text(col) }}
    {%- endif -%}
  {%- elif src.constants.get(f.name) is not none -%}
    {{ revlake.typed_text("'" ~ (src.constants[f.name] | string | replace("'", "''")) ~ "'", f.type) }}
  {%- else -%}
    cast(null as {{ revlake.contract_sql_type(f.type) }})
  {%- endif -%}
{%- endmacro %}

{#- A text expression (a constant, a value-mapped column) cast to a contract type. -#}
{% macro typed_text(expr, type) -%}
  {%- if type == 'boolean' -%}{{ revlake.to_bool(expr) }}
  {%- elif type == 'text' -%}nullif(trim({{ expr }}), '')
  {%- elif type == 'date' -%}cast(try_cast(nullif(trim({{ expr }}), '') as timestamp) as date)
  {%- else -%}try_cast(nullif(trim({{ expr }}), '') as {{ revlake.contract_sql_type(type) }})
  {%- endif -%}
{%- endmacro %}

{#- Feature columns as one JSON object text (null without features). -#}
{% macro features_json(columns) -%}
  {{ return(adapter.dispatch('features_json', 'revlake')(columns)) }}
{%- endmacro %}

{% macro default__features_json(columns) -%}
  {%- if not columns -%}cast(null as {{ dbt.type_string() }})
  {%- else -%}
  cast(json_object(
    {%- for col in columns %}'{{ col }}', b.{{ adapter.quote(col) }}{{ "," if not loop.last }}{%- endfor -%}
  ) as {{ dbt.type_string() }})
  {%- endif -%}
{%- endmacro %}

{% macro spark__features_json(columns) -%}
  {%- if not columns -%}cast(null as string)
  {%- else -%}
  to_json(named_struct(
    {%- for col in columns %}'{{ col }}', b.`{{ col }}`{{ "," if not loop.last }}{%- endfor -%}
  ))
  {%- endif -%}
{%- endmacro %}
