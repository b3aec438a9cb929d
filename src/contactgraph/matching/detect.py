"""Duplicate detection: blocking, learned weights, clusters with their reasons.

Blocking keeps the work far from all pairs: only records sharing a key (an
email, a phone, a phonetic name code with an initial…) are compared. The
weights are learned from the records themselves (:mod:`.model`); pairs scoring
at least the threshold are linked, and linked records form clusters.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from contactgraph.domain import Account, Contact
from contactgraph.errors import InvalidValueError
from contactgraph.matching.comparisons import (
    ACCOUNT_COMPARISONS,
    PERSON_COMPARISONS,
    Comparison,
    phone_tail,
)
from contactgraph.matching.model import (
    LevelArray,
    Levels,
    MatchModel,
    TrainingSet,
    fit,
    level_array,
)
from contactgraph.matching.records import (
    AccountRecord,
    PersonRecord,
    account_record,
    person_records,
)

__all__ = [
    "AccountCluster",
    "ContactCluster",
    "Match",
    "Reason",
    "Veto",
    "find_account_duplicates",
    "find_contact_duplicates",
]

R = TypeVar("R", PersonRecord, AccountRecord)

DEFAULT_THRESHOLD = 0.99
"""Pairs at least this likely to be duplicates are linked."""

MAX_BLOCK = 400
"""Blocks larger than this (a switchboard number shared by a whole company, a
very common name) are left out of the candidate pairs: they would cost
quadratic time and are poor evidence."""


@attrs.frozen(slots=True)
class Reason:
    """One piece of evidence of a match.

    Attributes:
        field: What was compared ("email", "first_name"…).
        level: How it compared ("same address", "nickname", "different"…).
        weight: Its evidence in bits: positive for a duplicate, negative against.
    """

    field: str
    level: str
    weight: float


@attrs.frozen(slots=True)
class Match:
    """Two records that are likely the same.

    Attributes:
        ids: The two ids, in a stable order.
        score: Probability that they are duplicates, 0 to 1.
        reasons: The evidence, strongest first.
    """

    ids: tuple[str, str]
    score: float
    reasons: tuple[Reason, ...]


@attrs.frozen(slots=True)
class ContactCluster:
    """Contacts that are likely one person.

    Attributes:
        contact_ids: The contacts, in a stable order.
        score: The weakest link's probability: every contact is tied to the
            others by matches at least this likely.
        reasons: The evidence of the strongest match in the cluster.
        matches: Every linking match.
    """

    contact_ids: tuple[str, ...]
    score: float
    reasons: tuple[Reason, ...]
    matches: tuple[Match, ...]


@attrs.frozen(slots=True)
class AccountCluster:
    """Accounts that are likely one company.

    Attributes:
        account_ids: The accounts, in a stable order.
        score: The weakest link's probability.
        reasons: The evidence of the strongest match in the cluster.
        matches: Every linking match.
    """

    account_ids: tuple[str, ...]
    score: float
    reasons: tuple[Reason, ...]
    matches: tuple[Match, ...]


def _person_keys(r: PersonRecord) -> Iterator[str]:
    for email in r.emails:
        yield "e:" + email
    for phone in r.phones:  # the end the rules search: a prefix typed in front still groups
        if phone.national_digits:
            yield "p:" + phone_tail(phone)
    initial = r.first[:1]
    if r.last_sound:
        yield f"n:{r.last_sound}:{initial}"
    if r.first_sound and r.last_sound:  # the same in either order of the names
        yield "s:" + ":".join(sorted((r.first_sound, r.last_sound)))
    if len(r.last_parts) > 1:
        for part in r.last_parts:
            yield f"n:{part[:1]}{part}:{initial}"
    if r.first and r.last:
        yield f"f:{r.first}:{r.last[:2]}"
    if r.birthdate is not None:
        yield f"b:{r.birthdate.isoformat()}:{r.last[:1]}"


def _account_keys(r: AccountRecord) -> Iterator[str]:
    if r.name:
        yield "w:" + r.name.split(" ", 1)[0]
        yield "s:" + r.name_sound
    if r.domain:
        yield "d:" + r.domain
    if r.phone is not None and r.phone.national_digits:
        yield "p:" + phone_tail(r.phone)
    for external in r.external_ids:
        yield "x:" + external


def candidate_pairs(
    records: Sequence[R], keys: Callable[[R], Iterable[str]], max_block: int = MAX_BLOCK
) -> dict[tuple[int, int], set[str]]:
    """Index pairs of records that share a blocking key -> the kinds of keys shared.

    A key's kind is its prefix before the first ``:`` ("e" for an email…).
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in set(keys(record)):
            blocks[key].append(index)
    pairs: dict[tuple[int, int], set[str]] = defaultdict(set)
    for key, members in blocks.items():
        if 1 < len(members) <= max_block:
            kind = key.partition(":")[0]
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    pairs[i, j].add(kind)
    return pairs


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = self.parent.setdefault(x, x)
        while root != self.parent[root]:
            root = self.parent[root]
        while x != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


