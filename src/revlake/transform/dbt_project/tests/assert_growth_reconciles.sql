-- Reconciliation of the growth models: the funnel counts every opportunity of fct_pipeline
-- once (created and won), and channel performance credits every `new` MRR movement to
-- exactly one channel. Returns the differences (nothing when it passes).
with pipeline as (
  select
    sum(case when created_date is not null then 1 else 0 end) as created,
    sum(case when is_won and close_date is not null then 1 else 0 end) as won
  from {{ ref('fct_pipeline') }}
),

funnel as (
  select coalesce(sum(opportunities_created), 0) as created,
    coalesce(sum(opportunities_won), 0) as won
  from {{ ref('fct_funnel') }}
),

movements as (
  select coalesce(sum(amount_rc), 0) as new_mrr, count(*) as new_customers
  from {{ ref('fct_mrr_movements') }}
  where movement_type = 'new'
),

channels as (
  select coalesce(sum(new_mrr_rc), 0) as new_mrr, coalesce(sum(new_customers), 0) as new_customers
  from {{ ref('fct_channel_performance') }}
)

select 'funnel vs pipeline' as check_name,
  cast(p.created as decimal(18, 2)) as expected, cast(f.created as decimal(18, 2)) as actual
from pipeline as p cross join funnel as f
where coalesce(p.created, 0) <> f.created or coalesce(p.won, 0) <> f.won
union all
select 'channel new MRR vs movements', m.new_mrr, c.new_mrr
from movements as m cross join channels as c
where m.new_mrr <> c.new_mrr or m.new_customers <> c.new_customers
