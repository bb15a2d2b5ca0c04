"""Payables and bank layouts: Xero bills and payments, Stripe payouts, bank statements.

The generator's files are recognised; ugly rows (a bad date, a negative amount, a ragged
row) are kept as text in bronze or rejected with a reason, never lost; an empty file is
recorded as empty; other spellings of the headers land in the same columns.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from revlake.ingest import IngestSummary, load_layouts
from revlake.ingest.matching import Match, match_layout
from revlake.ingest.summary import FileStatus

Drop = Callable[[str, bytes], Path]
Ingest = Callable[..., IngestSummary]
Query = Callable[..., list[tuple[Any, ...]]]

BILLS = (
    "ContactName,EmailAddress,POAddressLine1,POCity,POCountry,InvoiceNumber,Reference,"
    "InvoiceDate,DueDate,Total,TaxTotal,InvoiceAmountPaid,InvoiceAmountDue,Description,"
    "Quantity,UnitAmount,LineAmount,AccountCode,TaxType,TaxAmount,Currency,Type,Status\n"
    "Amazon Web Services,aws@x.example,,,US,AWS-00001,,2025-01-02,2025-02-01,100.00,0.00,"
    "0.00,100.00,AWS usage,1,100.00,100.00,485,Tax Exempt,0.00,USD,Bill,Awaiting Payment\n"
    "Bright Copy Co,b@x.example,,,US,BCC-00001,,2025-13-45,2025-02-01,50.00,0.00,0.00,"
    "50.00,Copy,1,50.00,50.00,412,Tax Exempt,0.00,USD,Bill,Awaiting Payment\n"
    "Bright Copy Co,b@x.example,,,US,BCC-00002,,2025-01-05,2025-02-04,-20.00,0.00,0.00,"
    "-20.00,Copy,1,-20.00,-20.00,412,Tax Exempt,0.00,USD,Bill,Awaiting Payment\n"
    "Bright Copy Co,b@x.example,,,US,BCC-00003\n"
)
PAYMENTS = (
    "PaymentID,Date,ContactName,InvoiceNumber,Amount,Currency,CurrencyRate,BankAccount,"
    "Reference,PaymentType,Status\n"
    "bp_1,2025-01-20,Amazon Web Services,AWS-00001,60.00,USD,1.000000,Main USD,AWS-00001,"
    "ACCPAYPAYMENT,AUTHORISED\n"
    "bp_2,not a date,Amazon Web Services,AWS-00001,10.00,USD,1.000000,Main USD,,"
    "ACCPAYPAYMENT,AUTHORISED\n"
    "bp_3,2025-01-21,Amazon Web Services,AWS-00001,-5.00,USD,1.000000,Main USD,,"
    "ACCPAYPAYMENT,AUTHORISED\n"
)
BANK = (
    "Date,ID,Type,Description,Reference,Counterparty,Currency,Amount,Balance,Account\n"
    "2025-01-20,t1,TRANSFER,Payment to Amazon Web Services,AWS-00001,Amazon Web Services,"
    "USD,-60.00,940.00,Main USD\n"
    "31/01/2025,t2,FEE,Monthly account fee,,Bank,USD,-25.00,915.00,Main USD\n"
)


def _layout(headers: list[str], name: str) -> str:
    found = match_layout(headers, name, load_layouts())
    assert isinstance(found, Match), found
    return found.layout.name


def test_generator_headers_match_their_layouts() -> None:
    from revlake.demo import schema

    expected = {
        schema.BILLS: "xero_bills",
        schema.BILL_PAYMENTS: "xero_bill_payments",
        schema.BANK: "bank_statement",
        schema.PAYOUTS: "stripe_payouts",
        schema.CHARGES: "stripe_charges",  # payouts must not steal the charges file
    }
    for rel, layout in expected.items():
        assert _layout(list(schema.HEADERS[rel]), rel.rsplit("/", 1)[1]) == layout, rel


def test_other_spellings_of_the_headers() -> None:
    # a bank export with "Transaction ID", "Posting Date" and "Payee"
    headers = ["Posting Date", "Transaction ID", "Description", "Payee", "Amount", "Balance"]
    assert _layout(headers, "export.csv") == "bank_statement"
    assert _layout(["Date", "Invoice Ref Number", "Amount", "Reference"], "x.csv") == (
        "xero_bill_payments"
    )
    assert _layout(["id", "Amount", "Currency", "Arrival Date"], "p.csv") == "stripe_payouts"


def test_ugly_rows_are_kept_or_rejected_never_lost(
    drop: Drop, ingest: Ingest, query: Query
) -> None:
    drop("accounting/bills.csv", BILLS.encode())
    drop("accounting/bill_payments.csv", PAYMENTS.encode())
    drop("bank/bank_statement.csv", BANK.encode())
    drop("bank/empty_statement.csv", b"")
    summary = ingest()
    by_path = {f.path: f for f in summary.files}
    assert by_path["accounting/bills.csv"].layout == "xero_bills"
    assert by_path["accounting/bills.csv"].rows_loaded == 3
    assert by_path["accounting/bills.csv"].rows_rejected == 1  # the ragged row
    assert by_path["accounting/bill_payments.csv"].rows_loaded == 3
    assert by_path["bank/bank_statement.csv"].rows_loaded == 2
    assert by_path["bank/empty_statement.csv"].status is FileStatus.EMPTY
    # values stay text exactly as exported: the bad date, the negative amounts
    assert query(
        "select invoice_date, total from xero_bills where invoice_number = 'BCC-00002' "
        "or invoice_number = 'BCC-00001' order by invoice_number"
    ) == [("2025-13-45", "50.00"), ("2025-01-05", "-20.00")]
    assert query("select amount from xero_bill_payments where payment_id = 'bp_3'") == [("-5.00",)]
    assert query("select date from bank_statement where id = 't2'") == [("31/01/2025",)]
    rejects = query("select reason, layout from _rejects")
    assert len(rejects) == 1 and rejects[0][1] == "xero_bills"