@attrs.frozen(slots=True)
class _Found:
    ids: tuple[str, ...]
    score: float
    reasons: tuple[Reason, ...]
    matches: tuple[Match, ...]


def _reasons(model: MatchModel[R], levels: Levels) -> tuple[Reason, ...]:
    found = [
        Reason(c.name, c.levels[level], round(model.weight(i, level), 2))
        for i, (c, level) in enumerate(zip(model.comparisons, levels, strict=True))
        if level is not None
    ]
    return tuple(sorted(found, key=lambda r: -r.weight))


def _check_threshold(threshold: object) -> float:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise InvalidValueError("threshold must be a number between 0 and 1",
                                field="threshold", value=threshold)  # fmt: skip
    if not 0 < threshold <= 1:
        raise InvalidValueError("threshold must be above 0 and at most 1",
                                field="threshold", value=threshold)  # fmt: skip
    return float(threshold)


@attrs.frozen(slots=True)
class Veto:
    """A pattern of evidence that rules a match out, whatever the weights say.

    Learned weights cannot tell a duplicate from two relatives who share a line
    and an address, or from namesake colleagues: the records agree on nearly
    everything. What tells them apart is known in advance: two different first
    names, or every way of reaching the person different.

    Attributes:
        reason: Why such a pair is two people.
        levels: Comparison name -> the level label that must be seen; all of
            them together veto the pair.
    """

    reason: str
    levels: dict[str, str]


PERSON_VETOES = (
    Veto("two different first names", {"first_name": "different"}),
    Veto("two different dates of birth", {"birthdate": "different"}),
    Veto("every contact detail differs", {"email": "different", "phone": "different"}),
    Veto("two addresses at one company", {"email": "another address at the same company"}),
)
"""Default vetoes for contacts: relatives, namesakes and homonyms are two people."""

ACCOUNT_VETOES = (
    Veto("different ids in the same system", {"external_ids": "other id in the same system",
                                              "website": "different"}),
)  # fmt: skip
"""Default vetoes for accounts."""


@attrs.frozen(slots=True)
class Blocking(Generic[R]):
    """How candidate pairs are found, and what each kind of key fixes.

    Attributes:
        keys: The blocking keys of a record, each ``"kind:value"``.
        sessions: Groups of key kinds; the pairs found by one group teach the
            weights of the comparisons that group does not fix.
        fixes: Key kind -> names of the comparisons it fixes.
    """

    keys: Callable[[R], Iterable[str]]
    sessions: tuple[frozenset[str], ...]
    fixes: dict[str, frozenset[str]]


