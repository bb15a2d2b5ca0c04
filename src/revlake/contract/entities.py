"""revlake's data contract: the canonical entities every source maps onto.

Every gold table reads only these entities (dbt models `intermediate/int_<entity>`), so a
source is a layout plus, at most, a staging model; a file of the user's own is a layout
that names its entity and maps its columns (docs/DATA-CONTRACT.md). The generic layout of
each entity (`generic_<entity>`) is made from this registry: its columns are the fields,
their synonyms its aliases, their types its declared types.
"""

from __future__ import annotations

from revlake.contract.spec import Entity, Field

F = Field

CUSTOMERS = Entity(
    name="customers",
    title="Customers and accounts",
    grain="one row per customer (source, customer_id)",
    keys=("customer_id",),
    description=(
        "Anyone who pays or may pay: a billing customer, a CRM account, an ERP customer. "
        "A churn flag (with attributes) is enough to train a churn model from a snapshot."
    ),
    fields=(
        F(
            "customer_id",
            "text",
            "the customer's id in the source",
            True,
            ("account_id", "cust_id", "client_id", "customer", "account", "customer_number"),
        ),
        F(
            "customer_name",
            "text",
            "name of the company or person",
            synonyms=("name", "account_name", "company", "company_name", "client_name"),
        ),
        F("email", "text", "billing or main contact e-mail", synonyms=("email_address",)),
        F(
            "country",
            "text",
            "country name or ISO code",
            synonyms=("country_code", "billing_country"),
        ),
        F("industry", "text", "industry or sector", synonyms=("sector", "vertical")),
        F(
            "segment",
            "text",
            "customer segment (SMB, mid-market, enterprise …)",
            synonyms=("tier", "customer_segment", "size_segment"),
        ),
        F("employees", "integer", "number of employees", synonyms=("employee_count", "headcount")),
        F(
            "created_date",
            "date",
            "when the customer was created or signed up",
            synonyms=("signup_date", "created_at", "created", "customer_since", "start_date"),
        ),
        F("currency", "text", "billing currency (ISO 4217)"),
        F(
            "channel",
            "text",
            "acquisition channel (credits new MRR in channel performance)",
            synonyms=("acquisition_channel", "lead_source", "source_channel", "utm_source"),
        ),
        F(
            "is_churned",
            "boolean",
            "true when the customer has churned (snapshot label)",
            synonyms=("churned", "churn", "churn_flag", "has_churned", "exited"),
        ),
        F("churn_date", "date", "when the customer churned", synonyms=("churned_at", "churned_on")),
    ),
    feeds=("dim_customer", "ml_customer_churn (snapshot label)"),
    distinctive=(
        "customer_name",
        "email",
        "country",
        "industry",
        "segment",
        "employees",
        "is_churned",
        "churn_date",
        "channel",
    ),
    builtin_sources=(
        "stripe_customers",
        "salesforce_account",
        "hubspot_companies",
        "maven_accounts",
        "dwh_crm_cust_info",
        "quickbooks_customers",
        "chargebee_customers",
        "recurly_accounts",
    ),
)

CONTACTS = Entity(
    name="contacts",
    title="Contacts",
    grain="one row per contact (source, contact_id)",
    keys=("contact_id",),
    description="People at customer accounts.",
    fields=(
        F("contact_id", "text", "the contact's id", True, ("person_id",)),
        F(
            "customer_id",
            "text",
            "the account the contact belongs to",
            synonyms=("account_id", "company_id"),
        ),
        F("first_name", "text", "first name", synonyms=("firstname", "given_name")),
        F("last_name", "text", "last name", synonyms=("lastname", "surname", "family_name")),
        F("email", "text", "e-mail address", synonyms=("email_address",)),
        F("title", "text", "job title", synonyms=("job_title", "position")),
        F("country", "text", "country", synonyms=("mailing_country",)),
        F("created_date", "date", "when the contact was created", synonyms=("created_at",)),
    ),
    feeds=("dim_contact",),
    distinctive=("first_name", "last_name", "email", "title"),
    builtin_sources=("salesforce_contact",),
)

