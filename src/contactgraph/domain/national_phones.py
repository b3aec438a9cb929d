"""National phone text read into E.164 without ``phonenumbers.parse``'s general machinery.

:func:`national_fast` is the fast path of :mod:`contactgraph.domain.phones`
(``_placed``) for plain national text, the common number of an import: it
borrows five private helpers of phonenumbers (in its type stubs, not its
documented API), so :data:`FAST` says whether this release still has them;
without them every number goes through ``phonenumbers.parse``.
``tests/domain/test_phone_fast_path.py`` holds it to ``parse`` over every
region's example numbers and random digits.
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
    "_maybe_strip_national_prefix_carrier_code",
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
    metadata, code, code_text, idd = plan
    if digits.startswith(code_text) or (idd is not None and idd.match(digits)):
        return None
    _carrier, stripped, _ = _util._maybe_strip_national_prefix_carrier_code(digits, metadata)
    national = digits if _short(region, len(stripped)) else stripped
    if len(national) < _util._MIN_LENGTH_FOR_NSN:
        return None
    # parse keeps the leading zeros it meets (Italian leading zeros), so the national
    # significant number is ``national`` itself, and E.164 is its calling code before it
    if not _possible(code, len(national)):
        return None
    return f"+{code_text}{national}"


@lru_cache(maxsize=512)
def _region_plan(
    region: str,
) -> tuple[phonenumbers.PhoneMetadata, int, str, re.Pattern[str] | None] | None:
    """``(metadata, calling code, its digits, international prefix compiled)`` of ``region``;
    ``None`` when libphonenumber has no metadata (or no calling code) for it."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.country_code is None:
        return None
    code: int = metadata.country_code
    idd = metadata.international_prefix
    return metadata, code, str(code), re.compile(idd) if idd else None


@lru_cache(maxsize=2048)
def _short(region: str, length: int) -> bool:
    """Whether a national number of ``length`` digits is too short to lose its national
    prefix in ``region`` (``_test_number_length`` reads only the length)."""
    plan = _region_plan(region)
    assert plan is not None  # only asked after a plan was found
    return _util._test_number_length("0" * length, plan[0]) in _SHORT_LENGTHS


@lru_cache(maxsize=2048)
def _possible(code: int, length: int) -> bool:
    """``phonenumbers.is_possible_number`` of a number with calling code ``code`` and a
    national significant number of ``length`` digits (the check reads only the length)."""
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int("1" * length))
    return bool(phonenumbers.is_possible_number(number))
