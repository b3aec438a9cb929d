"""Finding contacts inside one account: the criteria of ``Account.find_contacts``.

The criteria are checked where they enter (a wrong type is an
:class:`~contactgraph.errors.InvalidValueError` naming the criterion) and
turned once into keys, so matching a contact is a few comparisons.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Final

import attrs
import phonenumbers

from contactgraph.domain.contact import Contact
from contactgraph.domain.text import MAX_SINGLE_LINE, match_key
from contactgraph.domain.values import Phone, email_key
from contactgraph.errors import InvalidValueError

__all__ = ["INTERNATIONAL_FORM", "ContactCriteria", "phone_keys"]

_NOTHING = "\x00"  # a key no stored value has: the criterion matches nobody

INTERNATIONAL_FORM: Final = re.compile(r"\+[0-9]+(?:[ .\-][0-9]+)*(?:;ext=[0-9]+)?")
"""Text written as an E.164 number: a plus sign and ASCII digits, maybe in groups
separated by one space, dot or hyphen, maybe followed by ``;ext=`` and the
extension's digits (``+33612345678``, ``+33 6 12 34 56 78``, ``+1-650-253-0000``)."""

_SEPARATORS: Final = str.maketrans("", "", " .-")
_MAX_PHONE_TEXT: Final = 64  # longer text is no phone number (``Phone.parse`` refuses it)


def phone_keys(text: str, region: str | None = None) -> tuple[str, ...]:
    """The stored phone texts a look-up by ``text`` finds (none: it matches nothing).

    Two readings, and a number stored in either form is found:

    - what ``text`` reads as: ``Phone.parse(text, region, keep_unplaced=True)``
      (E.164, or the unverified form of national text no region places);
    - for text in :data:`INTERNATIONAL_FORM`, the E.164 text it spells (its
      separators removed), as it is. libphonenumber does not read every
      E.164 text it writes back to itself (``0640123456`` in Jersey is stored
      ``+440640123456``, which it reads as ``+44640123456``): a stored number
      is always found by its own text.

    Text in international form is mostly spelled as it reads, which is known
    without parsing: when its calling code's region has no national prefix
    the text's national digits start with, libphonenumber keeps the digits
    as they are (or refuses them), so the spelled text is the only key. Only
    other text is parsed (each text once: the parse is cached).
    """
    if len(text) > _MAX_PHONE_TEXT:
        return ()
    if INTERNATIONAL_FORM.fullmatch(text) is None:
        return _read(text, region)
    number, mark, extension = text.partition(";ext=")
    spelled = number.translate(_SEPARATORS)
    if not mark and _reads_as_spelled(spelled):
        return (spelled,)
    spelled += mark + extension
    return tuple(dict.fromkeys((spelled, *_read(text, region))))


def _read(text: str, region: str | None) -> tuple[str, ...]:
    try:
        return (Phone.parse(text, region, keep_unplaced=True).e164,)
    except InvalidValueError:
        return ()


def _reads_as_spelled(spelled: str) -> bool:
    """Whether libphonenumber reads ``+digits`` as itself or refuses it (never as
    another number), whatever the default region: its calling code is known
    and no national prefix of that code's region begins the digits after it.

    Each step is the one ``phonenumbers.parse`` takes for text with a plus
    sign; anything else (no known calling code) is left to the parse itself.
    """
    digits = spelled[1:]
    if digits[:1] == "0":
        return False
    for size in (1, 2, 3):
        if len(digits) > size and int(digits[:size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            prefix = _national_prefix(int(digits[:size]))
            return prefix is None or prefix.match(digits[size:]) is None
    return False


@lru_cache(maxsize=512)
def _national_prefix(calling_code: int) -> re.Pattern[str] | None:
    """What libphonenumber strips as a national prefix after ``calling_code`` (``None``: nothing)."""
    region = phonenumbers.region_code_for_country_code(calling_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(calling_code, region)
    found = None if metadata is None else metadata.national_prefix_for_parsing
    return re.compile(found) if found else None


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValueError("must be text", field=field, value=value)
    return value


@attrs.frozen(slots=True)
class ContactCriteria:
    """What ``find_contacts`` looks for; ``None`` means "any"."""

    email: str | None = None
    name: str | None = None
    title: str | None = None
    department: str | None = None
    phone: tuple[str, ...] | None = None
    """The stored texts a number may have (:func:`phone_keys`); empty: nobody matches."""
    active: bool | None = None

    @classmethod
    def parse(
        cls,
        *,
        email: Any = None,
        name: Any = None,
        title: Any = None,
        department: Any = None,
        phone: Any = None,
        active: Any = None,
        region: str | None = None,
    ) -> ContactCriteria:
        """Criteria from caller input, as keys.

        Raises:
            InvalidValueError: a criterion of the wrong type, naming it.
        """
        if active is not None and not isinstance(active, bool):
            raise InvalidValueError("must be True, False or None", field="active", value=active)
        given = {
            "email": email,
            "name": name,
            "title": title,
            "department": department,
            "phone": phone,
        }
        keys = {f: _text(v, f) for f, v in given.items()}
        too_long = [f for f, v in keys.items() if v is not None and len(v) > 4 * MAX_SINGLE_LINE]
        for field in too_long:  # longer than anything stored: matches nobody, cheaply
            keys[field] = _NOTHING
        address = keys["email"]
        wanted_email = None if address is None else (email_key(address) or _NOTHING)
        typed = keys["phone"]
        return cls(
            email=wanted_email,
            name=_key(keys["name"]),
            title=_key(keys["title"]),
            department=_key(keys["department"]),
            phone=None if typed is None else phone_keys(typed, region),
            active=active,
        )

    def matches(self, c: Contact) -> bool:
        """Whether contact ``c`` meets every criterion."""
        if self.active is not None and c.active is not self.active:
            return False
        if self.email is not None and not any(
            e.key == self.email for e in ((c.email,) if c.email else ()) + c.alternate_emails
        ):
            return False
        if self.name is not None and self.name not in c.name.match_keys:
            return False
        if self.title is not None and match_key(c.title or "") != self.title:
            return False
        if self.department is not None and match_key(c.department or "") != self.department:
            return False
        return self.phone is None or any(
            p is not None and p.e164 in self.phone for p in (c.phone, c.mobile, *c.alternate_phones)
        )


def _key(text: str | None) -> str | None:
    if text is None or text == _NOTHING:
        return text
    return match_key(text)
