"""Value objects: immutable, validated where input enters, cheap to rebuild.

Each value object validates in its public constructor (or ``parse``). Stores
rebuild values they validated earlier through ``trusted(...)``, which skips the
parsing: email and phone parsing cost ~30 µs a contact, more than the row.
"""

from __future__ import annotations

import re
import types
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import attrs

from contactgraph.domain.email_syntax import EmailNotValidError, simple_normalized
from contactgraph.domain.email_syntax import normalized as normalized_address
from contactgraph.domain.phones import UNVERIFIED_MARK, Phone
from contactgraph.domain.picklists import DecisionRole, Salutation
from contactgraph.domain.regions import region_of_country
from contactgraph.domain.text import clean_single_line, match_key
from contactgraph.errors import InvalidValueError

__all__ = [
    "NAME_PART_PARSERS",
    "UNVERIFIED_MARK",
    "Address",
    "DecisionRole",
    "Email",
    "PersonName",
    "Phone",
    "Salutation",
    "email_key",
    "parse_date",
    "region_of_country",
]

MAX_EMAIL_LENGTH = 254


def _trusted(cls: type[Any], **values: Any) -> Any:
    """Build a slotted frozen attrs instance without running its converters."""
    inst = object.__new__(cls)
    for name, value in values.items():
        object.__setattr__(inst, name, value)
    return inst


_NEW = object.__new__

Setter = Callable[[Any, Any], None]


def _setters(cls: type[Any], *names: str) -> tuple[Setter, ...]:
    """The slot setters of ``cls``'s fields ``names``: what ``object.__setattr__`` finds
    and calls for a slotted attribute, looked up once (the ``trusted`` builders of
    the value objects every imported contact takes: ~1.9 -> ~0.6 µs a name)."""
    found: list[Setter] = []
    for name in names:
        slot = cls.__dict__.get(name)
        if not isinstance(slot, types.MemberDescriptorType):  # pragma: no cover - attrs changed
            raise RuntimeError(f"{cls.__name__}.{name} is not a slot")
        found.append(slot.__set__)
    return tuple(found)


def _normalise_email(value: object) -> str:
    if isinstance(value, Email):
        return value.address
    if not isinstance(value, str):
        raise InvalidValueError("must be text", field="email", value=value)
    text = value.strip()
    if len(text) > MAX_EMAIL_LENGTH:
        raise InvalidValueError(
            f"an email address has at most {MAX_EMAIL_LENGTH} characters",
            field="email",
            value=value,
        )
    if len(value) > MAX_EMAIL_LENGTH or not (value.isascii() and value.isprintable()):
        text = clean_single_line(value, "email", max_length=MAX_EMAIL_LENGTH)
    # else the strip is what clean_single_line gives printable ASCII (checked in C)
    if not text:
        raise InvalidValueError("an email address cannot be empty", field="email", value=value)
    try:
        address = normalized_address(text)
    except EmailNotValidError as exc:
        raise InvalidValueError(
            f"not a valid email address: {exc}", field="email", value=value
        ) from None
    local, _, domain = address.rpartition("@")
    return unicodedata.normalize("NFC", local) + "@" + unicodedata.normalize("NFC", domain).lower()


@attrs.frozen(slots=True, order=True)
class Email:
    """A syntactically valid email address, normalised (domain lower-cased, NFC).

    The local part keeps its case: ``Alice@ACME.fr`` becomes ``Alice@acme.fr``.
    No DNS look-up is ever made.

    Attributes:
        address: The normalised address.
    """

    address: str = attrs.field(converter=_normalise_email)

    @classmethod
    def trusted(cls, address: str) -> Email:
        """Rebuild an address that was validated before (no parsing)."""
        inst: Email = _NEW(cls)
        _EMAIL_ADDRESS(inst, address)
        return inst

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    @property
    def key(self) -> str:
        """The matching key: the address with its ASCII letters lower-cased.

        The one rule for comparing addresses (look-ups, the email-unique rule,
        the stores' email index); see :func:`email_key`.
        """
        local, _, domain = self.address.rpartition("@")
        return local.translate(_ASCII_LOWER) + "@" + domain

    @property
    def match_key(self) -> str:
        """The same as :attr:`key` (the older name)."""
        return self.key

    def __str__(self) -> str:
        return self.address


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


_ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = "(?!xn--)(?![0-9]+$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_ASCII = re.compile(
    rf"(?i:{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*\.(?!xn--)[A-Za-z]{{2,63}})\Z",
    re.ASCII,
)
"""A plain ASCII address (dot-atom local part, letters-digits-hyphens domain, no
IDNA label): email-validator's normal form of it differs only in case. ``re.ASCII``
keeps the case-insensitive match to ASCII letters: without it ``[a-z]`` also
matches ``İ`` (U+0130), ``ſ`` and the Kelvin sign, whose ``lower()`` is no
ASCII letter (``İ`` lowers to ``i`` and a combining dot)."""