PERSON_BLOCKING: Blocking[PersonRecord] = Blocking(
    keys=_person_keys,
    sessions=(frozenset("ep"), frozenset("nfs"), frozenset("b")),
    fixes={
        "e": frozenset({"email"}),
        "p": frozenset({"phone"}),
        "n": frozenset({"first_name", "last_name"}),
        "f": frozenset({"first_name", "last_name"}),
        "s": frozenset({"first_name", "last_name"}),
        "b": frozenset({"birthdate", "last_name"}),
    },
)

ACCOUNT_BLOCKING: Blocking[AccountRecord] = Blocking(
    keys=_account_keys,
    sessions=(frozenset("dpx"), frozenset("ws")),
    fixes={
        "w": frozenset({"name"}),
        "s": frozenset({"name"}),
        "d": frozenset({"website"}),
        "p": frozenset({"phone"}),
        "x": frozenset({"external_ids"}),
    },
)


_TF_BOUND = 6.0
"""At most this many bits gained or lost for a rare or common shared value."""


def _term_gains(model: MatchModel[R], records: Sequence[R]) -> dict[int, npt.NDArray[np.float64]]:
    """Per comparison with a ``term``, per record: the bits its value's rarity is worth."""
    n = max(len(records), 1)
    gains = {}
    for k, c in enumerate(model.comparisons):
        if c.term is not None:
            values = [c.term(r) for r in records]
            counts = Counter(values)
            share = np.array([max(counts[v], 1) / n for v in values])
            gains[k] = np.clip(np.log2(model.u[k][0] / share), -_TF_BOUND, _TF_BOUND)
    return gains


def _term_adjustment(
    gains: dict[int, npt.NDArray[np.float64]], first: npt.NDArray[np.intp], levels: LevelArray
) -> npt.NDArray[np.float64]:
    """Bits for how rare the values that pairs share at a comparison's first level are."""
    total = np.zeros(len(levels))
    for k, gain in gains.items():
        total += np.where(levels[:, k] == 0, gain[first], 0.0)
    return total


def _vetoed(
    comparisons: Sequence[Comparison[R]], vetoes: Sequence[Veto], levels: LevelArray
) -> npt.NDArray[np.bool_]:
    out = np.zeros(len(levels), dtype=bool)
    names = {c.name: k for k, c in enumerate(comparisons)}
    for veto in vetoes:
        hit = np.ones(len(levels), dtype=bool)
        for name, label in veto.levels.items():
            k = names.get(name)
            if k is None or label not in comparisons[k].levels:
                raise InvalidValueError(
                    f"veto {veto.reason!r} names {name}={label!r}, which no comparison shows",
                    field="vetoes",
                    value=veto,
                )
            hit &= levels[:, k] == comparisons[k].levels.index(label)
        out |= hit
    return out


