-- Grain: one row per opportunity across CRM sources (opportunity_id; source_system says
-- where it comes from): the data contract's `opportunities`. Salesforce, HubSpot,
-- MavenTech and files mapped onto the contract conformed to one layout with a
-- stage category (open / won / lost), the amount in the deal's currency and flags for
-- bad amounts and dates (kept, never dropped). Channel: the converted lead's channel,
-- else the opportunity's own lead source, else unknown.
-- Not partitioned (macros/partitioned.sql): every row carries its source's as_of_date, a
-- maximum over all of the source's deals that moves with each day of new exports, so such
-- a day would recompute every partition of the source: hashing first would cost more.
with sf_lead_channel as (
  select converted_opportunity_id as opportunity_id, min(channel_id) as channel_id
  from {{ ref('int_leads') }}
  where converted_opportunity_id is not null
  group by converted_opportunity_id
),

sf as (
  select
    o.opportunity_id,
    'salesforce' as source_system,
    o.opportunity_name,
    o.account_id,
    o.owner_id as rep_id,
    cast(null as {{ dbt.type_string() }}) as product_id,
    o.plan_name,
    coalesce(lc.channel_id, lower(replace(trim(o.lead_source), ' ', '_')), 'unknown') as channel_id,
    o.stage_name,
    case
      when o.is_won then 'won'
      when o.is_closed then 'lost'
      when lower(o.stage_name) = 'closed won' then 'won'
      when lower(o.stage_name) = 'closed lost' then 'lost'
      else 'open'
    end as stage_category,
    o.amount,
    coalesce(o.currency, '{{ var("reporting_currency") }}') as currency,
    o.probability_pct,
    o.created_date,
    o.close_date,
    o.last_stage_change_date,
    cast(null as decimal(18, 2)) as list_price,
    case
      when o.amount is null then 'missing amount'
      when o.amount < 0 then 'negative amount'
    end as amount_invalid_reason,
    case
      when o.created_date is null then 'missing created date'
      when o.close_date < o.created_date and (o.is_closed or o.is_won)
        then 'close before created'
    end as dates_invalid_reason,
    cast(null as {{ dbt.type_string() }}) as features,
    cast(null as date) as loaded_date
  from {{ ref('stg_salesforce__opportunities') }} as o
  left join sf_lead_channel as lc on lc.opportunity_id = o.opportunity_id
),

hubspot as (
  select
    deal_id as opportunity_id,
    'hubspot' as source_system,
    deal_name as opportunity_name,
    company_id as account_id,
    owner_name as rep_id,
    cast(null as {{ dbt.type_string() }}) as product_id,
    cast(null as {{ dbt.type_string() }}) as plan_name,
    'unknown' as channel_id,
    stage_name,
    stage_category,
    amount,
    coalesce(currency, '{{ var("reporting_currency") }}') as currency,
    probability_pct,
    created_date,
    close_date,
    cast(null as date) as last_stage_change_date,
    cast(null as decimal(18, 2)) as list_price,
    case
      when amount is null then 'missing amount'
      when amount < 0 then 'negative amount'
    end as amount_invalid_reason,
    case
      when created_date is null then 'missing created date'
      when close_date < created_date and stage_category <> 'open' then 'close before created'
    end as dates_invalid_reason,
    cast(null as {{ dbt.type_string() }}) as features,
    cast(null as date) as loaded_date
  from {{ ref('stg_hubspot__deals') }}
),

maven as (
  select
    opportunity_id,
    'maven' as source_system,
    cast(null as {{ dbt.type_string() }}) as opportunity_name,
    account_id,
    rep_id,
    product_id,
    cast(null as {{ dbt.type_string() }}) as plan_name,
    'unknown' as channel_id,
    stage_name,
    stage_category,
    amount,
    'USD' as currency,
    cast(null as decimal(9, 2)) as probability_pct,
    engage_date as created_date,
    close_date,
    coalesce(close_date, engage_date) as last_stage_change_date,
    list_price,
    amount_invalid_reason,
    dates_invalid_reason,
    cast(null as {{ dbt.type_string() }}) as features,
    cast(null as date) as loaded_date
  from {{ ref('stg_maven__opportunities') }}
),

generic as (
  -- opportunities of files mapped onto the data contract: the outcome from is_won /
  -- is_closed when given (a win/loss table is closed by definition), else from the stage
  -- name; dates are optional (a table without them still trains the win model)
  select
    opportunity_id,
    source_system,
    opportunity_name,
    customer_id as account_id,
    owner as rep_id,
    product as product_id,
    cast(null as {{ dbt.type_string() }}) as plan_name,
    coalesce(lower(replace(trim(lead_source), ' ', '_')), 'unknown') as channel_id,
    stage as stage_name,
    case
      when is_won then 'won'
      when is_won = false and coalesce(is_closed, true) then 'lost'
      when is_closed and lower(stage) like '%won%' then 'won'
      when is_closed then 'lost'
      when lower(stage) like '%won%' then 'won'
      when lower(stage) like '%lost%' then 'lost'
      else 'open'
    end as stage_category,
    cast(amount as decimal(18, 2)) as amount,
    upper(coalesce(currency, '{{ var("reporting_currency") }}')) as currency,
    cast(probability as decimal(9, 2)) as probability_pct,
    created_date,
    close_date,
    cast(null as date) as last_stage_change_date,
    cast(null as decimal(18, 2)) as list_price,
    case
      when amount is null then 'missing amount'
      when amount < 0 then 'negative amount'
    end as amount_invalid_reason,
    case
      when created_date is null then 'missing created date'
      when close_date < created_date and (is_won is not null or is_closed) then 'close before created'
    end as dates_invalid_reason,
    -- the layout's declared feature columns (JSON object): the win model's extra inputs
    features,
    cast(_loaded_at as date) as loaded_date
  from (
    select
      g.*,
      row_number() over (
        partition by g.source_system, g.opportunity_id
        order by g._loaded_at desc nulls last, g._row_number desc nulls last
      ) as recency_rank
    from {{ ref('stg_generic__opportunities') }} as g
    where g.opportunity_id is not null
  ) as ranked
  where recency_rank = 1
)

select
  unioned.*,
  -- the date the pipeline is observed at: var('as_of_date') when given, else the latest
  -- date the source's export records as having happened (creation, stage change, close of
  -- a closed deal; not the expected close of an open one) — deterministic, never today
  {%- if var('as_of_date', none) %}
  cast('{{ var("as_of_date") }}' as date) as as_of_date,
  {%- else %}
  coalesce(
    max(
      case
        when stage_category <> 'open'
          and close_date >= coalesce(last_stage_change_date, close_date)
          and close_date >= coalesce(created_date, close_date) then close_date
        when last_stage_change_date >= coalesce(created_date, last_stage_change_date)
          then last_stage_change_date
        else created_date
      end
    ) over (partition by source_system),
    -- a source whose deals carry no dates at all: the day its file was loaded
    max(loaded_date) over (partition by source_system)
  ) as as_of_date,
  {%- endif %}
  stage_category <> 'open' as is_closed,
  stage_category = 'won' as is_won,
  amount_invalid_reason is null as is_valid_amount,
  dates_invalid_reason is null as is_valid_dates
from (
  select * from sf
  union all
  select * from hubspot
  union all
  select * from maven
  union all
  select * from generic
) as unioned
