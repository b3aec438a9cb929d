"""Comparisons: how strongly two records agree on one kind of evidence.

A comparison turns a pair of records into a *level*: an index into its labels,
ordered from the strongest agreement to "different", or ``None`` when either
record lacks the value (no evidence either way). The model weighs each level by
how much likelier it is among duplicates than among distinct records.
Applications compose their own lists; :data:`PERSON_COMPARISONS` and
:data:`ACCOUNT_COMPARISONS` are the defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from contactgraph.domain import Phone
from contactgraph.matching.records import AccountRecord, PersonRecord

__all__ = [
    "ACCOUNT_COMPARISONS",
    "PERSON_COMPARISONS",
    "PHONE_TAIL_DIGITS",
    "Comparison",
    "phone_tail",
]

R = TypeVar("R")


@attrs.frozen(slots=True)
class Comparison(Generic[R]):
    """One kind of evidence.

    Attributes:
        name: The field or fields compared ("email", "last_name"…).
        levels: Labels from the strongest agreement to the last, "different".
        compare: ``(a, b) -> level index``, or ``None`` when a value is missing.
        agreement: Prior probability of each level among true duplicates, the
            starting point (and pseudo-counts) of the estimation.
        chance: Prior probability of each level between two distinct records,
            which random pairs of the records then refine (it matters in a
            small store, where there are few pairs to learn from).
        term: The value two records share at the first level, whose frequency
            adjusts that level's weight: sharing "Smith" says less than
            sharing "Grzybowski". ``None``: no adjustment.
    """

    name: str
    levels: tuple[str, ...]
    compare: Callable[[R, R], int | None] = attrs.field(repr=False)
    agreement: tuple[float, ...] = attrs.field(repr=False)
    chance: tuple[float, ...] = attrs.field(repr=False)
    term: Callable[[R], str] | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        sizes = {len(self.levels), len(self.agreement), len(self.chance)}
        if len(sizes) != 1 or len(self.levels) < 2:
            raise ValueError(f"comparison {self.name!r}: one prior per level, at least two levels")


def _close(a: str, b: str, threshold: float = 0.9) -> bool:
    """A typo apart: one edit in a short word, two in a long one; never for 1–3 letters."""
    if a == b:
        return bool(a)
    shortest = min(len(a), len(b))
    if shortest < 4 or abs(len(a) - len(b)) > 2:
        return False
    if DamerauLevenshtein.distance(a, b) <= (1 if shortest < 8 else 2):
        return True
    return JaroWinkler.similarity(a, b) >= threshold


def _swapped(a: PersonRecord, b: PersonRecord) -> bool:
    """First and last names given the other way round in one of the two records."""
    if not (a.first and b.first) or (a.first == b.first and a.last == b.last):
        return False
    return _close(a.first, b.last) and _close(a.last, b.first)


_PUBLIC_MAIL = frozenset(
    {"gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "hotmail.com", "hotmail.fr",
     "outlook.com", "outlook.fr", "live.com", "icloud.com", "me.com", "aol.com", "gmx.de",
     "gmx.net", "web.de", "orange.fr", "free.fr", "laposte.net", "sfr.fr", "wanadoo.fr",
     "proton.me", "protonmail.com", "mail.com", "yandex.ru", "qq.com", "163.com"}
)  # fmt: skip
"""Mail providers whose addresses belong to people, not to one company."""


def _email(a: PersonRecord, b: PersonRecord) -> int | None:
    if not a.emails or not b.emails:
        return None
    if a.emails & b.emails:
        return 0
    # The same local part at two domains says little: it is usually built from
    # the name, which is compared on its own.
    domains_a = {e.rpartition("@")[2] for e in a.emails}
    domains_b = {e.rpartition("@")[2] for e in b.emails}
    if domains_a & domains_b - _PUBLIC_MAIL:
        return 1
    return 2


PHONE_TAIL_DIGITS = 8
"""The last national digits two numbers may share (``same last 8 digits``), what detection
groups numbers by and what the duplicate rules search: a trunk prefix typed in front, or a
national prefix rule (``011 15-2345-6789`` is ``+54 9 11 2345-6789``), changes how a
number begins, not its end."""


def phone_tail(phone: Phone) -> str:
    """The last :data:`PHONE_TAIL_DIGITS` of ``phone``'s national digits."""
    return phone.national_digits[-PHONE_TAIL_DIGITS:]


def _tails(r: PersonRecord) -> set[str]:
    return {phone_tail(p) for p in r.phones if p.national_digits}


def _phone(a: PersonRecord, b: PersonRecord) -> int | None:
    if not a.phones or not b.phones:
        return None
    if any(x.same_number(y) for x in a.phones for y in b.phones):
        return 0
    if _tails(a) & _tails(b):
        return 1
    return 2


def _last_name(a: PersonRecord, b: PersonRecord) -> int | None:
    other_last = b.first if _swapped(a, b) else b.last
    other_parts = (b.first,) if _swapped(a, b) else b.last_parts
    if a.last == other_last:
        return 0
    if len(a.last_parts) != len(other_parts) and set(a.last_parts) & set(other_parts):
        return 1
    if _close(a.last, other_last):
        return 2
    if a.last_sound and a.last_sound == (b.first_sound if _swapped(a, b) else b.last_sound):
        return 3
    return 4


