"""Phone numbers: parsed once where input enters, stored in E.164 or kept unverified.

:class:`Phone` lives here; :mod:`contactgraph.domain.values` re-exports it
with the other value objects.
"""

from __future__ import annotations

import re
from functools import lru_cache

import attrs
import phonenumbers

from contactgraph.domain.national_phones import FAST as _FAST
from contactgraph.domain.national_phones import national_fast as _national_fast
from contactgraph.domain.text import clean_single_line
from contactgraph.errors import InvalidValueError

__all__ = [
    "EXTENSION_MARK",
    "MAX_EXTENSION_DIGITS",
    "MAX_TRUNK_DIGITS",
    "MIN_SUFFIX_DIGITS",
    "UNVERIFIED_MARK",
    "Phone",
]


_NEW = object.__new__


EXTENSION_MARK = ";ext="
"""What separates a number from its extension in :attr:`Phone.e164` (RFC 3966)."""
MAX_EXTENSION_DIGITS = 20


UNVERIFIED_MARK = "unverified:"
"""What begins the stored text of an unverified phone: ``unverified:01 44 27 44 27``."""

_PLUS_SIGNS = frozenset("+\uff0b")


def _unplaced(cleaned: str, region: str | None, exc: phonenumbers.NumberParseException) -> bool:
    """Whether a refused parse only lacked a country: national text and no region."""
    if (
        region is not None
        or exc.error_type != phonenumbers.NumberParseException.INVALID_COUNTRY_CODE
    ):
        return False
    for ch in cleaned:  # libphonenumber reads from the first plus sign or digit
        if ch in _PLUS_SIGNS:
            return False
        if ch.isdigit():
            return True
    return False


def _phone_region(region: object) -> str | None:
    if region is None:
        return None
    if not isinstance(region, str) or len(region) > 3:
        raise InvalidValueError(
            "a default region is an ISO 3166 alpha-2 code such as 'FR'",
            field="phone_region",
            value=region,
        )
    return region.upper()


@lru_cache(maxsize=8192)
def _placed(cleaned: str, region: str | None) -> str | tuple[str, bool]:
    """``cleaned`` in E.164 (``;ext=`` and the extension after it), else ``(reason, unplaced)``.

    Cached per (text, region): the same switchboard number recurs in the
    contacts of one company, and a file repeats its formats. Plain national
    text goes through :func:`_national_fast`.
    """
    if region is not None and _FAST:
        fast = _national_fast(cleaned, region)
        if fast is not None:
            return fast
    return _placed_slow(cleaned, region)


def _placed_slow(cleaned: str, region: str | None) -> str | tuple[str, bool]:
    """:func:`_placed` through ``phonenumbers.parse`` (any text)."""
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as exc:
        hint = (
            "" if region or cleaned.startswith("+") else " (no country code and no default region)"
        )
        return f"not a phone number: {exc}{hint}", _unplaced(cleaned, region, exc)
    if not phonenumbers.is_possible_number(number):
        return "not a possible phone number", False
    e164: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        extension = phonenumbers.normalize_digits_only(number.extension)
        if not extension or len(extension) > MAX_EXTENSION_DIGITS:
            return f"a phone extension has 1 to {MAX_EXTENSION_DIGITS} digits", False
        return f"{e164}{EXTENSION_MARK}{extension}"
    return e164


