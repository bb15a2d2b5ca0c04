{#-
  latest_record(source_sql, key_column): one row per key, the latest record winning: the
  most recent load (_loaded_at), then the last row of that load (_row_number). Keys are
  compared trimmed. source_sql must expose _loaded_at and _row_number (ask bronze_table
  for them). Rows with an empty key are all kept so that silver flags them instead of
  dropping them silently. Adds _duplicate_count (records seen for the key).
-#}
{% macro latest_record(source_sql, key_column) -%}
  (
    select *
    from (
      select
        src.*,
        row_number() over (
          partition by nullif(trim(src.{{ key_column }}), '')
          order by src._loaded_at desc nulls last,
                   cast(src._row_number as bigint) desc nulls last
        ) as _recency_rank,
        count(*) over (partition by nullif(trim(src.{{ key_column }}), '')) as _duplicate_count
      from {{ source_sql }} as src
    ) as ranked
    where ranked._recency_rank = 1 or nullif(trim(ranked.{{ key_column }}), '') is null
  )
{%- endmacro %}
