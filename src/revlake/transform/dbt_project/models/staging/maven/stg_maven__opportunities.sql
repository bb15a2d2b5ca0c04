-- Grain: one row per MavenTech opportunity (opportunity_id). Latest record wins.
-- Quirks handled: open deals (Engaging, Prospecting) have no close date/value and
-- Prospecting has no engage date (kept, null); 1,425 open deals have no account (kept,
-- null); lost deals carry close_value 0, so their amount is unknown (amount null,
-- amount_invalid_reason 'lost deal value not recorded'); product `GTXPro` is reconciled to
-- `GTX Pro` through product_match_key.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('maven_sales_pipeline', [
      'opportunity_id', 'sales_agent', 'product', 'account', 'deal_stage', 'engage_date',
      'close_date', 'close_value', '_loaded_at', '_row_number']), 'opportunity_id') }} as d
  where nullif(trim(opportunity_id), '') is not null
),

typed as (
  select
    trim(opportunity_id) as opportunity_id,
    {{ revlake.clean_text('sales_agent') }} as rep_id,
    {{ revlake.clean_text('product') }} as product_name_raw,
    lower(replace(replace(trim(product), ' ', ''), '-', '')) as product_match_key,
    {{ revlake.clean_text('account') }} as account_id,
    {{ revlake.clean_text('deal_stage') }} as stage_name,
    {{ revlake.to_date('engage_date') }} as engage_date,
    {{ revlake.to_date('close_date') }} as close_date,
    {{ revlake.to_money('close_value') }} as close_value
  from src
)

select
  t.opportunity_id,
  t.rep_id,
  p.product_id,
  t.product_name_raw,
  t.account_id,
  t.stage_name,
  case lower(t.stage_name) when 'won' then 'won' when 'lost' then 'lost' else 'open' end
    as stage_category,
  t.engage_date,
  t.close_date,
  t.close_value,
  case when lower(t.stage_name) = 'won' then t.close_value end as amount,
  p.list_price,
  case
    when lower(t.stage_name) = 'lost' then 'lost deal value not recorded'
    when lower(t.stage_name) = 'won' and t.close_value is null then 'missing close value'
    when lower(t.stage_name) = 'won' and t.close_value < 0 then 'negative close value'
  end as amount_invalid_reason,
  case
    when t.close_date is not null and t.engage_date is not null
      and t.close_date < t.engage_date then 'close before engage'
    when lower(t.stage_name) in ('won', 'lost') and t.close_date is null then 'missing close date'
  end as dates_invalid_reason
from typed as t
left join {{ ref('stg_maven__products') }} as p on p.product_match_key = t.product_match_key