PRODUCTS = Entity(
    name="products",
    title="Products and plans",
    grain="one row per product or plan (source, product_id)",
    keys=("product_id",),
    fields=(
        F(
            "product_id",
            "text",
            "the product's or plan's id",
            True,
            ("plan_id", "sku", "product_code", "item_id"),
        ),
        F("product_name", "text", "name", synonyms=("plan", "plan_name", "product", "name")),
        F("category", "text", "product family or category", synonyms=("family", "product_family")),
        F(
            "list_price",
            "number",
            "list price per unit and interval",
            synonyms=("price", "unit_price", "sales_price"),
        ),
        F("cost", "number", "unit cost (for profit)", synonyms=("unit_cost", "standard_cost")),
        F("currency", "text", "currency of the prices"),
        F(
            "billing_interval",
            "text",
            "month, quarter, year … for recurring plans",
            synonyms=("interval", "billing_period", "period_unit"),
        ),
    ),
    feeds=("dim_product",),
    distinctive=("product_name", "category", "list_price", "cost", "billing_interval"),
    builtin_sources=("stripe_products", "maven_products", "dwh_crm_prd_info"),
)

SUBSCRIPTIONS = Entity(
    name="subscriptions",
    title="Subscription periods",
    grain="one row per subscription period (source, subscription_id, start_date)",
    keys=("subscription_id", "start_date"),
    description=(
        "Who paid what per month, from when until when. The end date is exclusive (a "
        "period of January is 2024-01-01 → 2024-02-01); no end date means still running. "
        "MRR is `mrr` when given, else amount × quantity ÷ months per interval."
    ),
    fields=(
        F(
            "customer_id",
            "text",
            "who pays",
            True,
            ("account_id", "cust_id", "client_id", "customer", "account"),
        ),
        F(
            "start_date",
            "date",
            "first day of the period",
            True,
            (
                "period_start",
                "started_at",
                "start",
                "from_date",
                "valid_from",
                "subscription_start",
            ),
        ),
        F(
            "end_date",
            "date",
            "first day after the period (exclusive); empty while running",
            synonyms=(
                "period_end",
                "ended_at",
                "end",
                "to_date",
                "valid_to",
                "cancelled_at",
                "canceled_at",
                "subscription_end",
            ),
        ),
        F(
            "mrr",
            "number",
            "monthly recurring revenue of the period",
            synonyms=(
                "monthly_amount",
                "mrr_amount",
                "monthly_recurring_revenue",
                "monthly_value",
                "monthly_fee",
            ),
        ),
        F(
            "amount",
            "number",
            "price per interval (when there is no mrr)",
            synonyms=("plan_amount", "price", "recurring_amount"),
        ),
        F(
            "interval",
            "text",
            "month, quarter, year, week or day (default month)",
            synonyms=("billing_interval", "billing_period", "period_unit", "billing_frequency"),
        ),
        F(
            "interval_count",
            "integer",
            "intervals per billing period (default 1)",
            synonyms=("billing_period_count", "period_count"),
        ),
        F(
            "quantity",
            "integer",
            "seats or units (default 1)",
            synonyms=("seats", "units", "licenses"),
        ),
        F("currency", "text", "ISO 4217 currency of the amounts"),
        F(
            "subscription_id",
            "text",
            "the subscription's id (default: file and row)",
            synonyms=("sub_id", "contract_id", "agreement_id"),
        ),
        F(
            "plan",
            "text",
            "plan or product",
            synonyms=("plan_name", "plan_id", "product", "product_id"),
        ),
        F(
            "is_trial",
            "boolean",
            "true for a free trial period (not MRR)",
            synonyms=("trial", "in_trial"),
        ),
        F(
            "status",
            "text",
            "status as exported (informational)",
            synonyms=("subscription_status",),
        ),
    ),
    feeds=(
        "fct_mrr",
        "fct_mrr_movements",
        "kpi_revenue_monthly",
        "fct_cohort_retention",
        "kpi_unit_economics",
        "ml_customer_churn",
        "ml_customer_ltv",
    ),
    builtin_sources=(
        "stripe_invoice_line_items (MRR lines)",
        "chargebee_subscriptions",
        "recurly_subscriptions",
    ),
    distinctive=("mrr", "amount", "end_date", "interval", "quantity", "plan", "is_trial"),
)

