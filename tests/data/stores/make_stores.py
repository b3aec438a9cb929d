"""Write the release-0.1.0 fixture stores: an SQLite file and a PostgreSQL plain-SQL dump.

Run it with the 0.1.0 code on the path (see README.md in this folder); it
refuses to run with any other version, since the point is what that release
wrote. Each store gets the same records, in two tenants, and
``v010-expected.json`` gets every record as the 0.1.0 API read it back from\neach (the creation times differ).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import contactgraph as cg
from contactgraph.testing.postgres import _runner, find_bindir, throwaway_cluster

sys.path.insert(0, str(Path(__file__).parent))
from snapshot import snapshot

HERE = Path(__file__).parent
TENANTS = ("default", "beta")


def fill(store: Any, tag: str) -> None:
    """A small but rich CRM: every kind of record, non-ASCII emails, hierarchy, extras."""
    acme = cg.Account.create(
        name="ACME SA",
        id=f"{tag}acme",
        type="Customer",
        industry="Manufacturing",
        website="https://www.acme.fr",
        phone="+33 1 23 45 67 89",
        billing_address={
            "street": "1 rue de la Paix",
            "city": "Paris",
            "postal_code": "75002",
            "country": "France",
        },
        annual_revenue=Decimal("1250000.50"),
        number_of_employees=420,
        external_ids={"salesforce": f"001{tag}ACME"},
        extra={
            "Tier__c": "Gold",
            "Score__c": 87,
            "Ratio__c": 0.25,
            "Vip__c": True,
            "Note__c": None,
        },
    )
    acme, alice = acme.add_contact(
        last_name="Martin",
        first_name="Alice",
        salutation="Ms.",
        id=f"{tag}alice",
        email="Alice.Martin@ACME.fr",
        phone="+33 1 23 45 67 80",
        mobile="+33 6 12 34 56 78",
        title="CFO",
        department="Finance",
        decision_role="Economic Buyer",
        alternate_emails=["alice@perso.example", "ÉLISE.ALT@acme.fr"],
        alternate_phones=["+33 1 99 88 77 66"],
        mailing_address={"street": "2 rue Nationale", "city": "Lille", "country": "France"},
        birthdate=date(1980, 4, 1),
        lead_source="Web",
        external_ids={"salesforce": f"003{tag}ALICE"},
        extra={"Picture__c": "alice.png"},
    )
    acme, elodie = acme.add_contact(
        last_name="Bénard",
        first_name="Élodie",
        id=f"{tag}elodie",
        email="Élodie@acme.fr",
        title="Acheteuse",
        department="Achats",
        reports_to=alice.id,
        decision_role="Decision Maker",
        alternate_emails=["ÉLODIE.B@acme.fr"],
    )
    acme, _helene = acme.add_contact(
        last_name="Lefèvre",
        first_name="Hélène",
        middle_name="Marie",
        id=f"{tag}helene",
        email="helene.lefevre@acme.fr",
        reports_to=elodie.id,
        email_opt_out=True,
        do_not_call=True,
        description="Prefers mail.\nSecond line.",
    )
    acme, bob = acme.add_contact(last_name="Durand", first_name="Bob", id=f"{tag}bob")
    acme = acme.deactivate_contact(bob.id)
    store.accounts.add(acme)

    globex = cg.Account.create(
        name="Globex GmbH",
        id=f"{tag}globex",
        parent_id=acme.id,
        phone_region="DE",
        billing_address={"city": "München", "country": "Germany"},
    )
    globex, jurgen = globex.add_contact(
        last_name="Groß",
        first_name="Jürgen",
        id=f"{tag}jurgen",
        email="JÜRGEN@globex.de",
        phone="089 1234567",
    )
    store.accounts.add(globex)

    deal = cg.Opportunity.create(
        name="ACME renewal",
        account_id=acme.id,
        id=f"{tag}deal",
        stage="Prospecting",
        close_date=date(2027, 3, 31),
        amount=Decimal("12000"),
        currency="EUR",
        extra={"Channel__c": "Partner"},
    )
    deal = deal.add_contact_role(alice.id, role="Economic Buyer", primary=True)
    deal = deal.add_contact_role(elodie.id, role="Decision Maker")
    store.opportunities.add(deal)
    store.opportunities.add(
        cg.Opportunity.create(
            name="Globex pilot",
            account_id=globex.id,
            id=f"{tag}pilot",
            stage="Closed Won",
            amount=Decimal("999.99"),
            currency="EUR",
        )
    )

    store.cases.add(
        cg.Case.create(
            "Invoice error", acme.id, elodie.id, id=f"{tag}case1", priority="High", origin="Email"
        )
    )
    closed = cg.Case.create("Login fails", globex.id, jurgen.id, id=f"{tag}case2")
    closed = closed.update(status="Closed")
    store.cases.add(closed)

    store.relations.add(
        cg.AccountContactRelation.create(
            globex.id,
            elodie.id,
            id=f"{tag}rel",
            roles=["Influencer", "Technical Buyer"],
            title="Advisor",
            start_date=date(2026, 1, 15),
            end_date=date(2027, 1, 14),
        )
    )


def write(url: str) -> dict[str, Any]:
    expected = {}
    for tenant in TENANTS:
        store = cg.open_store(url, tenant=tenant)
        try:
            fill(store, "" if tenant == "default" else "b-")
            expected[tenant] = snapshot(store)
        finally:
            store.close()
    return expected


def main() -> None:
    if cg.__version__ != "0.1.0":
        sys.exit(f"run this with the 0.1.0 code (got contactgraph {cg.__version__}); see README.md")
    sqlite_file = HERE / "v010.sqlite"
    sqlite_file.unlink(missing_ok=True)
    expected = write(f"sqlite:///{sqlite_file}")
    engine = sa.create_engine(f"sqlite:///{sqlite_file}")
    with engine.connect() as conn:  # fold the WAL into the one file that is committed
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode = DELETE")
    engine.dispose()

    with throwaway_cluster("v010") as url:
        expected_pg = write(url)
        parsed = sa.make_url(url)
        bindir = find_bindir()
        assert bindir is not None
        prefix, _ = _runner()
        dump = subprocess.run(
            [
                *prefix,
                str(bindir / "pg_dump"),
                "--no-owner",
                "--no-privileges",
                "-h",
                str(parsed.host),
                "-p",
                str(parsed.port),
                "-U",
                str(parsed.username),
                str(parsed.database),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    (HERE / "v010-postgres.sql").write_text(dump)
    (HERE / "v010-expected.json").write_text(
        json.dumps(
            {"sqlite": expected, "postgresql": expected_pg},
            indent=1,
            ensure_ascii=False,
            sort_keys=True,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
