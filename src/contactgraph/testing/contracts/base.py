"""What every contract shares: the ``store`` fixture to provide, memorable data, helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from contactgraph.domain import Account, Contact, DomainEvent, Opportunity
from contactgraph.store import Store


def acme(name: str = "ACME SA") -> tuple[Account, dict[str, Contact]]:
    """ACME and four people, with every kind of contact field set somewhere."""
    account = Account.create(
        name=name,
        industry="Manufacturing",
        type="Customer",
        website="https://acme.example",
        phone="+33 1 40 00 00 00",
        billing_address={
            "street": "1 rue de la Paix\nBâtiment B",
            "city": "Paris",
            "country": "France",
        },
        annual_revenue="1250000.50",
        number_of_employees=120,
        external_ids={"salesforce": "001ACME"},
        extra={"Rating__c": "Hot", "Score__c": 4.5},
        description="Key account.\nRenewal in March.",
    )
    account, alice = account.add_contact(
        last_name="Martin",
        first_name="Alice",
        salutation="Ms.",
        email="Alice.Martin@ACME.fr",
        phone="+33 1 23 45 67 89",
        title="CFO",
        department="Finance",
        decision_role="Economic Buyer",
        external_ids={"salesforce": "003ALICE"},
    )
    account, bob = account.add_contact(
        last_name="Durand",
        first_name="Bob",
        reports_to=alice.id,
        title="Accountant",
        department="Finance",
        mobile="06 12 34 56 78",
    )
    account, helene = account.add_contact(
        last_name="Lefèvre",
        first_name="Hélène",
        middle_name="Marie",
        suffix="Jr.",
        salutation="Dr.",
        email="helene@acme.fr",
        alternate_emails=["h.lefevre@gmail.com"],
        alternate_phones=["+33 6 98 76 54 32"],
        title="Directrice technique",
        department="R&D",
        mailing_address={"street": "2 avenue Foch", "city": "Lyon", "postal_code": "69006"},
        birthdate="1980-02-29",
        extra={"Picture__c": "h.png", "Vip__c": True, "Visits__c": 3, "Nothing__c": None},
        lead_source="Web",
        description="Met at the Lyon fair.\nCall back in May.",
        email_opt_out=True,
        do_not_call=True,
        decision_role="Technical Buyer",
    )
    account, zoe = account.add_contact(last_name="Zoë", active=True)
    account = account.deactivate_contact(zoe.id)
    return account, {"alice": alice, "bob": bob, "helene": helene, "zoe": zoe}


def globex() -> tuple[Account, Contact]:
    account = Account.create(name="Globex Corporation", industry="Banking")
    account, hank = account.add_contact(
        last_name="Scorpio", first_name="Hank", email="hank@globex.example", title="CEO"
    )
    return account, hank


class Boom(RuntimeError):
    """Raised on purpose inside a transaction to roll it back."""


def rolled_back(store: Store, *actions: Callable[[], object]) -> None:
    """Run ``actions`` in a transaction (nested if one is open), then raise :class:`Boom`."""
    with store.transaction():
        for action in actions:
            action()
        raise Boom("rolled back on purpose")


def recorded_events(store: Store) -> list[DomainEvent]:
    """A list that receives every event ``store`` publishes from now on."""
    seen: list[DomainEvent] = []
    store.subscribe(seen.append)
    return seen


class ContractBase:
    """The fixtures every contract uses: ``store`` (the backend provides it), ``other_tenant``."""

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        raise NotImplementedError("a backend's test class provides the `store` fixture")

    @pytest.fixture
    def other_tenant(self, store: Store) -> Iterator[Store]:
        other = store.for_tenant(f"{store.tenant}-other")
        yield other
        other.close()


def acme_deal(account: Account, people: dict[str, Contact], **fields: Any) -> Opportunity:
    """The ACME renewal: Alice the primary economic buyer, Hélène the technical buyer."""
    opportunity = Opportunity.create(
        name=fields.pop("name", "ACME renewal"),
        account_id=account.id,
        stage=fields.pop("stage", "Prospecting"),
        close_date=fields.pop("close_date", date(2027, 3, 31)),
        amount=Decimal("12000.00"),
        currency="EUR",
        external_ids={"salesforce": "006DEAL"},
        **fields,
    )
    opportunity = opportunity.add_contact_role(
        people["alice"].id, role="Economic Buyer", primary=True
    )
    return opportunity.add_contact_role(people["helene"].id, role="Technical Buyer")
