"""Hypothesis strategies for contactgraph data: valid, unusual and hostile.

Import them to test an application, a backend or an importer with the data
the project tests itself with::

    from hypothesis import given
    from contactgraph.testing import strategies as cgst

    @given(cgst.accounts())
    def test_round_trip(account): ...

Valid strategies only produce input every entry point must accept (names in
any script, apostrophes and hyphens, possible-but-unassigned phone numbers);
``invalid_*`` and :func:`hostile_strings` produce input that single-line
fields must refuse or that stores must survive. Ids are drawn (not random) so
a failing example replays exactly.

The value strategies (names, text, emails, phones) live in
:mod:`contactgraph.testing.values`; this module adds records, commands and
whole accounts, and re-exports them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import attrs
from hypothesis import strategies as st

from contactgraph.domain import Account
from contactgraph.errors import NotFoundError, PolicyViolationError
from contactgraph.testing.values import (
    CONTROL_CHARACTERS,
    INVALID_EMAIL_EXAMPLES,
    NOTABLE_NAMES,
    control_strings,
    decision_roles,
    departments,
    emails,
    first_names,
    hostile_strings,
    invalid_emails,
    invalid_phones,
    last_names,
    person_name_fields,
    person_names,
    phones,
    phones_with_region,
    salutations,
    titles,
)

__all__ = [
    "CONTROL_CHARACTERS",
    "INVALID_EMAIL_EXAMPLES",
    "NOTABLE_NAMES",
    "ContactCommand",
    "account_commands",
    "account_fields",
    "account_names",
    "accounts",
    "addresses",
    "apply_command",
    "contact_fields",
    "contact_ids",
    "control_strings",
    "decision_roles",
    "departments",
    "emails",
    "first_names",
    "hostile_strings",
    "invalid_contact_fields",
    "invalid_emails",
    "invalid_phones",
    "last_names",
    "person_name_fields",
    "person_names",
    "phones",
    "phones_with_region",
    "salutations",
    "titles",
]

# --------------------------------------------------------------- records


def addresses() -> st.SearchStrategy[dict[str, str]]:
    """Mailing or billing address parts as a mapping."""
    return st.fixed_dictionaries(
        {},
        optional={
            "street": st.sampled_from(["12 rue de la Paix", "1 Main St\nSuite 400"]),
            "city": st.sampled_from(["Paris", "Lyon", "San Francisco", "Zürich"]),
            "postal_code": st.sampled_from(["75002", "69001", "94105", "8001"]),
            "country": st.sampled_from(["France", "FR", "United States", "Suisse"]),
        },
    )


def account_names() -> st.SearchStrategy[str]:
    return st.sampled_from(
        ["ACME SA", "Globex Corporation", "Initech", "Société Générale de Café", "株式会社山田"]
    )


def account_fields() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for :meth:`Account.create` (``name`` included)."""
    return st.fixed_dictionaries(
        {"name": account_names()},
        optional={
            "industry": st.sampled_from(["Manufacturing", "Banking", "Retail"]),
            "type": st.sampled_from(["Customer", "Prospect", "Partner"]),
            "phone_region": st.sampled_from(["FR", "US"]),
            "website": st.just("https://acme.example"),
        },
    )


def contact_ids() -> st.SearchStrategy[str]:
    """Contact ids as the library makes them (UUID text), drawn so examples replay."""
    return st.uuids(version=4).map(str)


def contact_fields(region: str = "FR") -> st.SearchStrategy[dict[str, Any]]:
    """Valid ``add_contact`` keywords (no ``reports_to``); phones are national to ``region``."""
    return st.tuples(
        person_name_fields(),
        st.fixed_dictionaries(
            {},
            optional={
                "email": emails(),
                "phone": phones(region),
                "mobile": phones(region),
                "title": titles(),
                "department": departments(),
                "decision_role": decision_roles(),
                "email_opt_out": st.booleans(),
                "do_not_call": st.booleans(),
                "mailing_address": addresses(),
                "lead_source": st.sampled_from(["Web", "Trade Show", "Partner Referral"]),
                "description": st.sampled_from(["Met at the Lyon fair.\nCall back in May.", ""]),
            },
        ),
    ).map(lambda parts: {**parts[0], **parts[1]})


