"""Small exports of the vendors revlake ships layouts for, written from their column lists.

Each file keeps its vendor's quirks: Chargebee's `subscriptions.<attribute>` headers and
a US site's `MM/DD/YYYY HH:MM` dates, Recurly's snake_case columns and ISO timestamps,
Pipedrive's `Deal - <field>` labels and won/lost/open status words, QuickBooks' report
headers, US dates and `$1,085.00` amounts. Every figure the end-to-end test checks is
worked out by hand from these rows (tests/transform/test_vendor_sources.py).
"""

from __future__ import annotations

# Chargebee (a US site): cb_c1 100/month from 15 Jan 2024, still active; cb_c2 two seats of
# a 1,200/year plan (no mrr column value: 1200 × 2 ÷ 12 = 200/month) from 1 Feb to 1 May
# 2024; cb_c3 in trial (no activation yet: flagged, not valued); cb_c4 50/month from
# 10 Mar 2024, cancelled for 10 Mar 2025 (non_renewing until then).
CHARGEBEE_SUBSCRIPTIONS = (
    "subscriptions.id,subscriptions.customer_id,subscriptions.plan_id,"
    "subscriptions.plan_quantity,subscriptions.plan_unit_price,subscriptions.billing_period,"
    "subscriptions.billing_period_unit,subscriptions.status,subscriptions.trial_start,"
    "subscriptions.trial_end,subscriptions.started_at,subscriptions.activated_at,"
    "subscriptions.cancelled_at,subscriptions.currency_code,subscriptions.mrr,"
    "subscriptions.created_at,customers.email\n"
    "cb_s1,cb_c1,pro-monthly,1,100.00,1,month,active,,,01/15/2024 10:00,01/15/2024 10:00,,"
    "USD,100.00,01/15/2024 10:00,ap@acme.example\n"
    "cb_s2,cb_c2,pro-annual,2,1200.00,1,year,cancelled,,,02/01/2024 09:00,02/01/2024 09:00,"
    "05/01/2024 00:00,USD,,02/01/2024 09:00,billing@beta.example\n"
    "cb_s3,cb_c3,pro-monthly,1,100.00,1,month,in_trial,06/01/2024 08:00,07/01/2024 08:00,"
    "06/01/2024 08:00,,,USD,0.00,06/01/2024 08:00,it@gamma.example\n"
    "cb_s4,cb_c4,starter,1,50.00,1,month,non_renewing,,,03/10/2024 14:30,03/10/2024 14:30,"
    "03/10/2025 14:30,USD,50.00,03/10/2024 14:30,fin@delta.example\n"
)

# CB-1001 paid; CB-1002 2,400 with 1,000 paid by bank transfer (1,400 open); CB-1003 600,
# its card payment failed and Chargebee gave up (not_paid: uncollectible, still owed);
# CB-1004 voided.
CHARGEBEE_INVOICES = (
    "invoices.id,invoices.customer_id,invoices.subscription_id,invoices.status,invoices.date,"
    "invoices.due_date,invoices.currency_code,invoices.total,invoices.tax,"
    "invoices.amount_paid,invoices.amount_due,invoices.paid_at\n"
    "CB-1001,cb_c1,cb_s1,paid,01/15/2024 10:00,01/15/2024 10:00,USD,100.00,0.00,100.00,0.00,"
    "01/15/2024 10:05\n"
    "CB-1002,cb_c2,cb_s2,payment_due,02/01/2024 09:00,03/02/2024 09:00,USD,2400.00,0.00,"
    "1000.00,1400.00,\n"
    "CB-1003,cb_c4,cb_s4,not_paid,03/10/2024 14:30,03/10/2024 14:30,USD,600.00,0.00,0.00,"
    "600.00,\n"
    "CB-1004,cb_c1,cb_s1,voided,02/15/2024 10:00,02/15/2024 10:00,USD,100.00,0.00,0.00,"
    "100.00,\n"
)

