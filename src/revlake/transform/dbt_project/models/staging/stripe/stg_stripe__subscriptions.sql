-- Grain: one row per Stripe subscription (subscription_id), its state at export time.
-- Latest record per id wins. monthly_amount normalises the plan amount to one month
-- (annual ÷ 12, quarterly ÷ 3), rounded half away from zero. MRR history does not come
-- from here (it comes from invoice lines, see stg_stripe__mrr_lines).
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('stripe_subscriptions', [
      'id', 'customer_id', 'customer_email', 'plan', 'product', 'price_id', 'quantity',
      'interval', 'interval_count', 'amount', 'currency', 'status', 'created_utc', 'start_utc',
      'current_period_start_utc', 'current_period_end_utc', 'trial_start_utc', 'trial_end_utc',
      'coupon', 'canceled_at_utc', 'cancel_at_period_end', 'ended_at_utc',
      'salesforce_opportunity_id_metadata', '_loaded_at', '_row_number']), 'id') }} as d
),

typed as (
  select
    {{ revlake.clean_text('id') }} as subscription_id,
    _duplicate_count as source_record_count,
    {{ revlake.clean_text('customer_id') }} as customer_id,
    lower({{ revlake.clean_text('customer_email') }}) as customer_email,
    {{ revlake.clean_text('plan') }} as plan_name,
    {{ revlake.clean_text('product') }} as product_id,
    {{ revlake.clean_text('price_id') }} as price_id,
    coalesce({{ revlake.to_int('quantity') }}, 1) as quantity,
    lower({{ revlake.clean_text('interval') }}) as billing_interval,
    coalesce({{ revlake.to_int('interval_count') }}, 1) as interval_count,
    {{ revlake.to_money('amount') }} as amount,
    upper({{ revlake.clean_text('currency') }}) as currency,
    lower({{ revlake.clean_text('status') }}) as status,
    {{ revlake.to_timestamp('created_utc') }} as created_at,
    {{ revlake.to_timestamp('start_utc') }} as started_at,
    {{ revlake.to_timestamp('current_period_start_utc') }} as current_period_start_at,
    {{ revlake.to_timestamp('current_period_end_utc') }} as current_period_end_at,
    {{ revlake.to_timestamp('trial_start_utc') }} as trial_start_at,
    {{ revlake.to_timestamp('trial_end_utc') }} as trial_end_at,
    {{ revlake.clean_text('coupon') }} as coupon_id,
    {{ revlake.to_timestamp('canceled_at_utc') }} as canceled_at,
    coalesce({{ revlake.to_bool('cancel_at_period_end') }}, false) as cancel_at_period_end,
    {{ revlake.to_timestamp('ended_at_utc') }} as ended_at,
    {{ revlake.clean_text('salesforce_opportunity_id_metadata') }} as salesforce_opportunity_id
  from src
)

select
  typed.*,
  case billing_interval
    when 'month' then interval_count
    when 'year' then 12 * interval_count
  end as months_per_interval,
  case billing_interval
    when 'month' then {{ revlake.cents_to_money(revlake.rounded_quotient(
        'cast(amount * 100 as bigint)', 'interval_count')) }}
    when 'year' then {{ revlake.cents_to_money(revlake.rounded_quotient(
        'cast(amount * 100 as bigint)', '12 * interval_count')) }}
  end as monthly_amount,
  case
    when subscription_id is null then 'missing id'
    when customer_id is null then 'missing customer'
    when amount < 0 then 'negative amount'
    when ended_at < started_at then 'ended before start'
  end as invalid_reason,
  case
    when subscription_id is null or customer_id is null then false
    when amount < 0 then false
    when ended_at < started_at then false
    else true
  end as is_valid_subscription
from typed
where typed.subscription_id is not null