INVOICES = Entity(
    name="invoices",
    title="Invoices",
    grain="one row per invoice (source, invoice_id)",
    keys=("invoice_id",),
    fields=(
        F(
            "invoice_id",
            "text",
            "the invoice's id",
            True,
            ("invoice_number", "invoice_no", "doc_number"),
        ),
        F("customer_id", "text", "who is billed", True, ("account_id", "customer", "client_id")),
        F(
            "invoice_date",
            "date",
            "issue date",
            True,
            ("date", "issued_at", "txn_date", "issue_date"),
        ),
        F("due_date", "date", "payment due date", synonyms=("due",)),
        F("currency", "text", "ISO 4217 currency"),
        F(
            "total",
            "number",
            "amount billed, tax included",
            synonyms=("amount", "invoice_total", "total_amount"),
        ),
        F("tax_amount", "number", "tax on the invoice", synonyms=("tax", "tax_total", "vat")),
        F("amount_paid", "number", "paid so far", synonyms=("paid",)),
        F(
            "amount_due",
            "number",
            "still open",
            synonyms=("balance", "open_amount", "amount_outstanding"),
        ),
        F("status", "text", "paid, open, void …", synonyms=("invoice_status",)),
        F(
            "customer_country",
            "text",
            "the billed customer's country (name or ISO code): the tax jurisdiction",
            synonyms=("billing_country", "country", "country_code"),
        ),
        F(
            "customer_tax_id",
            "text",
            "the customer's VAT or tax number",
            synonyms=("vat_id", "tax_id", "vat_number"),
        ),
    ),
    feeds=("fct_ar_invoices", "fct_ar_balance_events", "fct_revenue_daily"),
    builtin_sources=(
        "stripe_invoices",
        "chargebee_invoices",
        "recurly_invoices",
        "quickbooks_invoices",
    ),
)

INVOICE_LINES = Entity(
    name="invoice_lines",
    title="Invoice lines",
    grain="one row per invoice line (source, line_id)",
    keys=("line_id",),
    fields=(
        F("line_id", "text", "the line's id", True, ("invoice_line_id", "line_item_id")),
        F("invoice_id", "text", "its invoice", True, ("invoice_number", "invoice_no")),
        F("amount", "number", "line amount, tax excluded", True, ("line_amount", "net_amount")),
        F("quantity", "integer", "units", synonyms=("qty", "seats")),
        F("unit_amount", "number", "price per unit", synonyms=("unit_price", "rate")),
        F("description", "text", "what was billed", synonyms=("item", "product_name")),
        F("product_id", "text", "product or plan", synonyms=("plan_id", "item_id", "sku")),
        F(
            "service_start_date",
            "date",
            "first day of service",
            synonyms=("period_start", "service_start"),
        ),
        F(
            "service_end_date",
            "date",
            "first day after the service (exclusive)",
            synonyms=("period_end", "service_end"),
        ),
        F("tax_amount", "number", "tax on the line", synonyms=("tax",)),
        F("currency", "text", "ISO 4217 currency"),
    ),
    feeds=("fct_revenue_schedule", "fct_deferred_revenue_monthly", "fct_tax_lines"),
    builtin_sources=("stripe_invoice_line_items",),
)

PAYMENTS = Entity(
    name="payments",
    title="Payments",
    grain="one row per payment (source, payment_id)",
    keys=("payment_id",),
    fields=(
        F(
            "payment_id",
            "text",
            "the payment's id",
            True,
            ("transaction_id", "charge_id", "receipt_id"),
        ),
        F(
            "payment_date",
            "date",
            "when it was paid",
            True,
            ("date", "paid_at", "transaction_date"),
        ),
        F("amount", "number", "amount paid", True, ("amount_paid", "payment_amount")),
        F("customer_id", "text", "who paid", synonyms=("account_id", "customer")),
        F("invoice_id", "text", "the invoice it pays", synonyms=("invoice_number",)),
        F("currency", "text", "ISO 4217 currency"),
        F("status", "text", "succeeded, failed …", synonyms=("payment_status",)),
        F(
            "payment_method",
            "text",
            "card, bank_transfer, … (bank transfers, checks and direct debits reach the "
            "bank statement one by one; cards only through payouts)",
            synonyms=("method", "payment_type", "payment_method_type"),
        ),
    ),
    description=(
        "For bank reconciliation, a payment without a method is taken to reach the bank "
        "one by one when its source has no payouts, and through a payout when it has."
    ),
    feeds=("fct_ar_balance_events", "fct_cash_payments", "fct_revenue_daily"),
    builtin_sources=("stripe_charges", "chargebee_transactions", "recurly_transactions"),
)

