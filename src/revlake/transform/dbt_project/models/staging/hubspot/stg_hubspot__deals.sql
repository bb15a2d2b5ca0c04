-- Grain: one row per HubSpot deal (deal_id = Record ID). Latest record wins.
-- Columns are the ingest layout's canonical labels (internal names such as dealstage are
-- mapped to them at ingest). Stage: closedwon / "Closed Won" → won, closedlost /
-- "Closed Lost" → lost, else open. Deal probability is a fraction in HubSpot (0.4) and is
-- stored in percent like Salesforce's; the first of several associated company ids is the
-- deal's company.
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('hubspot_deals', [
      'record_id', 'deal_name', 'deal_stage', 'pipeline', 'amount', 'close_date',
      'create_date', 'deal_owner', 'deal_type', 'associated_company_ids', 'currency',
      'deal_probability', '_loaded_at', '_row_number']), 'record_id') }} as d
  where nullif(trim(record_id), '') is not null
),

typed as (
  select
    trim(record_id) as deal_id,
    {{ revlake.clean_text('deal_name') }} as deal_name,
    {{ revlake.clean_text('deal_stage') }} as stage_name,
    {{ revlake.to_money('amount') }} as amount,
    upper({{ revlake.clean_text('currency') }}) as currency,
    {{ revlake.to_date('close_date') }} as close_date,
    {{ revlake.to_date('create_date') }} as created_date,
    {{ revlake.clean_text('deal_owner') }} as owner_name,
    {{ revlake.clean_text('pipeline') }} as pipeline_name,
    {{ revlake.clean_text('deal_type') }} as deal_type,
    try_cast(nullif(trim(deal_probability), '') as decimal(9, 4)) as probability_raw,
    nullif(trim(split_part(associated_company_ids, ';', 1)), '') as company_id
  from src
)

select
  deal_id,
  deal_name,
  stage_name,
  amount,
  currency,
  close_date,
  created_date,
  owner_name,
  pipeline_name,
  deal_type,
  cast(case when probability_raw <= 1 then probability_raw * 100 else probability_raw end
    as decimal(9, 2)) as probability_pct,
  company_id,
  case
    when replace(lower(stage_name), ' ', '') = 'closedwon' then 'won'
    when replace(lower(stage_name), ' ', '') = 'closedlost' then 'lost'
    else 'open'
  end as stage_category
from typed