def invalid_contact_fields() -> st.SearchStrategy[dict[str, Any]]:
    """One to three bad fields: each must be reported, and the command refused."""
    bad: Mapping[str, st.SearchStrategy[Any]] = {
        "email": invalid_emails(),
        "phone": invalid_phones(),
        "last_name": st.one_of(st.sampled_from(["", "   ", "A" * 81]), control_strings()),
        "first_name": control_strings(),
        "title": st.one_of(control_strings(), st.just("T" * 10_000)),
        "salutation": st.sampled_from(["Sir", "Your Majesty", "Herr"]),
        "decision_role": st.sampled_from(["Boss", "Champion"]),
        "active": st.sampled_from(["yes", 1, None]),
        "nickname": st.just("Ali"),
    }
    return st.lists(st.sampled_from(sorted(bad)), min_size=1, max_size=3, unique=True).flatmap(
        lambda fields: st.fixed_dictionaries({f: bad[f] for f in fields})
    )


# -------------------------------------------------------------- commands

ManagerRef = int | Literal["self", "ghost", "none"] | None
"""Who a command sets as manager: the n-th contact (by id, modulo), the target
itself, an id that is not in the account, no one (clear it), or leave it alone."""


@attrs.frozen
class ContactCommand:
    """One command on an account, with contacts named by position so it replays.

    Attributes:
        kind: ``add_contact``, ``update_contact``, ``deactivate_contact``,
            ``reactivate_contact``, ``remove_contact`` or ``update`` (the account).
        target: Position of the contact the command is about, modulo the
            number of contacts (``None`` for ``add_contact`` and ``update``);
            ``-1`` names a contact that is not in the account.
        fields: Keyword arguments, valid or not.
        manager: The ``reports_to`` to set (see :data:`ManagerRef`); for
            ``remove_contact`` the ``reassign_reports_to``.
        contact_id: The id an ``add_contact`` gives.
    """

    kind: str
    target: int | None = None
    fields: Mapping[str, Any] = attrs.field(factory=dict)
    manager: ManagerRef = None
    contact_id: str | None = None


def _ids(account: Account) -> list[str]:
    return sorted(account.contacts)


def _resolve(account: Account, ref: ManagerRef, target_id: str | None) -> str | None:
    ids = _ids(account)
    if ref == "self":
        return target_id
    if ref == "ghost":
        return "00000000-0000-4000-8000-00000000dead"
    if ref == "none" or ref is None:
        return None
    return ids[ref % len(ids)] if ids else "00000000-0000-4000-8000-00000000dead"


def apply_command(account: Account, command: ContactCommand) -> Account:
    """Run ``command`` on ``account``: the new account, or the library's refusal.

    Raises:
        PolicyViolationError: the account refused the command.
        NotFoundError: the command named a contact that is not there.
    """
    ids = _ids(account)
    target_id: str | None = None
    if command.target is not None:
        target_id = (
            "00000000-0000-4000-8000-00000000beef"
            if command.target < 0 or not ids
            else ids[command.target % len(ids)]
        )
    fields = dict(command.fields)
    if command.kind == "add_contact":
        if command.manager is not None:
            fields["reports_to"] = _resolve(account, command.manager, command.contact_id)
        return account.add_contact(id=command.contact_id, **fields)[0]
    if command.kind == "update":
        return account.update(**fields)
    assert target_id is not None
    if command.kind == "update_contact":
        if command.manager is not None:
            fields["reports_to"] = _resolve(account, command.manager, target_id)
        return account.update_contact(target_id, **fields)
    if command.kind == "deactivate_contact":
        return account.deactivate_contact(target_id)
    if command.kind == "reactivate_contact":
        return account.reactivate_contact(target_id)
    if command.kind == "remove_contact":
        if command.manager is None:
            return account.remove_contact(target_id)
        return account.remove_contact(
            target_id, reassign_reports_to=_resolve(account, command.manager, target_id)
        )
    raise ValueError(f"unknown command {command.kind!r}")


