"""The records an import handles, and the small types its steps pass around.

Readers (:mod:`~contactgraph.interop.sobject_tree`,
:mod:`~contactgraph.interop.dataloader`) turn files into :class:`SourceRecord`
streams; the steps (:mod:`contactgraph.interop.steps`) write them. This module
imports nothing else of the importer, so readers, steps and result files can
all use it without running in a circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from contactgraph.domain import Contact

__all__ = ["Defer", "Pending", "Refused", "SourceRecord", "Waiting"]


@attrs.define(slots=True)
class SourceRecord:
    """One record or row as read from a file.

    Attributes:
        sobject: The sObject type, as the source names it.
        fields: Field name -> value, without ``attributes`` or nested children.
        source: The file it came from (for reports and result files).
        row: Row number (CSV: the header is row 1) or position in the file.
        ref: The ``referenceId`` (or the implicit one, ``AccountRef<n>``).
        original: The values to repeat in the success or error file.
        refusal: ``(field, reason)`` when the reader already knows the record
            cannot be written (it sees the whole file; the step reports it).
    """

    sobject: str
    fields: dict[str, Any]
    source: str
    row: int
    ref: str | None = None
    original: Mapping[str, Any] | None = None
    refusal: tuple[str | None, str] | None = None


class Defer(Exception):
    """A reference to a record of the same type that has not been written yet."""


class Refused(Exception):
    """A record cannot be written, for ``reason`` (about ``field`` when one is to blame)."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@attrs.frozen
class Waiting:
    """A reference that points further down the import: linked once its record is written.

    Attributes:
        raw: The reference as the source wrote it (``@ContactRef9``, an Id).
    """

    raw: str


@attrs.define
class Pending:
    """A written record whose forward reference is linked at the end of its sObject.

    Attributes:
        record: The source record.
        owner_id: The account that holds it.
        record_id: Our id of the record.
        raw: The reference still to resolve.
        created: Whether this import created it (else it updated it).
        before: The contact as it was before this import changed it (``None`` when created).
    """

    record: SourceRecord
    owner_id: str
    record_id: str
    raw: str
    created: bool
    before: Contact | None = None