def email_key(text: object) -> str | None:
    """The matching key of an address given by a caller, or ``None`` if it is no address.

    One normalisation serves storing, matching and looking up:

    1. The address is normalised as :class:`Email` stores it: email-validator's
       normal form, the local part in NFC, the domain IDNA-decoded (``xn--``
       labels and full-width letters become the Unicode domain) and lower-cased.
       ``alice@ａｃｍｅ.fr`` is stored, and found, as ``alice@acme.fr``;
       ``user@xn--bcher-kva.de`` as ``user@bücher.de``.
    2. The key lower-cases ASCII letters only (``Kim`` = ``kim``). No other
       case folding: ``ſam``, ``straße`` and ``oﬃce`` stay distinct from
       ``sam``, ``strasse`` and ``office`` — Unicode case folding would merge
       mailboxes a mail server keeps apart (Django's CVE-2019-19844).

    Canonically equivalent spellings are one address (NFC, step 1): the
    Kelvin sign ``K`` (U+212A) *is* ``K`` to Unicode, so ``\u212aim@acme.fr``
    is stored as ``Kim@acme.fr`` and finds it; the stored, normalised address
    is the one mail goes to.

    Text that is not a valid address finds nothing: its key is ``None``, or
    (for plain ASCII text the validator is not run on) a key no stored
    address has.
    """
    if isinstance(text, Email):
        return text.key
    if isinstance(text, str) and len(text) <= MAX_EMAIL_LENGTH:
        if _PLAIN_ASCII.match(text):
            # Already in normal form but for case: skip the validator (a look-up's hot path).
            return text.lower()
        try:
            simple = simple_normalized(text)
        except EmailNotValidError:
            return None
        if simple is not None:
            # Its own NFC with nothing to strip: what ``Email(text).key`` gives, unchecked again.
            local, _, domain = simple.rpartition("@")
            return (
                local.translate(_ASCII_LOWER) + "@" + unicodedata.normalize("NFC", domain).lower()
            )
    try:
        return Email(text).key
    except InvalidValueError:
        return None


def _optional_line(value: object, field: str) -> str | None:
    if value is None:
        return None
    return clean_single_line(value, field) or None


def _first(value: object) -> str | None:
    return _optional_line(value, "first_name")


def _middle(value: object) -> str | None:
    return _optional_line(value, "middle_name")


def _suffix(value: object) -> str | None:
    return _optional_line(value, "suffix")


def _city(value: object) -> str | None:
    return _optional_line(value, "city")


def _state(value: object) -> str | None:
    return _optional_line(value, "state")


def _postal_code(value: object) -> str | None:
    return _optional_line(value, "postal_code")


def _country(value: object) -> str | None:
    return _optional_line(value, "country")


_SALUTATIONS_READ: dict[str, Salutation] = {}
"""Text already read as a salutation (a file spells its few salutations on every row)."""
_MAX_SALUTATIONS_READ = 256


def _optional_salutation(value: object) -> Salutation | None:
    if value is None or value == "":
        return None
    if type(value) is not str:
        return Salutation.parse(value)  # type: ignore[arg-type]
    found = _SALUTATIONS_READ.get(value)
    if found is None:  # read once (refused text is read, and refused, each time)
        found = Salutation.parse(value)
        if len(_SALUTATIONS_READ) < _MAX_SALUTATIONS_READ:
            _SALUTATIONS_READ[value] = found
    return found


def _required_last(value: object) -> str:
    if value is None:
        raise InvalidValueError("a contact needs a last name", field="last_name", value=value)
    if type(value) is str and len(value) <= 80 and value.isascii() and value.isprintable():
        text = value.strip()  # what clean_single_line gives such text, checked in C
    else:
        text = clean_single_line(value, "last_name", max_length=80)
    if not text:
        raise InvalidValueError("a contact needs a last name", field="last_name", value=value)
    return text


NAME_PART_PARSERS: dict[str, Any] = {
    "last": _required_last,
    "first": _first,
    "salutation": _optional_salutation,
    "middle": _middle,
    "suffix": _suffix,
}
"""The validator of each :class:`PersonName` part, so callers can report every bad part."""


