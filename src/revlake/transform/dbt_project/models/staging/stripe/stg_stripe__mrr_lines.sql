-- Grain: one row per subscription invoice line of a countable Stripe invoice (invoice_line_id),
-- valued as monthly recurring revenue: the MRR definition of docs/METRICS.md.
--   line_mrr = sign × round(unit_amount × quantity × (1 − percent_off/100) ÷ months, 2)
-- months = months per billing interval (month × count, year × 12 × count); percent_off
-- from the line's coupon (0 without); sign = −1 for a proration credit (proration and a
-- negative amount). A zero-amount line that is not a proration is a trial: worth 0 unless
-- var include_trials. Metered prices are excluded unless var include_metered.
-- counts_until: the day from which the line stops counting under var churn_timing
-- (period_end: its own service end; cancellation: the subscription's ended_at;
-- scheduled: the subscription's canceled_at), whichever comes first.
-- as_of_date: the latest invoice date of the export (what "now" is for Stripe's MRR).
-- A view: int_subscription_periods is its only reader and materializes it (docs/TRANSFORM.md).
{{ config(materialized='view') }}

with lines as (
  select * from {{ ref('stg_stripe__invoice_lines') }}
  where line_type = 'subscription'
    and service_start_date is not null
    and service_end_date is not null
    and unit_amount is not null
),

invoices as (
  select invoice_id, customer_id, currency, is_countable
  from {{ ref('stg_stripe__invoices') }}
),

as_of as (
  select max(invoice_date) as as_of_date from {{ ref('stg_stripe__invoices') }}
),

joined as (
  select
    l.invoice_line_id,
    l.invoice_id,
    i.customer_id,
    l.subscription_id,
    l.price_id,
    l.product_id,
    coalesce(i.currency, l.currency) as currency,
    l.service_start_date,
    l.service_end_date,
    l.unit_amount,
    l.quantity,
    l.amount,
    l.is_proration,
    l.coupon_id,
    coalesce(c.percent_off, 0) as percent_off,
    case coalesce(l.plan_interval, p.billing_interval)
      when 'month' then coalesce(l.plan_interval_count, p.interval_count, 1)
      when 'year' then 12 * coalesce(l.plan_interval_count, p.interval_count, 1)
    end as months_per_interval,
    coalesce(p.usage_type, 'licensed') as usage_type,
    case '{{ var("churn_timing") }}'
      when 'cancellation' then cast(s.ended_at as date)
      when 'scheduled' then cast(s.canceled_at as date)
    end as subscription_stop_date
  from lines as l
  inner join invoices as i on i.invoice_id = l.invoice_id and i.is_countable
  left join {{ ref('stg_stripe__coupons') }} as c on c.coupon_id = l.coupon_id
  left join {{ ref('stg_stripe__prices') }} as p on p.price_id = l.price_id
  left join {{ ref('stg_stripe__subscriptions') }} as s on s.subscription_id = l.subscription_id
),

valued as (
  select
    joined.*,
    case when is_proration and amount < 0 then -1 else 1 end as line_sign,
    (amount = 0 and not is_proration) as is_trial,
    case
      when months_per_interval is null then false
      when usage_type = 'metered' and not {{ var('include_metered') }} then false
      else true
    end as is_mrr_line
  from joined
  where customer_id is not null
)

select
  invoice_line_id,
  invoice_id,
  customer_id,
  subscription_id,
  price_id,
  product_id,
  currency,
  service_start_date,
  service_end_date,
  case
    when subscription_stop_date is not null and subscription_stop_date < service_end_date
      then greatest(subscription_stop_date, service_start_date)
    else service_end_date
  end as counts_until_date,
  unit_amount,
  quantity,
  amount,
  is_proration,
  is_trial,
  coupon_id,
  percent_off,
  months_per_interval,
  usage_type,
  is_mrr_line,
  cast(case
    when not is_mrr_line then cast(0 as decimal(18, 2))
    when is_trial and not {{ var('include_trials') }} then cast(0 as decimal(18, 2))
    else line_sign * {{ revlake.cents_to_money(revlake.rounded_quotient(
        revlake.wide_int('round(unit_amount * 100, 0)') ~ ' * quantity * '
          ~ revlake.wide_int('round((100 - percent_off) * 100, 0)'),
        '10000 * months_per_interval')) }}
  end as decimal(18, 2)) as line_mrr,
  as_of.as_of_date
from valued
cross join as_of
