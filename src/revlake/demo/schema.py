"""File names and headers of every generated file (the contract in docs/GENERATOR.md)."""

from __future__ import annotations


def _h(spec: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in spec.split(","))


GOOGLE = "exports/marketing/google_ads_campaign_report.csv"
META = "exports/marketing/meta_ads_campaign_report.csv"
LINKEDIN = "exports/marketing/linkedin_ads_campaign_report.csv"
MICROSOFT = "exports/marketing/microsoft_ads_campaign_report.csv"
ACCOUNT = "exports/crm/Account.csv"
USER = "exports/crm/User.csv"
LEAD = "exports/crm/Lead.csv"
OPPORTUNITY = "exports/crm/Opportunity.csv"
OPP_HISTORY = "exports/crm/OpportunityHistory.csv"
CUSTOMERS = "exports/billing/customers.csv"
PRODUCTS = "exports/billing/products.csv"
PRICES = "exports/billing/prices.csv"
COUPONS = "exports/billing/coupons.csv"
SUBSCRIPTIONS = "exports/billing/subscriptions.csv"
INVOICES = "exports/billing/invoices.csv"
INVOICE_LINES = "exports/billing/invoice_line_items.csv"
CHARGES = "exports/billing/charges.csv"
REFUNDS = "exports/billing/refunds.csv"
CREDIT_NOTES = "exports/billing/credit_notes.csv"
FX = "exports/fx/fx_rates.csv"
USAGE = "exports/product/product_usage_monthly.csv"
OPP_TRUTH = "truth/opportunity_truth.csv"
MRR_TRUTH = "truth/customer_mrr_monthly.csv"
HAZARD_TRUTH = "truth/customer_churn_hazard.csv"
BALANCE_TRUTH = "truth/invoice_balance_events.csv"
PAYOUTS = "exports/billing/payouts.csv"
BILLS = "exports/accounting/bills.csv"
BILL_PAYMENTS = "exports/accounting/bill_payments.csv"
BANK = "exports/bank/bank_statement.csv"
BILL_TRUTH = "truth/bill_balance_events.csv"
BANK_TRUTH = "truth/bank_matches.csv"

