-- Grain: one row per payout to the bank (source, payout_id), from every layout mapped onto the data contract's
-- `payouts` entity (generic_payouts and the workspace's own layouts): fields typed by
-- the contract, invalid_reason naming missing required fields and values that fit
-- no format (flagged, never dropped). docs/DATA-CONTRACT.md.
{{ revlake.mapped_entity('payouts') }}