CHARGEBEE_TRANSACTIONS = (
    "transactions.id,transactions.customer_id,transactions.subscription_id,"
    "transactions.invoice_id,transactions.type,transactions.status,transactions.date,"
    "transactions.amount,transactions.currency_code,transactions.payment_method,"
    "transactions.gateway,transactions.error_code\n"
    "txn_1,cb_c1,cb_s1,CB-1001,payment,success,01/15/2024 10:05,100.00,USD,card,stripe,\n"
    "txn_2,cb_c2,cb_s2,CB-1002,payment,success,02/10/2024 16:00,1000.00,USD,bank_transfer,"
    "not_applicable,\n"
    "txn_3,cb_c4,cb_s4,CB-1003,payment,failure,03/10/2024 14:31,600.00,USD,card,stripe,"
    "card_declined\n"
)

# The accounts of the same site: customers cb_c1…cb_c4 with their names and countries.
CHARGEBEE_CUSTOMERS = (
    "customers.id,customers.first_name,customers.last_name,customers.email,customers.company,"
    "customers.phone,customers.auto_collection,customers.net_term_days,customers.created_at,"
    "customers.taxability,customers.preferred_currency_code,customers.billing_address.city,"
    "customers.billing_address.country\n"
    "cb_c1,Ann,Lee,ap@acme.example,Acme Inc,+1 415 555 0101,on,0,01/15/2024 09:58,taxable,USD,"
    "San Francisco,US\n"
    "cb_c2,Bo,Chen,billing@beta.example,Beta LLC,,off,30,02/01/2024 08:40,taxable,USD,Austin,"
    "US\n"
    "cb_c3,Cy,Diaz,it@gamma.example,Gamma SA,,on,0,06/01/2024 07:59,taxable,USD,Madrid,ES\n"
    "cb_c4,Di,Evans,fin@delta.example,Delta Ltd,,on,0,03/10/2024 14:29,exempt,USD,Leeds,GB\n"
)

# Recurly: r_acct1 3 seats × 25 = 75/month from 5 Jan 2024; r_acct2 a 600 per 12 months
# plan (50/month) from 20 Feb until it expired on 20 Jun 2024, back on 2 seats × 25 = 50
# from 1 Sep 2024; r_acct3 40/month from 1 Mar 2024, canceled on 15 Mar 2024 but paid up
# until it expires in 2030 (canceled_at is not the end).
RECURLY_SUBSCRIPTIONS = (
    "uuid,account_code,email,company_name,plan_code,plan_name,state,quantity,unit_amount,"
    "currency,plan_interval_length,plan_interval_unit,activated_at,canceled_at,expires_at,"
    "current_period_started_at,current_period_ends_at,trial_started_at,trial_ends_at\n"
    "5e1f0a1b2c3d4e5f60718293a4b5c6d7,r_acct1,ops@north.example,North Co,team,Team,active,3,"
    "25.00,USD,1,months,2024-01-05T12:00:00Z,,,2024-12-05T12:00:00Z,2025-01-05T12:00:00Z,,\n"
    "5e1f0a1b2c3d4e5f60718293a4b5c6d8,r_acct2,cfo@south.example,South Ltd,annual,Annual,"
    "expired,1,600.00,USD,12,months,2024-02-20T08:00:00Z,2024-06-01T09:00:00Z,"
    "2024-06-20T08:00:00Z,2024-02-20T08:00:00Z,2025-02-20T08:00:00Z,,\n"
    "5e1f0a1b2c3d4e5f60718293a4b5c6d9,r_acct2,cfo@south.example,South Ltd,team,Team,active,2,"
    "25.00,USD,1,months,2024-09-01T00:00:00Z,,,2024-12-01T00:00:00Z,2025-01-01T00:00:00Z,,\n"
    "5e1f0a1b2c3d4e5f60718293a4b5c6e0,r_acct3,me@east.example,East GmbH,solo,Solo,canceled,1,"
    "40.00,USD,1,months,2024-03-01T00:00:00Z,2024-03-15T10:00:00Z,2030-01-01T00:00:00Z,"
    "2024-03-01T00:00:00Z,2030-01-01T00:00:00Z,,\n"
)

