"""``map_record``'s shortcut for text cells gives what its general path gives.

A CSV cell is a ``str``, and most of a Data Loader row's fields are text: the
mapping takes those through a shortcut (blank -> ``None``, else the cell as
it came). A ``str`` subclass is not ``str`` to the shortcut, so wrapping every
value in one sends the same record through the general path: both must sort
it into the same :class:`~contactgraph.interop.mapping.Mapped`.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contactgraph.interop import mapping
from contactgraph.interop.mapping import SOBJECTS, Mapped, map_record


class _Cell(str):
    """A text cell the shortcut does not recognise (``type(cell) is not str``)."""

    __slots__ = ()


def _plain(value: Any) -> Any:
    """``value`` with every ``_Cell`` turned back into ``str`` (for a typed comparison)."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


def _as_data(mapped: Mapped) -> dict[str, Any]:
    return {
        name: _plain(getattr(mapped, name))
        for name in (
            "values",
            "refs",
            "salesforce_id",
            "our_id",
            "external_ids",
            "extra",
            "extra_fields",
            "problems",
            "notes",
        )
    }


def _keys(sobject: str) -> st.SearchStrategy[str]:
    api = [f.api for f in SOBJECTS[sobject].fields]
    known = st.sampled_from([*api, "Id", "ContactGraph_Id__c", "ContactGraph_External_Ids__c"])
    return (
        known
        | known.map(str.lower)
        | known.map(str.upper)
        | st.sampled_from(["Picture__c", "Score__c", "Custom Field"])
    )


_cells = st.one_of(
    st.sampled_from(["", "  ", "Martin", " Lyon ", "true", "no", "maybe", "A;B; ;C", "12.5"]),
    st.sampled_from(["inf", "NaN", "2024-01-15T10:20:30.000+0000", "not a date"]),
    st.sampled_from(["001000000000001", "003000000000000001AAA", '{"hubspot": "7"}', "{bad"]),
    st.text(max_size=12),
)


@settings(max_examples=300)
@given(
    st.sampled_from(sorted(SOBJECTS)).flatmap(
        lambda sobject: st.tuples(
            st.just(sobject), st.dictionaries(_keys(sobject), _cells, max_size=10)
        )
    )
)
def test_text_cells_map_as_through_the_general_path(case: tuple[str, dict[str, str]]) -> None:
    sobject, record = case
    spec = SOBJECTS[sobject]
    fast = map_record(spec, record)
    general = map_record(spec, {k: _Cell(v) for k, v in record.items()})
    assert _as_data(fast) == _as_data(general)


def test_a_record_starts_from_what_mapped_gives() -> None:
    """map_record's empty Mapped is built attribute by attribute: the same as ``Mapped()``,
    with containers of its own (a record never shares them with another)."""
    fresh, again, general = mapping._mapped(), mapping._mapped(), Mapped()
    assert fresh == general
    assert _as_data(fresh) == _as_data(general)
    for name in ("values", "refs", "external_ids", "extra", "extra_fields", "problems", "notes"):
        assert type(getattr(fresh, name)) is type(getattr(general, name))
        assert getattr(fresh, name) is not getattr(again, name)