REFUNDS = Entity(
    name="refunds",
    title="Refunds",
    grain="one row per refund (source, refund_id)",
    keys=("refund_id",),
    fields=(
        F("refund_id", "text", "the refund's id", True, ("refund_number",)),
        F("refund_date", "date", "when it was refunded", True, ("date", "refunded_at", "created")),
        F("amount", "number", "amount refunded", True, ("refund_amount",)),
        F("payment_id", "text", "the payment refunded", synonyms=("charge_id", "transaction_id")),
        F("currency", "text", "ISO 4217 currency"),
        F("reason", "text", "why", synonyms=("refund_reason",)),
    ),
    feeds=("fct_revenue_daily", "fct_cash_payments"),
    builtin_sources=("stripe_refunds",),
)

CREDIT_NOTES = Entity(
    name="credit_notes",
    title="Credit notes",
    grain="one row per credit note (source, credit_note_id)",
    keys=("credit_note_id",),
    fields=(
        F(
            "credit_note_id",
            "text",
            "the credit note's id",
            True,
            ("credit_note_number", "cn_number"),
        ),
        F("invoice_id", "text", "the invoice it credits", True, ("invoice_number",)),
        F("credit_note_date", "date", "issue date", True, ("date", "created")),
        F("amount", "number", "amount credited", True, ("total",)),
        F("currency", "text", "ISO 4217 currency"),
        F("reason", "text", "why"),
    ),
    feeds=("fct_ar_balance_events", "fct_revenue_daily", "fct_revenue_schedule"),
    builtin_sources=("stripe_credit_notes",),
)

OPPORTUNITIES = Entity(
    name="opportunities",
    title="Opportunities (deals)",
    grain="one row per opportunity (source, opportunity_id)",
    keys=("opportunity_id",),
    description=(
        "Deals with their stage and, when closed, their outcome. Dates are optional: a "
        "win/loss table without dates still trains a win model (stratified split)."
    ),
    fields=(
        F("opportunity_id", "text", "the deal's id", True, ("deal_id", "opp_id", "deal_number")),
        F(
            "customer_id",
            "text",
            "the account",
            synonyms=("account_id", "account", "company_id", "company"),
        ),
        F("opportunity_name", "text", "name", synonyms=("deal_name", "name", "title")),
        F(
            "owner",
            "text",
            "sales rep",
            synonyms=("owner_id", "rep", "sales_rep", "sales_agent", "owner_name"),
        ),
        F("stage", "text", "current stage", synonyms=("stage_name", "deal_stage", "status")),
        F(
            "amount",
            "number",
            "deal value",
            synonyms=("value", "deal_value", "close_value", "deal_amount"),
        ),
        F("currency", "text", "ISO 4217 currency"),
        F("probability", "number", "stage probability in percent", synonyms=("probability_pct",)),
        F(
            "created_date",
            "date",
            "when the deal was created",
            synonyms=("created_at", "create_date", "engage_date"),
        ),
        F(
            "close_date",
            "date",
            "close date (expected while open)",
            synonyms=("closed_at", "expected_close_date"),
        ),
        F("is_closed", "boolean", "true when closed", synonyms=("closed",)),
        F(
            "is_won",
            "boolean",
            "true when won (the outcome)",
            synonyms=("won", "outcome", "result"),
        ),
        F(
            "lead_source",
            "text",
            "where the deal came from",
            synonyms=("source", "channel", "route_to_market"),
        ),
        F("product", "text", "product or plan", synonyms=("product_id", "plan")),
    ),
    feeds=("fct_pipeline", "kpi_pipeline", "fct_funnel", "ml_deal_scores", "ml_forecast"),
    distinctive=("stage", "amount", "probability", "is_closed", "is_won", "close_date"),
    builtin_sources=(
        "salesforce_opportunity",
        "hubspot_deals",
        "maven_sales_pipeline",
        "pipedrive_deals",
    ),
)