# Recurly's Accounts export (account_* columns), one row per account.
RECURLY_ACCOUNTS = (
    "account_code,account_email,account_username,account_company_name,account_first_name,"
    "account_last_name,account_has_billing_info,account_created_at,account_city,"
    "account_country\n"
    "r_acct1,ops@north.example,,North Co,Nora,North,TRUE,2024-01-05T11:58:00Z,Toronto,CA\n"
    "r_acct2,cfo@south.example,,South Ltd,Sam,South,TRUE,2024-02-20T07:55:00Z,Bristol,GB\n"
    "r_acct3,me@east.example,east,East GmbH,Eva,East,FALSE,2024-03-01T00:00:00Z,Köln,DE\n"
)

# 1001 paid by a card purchase; 1002 past due after a declined card (600 open).
RECURLY_INVOICES = (
    "invoice_number,account_code,state,invoice_type,created_at,due_at,closed_at,currency,"
    "subtotal,tax,total,paid,balance,billing_country,vat_number\n"
    "1001,r_acct1,paid,charge,2024-01-05T12:00:00Z,2024-01-05T12:00:00Z,"
    "2024-01-05T12:00:01Z,USD,75.00,0.00,75.00,75.00,0.00,US,\n"
    "1002,r_acct2,past_due,charge,2024-02-20T08:00:00Z,2024-03-21T08:00:00Z,,USD,600.00,0.00,"
    "600.00,0.00,600.00,GB,GB123456789\n"
)

RECURLY_TRANSACTIONS = (
    "uuid,account_code,invoice_number,subscription_uuid,type,origin,status,amount,currency,"
    "payment_method,gateway,created_at,collected_at\n"
    "61aa0b1c2d3e4f5a6b7c8d9e0f1a2b3c,r_acct1,1001,5e1f0a1b2c3d4e5f60718293a4b5c6d7,purchase,"
    "api,success,75.00,USD,credit_card,stripe,2024-01-05T12:00:01Z,2024-01-05T12:00:01Z\n"
    "61aa0b1c2d3e4f5a6b7c8d9e0f1a2b3d,r_acct2,1002,5e1f0a1b2c3d4e5f60718293a4b5c6d8,purchase,"
    "recurring,declined,600.00,USD,credit_card,stripe,2024-02-20T08:00:05Z,\n"
)

# Pipedrive: deals 1 and 3 won (12,000 closed Feb 2024; 8,000 closed Mar 2024), deal 2
# lost (Mar 2024), deal 4 open since Mar 2024 (20,000 at 40 %).
PIPEDRIVE_DEALS = (
    "Deal - ID,Deal - Title,Deal - Creator,Deal - Owner,Deal - Value,Deal - Currency,"
    "Deal - Weighted value,Deal - Probability,Deal - Organization,Deal - Pipeline,"
    "Deal - Contact person,Deal - Stage,Deal - Label,Deal - Status,Deal - Deal created,"
    "Deal - Update time,Deal - Last stage change,Deal - Won time,Deal - Lost time,"
    "Deal - Deal closed on,Deal - Lost reason,Deal - Expected close date\n"
    "1,Acme expansion,Dana Scully,Dana Scully,12000,USD,12000,,Acme Corp,Sales,Ann Lee,"
    "Negotiations Started,Hot,won,2024-01-10 09:00:00,2024-02-20 15:30:00,"
    "2024-02-01 11:00:00,2024-02-20 15:30:00,,2024-02-20 15:30:00,,2024-02-28\n"
    "2,Globex pilot,Fox Mulder,Fox Mulder,5000,USD,0,,Globex,Sales,Hank Scorpio,Proposal Made,"
    ",lost,2024-01-15 10:00:00,2024-03-01 11:00:00,2024-02-10 10:00:00,,2024-03-01 11:00:00,"
    "2024-03-01 11:00:00,Price,2024-03-15\n"
    '3,Initech renewal,Dana Scully,Dana Scully,8000,USD,8000,,Initech,Sales,"Lumbergh, Bill",'
    "Contact Made,,won,2024-02-01 08:30:00,2024-03-15 17:00:00,2024-02-01 08:30:00,"
    "2024-03-15 17:00:00,,2024-03-15 17:00:00,,2024-03-31\n"
    "4,Umbrella rollout,Fox Mulder,Fox Mulder,20000,USD,8000,40,Umbrella,Enterprise,"
    "Albert Wesker,Qualified,Warm,open,2024-03-05 13:00:00,2024-03-05 13:00:00,"
    "2024-03-05 13:00:00,,,,,2024-06-30\n"
)

