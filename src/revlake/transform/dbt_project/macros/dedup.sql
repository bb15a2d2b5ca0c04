{#-
  latest_record(source_sql, key_column): one row per key, the latest record winning: the
  most recent load (_loaded_at), then the last row of that load (_row_number). Keys are
  compared trimmed. source_sql must expose _loaded_at and _row_number (ask bronze_table
  for them). Rows with an empty key are all kept so that silver flags them instead of
  dropping them silently. Adds _recency_rank (1 for the row kept; empty-key rows are
  ranked among themselves) and _duplicate_count (records seen for the key).

  Why three parts instead of one window over every row: a key is almost always seen once
  (one export of each record), and a window sorts every row with all its columns — most
  of a large staging model's time. So only the rows of keys seen more than once, and the
  rows without a key, go through the window; the rest pass straight through with rank 1
  and count 1. Same rows, same columns as the single window.
-#}
{% macro latest_record(source_sql, key_column) -%}
  {%- set key -%}nullif(trim(src.{{ key_column }}), ''){%- endset -%}
  {%- if is_incremental() -%}
  {#- a keyed model's incremental run (macros/incremental.sql): the source holds only the
      rows of the keys new loads hold, a few, so one window over them, the source read once
      (the three parts below would read it four times) -#}
  ({{ revlake.ranked_by_recency(source_sql, key_column, '') }})
  {%- else -%}
  {%- set repeated_keys -%}
    select {{ key }} as _repeated_key
    from {{ source_sql }} as src
    where {{ key }} is not null
    group by {{ key }}
    having count(*) > 1
  {%- endset -%}
  (
    select
      src.*,
      cast(1 as bigint) as _recency_rank,
      cast(1 as bigint) as _duplicate_count
    from {{ source_sql }} as src
    left join ({{ repeated_keys }}) as repeated
      on repeated._repeated_key = {{ key }}
    where {{ key }} is not null and repeated._repeated_key is null
    union all
    {{ revlake.ranked_by_recency(source_sql, key_column,
         'where ' ~ key ~ ' is null or ' ~ key ~ ' in (' ~ repeated_keys ~ ')') }}
  )
  {%- endif -%}
{%- endmacro %}

{#- The rows of `source_sql` (alias src) passing `where_clause`, ranked by recency within
    their key, with the records seen per key; only the latest per key is kept, and every
    row without a key. -#}
{% macro ranked_by_recency(source_sql, key_column, where_clause) -%}
  {%- set key -%}nullif(trim(src.{{ key_column }}), ''){%- endset -%}
    select *
    from (
      select
        src.*,
        row_number() over (
          partition by {{ key }}
          order by src._loaded_at desc nulls last,
                   cast(src._row_number as bigint) desc nulls last
        ) as _recency_rank,
        count(*) over (partition by {{ key }}) as _duplicate_count
      from {{ source_sql }} as src
      {{ where_clause }}
    ) as ranked
    where ranked._recency_rank = 1 or nullif(trim(ranked.{{ key_column }}), '') is null
{%- endmacro %}
