"""A small, realistic CRM that the project writes itself, for the demo and the docs.

A few French and international companies with their buyers, directors,
accountants and technicians, a reporting line or two, an opportunity and a
case. Every record carries ``external_ids["demo"]`` so that building the
demo twice finds what is already there instead of duplicating it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from contactgraph.domain import Account, Case, Contact, Opportunity
from contactgraph.errors import NotFoundError
from contactgraph.repos.protocol import StoreProtocol

__all__ = ["DemoData", "build_demo"]

DEMO = "demo"

# (key, account fields, [(key, manager key or None, contact fields)])
_COMPANIES: list[tuple[str, dict[str, Any], list[tuple[str, str | None, dict[str, Any]]]]] = [
    (
        "acme",
        {
            "name": "ACME SA",
            "type": "Customer",
            "industry": "Manufacturing",
            "website": "https://acme.example.fr",
            "phone": "04 72 00 00 00",
            "billing_address": {
                "street": "12 rue de la République",
                "city": "Lyon",
                "postal_code": "69002",
                "country": "France",
            },
            "number_of_employees": 420,
        },
        [
            (
                "helene",
                None,
                {
                    "last_name": "Dubois",
                    "first_name": "Hélène",
                    "salutation": "Mme",
                    "title": "Directrice générale",
                    "department": "Direction",
                    "email": "helene.dubois@acme.example.fr",
                    "phone": "04 72 00 00 01",
                    "decision_role": "Decision Maker",
                },
            ),
            (
                "alice",
                "helene",
                {
                    "last_name": "Martin",
                    "first_name": "Alice",
                    "salutation": "Ms.",
                    "title": "CFO",
                    "department": "Finance",
                    "email": "alice.martin@acme.example.fr",
                    "phone": "04 72 00 00 02",
                    "mobile": "06 12 34 56 78",
                    "decision_role": "Economic Buyer",
                },
            ),
            (
                "bob",
                "alice",
                {
                    "last_name": "Durand",
                    "first_name": "Bob",
                    "salutation": "M.",
                    "title": "Comptable",
                    "department": "Finance",
                    "email": "bob.durand@acme.example.fr",
                },
            ),
            (
                "karim",
                "helene",
                {
                    "last_name": "Benali",
                    "first_name": "Karim",
                    "salutation": "M.",
                    "title": "Acheteur",
                    "department": "Achats",
                    "email": "karim.benali@acme.example.fr",
                    "phone": "04 72 00 00 03",
                    "decision_role": "Influencer",
                },
            ),
            (
                "chloe",
                "karim",
                {
                    "last_name": "Petit",
                    "first_name": "Chloé",
                    "salutation": "Mlle",
                    "title": "Technicienne",
                    "department": "Maintenance",
                    "mobile": "07 98 76 54 32",
                    "decision_role": "Technical Buyer",
                },
            ),
        ],
    ),
    (
        "globex",
        {
            "name": "Globex GmbH",
            "type": "Prospect",
            "industry": "Logistics",
            "billing_address": {
                "street": "Friedrichstraße 100",
                "city": "Berlin",
                "postal_code": "10117",
                "country": "Germany",
            },
        },
        [
            (
                "juergen",
                None,
                {
                    "last_name": "Weber",
                    "first_name": "Jürgen",
                    "salutation": "Mr.",
                    "title": "Geschäftsführer",
                    "department": "Management",
                    "email": "j.weber@globex.example.de",
                    "phone": "030 1234567",
                    "decision_role": "Decision Maker",
                },
            ),
            (
                "anna",
                "juergen",
                {
                    "last_name": "Schmidt",
                    "first_name": "Anna",
                    "salutation": "Ms.",
                    "title": "Einkäuferin",
                    "department": "Einkauf",
                    "email": "a.schmidt@globex.example.de",
                    "decision_role": "Evaluator",
                },
            ),
        ],
    ),
    (
        "initech",
        {
            "name": "Initech Ltd",
            "type": "Customer",
            "industry": "Technology",
            "billing_address": {
                "city": "London",
                "postal_code": "EC1A 1BB",
                "country": "United Kingdom",
            },
        },
        [
            (
                "priya",
                None,
                {
                    "last_name": "Patel",
                    "first_name": "Priya",
                    "salutation": "Dr.",
                    "title": "Head of IT",
                    "department": "IT",
                    "email": "priya.patel@initech.example.co.uk",
                    "phone": "020 7946 0000",
                    "decision_role": "Technical Buyer",
                },
            ),
            (
                "tom",
                "priya",
                {
                    "last_name": "O'Connor",
                    "first_name": "Tom",
                    "salutation": "Mr.",
                    "title": "Procurement Manager",
                    "department": "Procurement",
                    "email": "tom.oconnor@initech.example.co.uk",
                    "email_opt_out": True,
                },
            ),
        ],
    ),
    (
        "soylent",
        {
            "name": "Soylent Corp",
            "type": "Prospect",
            "industry": "Food & Beverage",
            "billing_address": {"city": "San Francisco", "state": "CA", "country": "United States"},
        },
        [
            (
                "sam",
                None,
                {
                    "last_name": "Green",
                    "first_name": "Sam",
                    "title": "Former buyer",
                    "phone": "(415) 256-8563",
                    "active": False,
                },
            ),
        ],
    ),
]


@attrs.frozen
class DemoData:
    """What :func:`build_demo` stored, by the demo's own keys.

    Attributes:
        accounts: Accounts by key (``"acme"``, ``"globex"``…).
        contacts: Contacts by key (``"alice"``, ``"bob"``…).
        opportunity: The ACME renewal.
        case: Bob's invoice case.
        created: Whether this call created the data (False: it was there).
    """

    accounts: dict[str, Account]
    contacts: dict[str, Contact]
    opportunity: Opportunity
    case: Case
    created: bool


def build_demo(store: StoreProtocol) -> DemoData:
    """Store the demo CRM in ``store`` (once: a second call finds it) and describe it."""
    existing = store.accounts.find_by_external_id(DEMO, "acme")
    with store.transaction():
        created = existing is None
        if created:
            _create(store)
    return _load(store, created)


def _create(store: StoreProtocol) -> None:
    account_ids: dict[str, str] = {}
    contact_ids: dict[str, str] = {}
    for key, fields, people in _COMPANIES:
        account = Account.create(**fields, external_ids={DEMO: key})
        for person_key, manager, person in people:
            extra = {"reports_to": contact_ids[manager]} if manager else {}
            account, contact = account.add_contact(
                **person, **extra, external_ids={DEMO: person_key}
            )
            contact_ids[person_key] = contact.id
        account = store.accounts.add(account)
        account_ids[key] = account.id
    subsidiary = Account.create(
        name="ACME Services SAS",
        type="Customer",
        industry="Services",
        parent_id=account_ids["acme"],
        billing_address={"city": "Villeurbanne", "postal_code": "69100", "country": "France"},
        external_ids={DEMO: "acme-services"},
    )
    subsidiary, _ = subsidiary.add_contact(
        last_name="Moreau",
        first_name="Julie",
        salutation="Mme",
        title="Responsable des services",
        email="julie.moreau@acme-services.example.fr",
        external_ids={DEMO: "julie"},
    )
    store.accounts.add(subsidiary)
    deal = Opportunity.create(
        name="ACME renewal 2027",
        account_id=account_ids["acme"],
        stage="Proposal/Price Quote",
        close_date=date(2027, 3, 31),
        amount=Decimal("12000"),
        currency="EUR",
        external_ids={DEMO: "acme-renewal"},
    )
    deal = deal.add_contact_role(contact_ids["alice"], role="Economic Buyer", primary=True)
    deal = deal.add_contact_role(contact_ids["helene"], role="Decision Maker")
    deal = deal.add_contact_role(contact_ids["chloe"], role="Technical Buyer")
    store.opportunities.add(deal)
    ticket = Case.create(
        subject="Invoice error on order 2026-118",
        account_id=account_ids["acme"],
        contact_id=contact_ids["bob"],
        priority="High",
        origin="Email",
        description="The invoice shows 12 units; 10 were delivered.",
        external_ids={DEMO: "invoice-case"},
    )
    store.cases.add(ticket)


def _load(store: StoreProtocol, created: bool) -> DemoData:
    accounts: dict[str, Account] = {}
    contacts: dict[str, Contact] = {}
    for key in ("acme", "globex", "initech", "soylent", "acme-services"):
        account = store.accounts.find_by_external_id(DEMO, key)
        if account is None:
            raise NotFoundError("demo Account", key)
        accounts[key] = account
        for contact in account.contacts.values():
            contacts[contact.external_ids.get(DEMO, contact.id)] = contact
    opportunity = store.opportunities.find_by_external_id(DEMO, "acme-renewal")
    case = store.cases.find_by_external_id(DEMO, "invoice-case")
    if opportunity is None or case is None:
        raise NotFoundError("demo records", "acme-renewal / invoice-case")
    return DemoData(accounts, contacts, opportunity, case, created)
