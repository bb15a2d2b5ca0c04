"""Recognition by evidence: Salesforce objects that share Id and Name are never confused."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from revlake.ingest import IngestSummary, load_layouts
from revlake.ingest.explain import explain_file
from revlake.ingest.matching import Match, NoMatch, match_layout

# Column lists of a Salesforce Data Export (API field names), trimmed to typical width.
SF_ACCOUNT = (
    "Id,IsDeleted,MasterRecordId,Name,Type,ParentId,BillingStreet,BillingCity,BillingState,"
    "BillingPostalCode,BillingCountry,Phone,AccountNumber,Website,Industry,AnnualRevenue,"
    "NumberOfEmployees,Description,OwnerId,CreatedDate,CreatedById,LastModifiedDate"
)
SF_CONTACT = (
    "Id,IsDeleted,MasterRecordId,AccountId,LastName,FirstName,Salutation,Name,MailingStreet,"
    "MailingCity,MailingState,MailingPostalCode,MailingCountry,Phone,MobilePhone,Email,Title,"
    "Department,LeadSource,Birthdate,OwnerId,CreatedDate,CreatedById,LastModifiedDate"
)
SF_LEAD = (
    "Id,IsDeleted,LastName,FirstName,Name,Title,Company,Street,City,State,Country,Phone,Email,"
    "Website,LeadSource,Status,Industry,AnnualRevenue,NumberOfEmployees,OwnerId,IsConverted,"
    "ConvertedDate,ConvertedAccountId,ConvertedContactId,ConvertedOpportunityId,CreatedDate"
)
SF_USER = (
    "Id,Username,LastName,FirstName,Name,CompanyName,Division,Department,Title,Email,Alias,"
    "IsActive,UserRoleId,ProfileId,UserType,ManagerId,CreatedDate"
)
SF_OPPORTUNITY = (
    "Id,IsDeleted,AccountId,Name,StageName,Amount,Probability,CloseDate,Type,LeadSource,"
    "IsClosed,IsWon,ForecastCategoryName,OwnerId,CreatedDate,LastStageChangeDate"
)
SF_OPPORTUNITY_HISTORY = (
    "Id,OpportunityId,CreatedById,CreatedDate,StageName,Amount,ExpectedRevenue,CloseDate,"
    "Probability,ForecastCategory,SystemModstamp,IsDeleted"
)
SF_FIELD_HISTORY = (
    "Id,IsDeleted,OpportunityId,CreatedById,CreatedDate,Field,DataType,OldValue,NewValue"
)
SF_PRODUCT = "Id,Name,ProductCode,Description,IsActive,CreatedDate,Family,IsDeleted"

OBJECTS = {
    "Account.csv": (SF_ACCOUNT, "salesforce_account"),
    "Contact.csv": (SF_CONTACT, "salesforce_contact"),
    "Lead.csv": (SF_LEAD, "salesforce_lead"),
    "User.csv": (SF_USER, "salesforce_user"),
    "Opportunity.csv": (SF_OPPORTUNITY, "salesforce_opportunity"),
    "OpportunityHistory.csv": (SF_OPPORTUNITY_HISTORY, "salesforce_opportunity_history"),
}


@pytest.mark.parametrize("file_name", ["own", "neutral"])
@pytest.mark.parametrize("object_file", sorted(OBJECTS))
def test_salesforce_objects_are_told_apart(object_file: str, file_name: str) -> None:
    header, expected = OBJECTS[object_file]
    name = object_file if file_name == "own" else "export.csv"
    found = match_layout(header.split(","), name, load_layouts())
    assert isinstance(found, Match), found
    assert found.layout.name == expected


def test_objects_without_a_layout_are_unrecognised_with_the_reason() -> None:
    for header in (SF_FIELD_HISTORY, SF_PRODUCT):
        found = match_layout(header.split(","), "export.csv", load_layouts())
        assert isinstance(found, NoMatch)
    product = match_layout(SF_PRODUCT.split(","), "Product2.csv", load_layouts())
    assert isinstance(product, NoMatch)
    assert "salesforce_account: none of its distinctive columns" in product.message


def test_contact_export_loads_as_contacts_not_customers(
    drop: Callable[[str, bytes], Path], ingest: Callable[..., IngestSummary]
) -> None:
    drop("Contact.csv", (SF_CONTACT + "\n" + ",".join("x" for _ in SF_CONTACT.split(","))).encode())
    [result] = ingest().files
    assert result.layout == "salesforce_contact"


def test_a_near_tie_is_reported_beside_the_match() -> None:
    # Both hubspot and salesforce deal layouts know a few of these; whichever wins, a close
    # runner-up must be named.
    layouts = load_layouts()
    headers = ["Id", "Name", "Industry", "AnnualRevenue", "LastName", "Company", "Status"]
    found = match_layout(headers, "export.csv", layouts)
    assert isinstance(found, Match)
    assert found.layout.name == "salesforce_lead"
    assert found.runner_up == "salesforce_account"
    assert "near tie" in found.near_tie_note


def test_explain_shows_why_column_by_column(tmp_path: Path) -> None:
    path = tmp_path / "Opportunity.csv"
    path.write_text(
        SF_OPPORTUNITY
        + "\n006A,false,001A,Big deal,Closed Won,1200,100,02/03/24,New,Web,true,true,"
        "Closed,005A,02/23/26 08:55 PM,02/24/26 10:00 AM\n",
        encoding="utf-8",
    )
    explanation = explain_file(path, load_layouts())
    assert explanation.chosen == "salesforce_opportunity"
    assert explanation.verdict.startswith("loads into bronze table salesforce_opportunity")
    roles = {c.header: c for c in explanation.columns}
    assert roles["StageName"].role == "required"
    assert roles["IsDeleted"].role == "extra"
    assert roles["CloseDate"].declared == "date"
    detected = roles["CreatedDate"].detected
    assert detected is not None and detected.code == "%m/%d/%y %I:%M %p"
    assert explanation.ranked[0].layout.name == "salesforce_opportunity"


def test_layouts_explain_cli_prints_the_full_layout_name(tmp_path: Path) -> None:
    path = tmp_path / "Contact.csv"
    path.write_text(SF_CONTACT + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "revlake", "layouts", "explain", str(path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    payload = json.loads(result.stdout)
    assert payload["layout"] == "salesforce_contact"
    assert payload["ranked"][0]["layout"] == "salesforce_contact"
    text = subprocess.run(
        [sys.executable, "-m", "revlake", "layouts", "explain", str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "60", "PATH": "/usr/bin:/bin"},
    ).stdout
    assert "salesforce_contact" in text  # never cut to "salesforce_…"
