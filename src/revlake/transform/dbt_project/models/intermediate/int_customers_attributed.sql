-- Grain: one row per customer (customer_key, every source of int_customers) with the
-- marketing channel that brought it in. Customers of files mapped onto the data contract
-- carry their own `channel` field; Stripe customers follow the first-touch rule, most
-- specific evidence first:
--   1. the opportunity named on the customer's earliest subscription
--      (salesforce_opportunity_id metadata) → that opportunity's channel;
--   2. else the customer's Salesforce account (salesforce_account_id metadata) → the
--      channel of its earliest won opportunity;
--   3. else the earliest lead converted into that account → the lead's channel;
--   4. else unknown.
with customers as (
  select customer_id, salesforce_account_id
  from {{ ref('stg_stripe__customers') }}
  where customer_id is not null
),

others as (
  -- every other customer: its own channel field (generic files), else unknown
  select
    c.customer_key,
    c.customer_id,
    coalesce(lower(replace(trim(g.channel), ' ', '_')), 'unknown') as channel_id
  from {{ ref('int_customers') }} as c
  left join {{ ref('stg_generic__customers') }} as g
    on g.source_system = c.source_system and g.customer_id = c.customer_id
  where c.source_system <> 'stripe'
),

opps as (
  select opportunity_id, account_id, channel_id, is_won, close_date, created_date
  from {{ ref('int_opportunities') }}
  where source_system = 'salesforce'
),

first_subscription as (
  select customer_id, salesforce_opportunity_id
  from (
    select
      customer_id,
      salesforce_opportunity_id,
      row_number() over (
        partition by customer_id
        order by started_at nulls last, subscription_id
      ) as rn
    from {{ ref('stg_stripe__subscriptions') }}
    where customer_id is not null and salesforce_opportunity_id is not null
  ) as s
  where rn = 1
),

account_first_won as (
  select account_id, channel_id
  from (
    select
      account_id,
      channel_id,
      row_number() over (
        partition by account_id order by close_date nulls last, opportunity_id
      ) as rn
    from opps
    where is_won and account_id is not null
  ) as o
  where rn = 1
),

account_first_lead as (
  select converted_account_id as account_id, channel_id
  from (
    select
      converted_account_id,
      channel_id,
      row_number() over (
        partition by converted_account_id order by created_at nulls last, lead_id
      ) as rn
    from {{ ref('int_leads') }}
    where converted_account_id is not null
  ) as l
  where rn = 1
)

select
  concat('stripe:', c.customer_id) as customer_key,
  c.customer_id,
  c.salesforce_account_id as account_id,
  coalesce(so.channel_id, aw.channel_id, al.channel_id, 'unknown') as channel_id,
  case
    when so.channel_id is not null then 'subscription opportunity'
    when aw.channel_id is not null then 'first won opportunity'
    when al.channel_id is not null then 'first converted lead'
    else 'none'
  end as attributed_by
from customers as c
left join first_subscription as fs on fs.customer_id = c.customer_id
left join opps as so on so.opportunity_id = fs.salesforce_opportunity_id
left join account_first_won as aw on aw.account_id = c.salesforce_account_id
left join account_first_lead as al on al.account_id = c.salesforce_account_id
union all
select
  customer_key,
  max(customer_id),
  cast(null as {{ dbt.type_string() }}),
  max(channel_id),
  case when max(channel_id) <> 'unknown' then 'customer channel field' else 'none' end
from others
group by customer_key
