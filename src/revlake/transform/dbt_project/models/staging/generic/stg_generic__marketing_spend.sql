-- Grain: one row per channel, campaign and day (source, channel, campaign_id, spend_date), from every layout mapped onto the data contract's
-- `marketing_spend` entity (generic_marketing_spend and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('marketing_spend') }}