HEADERS: dict[str, tuple[str, ...]] = {
    GOOGLE: _h("Day, Campaign ID, Campaign, Currency code, Impressions, Clicks, Cost, Conversions"),
    META: _h(
        "Reporting starts, Reporting ends, Campaign ID, Campaign name, Currency, Impressions, "
        "Link clicks, Amount spent (USD), Results"
    ),
    LINKEDIN: _h(
        "Start Date (in UTC), Campaign ID, Campaign Name, Currency, Impressions, Clicks, "
        "Total Spent, Leads"
    ),
    MICROSOFT: _h(
        "TimePeriod, CampaignId, CampaignName, CurrencyCode, Impressions, Clicks, Spend, "
        "Conversions"
    ),
    ACCOUNT: _h(
        "Id, Name, Type, Industry, BillingCountry, BillingState, NumberOfEmployees, "
        "AnnualRevenue, Segment__c, OwnerId, CreatedDate"
    ),
    USER: _h(
        "Id, FirstName, LastName, Name, Email, Title, ManagerId, Department, Division, "
        "IsActive, CreatedDate"
    ),
    LEAD: _h(
        "Id, FirstName, LastName, Company, Email, Country, LeadSource, Campaign_ID__c, Status, "
        "OwnerId, CreatedDate, IsConverted, ConvertedDate, ConvertedAccountId, "
        "ConvertedOpportunityId"
    ),
    OPPORTUNITY: _h(
        "Id, Name, AccountId, OwnerId, Type, LeadSource, StageName, Amount, CurrencyIsoCode, "
        "Probability, CloseDate, CreatedDate, IsClosed, IsWon, ForecastCategoryName, Plan__c, "
        "LastStageChangeDate"
    ),
    OPP_HISTORY: _h(
        "Id, OpportunityId, CreatedDate, StageName, Amount, Probability, CloseDate, CreatedById"
    ),
    CUSTOMERS: _h(
        "id, Name, Email, Description, Created (UTC), Currency, Address Country, Business Vat ID, "
        "Tax Exempt, Delinquent, Balance, salesforce_account_id (metadata)"
    ),
    PRODUCTS: _h("id, Name, Description, Active, Created (UTC)"),
    PRICES: _h(
        "id, Product ID, Nickname, Currency, Unit Amount, Interval, Interval Count, Usage Type, "
        "Active, Created (UTC)"
    ),
    COUPONS: _h(
        "id, Name, Percent Off, Amount Off, Currency, Duration, Duration In Months, Created (UTC)"
    ),
    SUBSCRIPTIONS: _h(
        "id, Customer ID, Customer Email, Plan, Product, Price ID, Quantity, Interval, "
        "Interval Count, Amount, Currency, Status, Created (UTC), Start (UTC), "
        "Current Period Start (UTC), Current Period End (UTC), Trial Start (UTC), "
        "Trial End (UTC), Coupon, Canceled At (UTC), Cancel At Period End, Ended At (UTC), "
        "salesforce_opportunity_id (metadata)"
    ),
    INVOICES: _h(
        "id, Number, Customer, Subscription, Billing Reason, Status, Currency, Date (UTC), "
        "Due Date (UTC), Period Start (UTC), Period End (UTC), Subtotal, Total Discount Amount, "
        "Tax, Total, Amount Due, Amount Paid, Amount Remaining, Attempt Count, Paid, "
        "Customer Address Country, Customer Tax ID"
    ),
    INVOICE_LINES: _h(
        "id, Invoice ID, Type, Subscription ID, Subscription Item ID, Price ID, Product ID, "
        "Description, Currency, Unit Amount, Quantity, Amount, Discount Amount, Coupon ID, "
        "Proration, Period Start (UTC), Period End (UTC), Plan Interval, Plan Interval Count, "
        "Tax Amount, Tax Rate, Tax Jurisdiction"
    ),
    CHARGES: _h(
        "id, Created (UTC), Amount, Amount Refunded, Currency, Status, Captured, Customer ID, "
        "Invoice ID, Payment Method Type, Failure Code, Failure Message"
    ),
    REFUNDS: _h("id, Charge ID, Amount, Currency, Created (UTC), Reason, Status"),
    CREDIT_NOTES: _h(
        "id, Number, Invoice ID, Customer ID, Currency, Created (UTC), Amount, Reason, Type, Status"
    ),
    FX: _h("date, currency, rate_to_usd"),
    OPP_TRUTH: _h(
        "opportunity_id, true_win_probability, is_won, created_date, close_date, segment, "
        "is_closed_at_end, type, lead_source, plan, amount_usd, owner_id, rep_skill, "
        "win_logit, account_id"
    ),
    MRR_TRUTH: _h(
        "customer_id, month, currency, mrr, mrr_usd, movement_type, movement_usd, fx_impact_usd"
    ),
    HAZARD_TRUTH: _h("customer_id, month, true_churn_hazard, cancel_requested"),
    USAGE: _h("customer_id, month, seats, active_users, sessions"),
    BALANCE_TRUTH: _h("invoice_id, date, event, amount, open_balance_after"),
    PAYOUTS: _h(
        "id, Amount, Currency, Arrival Date (UTC), Created (UTC), Status, Type, Method, Description"
    ),
    BILLS: _h(
        "ContactName, EmailAddress, POAddressLine1, POCity, POCountry, InvoiceNumber, "
        "Reference, InvoiceDate, DueDate, Total, TaxTotal, InvoiceAmountPaid, InvoiceAmountDue, "
        "Description, Quantity, UnitAmount, LineAmount, AccountCode, TaxType, TaxAmount, "
        "Currency, Type, Status"
    ),
    BILL_PAYMENTS: _h(
        "PaymentID, Date, ContactName, InvoiceNumber, Amount, Currency, CurrencyRate, "
        "BankAccount, Reference, PaymentType, Status"
    ),
    BANK: _h(
        "Date, ID, Type, Description, Reference, Counterparty, Currency, Amount, Balance, Account"
    ),
    BILL_TRUTH: _h("bill_number, date, event, amount, open_balance_after"),
    BANK_TRUTH: _h("bank_transaction_id, date, currency, amount, payment_kind, payment_id"),
}
