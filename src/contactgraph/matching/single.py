"""One record against a handful of candidates: the duplicate rules' scoring, no corpus needed.

``store.duplicates()`` learns its weights from every record of the store
(:func:`~contactgraph.matching.model.fit`). A rule that runs on each save
sees one new record and the few candidates an index look-up found: nothing
to learn from. It weighs the evidence with fixed weights instead — each
comparison's prior ``agreement`` as *m* and its prior ``chance`` as *u*
(:func:`default_model`) — or with a model the caller learned before (the
``model`` argument), and applies the same vetoes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from contactgraph.domain import Account, Contact
from contactgraph.matching.comparisons import ACCOUNT_COMPARISONS, PERSON_COMPARISONS, Comparison
from contactgraph.matching.detect import ACCOUNT_VETOES, PERSON_VETOES, Match, Veto, _reasons
from contactgraph.matching.model import MatchModel, level_array
from contactgraph.matching.records import (
    AccountRecord,
    PersonRecord,
    account_record,
    person_record,
)

__all__ = ["DEFAULT_PRIOR", "default_model", "score_account", "score_contact"]

R = TypeVar("R", PersonRecord, AccountRecord)

DEFAULT_PRIOR = 0.1
"""Share of duplicates assumed among the candidates an index look-up finds (as
:func:`~contactgraph.matching.model.fit` starts from)."""


def default_model(
    comparisons: Sequence[Comparison[R]], prior: float = DEFAULT_PRIOR
) -> MatchModel[R]:
    """Fixed weights: each level's prior ``agreement`` as *m*, its ``chance`` as *u*."""
    comps = tuple(comparisons)
    return MatchModel(
        comps,
        tuple(tuple(c.agreement) for c in comps),
        tuple(tuple(c.chance) for c in comps),
        prior,
    )


def _vetoed(
    comparisons: Sequence[Comparison[R]], vetoes: Sequence[Veto], levels: tuple[int | None, ...]
) -> bool:
    labels = {
        c.name: (c.levels[x] if x is not None else None)
        for c, x in zip(comparisons, levels, strict=True)
    }
    return any(
        all(labels.get(name) == label for name, label in veto.levels.items()) for veto in vetoes
    )


def _score(
    record: R,
    candidates: Sequence[R],
    model: MatchModel[R],
    vetoes: Sequence[Veto],
    threshold: float,
) -> list[Match]:
    comps = model.comparisons
    found: list[Match] = []
    for other in candidates:
        if other.id == record.id:
            continue
        levels = tuple(c.compare(record, other) for c in comps)
        if _vetoed(comps, vetoes, levels):
            continue
        score = float(model.scores(level_array([levels], len(comps)))[0])
        if score >= threshold:
            found.append(Match((record.id, other.id), score, _reasons(model, levels)))
    found.sort(key=lambda m: (-m.score, m.ids))
    return found


def score_contact(
    contact: Contact,
    account_name: str,
    candidates: Sequence[tuple[Contact, str]],
    *,
    threshold: float,
    model: MatchModel[PersonRecord] | None = None,
    vetoes: Sequence[Veto] = PERSON_VETOES,
) -> list[Match]:
    """The candidates (each with its account's name, ``""`` if unknown) likely ``contact``'s duplicates.

    Each :class:`~contactgraph.matching.Match` has ``ids == (contact.id,
    candidate id)``, strongest first; vetoed pairs are never returned.
    """
    chosen = model or default_model(PERSON_COMPARISONS)
    record = person_record(contact, account_name)
    others = [person_record(c, name) for c, name in candidates]
    return _score(record, others, chosen, vetoes, threshold)


def score_account(
    account: Account,
    candidates: Sequence[Account],
    *,
    threshold: float,
    model: MatchModel[AccountRecord] | None = None,
    vetoes: Sequence[Veto] = ACCOUNT_VETOES,
) -> list[Match]:
    """The ``candidates`` likely ``account``'s duplicates, strongest first (``ids[0]`` is it)."""
    chosen = model or default_model(ACCOUNT_COMPARISONS)
    return _score(
        account_record(account), [account_record(a) for a in candidates], chosen, vetoes, threshold
    )
