"""Email syntax through email-validator, with the domain part checked once per domain.

``email_validator.validate_email`` spends most of its time on the part after
the ``@``: UTS #46 character checks, IDNA encoding and decoding, the length of
each label, the special-use names. None of that depends on the local part,
and an import sees the same few domains thousands of times. :func:`normalized`
runs the very steps ``validate_email`` runs, in the same order and with the
same options, but keeps the verdict on each domain part (its normal forms, or
the error it raised) in a bounded cache. email-validator stays the judge of
every part: the local part is checked on every call by its own
``validate_email_local_part``, the whole address by its own
``validate_email_length``, and every rare form (a display name, a quoted local
part, a bracketed IP address) is handed to ``validate_email`` itself.
``tests/domain/test_email_cache.py`` proves both paths agree on generated
addresses, hostile and internationalised ones included.

One shape is common enough in imports and look-ups to be read without the
library's character-by-character walk: a dot-atom local part made of ASCII
``atext`` and the letters of :data:`SIMPLE_LETTERS` (``alice.martin``,
``zoë.martin``, ``hélène``) before an ASCII domain part. For such text every
check ``validate_email_local_part`` makes is known to pass (each letter is a
letter, precomposed, and composes with none of the others: the text is its own
NFC), so :func:`simple_normalized` gives the normal form from the domain's
cached verdict and the lengths alone, and leaves every other text to the full
path. ``tests/domain/test_email_simple.py`` and ``tests/domain/test_email_ascii.py``
hold it to ``validate_email``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import email_validator
from email_validator import EmailNotValidError, EmailSyntaxError, ValidatedEmail
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from email_validator.syntax import (
    split_email,
    validate_email_domain_name,
    validate_email_length,
    validate_email_local_part,
)

__all__ = [
    "DOMAIN_CACHE_SIZE",
    "SIMPLE_LETTERS",
    "EmailNotValidError",
    "domain_verdict",
    "normalized",
    "simple_normalized",
    "validated_by_library",
]

DOMAIN_CACHE_SIZE = 16_384
"""How many distinct domain parts keep their verdict (least recently used go first)."""


def validated_by_library(text: str) -> str:
    """The normal form of ``text`` as ``email_validator.validate_email`` gives it (no cache)."""
    info = email_validator.validate_email(
        text, check_deliverability=False, allow_smtputf8=True, allow_display_name=False
    )
    return str(info.normalized)


@lru_cache(maxsize=DOMAIN_CACHE_SIZE)
def _domain(
    domain_part: str, test_environment: bool, globally_deliverable: bool
) -> tuple[str, str] | str:
    """``(domain, ascii_domain)`` for a valid domain part, else the validator's message."""
    try:
        info = validate_email_domain_name(
            domain_part,
            test_environment=test_environment,
            globally_deliverable=globally_deliverable,
        )
    except EmailSyntaxError as exc:
        return str(exc)
    return info["domain"], info["ascii_domain"]


def domain_verdict(domain_part: str) -> tuple[str, str] | str:
    """The cached verdict on a domain part under email-validator's current module options."""
    ev = email_validator
    return _domain(domain_part, bool(ev.TEST_ENVIRONMENT), bool(ev.GLOBALLY_DELIVERABLE))


def _split(text: str) -> tuple[str | None, str, str, bool, str]:
    """email-validator's ``split_email``, skipped for text with no quote or angle bracket.

    In such text the first ``@`` is the split point: nothing can be quoted,
    there is no display name, and no character combines with the ``@``
    (no canonical composition starts with ``@``: ``split_email`` keeps its
    ``@`` whatever follows it; only ``<`` has one, ``≮``).
    """
    if '"' not in text and "<" not in text:
        local, at, domain = text.partition("@")
        if at:
            return None, local, local, False, domain
    return split_email(text)


SIMPLE_LETTERS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"  # Latin-1's letters, Latin Extended-A and -B
    "\u0391-\u03a1\u03a3-\u03a9\u03b1-\u03c9"  # the basic Greek letters
    "\u0400-\u0481\u048a-\u04ff"  # Cyrillic but its combining marks and signs
)
"""The non-ASCII letters of a simple local part (a regular-expression class body).
Each is a letter (category L), its own NFC, and composes with no other of them
nor with ASCII (tested), so text made of them is its own NFC."""

