"""Finding contacts inside one account: the criteria of ``Account.find_contacts``.

The criteria are checked where they enter (a wrong type is an
:class:`~contactgraph.errors.InvalidValueError` naming the criterion) and
turned once into keys, so matching a contact is a few comparisons.
"""

from __future__ import annotations

from typing import Any

import attrs

from contactgraph.domain.contact import Contact
from contactgraph.domain.text import MAX_SINGLE_LINE, match_key
from contactgraph.domain.values import Phone, email_key
from contactgraph.errors import InvalidValueError

__all__ = ["ContactCriteria"]

_NOTHING = "\x00"  # a key no stored value has: the criterion matches nobody


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
    phone: str | None = None
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
        phone_key = keys["phone"]
        if phone_key is not None and phone_key != _NOTHING:
            try:
                phone_key = Phone.parse(phone_key, region, keep_unplaced=True).e164
            except InvalidValueError:
                phone_key = _NOTHING
        return cls(
            email=wanted_email,
            name=_key(keys["name"]),
            title=_key(keys["title"]),
            department=_key(keys["department"]),
            phone=phone_key,
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
        return self.phone is None or self.phone in {
            p.e164 for p in (c.phone, c.mobile, *c.alternate_phones) if p is not None
        }


def _key(text: str | None) -> str | None:
    if text is None or text == _NOTHING:
        return text
    return match_key(text)
