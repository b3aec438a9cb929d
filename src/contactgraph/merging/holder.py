"""Merge records as a holder of personal data, for :mod:`contactgraph.privacy`.

A contact merge keeps the losers' prior state (names, emails, phones) in its
record, so "export everything about a person" lists the merges they took part
in and "forget a person" scrubs those records (``store.merges.forget``).
:class:`contactgraph.Store` lists :data:`MERGE_RECORDS` in its
``personal_data_holders``.
"""

from __future__ import annotations

from typing import Any, Final

from contactgraph.domain import Contact
from contactgraph.merging.record import MergeRecord, MergeStore

__all__ = ["MERGE_RECORDS", "MergeRecordsHolder"]


class MergeRecordsHolder:
    """The merge records' part of a personal-data export and of a forget."""

    @property
    def name(self) -> str:
        """The export's key for this section."""
        return "merges"

    def personal_data(self, store: MergeStore, contact_id: str) -> list[dict[str, Any]]:
        """The merges the contact survived or lost in, as :meth:`MergeRecord.to_dict` gives them."""
        return [MergeRecord.of(m).to_dict() for m in store.merges.list(record_id=contact_id)]

    def forget(self, store: MergeStore, contact: Contact) -> int:
        """Scrub the person from every merge record naming them; how many changed."""
        return store.merges.forget(contact.id)


MERGE_RECORDS: Final = MergeRecordsHolder()
"""The one holder :class:`contactgraph.Store` registers."""