STAGE_HISTORY = Entity(
    name="opportunity_stage_history",
    title="Opportunity stage history",
    grain="one row per stage change (source, opportunity_id, changed_at)",
    keys=("opportunity_id", "changed_at"),
    fields=(
        F("opportunity_id", "text", "the deal", True, ("deal_id", "opp_id")),
        F("stage", "text", "stage entered", True, ("stage_name", "to_stage", "new_stage")),
        F(
            "changed_at",
            "timestamp",
            "when",
            True,
            ("changed_date", "date", "created_date", "timestamp"),
        ),
        F("amount", "number", "deal value at that time"),
        F("probability", "number", "probability in percent"),
    ),
    feeds=("fct_opportunity_stage_history", "ml_deal_scores"),
    builtin_sources=("salesforce_opportunity_history",),
)

LEADS = Entity(
    name="leads",
    title="Leads",
    grain="one row per lead (source, lead_id)",
    keys=("lead_id",),
    fields=(
        F("lead_id", "text", "the lead's id", True, ("prospect_id", "lead_number")),
        F(
            "created_date",
            "date",
            "when the lead arrived",
            synonyms=("created_at", "create_date", "date"),
        ),
        F("lead_source", "text", "channel or source", synonyms=("source", "channel", "utm_source")),
        F("status", "text", "lead status", synonyms=("lead_status",)),
        F("is_converted", "boolean", "true when converted", synonyms=("converted",)),
        F("converted_date", "date", "when converted", synonyms=("conversion_date",)),
        F("converted_opportunity_id", "text", "the deal it became", synonyms=("opportunity_id",)),
        F("company", "text", "company", synonyms=("company_name", "account_name")),
        F("country", "text", "country"),
        F("email", "text", "e-mail"),
    ),
    feeds=("fct_funnel", "fct_channel_performance"),
    distinctive=(
        "lead_source",
        "status",
        "is_converted",
        "converted_date",
        "converted_opportunity_id",
        "company",
    ),
    builtin_sources=("salesforce_lead",),
)

MARKETING_SPEND = Entity(
    name="marketing_spend",
    title="Marketing spend",
    grain="one row per channel, campaign and day (source, channel, campaign_id, spend_date)",
    keys=("channel", "campaign_id", "spend_date"),
    fields=(
        F("spend_date", "date", "day of the spend", True, ("date", "day", "week", "month")),
        F("channel", "text", "channel or platform", True, ("platform", "source", "network")),
        F("spend", "number", "amount spent", True, ("cost", "amount", "amount_spent")),
        F("campaign_id", "text", "campaign id", synonyms=("campaign",)),
        F("campaign_name", "text", "campaign name"),
        F("currency", "text", "ISO 4217 currency"),
        F("impressions", "integer", "impressions"),
        F("clicks", "integer", "clicks"),
        F("conversions", "number", "conversions", synonyms=("leads", "results")),
    ),
    feeds=("fct_channel_performance", "kpi_unit_economics"),
    builtin_sources=(
        "google_ads_campaign_report",
        "meta_ads_campaign_report",
        "linkedin_ads_campaign_report",
        "microsoft_ads_campaign_report",
    ),
)

PRODUCT_USAGE = Entity(
    name="product_usage",
    title="Product usage",
    grain="one row per customer and month (source, customer_id, month)",
    keys=("customer_id", "month"),
    fields=(
        F(
            "customer_id",
            "text",
            "the billing customer",
            True,
            ("stripe_customer_id", "account_id", "cust_id"),
        ),
        F(
            "month",
            "date",
            "the month (any day of it)",
            True,
            ("usage_month", "period", "date"),
            as_month=True,
        ),
        F(
            "active_users",
            "integer",
            "monthly active users",
            True,
            ("mau", "monthly_active_users", "users"),
        ),
        F("seats", "integer", "seats provisioned", synonyms=("licenses",)),
        F("sessions", "integer", "sessions", synonyms=("logins", "visits")),
    ),
    feeds=("ml_customer_churn (usage features)",),
)

