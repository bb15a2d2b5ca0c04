-- Grain: one row per Stripe export row without an id (source_table, source_file,
-- row_number). Customers, invoices, invoice lines and subscriptions are keyed by their id,
-- so their staging models cannot carry a row without one; it is kept here with its
-- location and counted as invalid (int_invalid_rows), never dropped silently.
{%- set tables = [
    ('stripe_customers', 'customers'), ('stripe_invoices', 'invoices'),
    ('stripe_invoice_line_items', 'invoice_lines'), ('stripe_subscriptions', 'subscriptions')] %}
{%- for table, entity in tables %}
select
  '{{ entity }}' as entity,
  '{{ table }}' as source_table,
  cast(b._source_file as {{ dbt.type_string() }}) as source_file,
  cast(b._row_number as bigint) as row_number,
  'id: missing' as reason
from {{ revlake.bronze_table(table, ['id', '_source_file', '_row_number']) }} as b
where nullif(trim(b.id), '') is null
{{ "union all" if not loop.last }}
{%- endfor %}
