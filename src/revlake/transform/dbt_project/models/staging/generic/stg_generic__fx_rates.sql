-- Grain: one row per currency and day (currency, rate_date), from every layout mapped onto the data contract's
-- `fx_rates` entity (generic_fx_rates and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('fx_rates') }}
