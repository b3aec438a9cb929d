"""Writes the project's own Salesforce-shaped sample files under ``tests/data/salesforce``.

Small, hand-written data with the quirks real exports have, so that the
importer tests run on a fresh clone (the public sample data sets beside the
repository are an acceptance layer on top). Run it after changing the data::

    python tests/data/make_salesforce.py

``tests/data/test_salesforce_data.py`` fails when the files on disk and this
script disagree. The quirks, and where they are:

* sObject Tree JSON: plans with ``saveRefs``/``resolveRefs`` (``crm/``),
  forward and self ``@ref`` references (``hierarchy/``), nested children
  (``nested/``), a junction object with columns it has no field for
  (``junction/``), missing references
  (``broken/``), contacts without an account, cases whose description has
  CRLF line breaks, custom objects and Tasks the library does not model
  (``guests/``); keys in any letter case (``lastName``, ``billingcity``),
  numbers as text or numbers, custom fields ``__c``, picklist values
  Salesforce would not know, formula-looking and naughty strings.
* Data Loader CSV (``crm/*.csv``): the same records as ``crm/*.json``, with
  a BOM and CRLF line ends, quoted multi-line cells, and ``@AccountRef<n>``
  pointing at row *n* of ``Accounts.csv``.
* A report export (``reports/Accounts-Contacts.csv``): ``Account: Account
  Name`` / ``Contact: First Name`` headers, a BOM, CRLF, an account row
  without contacts, an unknown label that becomes a custom field.
* Phones with a country code, national phones under an account with a
  billing country, and national phones with no country anywhere (these
  need a default region).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent / "salesforce"

BOM = "\ufeff"


def ref(kind: str, ref_id: str) -> dict[str, str]:
    return {"type": kind, "referenceId": ref_id}


# ---------------------------------------------------------------- crm/

ACCOUNTS: list[dict[str, Any]] = [
    {
        "attributes": ref("Account", "AccountRef1"),
        "Name": "ACME SA",
        "Phone": "+33 1 40 00 00 00",
        "Fax": "+33 1 40 00 00 01",
        "Website": "https://acme.example",
        "Type": "Customer",
        "Industry": "Manufacturing",
        "NumberOfEmployees": "120",
        "AnnualRevenue": 1250000.5,
        "Description": "Key account.\nRenewal in March.",
        "BillingStreet": "1 rue de la Paix\nBâtiment B",
        "BillingCity": "Paris",
        "BillingPostalCode": "75002",
        "BillingCountry": "France",
        "Rating__c": "Hot",
    },
    {
        "attributes": ref("Account", "AccountRef2"),
        "name": "Globex Corporation",
        "phone": "1(302)556-4395",
        "type": "Prospect",
        "industry": "Banking",
        "numberofemployees": 28549,
        "annualrevenue": 5117586,
        "billingstreet": "4 Del Mar Pass",
        "billingcity": "Newark",
        "billingstate": "DE",
        "billingpostalcode": "19725",
        "billingcountry": "United States",
        "shippingcity": "Boston",
        "shippingstate": "MA",
        "shippingpostalcode": "2203",
    },
    {
        "attributes": ref("Account", "AccountRef3"),
        "Name": "Émeraude SARL",
        "Phone": "04 72 00 00 00",
        "BillingCity": "Lyon",
        "BillingCountry": "France",
        "Industry": "Retail",
    },
    {
        "attributes": ref("Account", "AccountRef4"),
        "Name": "Initech",
        "Phone": "(415) 555-0100",
        "Industry": "Technology",
        "Description": "No country anywhere: national phones need a default region.",
    },
]

CONTACTS: list[dict[str, Any]] = [
    {
        "attributes": ref("Contact", "ContactRef1"),
        "LastName": "Martin",
        "FirstName": "Alice",
        "Salutation": "Ms.",
        "Email": "alice.martin@acme.example",
        "Phone": "+33 1 23 45 67 89",
        "Title": "CFO",
        "Department": "Finance",
        "AccountId": "@AccountRef1",
        "Languages__c": "French;English",
    },
    {
        "attributes": ref("Contact", "ContactRef2"),
        "lastName": "Durand",
        "firstName": "Bob",
        "email": "bob.durand@acme.example",
        "mobilePhone": "06 12 34 56 78",
        "title": "Accountant",
        "accountId": "@AccountRef1",
        "description": '=HYPERLINK("http://evil.example")\nSecond line.',
    },
    {
        "attributes": ref("Contact", "ContactRef3"),
        "LastName": "Scorpio",
        "FirstName": "Hank",
        "Email": "hank@globex.example",
        "Phone": "5624081052",
        "Title": "CEO",
        "AccountId": "@AccountRef2",
    },
    {
        "attributes": ref("Contact", "ContactRef4"),
        "LastName": "Lefèvre",
        "FirstName": "Hélène",
        "Email": "helene@emeraude.example",
        "Phone": "04 72 00 00 01",
        "AccountId": "@AccountRef3",
        "MailingCity": "Lyon",
        "Birthdate": "1980-02-29",
    },
    {
        "attributes": ref("Contact", "ContactRef5"),
        "LastName": "Lumbergh",
        "FirstName": "Bill",
        "Email": "bill@initech.example",
        "Phone": "4155550142",
        "MobilePhone": "(123) 456-7890",
        "Title": "Vice President",
        "AccountId": "@AccountRef4",
    },
]

OPPORTUNITIES: list[dict[str, Any]] = [
    {
        "attributes": ref("Opportunity", "OpportunityRef1"),
        "Name": "ACME renewal",
        "StageName": "Id. Decision Makers",
        "CloseDate": "2027-03-31T21:16:01Z",
        "Amount": "12000.50",
        "Description": "Ünïcödé, \"quotes\", 'apostrophes' and a\nsecond line",
        "AccountId": "@AccountRef1",
    },
    {
        "attributes": ref("Opportunity", "OpportunityRef2"),
        "name": "Globex expansion",
        "stageName": "Assigned dynamically",
        "closeDate": "2027-06-30",
        "amount": 250000,
        "description": "-1E02",
        "accountId": "@AccountRef2",
    },
    {
        "attributes": ref("Opportunity", "OpportunityRef3"),
        "Name": "Initech pilot",
        "StageName": "Closed/Won",
        "CloseDate": "2026-01-15",
        "Amount": "9999.99",
        "Description": "Cafe\u0301 cre\u0300me (decomposed accents)",
        "AccountId": "@AccountRef4",
    },
]


def plan(*steps: tuple[str, bool, bool, str]) -> list[dict[str, Any]]:
    return [
        {"sobject": sobject, "saveRefs": save, "resolveRefs": resolve, "files": [file]}
        for sobject, save, resolve, file in steps
    ]


# ------------------------------------------------------------ hierarchy/

HIERARCHY = [
    {"attributes": ref("Account", "AccountRef1"), "Name": "Grandchild", "ParentId": "@AccountRef2"},
    {"attributes": ref("Account", "AccountRef2"), "Name": "Child", "ParentId": "@AccountRef3"},
    {"attributes": ref("Account", "AccountRef3"), "Name": "Holding"},
    {"attributes": ref("Account", "AccountRef4"), "Name": "Sister", "ParentId": "@AccountRef3"},
]

# --------------------------------------------------------------- nested/

NESTED = [
    {
        "attributes": ref("Account", "NorthwindRef"),
        "name": "Northwind Traders",
        "phone": "+1 206 555 0100",
        "numberOfEmployees": "100",
        "industry": "Food & Beverage",
        "Contacts": {
            "records": [
                {
                    "attributes": ref("Contact", "NancyRef"),
                    "lastname": "Davolio",
                    "firstname": "Nancy",
                    "title": "President",
                },
                {
                    "attributes": ref("Contact", "AndrewRef"),
                    "lastname": "Fuller",
                    "firstname": "Andrew",
                    "title": "Vice President",
                    "ReportsToId": "@NancyRef",
                },
            ]
        },
        "Opportunities": {
            "records": [
                {
                    "attributes": ref("Opportunity", "NorthwindDealRef"),
                    "Name": "Northwind catalogue",
                    "StageName": "Prospecting",
                    "CloseDate": "2027-09-01",
                }
            ]
        },
    },
    {
        "attributes": ref("Account", "ContosoRef"),
        "name": "Contoso Ltd",
        "phone": "+44 20 7946 0000",
        "industry": "Consulting",
    },
]

# ------------------------------------------------------------- junction/

JUNCTION_ACCOUNTS = [
    {"attributes": ref("Account", f"AccountRef{i}"), "Name": name}
    for i, name in enumerate(["Umbrella Corp", "Stark Industries", "Wayne Enterprises"], 1)
]
JUNCTION_RELATIONS = [
    {
        "attributes": ref("AccountContactRelation", "RelationRef1"),
        "ContactId": "@ContactRef1",
        "AccountId": "@AccountRef2",
    },
    {
        "attributes": ref("AccountContactRelation", "RelationRef2"),
        "ContactId": "@ContactRef1",
        "AccountId": "@AccountRef3",
        "IsDirect": False,
        "CreatedDate": "2024-01-23T03:54:57.000+0000",
    },
    {
        "attributes": ref("AccountContactRelation", "RelationRef3"),
        "ContactId": "@ContactRef2",
        "AccountId": "@AccountRef3",
    },
]
JUNCTION_CONTACTS = [
    {
        "attributes": ref("Contact", "ContactRef1"),
        "LastName": "Wesker",
        "FirstName": "Albert",
        "AccountId": "@AccountRef1",
    },
    {
        "attributes": ref("Contact", "ContactRef2"),
        "LastName": "Potts",
        "FirstName": "Pepper",
        "AccountId": "@AccountRef2",
    },
]

# --------------------------------------------------------------- broken/

BROKEN_ACCOUNTS = [
    {"attributes": ref("Account", "AccountRef1"), "Name": "Vandelay Industries"},
    {"attributes": ref("Account", "AccountRef2"), "Name": "Kramerica", "ParentId": "@AccountRef1"},
]
BROKEN_OPPORTUNITIES = [
    {
        "attributes": ref("Opportunity", "OpportunityRef1"),
        "Name": "Latex import",
        "StageName": "Prospecting",
        "CloseDate": "2027-01-01",
        "AccountId": "@AccountRef2000",
    }
]
BROKEN_SELF = [
    {"attributes": ref("Account", "AccountRef1"), "Name": "Pendant Publishing"},
    {
        "attributes": ref("Account", "AccountRef2"),
        "Name": "Lost child",
        "ParentId": "@AccountRef2000",
    },
]

# ---------------------------------------------------------------- guests/

EXPERIENCES = [
    {"attributes": ref("Experience__c", f"ExperienceRef{i}"), "Name": name, "Price__c": price}
    for i, (name, price) in enumerate([("Sunset Kayak", 80), ("Reef Snorkel", 65)], 1)
]
GUESTS = [
    {
        "attributes": ref("Contact", "GuestRef1"),
        "LastName": "Rodriguez",
        "FirstName": "Sofia",
        "MailingStreet": "94046 Grasskamp Junction",
        "MailingCity": "Honolulu",
        "MailingState": "Hawaii",
        "MailingPostalCode": "96815",
        "MailingCountry": "United States",
        "MobilePhone": "707-490-8673",
        "Email": "sofia.rodriguez@example.com",
        "LeadSource": "Online Travel Agent",
        "Birthdate": "1994-11-19",
        "External_Id__c": "10008756",
        "Interest1__c": "Dining Experiences",
    },
    {
        "attributes": ref("Contact", "GuestRef2"),
        "LastName": "Nakamura",
        "FirstName": "Kenji",
        "MobilePhone": "+81 90 1234 5678",
        "Email": "kenji@example.jp",
        "LeadSource": "Partnerships",
    },
    {
        "attributes": ref("Contact", "GuestRef3"),
        "LastName": "O'Brien",
        "Email": "obrien@example.ie",
    },
]
REVIEWS = [
    {
        "attributes": ref("Guest_Review__c", "ReviewRef1"),
        "Contact__c": "@GuestRef1",
        "Experience__c": "@ExperienceRef1",
        "Rating__c": 5,
    }
]
GUEST_CASES = [
    {
        "attributes": ref("Case", "CaseRef1"),
        "ContactId": "@GuestRef1",
        "Type": "Problem",
        "Status": "New",
        "Origin": "Phone",
        "Subject": "Urgent: kayak tour cancelled",
        "Priority": "High",
        "Description": "Sofia called about the cancelled tour.\r\n\r\nShe asks for a refund.",
    },
    {
        "attributes": ref("Case", "CaseRef2"),
        "ContactId": "@GuestRef2",
        "Status": "Working",
        "Origin": "Web",
        "Priority": "Medium",
        "Description": "No subject on this one.",
    },
]
TASKS = [
    {"attributes": ref("Task", "TaskRef1"), "Subject": "Call back", "WhoId": "@GuestRef1"},
    {"attributes": ref("Task", "TaskRef2"), "Subject": "Send brochure", "WhoId": "@GuestRef2"},
]


# ------------------------------------------------------------- CSV files


def csv_text(rows: list[list[Any]], *, bom: bool) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return (BOM if bom else "") + out.getvalue()


def table(records: list[dict[str, Any]], columns: list[str]) -> list[list[Any]]:
    """Records as CSV rows; ``@ref`` values keep their form (``@AccountRef<n>`` is row *n*)."""
    lower = [{k.casefold(): v for k, v in r.items()} for r in records]
    return [columns] + [[r.get(c.casefold(), "") for c in columns] for r in lower]


REPORT = [
    [
        "Account: Account Name",
        "Account: Type",
        "Account: Phone",
        "Account: Employees",
        "Contact: First Name",
        "Contact: Last Name",
        "Contact: Title",
        "Contact: Phone",
        "Contact: Email",
        "Contact: Picture",
        "Contact: Description",
    ],
    ["Alpha Dynamics", "Technology Partner", "3362227000", "1000", "Amy", "Taylor",
     "VP of Engineering", "4152568563", "amy@alpha.example", "https://img.example/amy.jpg", ""],
    ["Alpha Dynamics", "Technology Partner", "3362227000", "1000", "Jennifer", "Wu",
     "CEO", "4158521463", "jennifer@alpha.example", "", ""],
    ["Beta Labs", "Customer", "(650) 555-0199", "45", "Carlos", "Mendes",
     "Head of Research", "6505550123", "carlos@beta.example", "",
     "Met at the Lyon fair.\nCall back in May."],
    ["GenePoint", "Customer", "6505550000", "", "", "", "", "", "", "", ""],
]  # fmt: skip


def files() -> dict[str, str]:
    """Every file, by its path under ``tests/data/salesforce``."""
    data = {
        "crm/Accounts.json": ACCOUNTS,
        "crm/Contacts.json": CONTACTS,
        "crm/Opportunities.json": OPPORTUNITIES,
        "hierarchy/Account.json": HIERARCHY,
        "nested/accounts-contacts-tree.json": NESTED,
        "junction/Account.json": JUNCTION_ACCOUNTS,
        "junction/AccountContactRelation.json": JUNCTION_RELATIONS,
        "junction/Contact.json": JUNCTION_CONTACTS,
        "broken/Account.json": BROKEN_ACCOUNTS,
        "broken/Opportunity.json": BROKEN_OPPORTUNITIES,
        "broken/self/Account.json": BROKEN_SELF,
        "guests/Experience__c.json": EXPERIENCES,
        "guests/Contact.json": GUESTS,
        "guests/Guest_Review__c.json": REVIEWS,
        "guests/Case.json": GUEST_CASES,
        "guests/Task.json": TASKS,
    }
    out = {name: json.dumps({"records": records}, indent=2, ensure_ascii=False) + "\n"
           for name, records in data.items()}  # fmt: skip
    plans = {
        "crm/data-plan.json": plan(
            ("Account", True, False, "Accounts.json"),
            ("Contact", True, True, "Contacts.json"),
            ("Opportunity", True, True, "Opportunities.json"),
        ),
        "hierarchy/Account-plan.json": plan(("Account", True, True, "Account.json")),
        "junction/Account-AccountContactRelation-Contact-plan.json": plan(
            ("Account", True, False, "Account.json"),
            ("AccountContactRelation", False, True, "AccountContactRelation.json"),
            ("Contact", True, True, "Contact.json"),
        ),
        "broken/Account-Opportunity-plan.json": plan(
            ("Account", True, True, "Account.json"),
            ("Opportunity", False, True, "Opportunity.json"),
        ),
        "broken/self/Account-plan.json": plan(("Account", True, True, "Account.json")),
        "guests/data-plan.json": plan(
            ("Experience__c", True, False, "Experience__c.json"),
            ("Contact", True, False, "Contact.json"),
            ("Guest_Review__c", False, True, "Guest_Review__c.json"),
            ("Case", False, True, "Case.json"),
            ("Task", False, True, "Task.json"),
        ),
    }
    out |= {name: json.dumps(steps, indent=2) + "\n" for name, steps in plans.items()}
    account_columns = [
        "Name", "Phone", "Fax", "Website", "Type", "Industry", "NumberOfEmployees",
        "AnnualRevenue", "Description", "BillingStreet", "BillingCity", "BillingState",
        "BillingPostalCode", "BillingCountry", "ShippingCity", "ShippingState",
        "ShippingPostalCode", "Rating__c",
    ]  # fmt: skip
    contact_columns = [
        "LastName", "FirstName", "Salutation", "Email", "Phone", "MobilePhone", "Title",
        "Department", "AccountId", "Description", "MailingCity", "Birthdate",
    ]  # fmt: skip
    opportunity_columns = ["Name", "StageName", "CloseDate", "Amount", "Description", "AccountId"]
    out["crm/Accounts.csv"] = csv_text(table(ACCOUNTS, account_columns), bom=True)
    out["crm/Contacts.csv"] = csv_text(table(CONTACTS, contact_columns), bom=False)
    out["crm/Opportunities.csv"] = csv_text(table(OPPORTUNITIES, opportunity_columns), bom=True)
    out["reports/Accounts-Contacts.csv"] = csv_text(REPORT, bom=True)
    return out


def write(root: Path = ROOT) -> list[Path]:
    written = []
    for name, text in files().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(path.relative_to(ROOT.parent))
