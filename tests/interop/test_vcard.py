"""vCard 4.0 export (RFC 6350): escaping, folding at 75 octets, CRLF, UTF-8."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import contactgraph as cg
from contactgraph.interop import account_vcards, vcard, write_vcards
from contactgraph.interop.vcard import escape, fold


def _acme() -> tuple[cg.Account, cg.Contact, cg.Contact]:
    acme = cg.Account.create("ACME, SA; Paris", billing_address={"country": "France"})
    acme, alice = acme.add_contact(
        "Martin",
        first_name="Alice",
        salutation="Ms.",
        email="alice@acme.fr",
        phone="01 23 45 67 89",
        mobile="06 12 34 56 78",
        title="CFO",
        department="Finance",
        decision_role="Economic Buyer",
        mailing_address={
            "street": "1 rue de la Paix\nBâtiment B",
            "city": "Paris",
            "postal_code": "75002",
        },
        birthdate=date(1980, 2, 29),
        description="Prefers email; call after 10:00, never on Fridays\\weekends",
    )
    acme, bob = acme.add_contact("Durand-Lefèvre", first_name="Bob")
    return acme, alice, bob


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_a_contact_card() -> None:
    acme, alice, _ = _acme()
    card = vcard(alice, acme)
    lines = _unfold(card)
    assert lines[0] == "BEGIN:VCARD"
    assert lines[1] == "VERSION:4.0"
    assert lines[-2] == "END:VCARD"
    assert lines[-1] == ""
    assert card.endswith("\r\n")
    assert "\n" not in card.replace("\r\n", "")
    assert "FN:Alice Martin" in lines
    assert "N:Martin;Alice;;Ms.;" in lines
    assert "ORG:ACME\\, SA\\; Paris;Finance" in lines
    assert "TITLE:CFO" in lines
    assert "ROLE:Economic Buyer" in lines
    assert "EMAIL;TYPE=work;PREF=1:alice@acme.fr" in lines
    assert 'TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+33123456789' in lines
    assert 'TEL;VALUE=uri;TYPE="cell,voice":tel:+33612345678' in lines
    assert "ADR;TYPE=work:;;1 rue de la Paix\\nBâtiment B;Paris;;75002;" in lines
    assert "BDAY:19800229" in lines
    assert "NOTE:Prefers email\\; call after 10:00\\, never on Fridays\\\\weekends" in lines
    assert f"UID:urn:uuid:{alice.id}" in lines


def test_all_contacts_of_an_account(tmp_path: Path) -> None:
    acme, _alice, bob = _acme()
    text = account_vcards(acme)
    assert text.count("BEGIN:VCARD") == 2
    assert text.index("Durand") < text.index("FN:Alice")  # sorted by last name
    path = write_vcards(tmp_path / "acme.vcf", acme)
    raw = path.read_bytes()
    assert raw.decode("utf-8") == text
    assert b"\r\n" in raw
    assert "Durand-Lefèvre".encode() in raw
    inactive = acme.deactivate_contact(bob.id)
    assert account_vcards(inactive, active_only=True).count("BEGIN:VCARD") == 1


def test_long_lines_fold_at_75_octets_without_splitting_characters() -> None:
    acme, alice, _ = _acme()
    acme = acme.update_contact(alice.id, description="Élève très motivée 🚀 " * 12)
    card = vcard(acme.contact(alice.id), acme)
    for line in card.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert "NOTE:" + escape(acme.contact(alice.id).description or "") in _unfold(card)


@given(st.text(min_size=0, max_size=300))
def test_fold_round_trips(text: str) -> None:
    line = "NOTE:" + escape(text)
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
