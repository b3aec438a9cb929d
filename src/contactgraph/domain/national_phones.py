"""National phone text read into E.164 without ``phonenumbers.parse``'s general machinery.

:func:`national_fast` is the fast path of :mod:`contactgraph.domain.phones`
(``_placed``) for plain national text, the common number of an import: it
borrows three private helpers of phonenumbers (in its type stubs, not its
documented API), so :data:`FAST` says whether this release still has them;
without them every number goes through ``phonenumbers.parse``. The national
prefix is stripped as its private ``_maybe_strip_national_prefix_carrier_code``
does, with each region's patterns compiled once (:func:`_strip_national_prefix`).
``tests/domain/test_phone_fast_path.py`` holds it to ``parse`` over every
region's example numbers and random digits, and the strip to that function.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import phonenumberutil as _util

__all__ = ["FAST", "national_fast"]

_SEPARATORS = str.maketrans("", "", " -.()")
_SHORT_LENGTHS = frozenset(
    {
        _util.ValidationResult.TOO_SHORT,
        _util.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
        _util.ValidationResult.INVALID_LENGTH,
    }
)


_PRIVATE_HELPERS = (
    "_MAX_LENGTH_FOR_NSN",
    "_MIN_LENGTH_FOR_NSN",
    "_test_number_length",
)
FAST = all(hasattr(_util, name) for name in _PRIVATE_HELPERS)
"""Whether this phonenumbers still has the private helpers :func:`national_fast` uses
(they are in its type stubs, not its documented API): without them every number
goes through ``phonenumbers.parse``, slower and the same."""


def national_fast(cleaned: str, region: str) -> str | None:
    """E.164 of plain national text (``01 44 27 44 27``, ``(415) 555-0100``) read in
    ``region``, as ``phonenumbers.parse`` reads it, without its general machinery;
    ``None`` for any other text, for the general path to read (or refuse).

    Plain text: ASCII digits and `` -.()`` only, 3 to 17 digits, not starting with
    the region's international prefix nor its calling code (both change how
    libphonenumber reads the number), and a possible number. Then ``parse`` does
    what is done here: strip the region's national prefix when what is left has a
    possible length, keep Italian leading zeros, take the region's calling code.
    Its slow part (a Unicode digit look-up per character, twice, and the regular
    expressions for extensions and viability, which such text never meets) is
    skipped: ~25 -> ~8 µs a number. What depends only on the region or on a
    length (the region's metadata, the two length checks) is looked up once
    (:func:`_region_plan`, :func:`_short`, :func:`_possible`): ~6.5 -> ~4 µs.
    A property test holds it to ``parse``.
    """
    digits = cleaned.translate(_SEPARATORS)
    if not (digits.isascii() and digits.isdigit()):  # only digits and separators were typed
        return None
    if not 3 <= len(digits) <= _util._MAX_LENGTH_FOR_NSN:
        return None
    plan = _region_plan(region)
    if plan is None:
        return None
    code, code_text, idd, prefix, transform, general = plan
    if digits.startswith(code_text) or (idd is not None and idd.match(digits)):
        return None
    stripped = _strip_national_prefix(digits, prefix, transform, general)
    national = digits if _short(region, len(stripped)) else stripped
    if len(national) < _util._MIN_LENGTH_FOR_NSN:
        return None
    # parse keeps the leading zeros it meets (Italian leading zeros), so the national
    # significant number is ``national`` itself, and E.164 is its calling code before it
    if not _possible(code, len(national)):
        return None
    return f"+{code_text}{national}"


_Plan = tuple[
    int,
    str,
    "re.Pattern[str] | None",
    "re.Pattern[str] | None",
    str | None,
    "re.Pattern[str] | None",
]


@lru_cache(maxsize=512)
def _region_plan(region: str) -> _Plan | None:
    """What reading national text in ``region`` needs, compiled once: ``(calling code, its
    digits, international prefix, national prefix for parsing, its transform rule,
    national number pattern)``; ``None`` when libphonenumber has no metadata (or no
    calling code) for it."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.country_code is None:
        return None
    code: int = metadata.country_code
    idd = metadata.international_prefix
    prefix = metadata.national_prefix_for_parsing
    desc = metadata.general_desc
    general = desc.national_number_pattern if desc is not None else None
    return (
        code,
        str(code),
        re.compile(idd) if idd else None,
        re.compile(prefix) if prefix else None,
        metadata.national_prefix_transform_rule or None,
        re.compile(general) if general else None,
    )


def _strip_national_prefix(
    number: str,
    prefix: re.Pattern[str] | None,
    transform: str | None,
    general: re.Pattern[str] | None,
) -> str:
    """The number ``_maybe_strip_national_prefix_carrier_code`` leaves (its second item),
    with the region's patterns compiled once rather than looked up at each call."""
    if prefix is None:
        return number
    found = prefix.match(number)
    if found is None:
        return number
    viable = general is not None and general.fullmatch(number) is not None
    groups = found.groups()
    if transform is None or groups[len(groups) - 1] is None:
        rest = number[found.end() :]
    else:
        rest = prefix.sub(transform, number, count=1)
    if viable and (general is None or general.fullmatch(rest) is None):
        return number
    return rest


@lru_cache(maxsize=2048)
def _short(region: str, length: int) -> bool:
    """Whether a national number of ``length`` digits is too short to lose its national
    prefix in ``region`` (``_test_number_length`` reads only the length)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    assert metadata is not None  # only asked after a plan was found
    return _util._test_number_length("0" * length, metadata) in _SHORT_LENGTHS


@lru_cache(maxsize=2048)
def _possible(code: int, length: int) -> bool:
    """``phonenumbers.is_possible_number`` of a number with calling code ``code`` and a
    national significant number of ``length`` digits (the check reads only the length)."""
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int("1" * length))
    return bool(phonenumbers.is_possible_number(number))
