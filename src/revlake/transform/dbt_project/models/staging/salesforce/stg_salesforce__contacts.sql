-- Grain: one row per Salesforce contact (contact_id): people at customer accounts.
-- Latest record wins; a contact without an id is left to bronze (the id is the key).
with src as (
  select *
  from {{ revlake.latest_record(revlake.bronze_table('salesforce_contact', [
      'id', 'account_id', 'first_name', 'last_name', 'email', 'title', 'mailing_country',
      'created_date', '_loaded_at', '_row_number']), 'id') }} as d
  where nullif(trim(id), '') is not null
)

select
  trim(id) as contact_id,
  {{ revlake.clean_text('account_id') }} as account_id,
  {{ revlake.clean_text('first_name') }} as first_name,
  {{ revlake.clean_text('last_name') }} as last_name,
  lower({{ revlake.clean_text('email') }}) as email,
  {{ revlake.clean_text('title') }} as title,
  {{ revlake.clean_text('mailing_country') }} as country,
  cast({{ revlake.to_timestamp('created_date') }} as date) as created_date
from src
