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
"""

from __future__ import annotations

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

__all__ = ["DOMAIN_CACHE_SIZE", "EmailNotValidError", "normalized", "validated_by_library"]

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


def _split(text: str) -> tuple[str | None, str, str, bool, str]:
    """email-validator's ``split_email``, skipped for plain ASCII with no quote or bracket.

    In such text the first ``@`` is the split point: nothing can be quoted,
    there is no display name, and no character combines with the ``@``.
    """
    if text.isascii() and '"' not in text and "<" not in text:
        local, at, domain = text.partition("@")
        if at:
            return None, local, local, False, domain
    return split_email(text)


def normalized(text: str) -> str:
    """The normal form of an address, as ``validate_email`` would give it.

    Raises:
        EmailNotValidError: what ``validate_email`` raises, with its message.
    """
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
    verdict = _domain(domain_part, bool(ev.TEST_ENVIRONMENT), bool(ev.GLOBALLY_DELIVERABLE))
    if isinstance(verdict, str):
        raise EmailSyntaxError(verdict)
    ret.domain, ret.ascii_domain = verdict
    ret.normalized = ret.local_part + "@" + ret.domain
    validate_email_length(ret)
    return str(ret.normalized)
