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
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any, Literal

import attrs
from hypothesis import strategies as st

from contactgraph.domain import Account, DecisionRole, PersonName, Salutation
from contactgraph.errors import NotFoundError, PolicyViolationError

__all__ = [
    "CONTROL_CHARACTERS",
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

# ------------------------------------------------------------------ text

CONTROL_CHARACTERS: tuple[str, ...] = (
    "\x00",
    "\r",
    "\n",
    "\t",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
)
"""Characters a single-line field (a name, a title, an email) must refuse."""

NOTABLE_NAMES: tuple[str, ...] = (
    "O'Carney",
    "Oldfield-Cherry",
    "D’Artagnan",
    "de la Fontaine",
    "van der Berg",
    "Hélène",
    "Zoë",
    "Ægir",
    "Łukasiewicz",
    "Şahin",
    "Nguyễn",
    "Müller-Lüdenscheidt",
    "Ōtsuka",
    "王",
    "山田",
    "Иванова",
    "Παπαδόπουλος",
    "محمد",
    "כהן",
    "김민준",
    "ราชา",
    "Teller",
    "X",
)
"""Real-world names that naive validation breaks: one word, apostrophes, hyphens, scripts."""

_NAME_ALPHABET = st.characters(categories=["Lu", "Ll", "Lt", "Lo"])


@st.composite
def _generated_name(draw: st.DrawFn, max_words: int = 3) -> str:
    words = draw(
        st.lists(st.text(_NAME_ALPHABET, min_size=1, max_size=12), min_size=1, max_size=max_words)
    )
    joiners = draw(st.lists(st.sampled_from([" ", "-", "'", "’"]), min_size=len(words) - 1))
    out = words[0]
    for word, joiner in zip(words[1:], joiners, strict=False):
        out += joiner + word
    return out


def last_names() -> st.SearchStrategy[str]:
    """Valid last names: notable real ones and generated ones in any script (≤ 80 chars)."""
    return st.one_of(st.sampled_from(NOTABLE_NAMES), _generated_name()).filter(
        lambda s: 0 < len(s.strip()) <= 80
    )


def first_names() -> st.SearchStrategy[str]:
    """Valid first names, from the same pool as :func:`last_names`."""
    return st.one_of(
        st.sampled_from(("Alice", "Bob", "Hélène", "Jean-Luc", "Zoë", "Ōsaka", "Ольга", "美咲")),
        _generated_name(max_words=2),
    )


def salutations() -> st.SearchStrategy[str]:
    """Salutation text that :meth:`Salutation.parse` accepts, French forms included."""
    return st.sampled_from(
        [s.value for s in Salutation] + ["M.", "Mme", "Mlle", "Dr", "Pr", "mr", "MRS."]
    )


def person_name_fields() -> st.SearchStrategy[dict[str, str]]:
    """Name parts as ``add_contact`` keywords; ``last_name`` always present."""
    return st.fixed_dictionaries(
        {"last_name": last_names()},
        optional={
            "first_name": first_names(),
            "salutation": salutations(),
            "middle_name": first_names(),
            "suffix": st.sampled_from(["Jr.", "Sr.", "III", "PhD"]),
        },
    )


def person_names() -> st.SearchStrategy[PersonName]:
    """Validated :class:`PersonName` values built from :func:`person_name_fields`."""
    return person_name_fields().map(
        lambda f: PersonName(
            last=f["last_name"],
            first=f.get("first_name"),
            salutation=f.get("salutation"),
            middle=f.get("middle_name"),
            suffix=f.get("suffix"),
        )
    )


def titles() -> st.SearchStrategy[str]:
    return st.sampled_from(
        ["CFO", "CEO", "Buyer", "Accountant", "Technician", "Directrice financière", "経理部長"]
    )


def departments() -> st.SearchStrategy[str]:
    return st.sampled_from(["Finance", "Purchasing", "IT", "Support", "Direction", "Ventes"])


def decision_roles() -> st.SearchStrategy[str]:
    return st.sampled_from([r.value for r in DecisionRole])


def control_strings() -> st.SearchStrategy[str]:
    """Otherwise plausible text holding at least one control character."""
    return st.builds(
        lambda before, ctrl, after: f"{before}{ctrl}{after}",
        st.sampled_from(["Martin", "Alice", "CFO", ""]),
        st.sampled_from(CONTROL_CHARACTERS),
        st.sampled_from(["Martin", "Bcc: all@acme.fr", "x"]),
    )


def hostile_strings() -> st.SearchStrategy[str]:
    """Text that must be refused cleanly or stored faithfully, never crash anything.

    Control characters, 10,000-character strings, lone surrogates, bidi
    overrides, zero-width characters, SQL, HTML and CSV-formula payloads.
    """
    return st.one_of(
        control_strings(),
        st.just("A" * 10_000),
        st.just("é" * 10_000),
        st.sampled_from(
            [
                "\ud800",
                "Mart\udfffin",
                "\u202eniraM",
                "Ma\u200brtin",
                "\ufeffMartin",
                "Robert'); DROP TABLE contacts;--",
                "' OR '1'='1",
                "<script>alert(1)</script>",
                '=HYPERLINK("http://evil")',
                "+SUM(1,1)",
                "@acme",
                "%s%s%n",
                "{0.__class__}",
                "😀" * 40,
                "Z̴̢͎a̸l̶g̷o̸",
            ]
        ),
        st.text(max_size=300),
    )


# ---------------------------------------------------------------- emails

_LOCAL_CHARS = string.ascii_letters + string.digits
_TLDS = ("fr", "com", "org", "io", "de", "net", "co.uk", "eu")


@st.composite
def emails(draw: st.DrawFn) -> str:
    """Syntactically valid addresses, mixed case, some with non-ASCII local parts."""
    words = draw(st.lists(st.text(_LOCAL_CHARS, min_size=1, max_size=10), min_size=1, max_size=3))
    sep = draw(st.sampled_from([".", "_", "-", "+"]))
    local = sep.join(words)
    if draw(st.booleans()) and len(local) < 60:
        local = draw(st.sampled_from(["hélène", "jürgen", "zoë"])) + "." + local
    labels = draw(
        st.lists(
            st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10),
            min_size=1,
            max_size=2,
        )
    )
    domain = ".".join([*labels, draw(st.sampled_from(_TLDS))])
    if draw(st.booleans()):
        domain = domain.upper()
    return f"{local}@{domain}"