# QuickBooks Online: the customer list and the Invoice List report of a US company.
QUICKBOOKS_CUSTOMERS = (
    "Customer,Phone Numbers,Email,Full Name,Billing Address,Country,Customer Type,"
    "Open Balance,Notes\n"
    "Amy's Bird Sanctuary,(650) 555-3311,Birds@Intuit.com,Amy Lauterbach,"
    '"4581 Finch St., Bayshore, CA  94326",USA,Retail,$239.00,Lovely birds\n'
    "Bill's Windsurf Shop,(415) 444-6538,Surf@Intuit.com,Bill Lucchini,"
    '"12 Ocean Dr., Half Moon Bay, CA  94213",USA,Retail,$85.00,\n'
    'Cool Cars,(415) 555-9933,Cool_Cars@intuit.com,Grace Pariente,"65 Ocean Dr., Half Moon '
    'Bay, CA  94213",USA,Commercial,$0.00,"Pays on time, always"\n'
)

# 5001 open in full; 5002 1,085.00 with 85.00 still open; 5003 paid (open balance 0).
QUICKBOOKS_INVOICES = (
    "Date,Transaction Type,Num,Name,Memo/Description,Due Date,Amount,Open Balance\n"
    "01/05/2024,Invoice,5001,Amy's Bird Sanctuary,Weekly gardening,02/04/2024,$239.00,$239.00\n"
    "01/12/2024,Invoice,5002,Bill's Windsurf Shop,Rental fleet service,02/11/2024,"
    '"$1,085.00",$85.00\n'
    '02/01/2024,Invoice,5003,Cool Cars,"Parts, labour",03/02/2024,"$2,369.52",$0.00\n'
)

# file name → (text, the built-in layout that must recognise it)
VENDOR_FILES: dict[str, tuple[str, str]] = {
    "chargebee_subscriptions.csv": (CHARGEBEE_SUBSCRIPTIONS, "chargebee_subscriptions"),
    "chargebee_invoices.csv": (CHARGEBEE_INVOICES, "chargebee_invoices"),
    "chargebee_transactions.csv": (CHARGEBEE_TRANSACTIONS, "chargebee_transactions"),
    "chargebee_customers.csv": (CHARGEBEE_CUSTOMERS, "chargebee_customers"),
    "recurly_subscriptions.csv": (RECURLY_SUBSCRIPTIONS, "recurly_subscriptions"),
    "recurly_invoices.csv": (RECURLY_INVOICES, "recurly_invoices"),
    "recurly_transactions.csv": (RECURLY_TRANSACTIONS, "recurly_transactions"),
    "recurly_accounts.csv": (RECURLY_ACCOUNTS, "recurly_accounts"),
    "pipedrive_deals.csv": (PIPEDRIVE_DEALS, "pipedrive_deals"),
    "quickbooks_customers.csv": (QUICKBOOKS_CUSTOMERS, "quickbooks_customers"),
    "quickbooks_invoices.csv": (QUICKBOOKS_INVOICES, "quickbooks_invoices"),
}