def _detect(
    records: Sequence[R],
    comparisons: Sequence[Comparison[R]],
    blocking: Blocking[R],
    *,
    threshold: float,
    max_block: int,
    vetoes: Sequence[Veto],
) -> list[_Found]:
    threshold = _check_threshold(threshold)
    records = sorted(records, key=lambda r: r.id)  # the same answer whatever the input order
    found_by = candidate_pairs(records, blocking.keys, max_block)
    pairs = sorted(found_by)
    comps = tuple(comparisons)
    levels = level_array(
        [tuple(c.compare(records[i], records[j]) for c in comps) for i, j in pairs], len(comps)
    )
    training = []
    for session in blocking.sessions:
        chosen = np.array([bool(found_by[pair] & session) for pair in pairs], dtype=bool)
        blocked = frozenset().union(*(blocking.fixes.get(kind, frozenset()) for kind in session))
        training.append(TrainingSet(levels[chosen] if pairs else levels, blocked))
    model = fit(comps, records, training, levels)
    first = np.array([i for i, _ in pairs], dtype=np.intp)
    gains = _term_gains(model, records)
    scores = model.scores(levels, _term_adjustment(gains, first, levels))
    vetoed = _vetoed(comps, vetoes, levels)
    # vetoed, or likelier two records than one: never in one cluster
    apart = {pairs[x] for x in np.flatnonzero(vetoed | (scores < 0.5))}
    compared = set(pairs)

    def kept_apart(x: int, y: int) -> bool:
        pair = (min(x, y), max(x, y))
        if pair in compared:
            return pair in apart
        # never a candidate: compare now, so a third record cannot chain them
        row = level_array([tuple(c.compare(records[x], records[y]) for c in comps)], len(comps))
        first_of = np.array([pair[0]], dtype=np.intp)
        score = model.scores(row, _term_adjustment(gains, first_of, row))[0]
        return bool(_vetoed(comps, vetoes, row)[0] or score < 0.5)

    linked_rows = np.flatnonzero(~vetoed & (scores >= threshold))
    # Strongest links first; two groups are joined only if no member of one is
    # ruled out against, or likelier distinct from, a member of the other: no
    # chaining through a third record.
    linked_rows = linked_rows[np.argsort(-scores[linked_rows], kind="stable")]
    links = _UnionFind()
    groups: dict[int, set[int]] = {}
    linked: list[tuple[int, Match]] = []
    for row in linked_rows:
        i, j = pairs[row]
        root_i, root_j = links.find(i), links.find(j)
        if root_i != root_j:
            group_i, group_j = groups.get(root_i, {i}), groups.get(root_j, {j})
            if any(kept_apart(x, y) for x in group_i for y in group_j):
                continue
            links.union(i, j)
            groups[links.find(i)] = group_i | group_j
        pair_levels = tuple(None if x < 0 else int(x) for x in levels[row])
        a, b = sorted((records[i].id, records[j].id))
        linked.append((i, Match((a, b), float(scores[row]), _reasons(model, pair_levels))))
    matches: dict[int, list[Match]] = defaultdict(list)
    for i, match in linked:
        matches[links.find(i)].append(match)
    found: list[_Found] = []
    for root, cluster_matches in matches.items():
        cluster_matches.sort(key=lambda m: (-m.score, m.ids))
        found.append(
            _Found(
                ids=tuple(sorted(records[x].id for x in groups[root])),
                score=min(m.score for m in cluster_matches),
                reasons=cluster_matches[0].reasons,
                matches=tuple(cluster_matches),
            )
        )
    found.sort(key=lambda f: (-f.score, f.ids))
    return found


def find_contact_duplicates(
    accounts: Iterable[Account],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    comparisons: Sequence[Comparison[PersonRecord]] = PERSON_COMPARISONS,
    max_block: int = MAX_BLOCK,
    vetoes: Sequence[Veto] = PERSON_VETOES,
    include: Callable[[Contact], bool] | None = None,
) -> list[ContactCluster]:
    """Clusters of contacts of ``accounts`` that are likely the same person.

    Contacts of different accounts are compared too (a person imported twice
    under two spellings of the company). Reads every contact once; compares only
    blocked pairs. ``include``: which contacts take part (all by default; the
    store leaves out the placeholders of forgotten people).
    """
    records = person_records(accounts, include=include)
    return [
        ContactCluster(f.ids, f.score, f.reasons, f.matches)
        for f in _detect(
            records,
            comparisons,
            PERSON_BLOCKING,
            threshold=threshold,
            max_block=max_block,
            vetoes=vetoes,
        )
    ]


def find_account_duplicates(
    accounts: Iterable[Account],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    comparisons: Sequence[Comparison[AccountRecord]] = ACCOUNT_COMPARISONS,
    max_block: int = MAX_BLOCK,
    vetoes: Sequence[Veto] = ACCOUNT_VETOES,
) -> list[AccountCluster]:
    """Clusters of ``accounts`` that are likely the same company."""
    records = [account_record(a) for a in accounts]
    return [
        AccountCluster(f.ids, f.score, f.reasons, f.matches)
        for f in _detect(
            records,
            comparisons,
            ACCOUNT_BLOCKING,
            threshold=threshold,
            max_block=max_block,
            vetoes=vetoes,
        )
    ]
