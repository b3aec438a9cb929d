"""vCard 4.0 (RFC 6350) export of a contact, or of every contact of an account.

Text values are escaped (backslash, comma, semicolon, line breaks), lines are
folded at 75 octets without splitting a UTF-8 character, lines end in CRLF,
and the result is meant to be written as UTF-8::

    Path("alice.vcf").write_text(vcard(alice, account=acme), encoding="utf-8", newline="")

:func:`export_vcards` writes one file per account into a folder, from a store
or from accounts in hand::

    report = export_vcards(store, "cards/")          # every account
    report.files                                     # [Path("cards/ACME_SA-1f2e3d4c.vcf"), …]
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from contactgraph.domain import Account, Address, Contact, Phone
from contactgraph.interop.report import ExportReport, Progress
from contactgraph.repos.protocol import StoreProtocol

__all__ = [
    "account_vcards",
    "escape",
    "export_vcards",
    "file_name_part",
    "fold",
    "vcard",
    "write_vcards",
]

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


def _tel(phone: Phone, params: str) -> str:
    """A TEL line: a ``tel:`` URI, or the text as typed for an unverified number (no country)."""
    if phone.verified:
        return f"TEL;VALUE=uri{params}:tel:{phone.e164}"
    return f"TEL;VALUE=text{params}:{escape(phone.typed)}"


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
        lines.append(_tel(contact.phone, ';TYPE="work,voice";PREF=1'))
    if contact.mobile:
        lines.append(_tel(contact.mobile, ';TYPE="cell,voice"'))
    for phone in contact.alternate_phones:
        lines.append(_tel(phone, ""))
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
    """Write :func:`account_vcards` to ``path`` as UTF-8 (CRLF kept) and return the path.

    Never writes through a symbolic link: a link at ``path`` raises
    :class:`OSError` and what it points to is left alone.
    """
    out = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    if out.is_symlink():  # O_NOFOLLOW is missing on some systems
        raise OSError(f"{out} is a symbolic link; a vCard is not written through it")
    with os.fdopen(os.open(out, flags, 0o666), "w", encoding="utf-8", newline="") as handle:
        handle.write(account_vcards(account, active_only=active_only))
    return out


def file_name_part(text: str, *, max_length: int = 60) -> str:
    """``text`` as a portable piece of a file name: letters, digits, ``-`` and ``_``.

    Every other character (spaces, slashes, dots, control characters) becomes
    ``_``, so a name can never leave the folder or hide a file; an empty
    result is ``_``.
    """
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)[:max_length]
    return safe or "_"


def export_vcards(
    source: StoreProtocol | Iterable[Account],
    directory: str | os.PathLike[str],
    *,
    account_ids: Iterable[str] | None = None,
    active_only: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write one vCard file per account into ``directory`` (created if needed).

    Each file is named after the account and the start of its id
    (``ACME_SA-1f2e3d4c.vcf``, see :func:`file_name_part`) and holds its
    contacts, sorted by name.

    Args:
        source: A store (every account, by name) or the accounts to write.
        directory: The folder; missing parents are created too.
        account_ids: Only these accounts, in this order (NotFoundError for a
            missing one when ``source`` is a store; ignored ids otherwise).
        active_only: Leave inactive contacts out.
        progress: Called as ``progress(accounts_done, total)``.

    Returns:
        The files written and ``counts["Contact"]``, the contacts they hold.
    """
    out = Path(directory)
    wanted = None if account_ids is None else list(account_ids)
    accounts: Iterable[Account]
    total: int | None
    if isinstance(source, Iterable):
        chosen = list(source)
        if wanted is not None:
            by_id = {a.id: a for a in chosen}
            chosen = [by_id[i] for i in dict.fromkeys(wanted) if i in by_id]
        accounts, total = chosen, len(chosen)
    elif wanted is not None:
        store = source
        accounts = (store.accounts.get(i) for i in dict.fromkeys(wanted))
        total = len(dict.fromkeys(wanted))
    else:
        accounts, total = source.accounts, source.accounts.count()
    out.mkdir(parents=True, exist_ok=True)
    report = ExportReport(counts={"Contact": 0})
    for done, account in enumerate(accounts, start=1):
        name = f"{file_name_part(account.name)}-{file_name_part(account.id[:8])}.vcf"
        report.files.append(write_vcards(out / name, account, active_only=active_only))
        written = len(account.active_contacts()) if active_only else len(account.contacts)
        report.counts["Contact"] += written
        if progress is not None:
            progress(done, total)
    return report


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
