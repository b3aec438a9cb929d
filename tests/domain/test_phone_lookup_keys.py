"""What a look-up by phone text finds: the number it reads as, and for text in
international form the E.164 text it spells, checked on libphonenumber's example
numbers of every region (``phone_keys``, ``Account.find_contacts``, ``ContactQuery``).

The invariant: a stored number is found by its own stored text, even where
libphonenumber reads that E.164 text as another number (``+440640123456``,
stored for ``0640123456`` in Jersey, reads as ``+44640123456``). And the short
cut that spares the parse for most international text gives what the two
readings give.
"""

from __future__ import annotations

import contextlib
import re

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.domain import Account, Phone
from contactgraph.domain.lookup import phone_keys
from contactgraph.errors import InvalidValueError
from contactgraph.repos.keys import ContactQuery

_TYPES = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.VOIP,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.PAGER,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.VOICEMAIL,
]


def _examples() -> list[tuple[str, phonenumbers.PhoneNumber]]:
    """Every example number libphonenumber has: each region's of each type, and the
    non-geographic ones (region ``001``)."""
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in _TYPES:
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                found.append((region, number))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        number = phonenumbers.example_number_for_non_geo_entity(code)
        if number is not None:
            found.append(("001", number))
    return found


EXAMPLES = _examples()
_FORM = re.compile(r"\+[0-9]+(?:[ .\-][0-9]+)*(?:;ext=[0-9]+)?")
"""International form as documented (a plus sign, digit groups separated by one space,
dot or hyphen, maybe ``;ext=`` and digits), restated here independently."""


def reference(text: str, region: str | None) -> set[str]:
    """The two readings, the slow way: the parse, and the E.164 text spelled."""
    keys = set()
    if len(text) <= 64 and _FORM.fullmatch(text):
        keys.add(text.replace(" ", "").replace(".", "").replace("-", ""))
    with contextlib.suppress(InvalidValueError):
        keys.add(Phone.parse(text, region, keep_unplaced=True).e164)
    return keys


def _written(region: str, number: phonenumbers.PhoneNumber) -> list[str]:
    """Ways a caller writes ``number``: E.164, international and national display, and
    the national prefix typed after the calling code (``+44 020…``, ``+440…``)."""
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    texts = [
        e164,
        e164 + ";ext=12",
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
    ]
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        number.country_code, region
    )
    prefix = metadata.national_prefix if metadata is not None else None
    if prefix:
        code, national = str(number.country_code), phonenumbers.national_significant_number(number)
        texts += [f"+{code}{prefix}{national}", f"+{code} {prefix}{national}"]
    return texts


def test_every_example_number_has_two_hundred_regions_behind_it() -> None:
    assert len({region for region, _ in EXAMPLES}) > 200
    assert len(EXAMPLES) > 1000


def test_the_short_cut_gives_both_readings_for_every_example_written_every_way() -> None:
    checked = 0
    for region, number in EXAMPLES:
        for text in _written(region, number):
            for given_region in (None, region if region != "001" else None):
                assert set(phone_keys(text, given_region)) == reference(text, given_region), (
                    text,
                    given_region,
                )
                checked += 1
    assert checked > 5000


def _stored(region: str, national: str) -> Phone | None:
    """``national`` typed in ``region`` as a store keeps it (``None``: refused there)."""
    try:
        phone = Phone.parse(
            national if region != "001" else f"+{national}", None if region == "001" else region
        )
    except InvalidValueError:
        return None
    return phone if phone.verified else None


def _nationals(number: phonenumbers.PhoneNumber) -> list[str]:
    """National text near an example: its digits, with a leading 0 put before or
    instead of its first digit (where stored E.164 texts that read back as another
    number come from: ``0640123456`` in Jersey)."""
    nsn = phonenumbers.national_significant_number(number)
    return [nsn, "0" + nsn, "0" + nsn[1:]]


def _check_found_by_own_text(region: str, phone: Phone, spaced: bool) -> None:
    own = phone.e164
    text = own if not spaced else f"+{own[1:4]} {own[4:]}"  # one space: still its digits
    keys = phone_keys(text)
    assert own in keys, (region, own, keys)
    assert set(keys) == reference(text, None)
    query = ContactQuery.build(phone=text)
    assert own in (query.phone, query.phone_also)
    assert ContactQuery.build(phone=text, active=None) == query  # the general path agrees
    account = Account.create(name="Acme", phone_region=region if region != "001" else None)
    account, kept = account.add_contact(last_name="Martin", mobile=phone)
    assert query.matches(kept)
    assert account.find_contacts(phone=text) == [kept]


def test_every_stored_example_is_found_by_its_own_text() -> None:
    rereads_otherwise = 0
    for region, number in EXAMPLES:
        for national in _nationals(number):
            phone = _stored(region, national)
            if phone is None:
                continue
            _check_found_by_own_text(region, phone, spaced=False)
            if Phone.parse(phone.e164, None).e164 != phone.e164:
                rereads_otherwise += 1
    assert rereads_otherwise >= 20  # the numbers the look-up by text missed before


@settings(max_examples=300, deadline=None)
@given(
    example=st.sampled_from(EXAMPLES),
    form=st.integers(0, 2),
    tail=st.none() | st.integers(0, 9999),
    spaced=st.booleans(),
)
def test_a_stored_number_is_found_by_its_own_text(
    example: tuple[str, phonenumbers.PhoneNumber], form: int, tail: int | None, spaced: bool
) -> None:
    region, number = example
    national = _nationals(number)[form]
    if tail is not None and len(national) > 6:
        national = national[:-4] + f"{tail:04d}"  # another number of the same range
    phone = _stored(region, national)
    if phone is not None:
        _check_found_by_own_text(region, phone, spaced)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+440640123456", ("+440640123456", "+44640123456")),  # spelled, and read otherwise
        ("+44 640 123456", ("+44640123456",)),
        ("+33 6 12 34 56 78", ("+33612345678",)),  # no parse needed
        ("+33-6-12-34-56-78", ("+33612345678",)),
        ("+33 (0)6 12 34 56 78", ("+33612345678",)),  # not international form: read only
        ("+33612345678;ext=12", ("+33612345678;ext=12",)),
        ("+999 123 456", ("+999123456",)),  # no such calling code: spelled only
        ("+33  6 12 34 56 78", ("+33612345678",)),  # two spaces: read only, same number
        ("01 44 27 44 27", ("unverified:01 44 27 44 27",)),
        ("call me", ()),
        ("+" + "1" * 70, ()),  # longer than any phone text
    ],
)
def test_phone_keys_examples(text: str, expected: tuple[str, ...]) -> None:
    assert set(phone_keys(text)) == set(expected)


def test_international_text_of_most_numbers_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, region: str | None) -> tuple[str, ...]:
        raise AssertionError(f"parsed {text!r}")

    monkeypatch.setattr("contactgraph.domain.lookup._read", refuse)
    assert phone_keys("+33 6 12 34 56 78") == ("+33612345678",)
    assert phone_keys("+1-650-253-0000") == ("+16502530000",)
    with pytest.raises(AssertionError, match="parsed"):  # a national prefix after the code
        phone_keys("+33 06 12 34 56 78")