def _first_name(a: PersonRecord, b: PersonRecord) -> int | None:
    if not a.first or not b.first:
        return None
    if a.first == b.first:
        return 0
    if _swapped(a, b):
        return 1
    if a.first_forms & b.first_forms:
        return 2
    if _close(a.first, b.first):
        return 3
    if (len(a.first) == 1 or len(b.first) == 1) and a.first[0] == b.first[0]:
        return 4
    return 5


def _birthdate(a: PersonRecord, b: PersonRecord) -> int | None:
    if a.birthdate is None or b.birthdate is None:
        return None
    x, y = a.birthdate, b.birthdate
    if x == y:
        return 0
    if (x.year, x.month, x.day) == (y.year, y.day, y.month):
        return 1
    if DamerauLevenshtein.distance(x.isoformat(), y.isoformat()) == 1:
        return 1
    return 2


def _address(a: PersonRecord | AccountRecord, b: PersonRecord | AccountRecord) -> int | None:
    if not (a.postal_code or a.city) or not (b.postal_code or b.city):
        return None
    same_place = (a.postal_code and a.postal_code == b.postal_code) or (
        not (a.postal_code and b.postal_code) and a.city and a.city == b.city
    )
    if same_place and a.street and b.street and fuzz.token_sort_ratio(a.street, b.street) >= 90:
        return 0
    if same_place:
        return 1
    return 2


def _title(a: PersonRecord, b: PersonRecord) -> int | None:
    if not a.title or not b.title:
        return None
    return 0 if a.title == b.title else 1


def _account(a: PersonRecord, b: PersonRecord) -> int | None:
    if a.account_id == b.account_id:
        return 0
    if not (a.account_key and b.account_key):
        return None  # another account, whose name is not known: no evidence either way
    if fuzz.ratio(a.account_key, b.account_key) >= 85:
        return 1
    return 2


PERSON_COMPARISONS: tuple[Comparison[PersonRecord], ...] = (
    Comparison("email",
               ("same address", "another address at the same company", "different"), _email,
               (0.85, 0.03, 0.12), (0.0001, 0.01, 0.9899)),
    Comparison("phone", ("same number", "same last 8 digits", "different"), _phone,
               (0.8, 0.05, 0.15), (0.0001, 0.0001, 0.9998)),
    Comparison("last_name",
               ("exact", "compound part", "typo", "sounds alike", "different"), _last_name,
               (0.8, 0.05, 0.08, 0.04, 0.03),
               (0.002, 0.0005, 0.002, 0.002, 0.9935), term=lambda r: r.last),
    Comparison("first_name",
               ("exact", "swapped with last name", "nickname", "typo", "initial", "different"),
               _first_name, (0.7, 0.05, 0.08, 0.08, 0.05, 0.04),
               (0.01, 0.0001, 0.002, 0.003, 0.002, 0.9829), term=lambda r: r.first),
    Comparison("birthdate", ("same", "day/month swapped or one digit off", "different"),
               _birthdate, (0.85, 0.1, 0.05), (0.0001, 0.002, 0.9979)),
    Comparison("mailing_address", ("same street and place", "same place", "different"),
               _address, (0.6, 0.25, 0.15), (0.0001, 0.01, 0.9899)),
    Comparison("title", ("same", "different"), _title, (0.7, 0.3), (0.08, 0.92)),
    Comparison("account", ("same account", "similar account name", "different"), _account,
               (0.7, 0.15, 0.15), (0.01, 0.005, 0.985)),
)  # fmt: skip
"""The default evidence for contacts."""


def _account_name(a: AccountRecord, b: AccountRecord) -> int | None:
    if not a.name or not b.name:
        return None
    if a.name == b.name:
        return 0
    if fuzz.token_sort_ratio(a.name, b.name) == 100:
        return 1
    if _close(a.name, b.name, 0.92):
        return 2
    if a.name.split(" ", 1)[0] == b.name.split(" ", 1)[0]:
        return 3
    return 4


def _domain(a: AccountRecord, b: AccountRecord) -> int | None:
    if not a.domain or not b.domain:
        return None
    return 0 if a.domain == b.domain else 1


def _account_phone(a: AccountRecord, b: AccountRecord) -> int | None:
    if a.phone is None or b.phone is None:
        return None
    return 0 if a.phone.same_number(b.phone) else 1


def _external_ids(a: AccountRecord, b: AccountRecord) -> int | None:
    if a.external_ids & b.external_ids:
        return 0
    systems_a = {k.partition(":")[0] for k in a.external_ids}
    systems_b = {k.partition(":")[0] for k in b.external_ids}
    return 1 if systems_a & systems_b else None


ACCOUNT_COMPARISONS: tuple[Comparison[AccountRecord], ...] = (
    Comparison("name", ("exact", "same words in another order", "typo", "same first word",
                        "different"), _account_name, (0.75, 0.05, 0.1, 0.05, 0.05),
               (0.001, 0.0005, 0.002, 0.01, 0.9865), term=lambda r: r.name),
    Comparison("website", ("same domain", "different"), _domain, (0.85, 0.15), (0.001, 0.999)),
    Comparison("phone", ("same number", "different"), _account_phone, (0.8, 0.2), (0.001, 0.999)),
    Comparison("billing_address", ("same street and place", "same place", "different"),
               _address, (0.6, 0.25, 0.15), (0.001, 0.02, 0.979)),
    Comparison("external_ids", ("shared id", "other id in the same system"), _external_ids,
               (0.6, 0.4), (0.0001, 0.9999)),
)  # fmt: skip
"""The default evidence for accounts."""
