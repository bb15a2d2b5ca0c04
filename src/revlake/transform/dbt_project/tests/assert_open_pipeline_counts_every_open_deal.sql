-- One open-pipeline definition: the as-of month of kpi_pipeline holds every deal of the
-- source that is open now (created date or not) and Σ pipeline_amount_rc of them — the
-- figures the deal scores and the forecast use. Returns the sources that disagree. A
-- source without any dated deal has no monthly KPIs at all (nothing to place in a month):
-- it is not compared.
with open_now as (
  select source_system, count(*) as deals, coalesce(sum(pipeline_amount_rc), 0) as amount,
    {{ revlake.month_start('max(as_of_date)') }} as as_of_month
  from {{ ref('fct_pipeline') }}
  where not is_closed
  group by source_system
),

latest as (
  select k.source_system, k.open_opportunities as deals, k.open_pipeline_amount_rc as amount
  from {{ ref('kpi_pipeline') }} as k
  inner join open_now as o
    on o.source_system = k.source_system and o.as_of_month = k.month_start_date
)

select o.source_system, o.deals as open_deals, l.deals as kpi_deals,
  o.amount as open_amount, l.amount as kpi_amount
from open_now as o
left join latest as l on l.source_system = o.source_system
where o.source_system in (select source_system from {{ ref('kpi_pipeline') }})
  and (l.deals is null or l.deals <> o.deals or l.amount <> o.amount)
