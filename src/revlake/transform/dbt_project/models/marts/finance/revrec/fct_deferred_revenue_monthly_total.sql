-- Grain: one row per calendar month × currency (month_start_date, currency): the
-- deferred revenue roll-forward of all customers, Σ fct_deferred_revenue_monthly.
-- Months where no customer has a row are absent; the identity
-- opening + billed − recognised − contra = closing holds per row in the currency.
with per_customer as (
  select * from {{ ref('fct_deferred_revenue_monthly') }}
),

totals as (
  select
    month_start_date,
    month_end_date,
    currency,
    reporting_currency,
    count(*) as customer_count,
    cast(sum(opening) as decimal(18, 2)) as opening,
    cast(sum(billed) as decimal(18, 2)) as billed,
    cast(sum(recognised) as decimal(18, 2)) as recognised,
    cast(sum(contra) as decimal(18, 2)) as contra,
    cast(sum(closing) as decimal(18, 2)) as closing,
    cast(sum(opening_rc) as decimal(18, 2)) as opening_rc,
    cast(sum(billed_rc) as decimal(18, 2)) as billed_rc,
    cast(sum(recognised_rc) as decimal(18, 2)) as recognised_rc,
    cast(sum(contra_rc) as decimal(18, 2)) as contra_rc,
    cast(sum(closing_rc) as decimal(18, 2)) as closing_rc
  from per_customer
  group by month_start_date, month_end_date, currency, reporting_currency
)

select * from totals