CHURN_EVENTS = Entity(
    name="churn_events",
    title="Churn and cancellation events",
    grain="one row per cancellation (source, customer_id, churn_date)",
    keys=("customer_id", "churn_date"),
    fields=(
        F("customer_id", "text", "who left", True, ("account_id", "cust_id")),
        F(
            "churn_date",
            "date",
            "when",
            True,
            ("cancelled_at", "canceled_at", "churned_at", "date", "event_date"),
        ),
        F(
            "reason",
            "text",
            "why",
            synonyms=("churn_reason", "cancel_reason", "cancellation_reason"),
        ),
        F("subscription_id", "text", "the subscription cancelled"),
        F("mrr_lost", "number", "MRR lost", synonyms=("mrr", "amount")),
    ),
    feeds=("fct_churn_events", "ml_customer_churn (label)"),
)

SUPPORT_TICKETS = Entity(
    name="support_tickets",
    title="Support tickets",
    grain="one row per ticket (source, ticket_id)",
    keys=("ticket_id",),
    fields=(
        F("ticket_id", "text", "the ticket's id", True, ("case_id", "ticket_number")),
        F(
            "customer_id",
            "text",
            "whose ticket",
            True,
            ("account_id", "cust_id", "organization_id"),
        ),
        F("created_date", "date", "when opened", True, ("created_at", "opened_at", "date")),
        F("closed_date", "date", "when closed", synonyms=("closed_at", "resolved_at")),
        F("priority", "text", "priority", synonyms=("severity",)),
        F("status", "text", "status"),
        F(
            "satisfaction",
            "number",
            "satisfaction score",
            synonyms=("csat", "rating", "satisfaction_score"),
        ),
    ),
    feeds=("fct_support_tickets", "ml_customer_churn (support features)"),
)

ORDER_LINES = Entity(
    name="order_lines",
    title="Sales orders and order lines",
    grain="one row per order line (source, order_id, line_number)",
    keys=("order_id", "line_number"),
    description="One-off sales (ERP, e-commerce): an order is its lines grouped by order_id.",
    fields=(
        F("order_id", "text", "the order", True, ("order_number", "order_no", "sales_order")),
        F("order_date", "date", "when ordered", True, ("date", "ordered_at")),
        F(
            "amount",
            "number",
            "line sales amount",
            True,
            ("sales", "sales_amount", "line_total", "revenue"),
        ),
        F(
            "line_number",
            "text",
            "line within the order (default: row)",
            synonyms=("line", "line_no"),
        ),
        F("customer_id", "text", "who bought", synonyms=("account_id", "cust_id")),
        F("product_id", "text", "what", synonyms=("sku", "product_key", "item_id")),
        F("quantity", "integer", "units", synonyms=("qty",)),
        F("unit_price", "number", "price per unit", synonyms=("price",)),
        F("currency", "text", "ISO 4217 currency"),
        F("ship_date", "date", "when shipped", synonyms=("shipped_at",)),
        F("country", "text", "where"),
    ),
    feeds=(
        "fct_sales",
        "fct_orders",
        "fct_sales_profit",
        "kpi_sales_monthly",
        "fct_customer_sales",
    ),
    builtin_sources=("dwh_crm_sales_details",),
)

VENDOR_BILLS = Entity(
    name="vendor_bills",
    title="Vendor bills",
    grain="one row per bill (source, bill_id)",
    keys=("bill_id",),
    fields=(
        F(
            "bill_id",
            "text",
            "the bill's number",
            True,
            ("bill_number", "invoice_number", "document_number"),
        ),
        F("vendor", "text", "who bills", True, ("vendor_name", "supplier", "contact_name")),
        F("bill_date", "date", "issue date", True, ("date", "invoice_date")),
        F("total", "number", "amount", True, ("amount", "bill_total")),
        F("due_date", "date", "due date"),
        F("amount_paid", "number", "paid so far"),
        F("currency", "text", "ISO 4217 currency"),
        F("status", "text", "status"),
    ),
    feeds=("fct_ap_balance_events", "fct_ap_aging", "kpi_ap_monthly"),
    builtin_sources=("xero_bills",),
)

