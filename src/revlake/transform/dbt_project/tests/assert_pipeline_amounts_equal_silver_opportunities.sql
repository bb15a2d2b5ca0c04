-- Reconciliation: fct_pipeline restates the opportunities of every CRM source
-- (int_opportunities, the data contract's entity) —
-- same number of deals and the same amount per source, currency and outcome. Returns the
-- groups that disagree (a passing test returns nothing).
with silver as (
  select source_system, currency, stage_category as outcome, amount
  from {{ ref('int_opportunities') }}
),

silver_totals as (
  select source_system, coalesce(currency, '{{ var("reporting_currency") }}') as currency,
    outcome, count(*) as deals, coalesce(sum(amount), 0) as amount
  from silver
  group by 1, 2, 3
),

gold_totals as (
  select source_system, currency, outcome, count(*) as deals,
    coalesce(sum(amount), 0) as amount
  from {{ ref('fct_pipeline') }}
  group by 1, 2, 3
)

select
  coalesce(s.source_system, g.source_system) as source_system,
  coalesce(s.currency, g.currency) as currency,
  coalesce(s.outcome, g.outcome) as outcome,
  s.deals as silver_deals, g.deals as gold_deals,
  s.amount as silver_amount, g.amount as gold_amount
from silver_totals as s
full outer join gold_totals as g
  on g.source_system = s.source_system and g.currency = s.currency and g.outcome = s.outcome
where s.deals is null or g.deals is null or s.deals <> g.deals or s.amount <> g.amount
