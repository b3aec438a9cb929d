"""vCard 4.0 (RFC 6350) export of a contact, or of every contact of an account.

Text values are escaped (backslash, comma, semicolon, line breaks), lines are
folded at 75 octets without splitting a UTF-8 character, lines end in CRLF,
and the result is meant to be written as UTF-8::

    Path("alice.vcf").write_text(vcard(alice, account=acme), encoding="utf-8", newline="")
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from contactgraph.domain import Account, Address, Contact

__all__ = ["account_vcards", "escape", "fold", "vcard", "write_vcards"]

MAX_OCTETS = 75
CRLF = "\r\n"


def escape(text: str) -> str:
    """Escape a TEXT value (RFC 6350 §3.4): ``\\``, ``,``, ``;`` and line breaks."""
    return (
        text.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold one content line into CRLF + space continued chunks of at most 75 octets."""
    data = line.encode("utf-8")
    if len(data) <= MAX_OCTETS:
        return line
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
            limit = MAX_OCTETS - 1  # continuation lines start with a space
        current.append(ch)
        size += width
    chunks.append("".join(current))
    return (CRLF + " ").join(chunks)


def _components(*parts: str | None) -> str:
    return ";".join(escape(p or "") for p in parts)


def _adr(address: Address) -> str:
    return _components(
        "", "", address.street, address.city, address.state, address.postal_code, address.country
    )


def vcard(contact: Contact, account: Account | None = None) -> str:
    """One contact as a vCard 4.0 (``account`` adds its name as ``ORG``)."""
    name = contact.name
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"UID:urn:uuid:{contact.id}" if _is_uuid(contact.id) else f"UID:{escape(contact.id)}",
        "KIND:individual",
        f"FN:{escape(name.full)}",
        "N:"
        + _components(
            name.last,
            name.first,
            name.middle,
            name.salutation.value if name.salutation else None,
            name.suffix,
        ),
    ]
    if account is not None or contact.department:
        lines.append("ORG:" + _components(account.name if account else "", contact.department))
    if contact.title:
        lines.append(f"TITLE:{escape(contact.title)}")
    if contact.decision_role:
        lines.append(f"ROLE:{escape(contact.decision_role.value)}")
    if contact.email:
        lines.append(f"EMAIL;TYPE=work;PREF=1:{contact.email.address}")
    for email in contact.alternate_emails:
        lines.append(f"EMAIL:{email.address}")
    if contact.phone:
        lines.append(f'TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:{contact.phone.e164}')
    if contact.mobile:
        lines.append(f'TEL;VALUE=uri;TYPE="cell,voice":tel:{contact.mobile.e164}')
    for phone in contact.alternate_phones:
        lines.append(f"TEL;VALUE=uri:tel:{phone.e164}")
    if contact.mailing_address and not contact.mailing_address.is_empty:
        lines.append("ADR;TYPE=work:" + _adr(contact.mailing_address))
    if contact.birthdate:
        lines.append(f"BDAY:{contact.birthdate.strftime('%Y%m%d')}")
    if contact.description:
        lines.append(f"NOTE:{escape(contact.description)}")
    lines.append("REV:" + contact.updated_at.strftime("%Y%m%dT%H%M%SZ"))
    lines.append("END:VCARD")
    return "".join(fold(line) + CRLF for line in lines)


def account_vcards(account: Account, *, active_only: bool = False) -> str:
    """Every contact of ``account`` (sorted by name), one vCard after another."""
    contacts: Iterable[Contact] = (
        account.active_contacts() if active_only else account.sorted_contacts()
    )
    return "".join(vcard(c, account) for c in contacts)


def write_vcards(
    path: str | os.PathLike[str], account: Account, *, active_only: bool = False
) -> Path:
    """Write :func:`account_vcards` to ``path`` as UTF-8 (CRLF kept) and return the path."""
    out = Path(path)
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(account_vcards(account, active_only=active_only))
    return out


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
