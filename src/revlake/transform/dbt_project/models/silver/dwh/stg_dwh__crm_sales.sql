-- Grain: one row per sales order line (order_number, product_number). Latest record wins.
-- Dates are YYYYMMDD integers (the layout declares them dates; ingest records the
-- `%Y%m%d` format); `0`, `32154`, `5489` (19 order dates) are not dates: order_date null,
-- order_date_invalid_reason kept. Amounts: sales must equal quantity ×
-- price; 35 lines break that (missing/negative sales or price). Raw values are kept and
-- flagged (is_valid_amounts, amount_invalid_reason); sales_amount/unit_price are the
-- repaired values (sales = quantity × |price| when sales is missing, negative or wrong;
-- price = sales ÷ quantity when price is missing; a negative price is made positive).
with src as (
  select *
  from {{ revlake.latest_record(
      "(select concat(upper(trim(sls_ord_num)), '|', upper(trim(sls_prd_key))) as line_key, b.* from "
      ~ revlake.bronze_table('dwh_crm_sales_details', [
          'sls_ord_num', 'sls_prd_key', 'sls_cust_id', 'sls_order_dt', 'sls_ship_dt',
          'sls_due_dt', 'sls_sales', 'sls_quantity', 'sls_price', '_loaded_at', '_row_number'])
      ~ " as b)", 'line_key') }} as d
  where nullif(trim(sls_ord_num), '') is not null
),

typed as (
  select
    upper(trim(sls_ord_num)) as order_number,
    upper(trim(sls_prd_key)) as product_number,
    {{ revlake.to_int('sls_cust_id') }} as crm_customer_id,
    trim(sls_order_dt) as order_date_raw,
    {% for col in ['sls_order_dt', 'sls_ship_dt', 'sls_due_dt'] -%}
    {{ revlake.to_date(col) }} as {{ col | replace('sls_', '') | replace('_dt', '_date') }},
    {% endfor -%}
    {{ revlake.to_money('sls_sales') }} as sales_amount_raw,
    {{ revlake.to_int('sls_quantity') }} as quantity,
    {{ revlake.to_money('sls_price') }} as unit_price_raw
  from src
),

flagged as (
  select
    typed.*,
    case
      when order_date is null then 'not a YYYYMMDD date: ' || coalesce(order_date_raw, 'empty')
      when ship_date is not null and ship_date < order_date then 'shipped before ordered'
    end as order_date_invalid_reason,
    case
      when sales_amount_raw is null then 'missing sales'
      when unit_price_raw is null then 'missing price'
      when sales_amount_raw < 0 then 'negative sales'
      when unit_price_raw < 0 then 'negative price'
      when sales_amount_raw = 0 then 'zero sales'
      when sales_amount_raw <> quantity * unit_price_raw then 'sales differ from quantity × price'
    end as amount_invalid_reason
  from typed
)

select
  order_number,
  product_number,
  crm_customer_id,
  order_date,
  ship_date,
  due_date,
  order_date_raw,
  order_date_invalid_reason,
  order_date_invalid_reason is null as is_valid_order_date,
  quantity,
  sales_amount_raw,
  unit_price_raw,
  cast(case
    when amount_invalid_reason is null then sales_amount_raw
    when unit_price_raw is not null and unit_price_raw <> 0 then quantity * abs(unit_price_raw)
    else abs(sales_amount_raw)
  end as decimal(18, 2)) as sales_amount,
  cast(case
    when unit_price_raw is not null and unit_price_raw > 0 then unit_price_raw
    when unit_price_raw is not null and unit_price_raw < 0 then abs(unit_price_raw)
    when quantity > 0 then abs(sales_amount_raw) / quantity
  end as decimal(18, 2)) as unit_price,
  amount_invalid_reason,
  amount_invalid_reason is null as is_valid_amounts
from flagged
