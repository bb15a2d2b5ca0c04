-- Grain: one row per contact (contact_key = '<source_system>:<contact_id>'), from the data
-- contract's contacts entity (int_contacts), with the customer they belong to.
select * from {{ ref('int_contacts') }}