def _parse_phone(text: str, region: object, field: str, keep_unplaced: bool = False) -> str:
    """The stored text of a phone: E.164 (maybe ``;ext=``), or the unverified form.

    Text without a country code and no ``region`` is refused, unless
    ``keep_unplaced``: then it is kept as typed, unverified. Text already in
    the unverified form stays so, or is placed when ``region`` is given and
    the number is possible there.
    """
    wanted = _phone_region(region)
    if text.startswith(UNVERIFIED_MARK):
        typed = _check_unverified(text[len(UNVERIFIED_MARK) :], field)
        if wanted is not None:
            found = _placed(typed, wanted)
            if isinstance(found, str):
                return found
        return UNVERIFIED_MARK + typed
    if len(text) > 64:
        raise InvalidValueError("a phone number has at most 64 characters", field=field, value=text)
    if text.isascii() and text.isprintable():
        cleaned = text.strip()  # what clean_single_line gives such text, checked in C
    else:
        cleaned = clean_single_line(text, field, max_length=64)
    if not cleaned:
        raise InvalidValueError("a phone number cannot be empty", field=field, value=text)
    found = _placed(cleaned, wanted)
    if isinstance(found, str):
        return found
    reason, unplaced = found
    if keep_unplaced and unplaced:
        return UNVERIFIED_MARK + cleaned
    raise InvalidValueError(reason, field=field, value=text)


def _check_unverified(text: str, field: str) -> str:
    """The text of an unverified phone, cleaned; refused unless it is national text."""
    if len(text) > 64:
        raise InvalidValueError("a phone number has at most 64 characters", field=field, value=text)
    if text.isascii() and text.isprintable():
        cleaned = text.strip()  # what clean_single_line gives such text, checked in C
    else:
        cleaned = clean_single_line(text, field, max_length=64)
    if not cleaned:
        raise InvalidValueError("a phone number cannot be empty", field=field, value=text)
    try:
        phonenumbers.parse(cleaned, None)
    except phonenumbers.NumberParseException as exc:
        if _unplaced(cleaned, None, exc):
            return cleaned
        raise InvalidValueError(f"not a phone number: {exc}", field=field, value=text) from None
    raise InvalidValueError(
        "an unverified phone has no country code (this one can be placed: parse it)",
        field=field,
        value=text,
    )


def _normalise_phone(value: object) -> str:
    if isinstance(value, Phone):
        return value.e164
    if not isinstance(value, str):
        raise InvalidValueError("must be text", field="phone", value=value)
    return _parse_phone(value, None, "phone")


MAX_TRUNK_DIGITS = 2
"""Digits an unverified number may carry before another unverified number's national digits
and still be that number: a national trunk prefix typed in front (``1`` in North America,
``8`` in Russia). Against a verified number only its region's prefix or calling code counts."""
MIN_SUFFIX_DIGITS = 6
"""National digits a number needs for one written with a trunk prefix to match it."""

_NUMBER_TEXT = re.compile(r"[\d\s.\-()/]*")
"""Where typed national text stops being the number (an extension, a note)."""


@lru_cache(maxsize=16384)
def _national_digits(stored: str) -> str:
    """See :attr:`Phone.national_digits`; cached per stored text (no parsing)."""
    if stored.startswith(UNVERIFIED_MARK):
        match = _NUMBER_TEXT.match(stored, len(UNVERIFIED_MARK))
        text = match.group() if match is not None else ""
        return str(phonenumbers.normalize_digits_only(text)).lstrip("0")
    number = stored.partition(EXTENSION_MARK)[0].removeprefix("+")
    for size in (1, 2, 3):  # calling codes are prefix-free: the first one known is it
        head = number[:size]
        if (
            head.isascii()
            and head.isdigit()
            and int(head) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
        ):
            return number[size:].lstrip("0")
    return number.lstrip("0")


