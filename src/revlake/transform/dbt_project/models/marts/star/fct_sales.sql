-- Grain: one row per sales order line (sales_line_key), from the data contract's
-- order_lines entity (int_order_lines: ERP-course sales lines and order lines of files
-- mapped onto the contract), flags kept.
select * from {{ ref('int_order_lines') }}
