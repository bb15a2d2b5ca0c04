-- Grain: one row per bank statement line (transaction_id), from bronze bank_statement.
-- A statement without an ID column gets an id from its source file and row (a file
-- re-exported under the same name replaces its lines). Amount is signed (money in > 0), in
-- the account's currency.
-- Keyed (macros/incremental.sql): an incremental build rebuilds only the lines whose id (or
-- file and row) a new load holds.
{{ config(
    materialized=revlake.keyed_materialization(),
    pre_hook="{{ revlake.delete_changed_keys('bank_statement', 'id', 'transaction_id', keyless_by_file_row=true) }}"
) }}
with src as (
  select *
  from {{ revlake.bronze_table('bank_statement', [
      'date', 'id', 'type', 'description', 'reference', 'counterparty', 'currency',
      'amount', 'balance', 'account', '_source_file', '_row_number', '_loaded_at'],
      changed_key='id', keyless_by_file_row=true) }} as d
),

keyed as (
  select
    {{ revlake.bronze_row_key('src', 'id', true, keyless_by_file_row=true) }}
      as transaction_id,
    src.*
  from src
),

latest as (
  select *
  from {{ revlake.latest_record('keyed', 'transaction_id') }} as k
)

select
  transaction_id,
  {{ revlake.to_date('date') }} as transaction_date,
  upper({{ revlake.clean_text('type') }}) as transaction_type,
  {{ revlake.clean_text('description') }} as description,
  {{ revlake.clean_text('reference') }} as reference,
  {{ revlake.clean_text('counterparty') }} as counterparty,
  upper(coalesce({{ revlake.clean_text('currency') }}, 'USD')) as currency,
  {{ revlake.to_money('amount') }} as amount,
  {{ revlake.to_money('balance') }} as balance,
  {{ revlake.clean_text('account') }} as account,
  coalesce(
    {{ revlake.to_date('date') }} is not null and {{ revlake.to_money('amount') }} is not null,
    false) as is_valid
from latest