_SIMPLE_ATOM = f"[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~{SIMPLE_LETTERS}-]+"
_SIMPLE = re.compile(rf"({_SIMPLE_ATOM}(?:\.{_SIMPLE_ATOM})*)@([A-Za-z0-9.-]+)\Z")
_MAX_LENGTH = 254  # email-validator's EMAIL_MAX_LENGTH, in UTF-8 bytes


def simple_normalized(text: str) -> str | None:
    """:func:`normalized` of a simple address, or ``None`` for any other text.

    Simple: a dot-atom local part of ASCII ``atext`` and :data:`SIMPLE_LETTERS`
    (``alice.martin``, ``zoë``: the common address of an import and of a
    look-up), an ``@``, and an ASCII domain part the library accepts (its
    cached verdict), the whole at most 254 bytes in each of email-validator's
    three length checks. For such text ``validate_email_local_part`` returns
    the local part as it is, and ``validate_email`` then lower-cases it when it
    is one of the case-insensitive mailbox names (``Postmaster``), so the
    normal form needs none of the library's character-by-character steps.
    ``None`` says nothing about validity: the caller runs the full path (so
    does any text when ``email_validator.STRICT`` is set, which bounds the local
    part's length). ``tests/domain/test_email_simple.py`` (internationalised
    local parts) and ``tests/domain/test_email_ascii.py`` (ASCII ones) hold it
    to ``validate_email``.

    Raises:
        EmailSyntaxError: the library's error on the domain part (the local part
            passes every check, so it is the error ``validate_email`` raises).
    """
    if email_validator.STRICT:
        return None
    found = _SIMPLE.match(text)
    if found is None:
        return None
    local, domain_part = found.groups()
    verdict = domain_verdict(domain_part)
    if isinstance(verdict, str):  # the error the full path meets next: the local part passes
        raise EmailSyntaxError(verdict)
    domain, ascii_domain = verdict
    size = len(local.encode()) + 1
    longest = max(len(domain_part), len(domain.encode()), len(ascii_domain.encode()))
    if size + longest > _MAX_LENGTH:
        return None
    if local.isascii() and local.lower() in CASE_INSENSITIVE_MAILBOX_NAMES:
        local = local.lower()
    return local + "@" + domain


def normalized(text: str) -> str:
    """The normal form of an address, as ``validate_email`` would give it.

    Raises:
        EmailNotValidError: what ``validate_email`` raises, with its message.
    """
    simple = simple_normalized(text)
    if simple is not None:
        return simple
    display_name, original_local, local, quoted, domain_part = _split(text)
    if display_name is not None or quoted or domain_part.startswith("["):
        return validated_by_library(text)
    ev = email_validator  # its module-level defaults, read at each call as validate_email does
    options = {
        "allow_smtputf8": True,
        "allow_empty_local": ev.ALLOW_EMPTY_LOCAL,
        "strict": ev.STRICT,
    }
    info = validate_email_local_part(local, quoted_local_part=False, **options)
    nfc = unicodedata.normalize("NFC", local)
    if nfc != local:
        try:
            info = validate_email_local_part(nfc, quoted_local_part=False, **options)
        except EmailSyntaxError as exc:
            raise EmailSyntaxError("After Unicode normalization: " + str(exc)) from exc
    ret = ValidatedEmail()
    ret.original = original_local + "@" + domain_part
    ret.local_part = info["local_part"]
    ret.ascii_local_part = info["ascii_local_part"]
    if (
        ret.ascii_local_part is not None
        and ret.ascii_local_part.lower() in CASE_INSENSITIVE_MAILBOX_NAMES
        and ret.local_part is not None
    ):
        ret.ascii_local_part = ret.ascii_local_part.lower()
        ret.local_part = ret.local_part.lower()
    if not domain_part:
        raise EmailSyntaxError("There must be something after the @-sign.")
    verdict = domain_verdict(domain_part)
    if isinstance(verdict, str):
        raise EmailSyntaxError(verdict)
    ret.domain, ret.ascii_domain = verdict
    ret.normalized = ret.local_part + "@" + ret.domain
    validate_email_length(ret)
    return str(ret.normalized)