INVALID_EMAIL_EXAMPLES: tuple[str, ...] = (
    "alice",
    "alice@",
    "@acme.fr",
    "alice@@acme.fr",
    "alice martin@acme.fr",
    "alice@acme",
    "alice@acme..fr",
    ".alice@acme.fr",
    "alice.@acme.fr",
    "Alice <alice@acme.fr>",
    "alice@acme.fr\nBcc: all@acme.fr",
    "alice\x00@acme.fr",
    "a" * 250 + "@acme.fr",
    "a" * 10_000 + "@acme.fr",
)
"""Addresses no email field may accept, for tests that list their cases."""


def invalid_emails() -> st.SearchStrategy[str]:
    """Text no email field may accept."""
    return st.one_of(
        st.sampled_from(INVALID_EMAIL_EXAMPLES),
        st.builds(lambda c: f"alice{c}@acme.fr", st.sampled_from(CONTROL_CHARACTERS)),
    )


# ---------------------------------------------------------------- phones

_NATIONAL_PHONES: Mapping[str, tuple[str, ...]] = {
    "FR": ("01 23 45 67 89", "06 12 34 56 78", "0412345678", "+33 1 42 68 53 00"),
    "US": ("(415) 555-0132", "5624081052", "9264429205", "+1 212 555 0100", "415.555.0199"),
    "GB": ("020 7946 0958", "07700 900123", "+44 161 496 0000"),
    "DE": ("030 123456", "+49 89 1234567"),
    "JP": ("03-1234-5678", "090-1234-5678"),
    "BE": ("02 123 45 67",),
    "CH": ("044 668 18 00",),
}


@st.composite
def _generated_phone(draw: st.DrawFn, region: str) -> str:
    """A possible (not necessarily assigned) national number for FR or US."""
    if region == "FR":
        digits = draw(st.text("0123456789", min_size=8, max_size=8))
        number = "0" + draw(st.sampled_from("1234567")) + digits
        return " ".join(number[i : i + 2] for i in range(0, 10, 2))
    digits = draw(st.text("0123456789", min_size=7, max_size=7))
    area = draw(st.sampled_from("23456789")) + draw(st.text("0123456789", min_size=2, max_size=2))
    return f"({area}) {digits[:3]}-{digits[3:]}"


def phones(region: str = "FR") -> st.SearchStrategy[str]:
    """Possible phone numbers as people type them in ``region`` (national or international)."""
    known = _NATIONAL_PHONES.get(region.upper(), ())
    if region.upper() in ("FR", "US"):
        generated = _generated_phone(region.upper())
        return st.one_of(st.sampled_from(known), generated) if known else generated
    if not known:
        raise ValueError(f"no sample phones for region {region!r}")
    return st.sampled_from(known)


def phones_with_region() -> st.SearchStrategy[tuple[str, str]]:
    """``(number as typed, region)`` pairs that ``Phone.parse(number, region)`` accepts."""
    return st.sampled_from(sorted(_NATIONAL_PHONES)).flatmap(
        lambda region: st.tuples(phones(region), st.just(region))
    )


def invalid_phones() -> st.SearchStrategy[str]:
    """Text no phone field may accept, whatever the region."""
    return st.sampled_from(["12", "abc", "+", "0" * 40, "+33 1 23", "1" * 70, "06 12\n34 56 78"])


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