@attrs.frozen(slots=True)
class PersonName:
    """A person's name in parts, as Salesforce keeps it.

    Attributes:
        last: Last name (required, the only required part).
        first: First name.
        salutation: Mr., Ms., Dr.…
        middle: Middle name.
        suffix: Jr., III…
    """

    last: str = attrs.field(converter=_required_last)
    first: str | None = attrs.field(default=None, converter=_first)
    salutation: Salutation | None = attrs.field(default=None, converter=_optional_salutation)
    middle: str | None = attrs.field(default=None, converter=_middle)
    suffix: str | None = attrs.field(default=None, converter=_suffix)

    @classmethod
    def trusted(
        cls,
        last: str,
        first: str | None = None,
        salutation: Salutation | None = None,
        middle: str | None = None,
        suffix: str | None = None,
    ) -> PersonName:
        inst: PersonName = _NEW(cls)
        _NAME_LAST(inst, last)
        _NAME_FIRST(inst, first)
        _NAME_SALUTATION(inst, salutation)
        _NAME_MIDDLE(inst, middle)
        _NAME_SUFFIX(inst, suffix)
        return inst

    @property
    def full(self) -> str:
        """First, middle, last and suffix: ``"Alice Martin"``."""
        return " ".join(p for p in (self.first, self.middle, self.last, self.suffix) if p)

    @property
    def display(self) -> str:
        """With the salutation: ``"Ms. Alice Martin"``."""
        return f"{self.salutation} {self.full}" if self.salutation else self.full

    @property
    def sort_key(self) -> tuple[str, str, str]:
        """Sorts by last name, then first and middle, ignoring case and accents."""
        return (match_key(self.last), match_key(self.first or ""), match_key(self.middle or ""))

    @property
    def match_keys(self) -> frozenset[str]:
        """Keys a name search matches: first, last, "first last" and "last first"."""
        keys = {match_key(self.last), match_key(self.full)}
        if self.first:
            keys.add(match_key(self.first))
            keys.add(match_key(f"{self.first} {self.last}"))
            keys.add(match_key(f"{self.last} {self.first}"))
        return frozenset(k for k in keys if k)

    def matches(self, query: str) -> bool:
        """Whether ``query`` is the first, last or full name, ignoring case and accents."""
        return match_key(query) in self.match_keys

    def __str__(self) -> str:
        return self.display


def _street(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValueError("must be text", field="street", value=value)
    lines = [clean_single_line(line, "street") for line in value.replace("\r\n", "\n").split("\n")]
    text = "\n".join(line for line in lines if line)
    return text or None


@attrs.frozen(slots=True)
class Address:
    """A postal address in Salesforce's parts (street may hold several lines).

    Attributes:
        street: Street lines, separated by a line feed.
        city: City.
        state: State, province or region, as written.
        postal_code: Postal code, kept as text (leading zeros matter).
        country: Country, a name or an ISO code, as written.
    """

    street: str | None = attrs.field(default=None, converter=_street)
    city: str | None = attrs.field(default=None, converter=_city)
    state: str | None = attrs.field(default=None, converter=_state)
    postal_code: str | None = attrs.field(default=None, converter=_postal_code)
    country: str | None = attrs.field(default=None, converter=_country)

    @classmethod
    def trusted(
        cls,
        street: str | None = None,
        city: str | None = None,
        state: str | None = None,
        postal_code: str | None = None,
        country: str | None = None,
    ) -> Address:
        inst: Address = _NEW(cls)
        _ADDRESS_STREET(inst, street)
        _ADDRESS_CITY(inst, city)
        _ADDRESS_STATE(inst, state)
        _ADDRESS_POSTAL_CODE(inst, postal_code)
        _ADDRESS_COUNTRY(inst, country)
        return inst

    @property
    def is_empty(self) -> bool:
        return not any((self.street, self.city, self.state, self.postal_code, self.country))

    @property
    def region(self) -> str | None:
        """The ISO 3166 alpha-2 code of the country, when it can be told."""
        return region_of_country(self.country)

    def lines(self) -> list[str]:
        """The address as display lines."""
        out = list((self.street or "").splitlines())
        locality = " ".join(p for p in (self.postal_code, self.city) if p)
        if self.state:
            locality = f"{locality}, {self.state}" if locality else self.state
        if locality:
            out.append(locality)
        if self.country:
            out.append(self.country)
        return out

    def __str__(self) -> str:
        return ", ".join(self.lines())


(_EMAIL_ADDRESS,) = _setters(Email, "address")
_NAME_LAST, _NAME_FIRST, _NAME_SALUTATION, _NAME_MIDDLE, _NAME_SUFFIX = _setters(
    PersonName, "last", "first", "salutation", "middle", "suffix"
)
_ADDRESS_STREET, _ADDRESS_CITY, _ADDRESS_STATE, _ADDRESS_POSTAL_CODE, _ADDRESS_COUNTRY = _setters(
    Address, "street", "city", "state", "postal_code", "country"
)


def parse_date(value: Any, field: str) -> date | None:
    """A date from a ``date``, ``YYYY-MM-DD`` or an ISO timestamp (its date part)."""
    if not isinstance(field, str) or not field:
        field = "date"
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) <= 64:
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise InvalidValueError("must be a date (YYYY-MM-DD)", field=field, value=value)
