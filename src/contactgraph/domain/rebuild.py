"""Rebuilding values read back from a store, without validating them again.

What a store holds was validated when it was written, so a read need not run
the converters again (email and phone parsing cost tens of microseconds a
contact). The ``trusted`` classmethods of the value objects do that through
keyword arguments; the builders here do it with generated straight-line code
that sets each slot through its descriptor, which is several times cheaper
and matters on reads of thousands of contacts.

Private to the stores' read path: nothing here checks anything, so a caller
handing it unvalidated input gets an object that breaks the domain's rules.
A property test shows each builder gives an object equal to the validated
constructor's for valid input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from contactgraph.domain.contact import Contact
from contactgraph.domain.values import Address, Email, PersonName, Phone

__all__ = ["address", "contact", "email", "person_name", "phone", "rebuilder"]

T = TypeVar("T")


def rebuilder(cls: type[T]) -> Callable[..., T]:
    """A function taking ``cls``'s attribute values positionally, in declaration order,
    that returns an instance with exactly those values (no converter, validator or default).

    ``cls`` must be a slotted attrs class (every slot is then a descriptor whose
    ``__set__`` writes it, frozen or not).
    """
    names = [a.name for a in attrs.fields(cls)]  # type: ignore[arg-type]
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    body = []
    for i, name in enumerate(names):
        scope[f"_set{i}"] = vars(cls)[name].__set__
        body.append(f"    _set{i}(inst, {name})")
    source = (
        f"def build_{cls.__name__}({', '.join(names)}):\n"
        "    inst = _new(_cls)\n" + "\n".join(body) + "\n    return inst\n"
    )
    exec(compile(source, f"<rebuild {cls.__qualname__}>", "exec"), scope)
    built: Callable[..., T] = scope[f"build_{cls.__name__}"]
    built.__doc__ = f"A {cls.__name__} from trusted values: ({', '.join(names)})."
    return built


email: Callable[[str], Email] = rebuilder(Email)
"""``email(address)``: an :class:`Email` of a stored (normalised) address."""

phone: Callable[[str], Phone] = rebuilder(Phone)
"""``phone(e164)``: a :class:`Phone` of a stored E.164 number."""

person_name: Callable[..., PersonName] = rebuilder(PersonName)
"""``person_name(last, first, salutation, middle, suffix)``."""

address: Callable[..., Address] = rebuilder(Address)
"""``address(street, city, state, postal_code, country)``."""

contact: Callable[..., Contact] = rebuilder(Contact)
"""A :class:`Contact` from every attribute, positionally in declaration order."""
