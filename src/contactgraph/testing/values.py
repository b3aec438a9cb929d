"""Hypothesis strategies for contactgraph's values: names, text, emails, phones.

Part of :mod:`contactgraph.testing.strategies`, which re-exports every name;
import them from there.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from hypothesis import strategies as st

from contactgraph.domain import DecisionRole, PersonName, Salutation

__all__ = [
    "CONTROL_CHARACTERS",
    "INVALID_EMAIL_EXAMPLES",
    "NOTABLE_NAMES",
    "control_strings",
    "decision_roles",
    "departments",
    "emails",
    "first_names",
    "hostile_strings",
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
