-- Grain: one row per usable bank statement line (transaction_id): dated, with an amount.
-- amount is signed (money in > 0) in the account currency. Input of the bank
-- reconciliation (revlake.finance.reconciliation).
select
  transaction_id,
  transaction_date,
  transaction_type,
  description,
  reference,
  counterparty,
  currency,
  cast(amount as decimal(18, 2)) as amount,
  cast(balance as decimal(18, 2)) as balance,
  account
from {{ ref('int_bank_lines') }}
where is_valid