def _trunk_apart(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one number's national digits, a trunk prefix aside."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return False
    if short == long:
        return True
    return (
        len(short) >= MIN_SUFFIX_DIGITS
        and len(long) - len(short) <= MAX_TRUNK_DIGITS
        and long.endswith(short)
    )


def _typed_in_front(typed: str, known: str, e164: str) -> bool:
    """Whether national digits ``typed`` are ``known``'s, maybe after a prefix dialled in front
    of ``e164`` (:func:`_front_digits`)."""
    if not known:
        return False
    if typed == known:
        return True
    extra = len(typed) - len(known)
    return (
        len(known) >= MIN_SUFFIX_DIGITS
        and extra > 0
        and typed.endswith(known)
        and typed[:extra] in _front_digits(e164)
    )


@lru_cache(maxsize=1024)
def _front_digits(e164: str) -> frozenset[str]:
    """What a caller may type before ``e164``'s national digits: its calling code, and its
    region's trunk prefix when that is more than zeros (which national digits drop)."""
    number = _parsed(e164)
    found = {str(number.country_code)}
    region = _home_region(e164)
    metadata = None if region is None else phonenumbers.PhoneMetadata.metadata_for_region(region)
    trunk = (metadata.national_prefix or "") if metadata is not None else ""
    if trunk.lstrip("0"):
        found.add(trunk.lstrip("0"))
    return frozenset(found)


@lru_cache(maxsize=4096)
def _parsed(e164: str) -> phonenumbers.PhoneNumber:
    return phonenumbers.parse(e164, None)


@lru_cache(maxsize=4096)
def _read_in(typed: str, region: str) -> str | None:
    """National text ``typed`` read in ``region`` as a caller there dials it: E.164, no extension.

    libphonenumber strips the region's national prefix and applies its
    transform rule (``011 15-2345-6789`` in ``AR`` is ``+5491123456789``: the
    mobile ``15`` becomes the ``9`` after the calling code). ``None`` when the
    text is not a possible number there.
    """
    try:
        number = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    e164: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164


def _home_region(e164: str) -> str | None:
    """The region whose national dialling reads ``e164``'s number: its own, else its calling
    code's main one (``"001"`` for a non-geographic code such as ``+800``).

    Never libphonenumber's unknown region ``"ZZ"``: ``region_code_for_number``
    gives a region of the code's list or ``None``, and a parsed number's calling
    code is always one the library knows (``parse`` refuses any other), so
    ``region_code_for_country_code`` finds it (tests/domain/test_phone_regions_known.py).
    """
    number = _parsed(e164)
    own: str | None = phonenumbers.region_code_for_number(number)
    if own is None:
        own = phonenumbers.region_code_for_country_code(number.country_code or 0)
    return own


@attrs.frozen(slots=True, order=True)
class Phone:
    """A possible phone number, stored in E.164 (``+33123456789``), maybe with an extension;
    or a number that could not be placed in a country, kept as typed and *unverified*.

    Build one with :meth:`parse` to accept national input with a default
    region; the constructor takes international input only (and the stored
    form of an unverified number). Whether the number is *valid* (assigned)
    is a warning-level policy, not a refusal.

    An extension given in any form libphonenumber reads (``x123``,
    ``ext. 45``, ``#12``, ``;ext=7``, ``extension 9``) is kept, written the
    RFC 3966 way after the number: ``+33144274427;ext=123`` (``tel:`` and that
    text is the number's URI). Every format and store writes and reads that one
    text, and look-ups compare it whole: an extension is a line of its own.

    **Unverified numbers.** National text with no country code, read where
    no region is known (``Phone.parse("01 44 27 44 27", keep_unplaced=True)``,
    what imports do), is kept as typed rather than refused: :attr:`verified`
    is ``False``, and :attr:`e164` holds the stored form
    ``unverified:01 44 27 44 27`` (never E.164: it does not start with
    ``+``). Stores, JSON and DataFrames carry that text as they carry any
    other phone, so no column changes; :meth:`place` (or parsing the stored
    form with a region) turns it into a verified number once a region is
    known. An unverified number has no region, no country code, is not
    valid, and shows as typed.

    Attributes:
        e164: The number in E.164 form, followed by ``;ext=`` and the
            extension's ASCII digits when it has one; for an unverified
            number, ``unverified:`` and the text as typed.
    """

    e164: str = attrs.field(converter=_normalise_phone)

    @classmethod
    def parse(
        cls,
        text: str | Phone,
        region: str | None = None,
        *,
        field: str = "phone",
        keep_unplaced: bool = False,
    ) -> Phone:
        """Parse ``text``; national numbers take ``region`` (ISO 3166 alpha-2, e.g. ``"FR"``).

        National text and no ``region`` is refused, unless ``keep_unplaced``:
        then it is kept as typed, unverified (:attr:`verified` is ``False``).
        An unverified phone (or its stored form) given with a ``region`` is
        placed there when the number is possible in it, else stays unverified.
        """
        if isinstance(text, Phone):
            return text if text.verified or region is None else text.place(region, strict=False)
        if not isinstance(field, str) or not field:
            field = "phone"
        if not isinstance(text, str):
            raise InvalidValueError("must be text", field=field, value=text)
        return cls.trusted(_parse_phone(text, region, field, keep_unplaced is True))

    @classmethod
    def unverified(cls, text: str, *, field: str = "phone") -> Phone:
        """A number kept as typed, without a country (refused if it has a ``+`` country code)."""
        if not isinstance(field, str) or not field:
            field = "phone"
        if not isinstance(text, str):
            raise InvalidValueError("must be text", field=field, value=text)
        return cls.trusted(UNVERIFIED_MARK + _check_unverified(text, field))

    @classmethod
    def trusted(cls, e164: str) -> Phone:
        """Rebuild a number that was validated before (no parsing)."""
        inst: Phone = _NEW(cls)
        _PHONE_E164(inst, e164)  # the slot's own setter (object.__setattr__ looks it up by name)
        return inst

    @property
    def verified(self) -> bool:
        """Whether the number was placed in a country (``False``: kept as typed)."""
        return not self.e164.startswith(UNVERIFIED_MARK)

    @property
    def typed(self) -> str:
        """An unverified number's text as typed; a verified number's E.164 text."""
        return self.e164[len(UNVERIFIED_MARK) :] if not self.verified else self.e164

    def place(self, region: str, *, strict: bool = True) -> Phone:
        """This number read in ``region`` (ISO alpha-2) if it is unverified; else itself.

        Raises:
            InvalidValueError: the number is not possible in ``region`` (with
                ``strict=False``, the unverified number is returned instead).
        """
        if self.verified:
            return self
        if not isinstance(region, str):
            raise InvalidValueError(
                "must be an ISO 3166 alpha-2 code", field="region", value=region
            )
        found = _placed(self.typed, _phone_region(region))
        if isinstance(found, str):
            return Phone.trusted(found)
        if not strict:
            return self
        raise InvalidValueError(found[0], field="phone", value=self.typed)

    @property
    def number(self) -> str:
        """The number alone in E.164, without its extension (as typed when unverified)."""
        if not self.verified:
            return self.typed
        return self.e164.partition(EXTENSION_MARK)[0]

    @property
    def extension(self) -> str | None:
        """The extension's digits (``"123"``), or ``None`` (always ``None`` when unverified)."""
        if not self.verified:
            return None
        return self.e164.partition(EXTENSION_MARK)[2] or None

    @property
    def uri(self) -> str:
        """The RFC 3966 URI: ``tel:+33144274427;ext=123``.

        An unverified number has no global form: its URI is ``tel:`` and the
        digits as typed, a local number whose context is unknown.
        """
        if not self.verified:
            return "tel:" + "".join(ch for ch in self.typed if ch.isdigit() or ch in "*#")
        return f"tel:{self.e164}"

    @property
    def region(self) -> str | None:
        """The ISO region the number belongs to, when libphonenumber knows it."""
        if not self.verified:
            return None
        return phonenumbers.region_code_for_number(_parsed(self.e164))

    @property
    def country_code(self) -> int:
        """The international calling code (``33`` for France, ``1`` for North America; 0 unverified)."""
        if not self.verified:
            return 0
        return int(_parsed(self.e164).country_code or 0)

    def in_region(self, region: str) -> bool:
        """Whether the number belongs to ``region`` (ISO alpha-2).

        An unassigned number has no region of its own; it belongs to every
        region that shares its calling code (``+1 926…`` is in ``US``). An
        unverified number belongs to none.
        """
        if not isinstance(region, str):
            raise InvalidValueError(
                "must be an ISO 3166 alpha-2 code", field="region", value=region
            )
        if not self.verified:
            return False
        wanted = region.upper()
        own = self.region  # a region of its calling code, or None (never "ZZ": _home_region)
        if own is not None:
            return own == wanted
        return wanted in phonenumbers.region_codes_for_country_code(self.country_code)

    @property
    def is_valid(self) -> bool:
        """Whether the number is assigned (libphonenumber's ``is_valid_number``); never unverified."""
        if not self.verified:
            return False
        return bool(phonenumbers.is_valid_number(_parsed(self.e164)))

    @property
    def national(self) -> str:
        """National display, e.g. ``01 23 45 67 89`` (as typed when unverified)."""
        if not self.verified:
            return self.typed
        return str(
            phonenumbers.format_number(_parsed(self.e164), phonenumbers.PhoneNumberFormat.NATIONAL)
        )

    @property
    def international(self) -> str:
        """International display, e.g. ``+33 1 23 45 67 89`` (as typed when unverified)."""
        if not self.verified:
            return self.typed
        return str(
            phonenumbers.format_number(
                _parsed(self.e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
        )

    @property
    def national_digits(self) -> str:
        """The digits that name the number inside its country, without leading zeros:
        ``"144274427"`` for ``+33 1 44 27 44 27``, for ``+33144274427;ext=12`` and for
        the unverified ``01 44 27 44 27``.

        A verified number's national significant number (no calling code, no
        extension); an unverified one's typed digits up to whatever follows
        the number (an extension, a note). What :meth:`same_number` compares
        when a side is unverified, and what the duplicate rules search for.
        """
        return _national_digits(self.e164)

    def same_number(self, other: Phone) -> bool:
        """Whether ``other`` is this number, however each was written.

        Two verified numbers are the same when their E.164 numbers are. When
        either is unverified (no calling code is known), their
        :attr:`national_digits` must be equal, or the unverified one must be
        the other with a trunk prefix typed before it: the verified number's
        region's own (``1 212 555 0100`` is ``+1 212-555-0100``, ``8 495…`` is
        ``+7 495…``) or its calling code without the ``+`` (two unverified
        numbers: any :data:`MAX_TRUNK_DIGITS` digits, either way; a digit
        more on the verified side is never a prefix: ``011 2345-6789``, an
        Argentine landline, is not ``+54 9 11 2345-6789``, the mobile), or
        the unverified text, dialled in the verified number's region, must be that number:
        the region's national prefix rules apply, as libphonenumber's metadata
        gives them (``011 15-2345-6789`` is ``+54 9 11 2345-6789``, an
        Argentine mobile whose national form moves the mobile prefix). Extensions: a number
        with one is the same as the bare number (a direct line written with
        or without it); two different extensions are two lines.
        """
        if not isinstance(other, Phone):
            raise InvalidValueError("must be a Phone", field="other", value=other)
        mine, theirs = self.extension, other.extension
        if mine is not None and theirs is not None and mine != theirs:
            return False
        if self.verified and other.verified:
            return self.number == other.number
        if not self.verified and not other.verified:
            return _trunk_apart(self.national_digits, other.national_digits)
        known, typed = (self, other) if self.verified else (other, self)
        if _typed_in_front(typed.national_digits, known.national_digits, known.e164):
            return True
        region = _home_region(known.e164)
        return region is not None and _read_in(typed.typed, region) == known.number

    def __str__(self) -> str:
        return self.international


_PHONE_E164 = Phone.__dict__["e164"].__set__
"""The setter of :attr:`Phone.e164`'s slot (:meth:`Phone.trusted`)."""