BANK_LINES = Entity(
    name="bank_lines",
    title="Bank statement lines",
    grain="one row per statement line (source, line_id)",
    keys=("line_id",),
    fields=(
        F("line_date", "date", "booking date", True, ("date", "posting_date", "transaction_date")),
        F("description", "text", "text on the statement", True, ("memo", "details", "narrative")),
        F("amount", "number", "signed amount (credits positive)", True, ("value",)),
        F(
            "line_id",
            "text",
            "the line's id (default: file and row)",
            synonyms=("transaction_id", "fitid"),
        ),
        F("currency", "text", "ISO 4217 currency"),
        F("counterparty", "text", "payer or payee", synonyms=("payee", "payer")),
        F("reference", "text", "reference"),
        F("balance", "number", "balance after the line"),
    ),
    feeds=("fct_bank_transactions",),
    builtin_sources=("bank_statement",),
)

BILL_PAYMENTS = Entity(
    name="bill_payments",
    title="Bill payments",
    grain="one row per payment of a vendor bill (source, payment_id)",
    keys=("payment_id",),
    fields=(
        F("payment_date", "date", "when it was paid", True, ("date", "paid_at")),
        F("bill_id", "text", "the bill paid", True, ("bill_number", "invoice_number")),
        F("amount", "number", "amount paid", True, ("payment_amount",)),
        F("payment_id", "text", "the payment's id (default: file and row)"),
        F("vendor", "text", "who was paid", synonyms=("vendor_name", "supplier", "contact_name")),
        F("currency", "text", "ISO 4217 currency"),
        F("reference", "text", "reference"),
    ),
    feeds=("fct_ap_balance_events", "fct_cash_payments"),
    builtin_sources=("xero_bill_payments",),
)

PAYOUTS = Entity(
    name="payouts",
    title="Payment-provider payouts",
    grain="one row per payout to the bank (source, payout_id)",
    keys=("payout_id",),
    fields=(
        F("payout_id", "text", "the payout's id", True, ("transfer_id", "settlement_id")),
        F(
            "arrival_date",
            "date",
            "when it reaches the bank",
            True,
            ("date", "paid_date", "settlement_date"),
        ),
        F("amount", "number", "amount paid out", True, ("net_amount", "payout_amount")),
        F("currency", "text", "ISO 4217 currency"),
        F("status", "text", "status"),
        F("description", "text", "text on the bank statement", synonyms=("statement_descriptor",)),
    ),
    feeds=("fct_cash_payments (bank reconciliation)",),
    builtin_sources=("stripe_payouts",),
)

FX_RATES = Entity(
    name="fx_rates",
    title="Exchange rates",
    grain="one row per currency and day (currency, rate_date)",
    keys=("currency", "rate_date"),
    fields=(
        F("rate_date", "date", "the day", True, ("date", "day")),
        F("currency", "text", "ISO 4217 currency", True, ("currency_code", "ccy")),
        F(
            "rate_to_usd",
            "number",
            "US dollars per unit of the currency",
            True,
            ("usd_rate", "rate", "usd_per_unit"),
        ),
    ),
    feeds=("fct_mrr (reporting currency)", "fct_pipeline", "every _rc amount"),
    builtin_sources=("fx_rates",),
)

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        CUSTOMERS,
        CONTACTS,
        PRODUCTS,
        SUBSCRIPTIONS,
        INVOICES,
        INVOICE_LINES,
        PAYMENTS,
        REFUNDS,
        CREDIT_NOTES,
        OPPORTUNITIES,
        STAGE_HISTORY,
        LEADS,
        MARKETING_SPEND,
        PRODUCT_USAGE,
        CHURN_EVENTS,
        SUPPORT_TICKETS,
        ORDER_LINES,
        VENDOR_BILLS,
        BILL_PAYMENTS,
        BANK_LINES,
        PAYOUTS,
        FX_RATES,
    )
}


def entity(name: str) -> Entity:
    """The entity called `name`, or a KeyError listing the entities."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise KeyError(
            f"unknown entity {name!r}; the data contract has: {', '.join(sorted(ENTITIES))}"
        ) from None
