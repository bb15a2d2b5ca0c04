-- Grain: one row per contact (source_system, contact_id): the data contract's `contacts`,
-- every source conformed (Salesforce contacts, files mapped onto the contract; the latest
-- record of a contact wins). customer_key names the account the contact belongs to.
with salesforce as (
  select
    'salesforce' as source_system, contact_id, account_id as customer_id, first_name,
    last_name, email, title, country, created_date
  from {{ ref('stg_salesforce__contacts') }}
),

generic as (
  select
    source_system, contact_id, customer_id, first_name, last_name, lower(email), title,
    country, created_date
  from (
    select
      g.*,
      row_number() over (
        partition by g.source_system, g.contact_id
        order by g._loaded_at desc nulls last, g._row_number desc nulls last
      ) as recency_rank
    from {{ ref('stg_generic__contacts') }} as g
    where g.contact_id is not null
  ) as ranked
  where recency_rank = 1
)

select
  concat(source_system, ':', contact_id) as contact_key,
  case when customer_id is not null then concat(source_system, ':', customer_id) end
    as customer_key,
  unioned.*
from (
  select * from salesforce
  union all
  select * from generic
) as unioned