def _managers() -> st.SearchStrategy[ManagerRef]:
    return st.one_of(
        st.none(),
        st.integers(0, 50),
        st.sampled_from(["self", "ghost", "none"]),
    )


def account_commands(*, valid_only: bool = False) -> st.SearchStrategy[ContactCommand]:
    """Commands on an account; unless ``valid_only``, many carry bad input to be refused.

    Even with ``valid_only`` a command can still be refused by the account (a
    manager chosen at random can close a cycle): that is the point.
    """
    good_fields = contact_fields()
    fields = good_fields if valid_only else st.one_of(good_fields, invalid_contact_fields())
    update_fields = st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "first_name": first_names(),
                "title": titles(),
                "email": st.one_of(emails(), st.none()),
                "decision_role": decision_roles(),
                "email_opt_out": st.booleans(),
            },
        ),
        st.just({}) if valid_only else invalid_contact_fields(),
    )
    managers = (
        st.one_of(st.none(), st.integers(0, 50), st.just("none")) if valid_only else (_managers())
    )
    targets = st.integers(0, 50) if valid_only else st.integers(-1, 50)
    return st.one_of(
        st.builds(
            ContactCommand,
            kind=st.just("add_contact"),
            fields=fields,
            manager=managers,
            contact_id=contact_ids(),
        ),
        st.builds(
            ContactCommand,
            kind=st.just("update_contact"),
            target=targets,
            fields=update_fields,
            manager=managers,
        ),
        st.builds(
            ContactCommand,
            kind=st.sampled_from(["deactivate_contact", "reactivate_contact"]),
            target=targets,
        ),
        st.builds(ContactCommand, kind=st.just("remove_contact"), target=targets, manager=managers),
        st.builds(
            ContactCommand,
            kind=st.just("update"),
            fields=st.one_of(
                st.fixed_dictionaries({}, optional={"industry": st.sampled_from(["Retail"])}),
                st.just({}) if valid_only else st.just({"name": ""}),
            ),
        ),
    )


def _run(account: Account, commands: list[ContactCommand]) -> Account:
    for command in commands:
        try:
            account = apply_command(account, command)
        except (PolicyViolationError, NotFoundError):
            continue
    return account


def accounts(
    *, min_contacts: int = 0, max_contacts: int = 12, max_commands: int = 12, region: str = "FR"
) -> st.SearchStrategy[Account]:
    """Accounts built the only way the library allows: ``create`` then commands.

    Up to ``max_contacts`` contacts are added (some reporting to earlier ones),
    then up to ``max_commands`` mixed commands run. Refused commands are
    skipped, so the result always satisfies the structural invariants; it may
    have no contact, inactive contacts, managers, several roots.
    """
    adds = st.builds(
        ContactCommand,
        kind=st.just("add_contact"),
        fields=contact_fields(region),
        manager=st.one_of(st.none(), st.integers(0, max_contacts)),
        contact_id=contact_ids(),
    )

    def build(
        fields: dict[str, Any],
        account_id: str,
        added: list[ContactCommand],
        commands: list[ContactCommand],
    ) -> Account:
        account = Account.create(id=account_id, **{**fields, "phone_region": region})
        return _run(account, [*added, *commands])

    return st.builds(
        build,
        account_fields(),
        contact_ids(),
        st.lists(adds, min_size=min_contacts, max_size=max_contacts),
        st.lists(account_commands(valid_only=True), max_size=max_commands),
    )
