"""Fellegi–Sunter weights learned from the records themselves, without labels.

For each comparison level the model holds *m* (how often duplicates show that
level) and *u* (how often distinct records do). *u* is estimated from random
pairs, almost all of which are distinct. *m* is estimated by
expectation–maximisation over candidate pairs, with *u* held fixed, and —
as the established record-linkage tools do — each comparison's *m* is learned
only from pairs that blocking did not select on that same field (pairs found by
a shared email all agree on the email, which then says nothing). A pair's match
weight is ``log2(prior odds) + sum(log2(m / u))`` over the levels it shows;
missing values weigh nothing.

Pairs' levels are held as an integer array (one row per pair, one column per
comparison, ``-1`` for a missing value), so the estimation runs in numpy.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Generic, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from contactgraph.matching.comparisons import Comparison

__all__ = ["LevelArray", "Levels", "MatchModel", "TrainingSet", "fit", "level_array"]

R = TypeVar("R")

Levels = tuple[int | None, ...]
"""One pair's level per comparison."""

LevelArray = npt.NDArray[np.int8]
"""Levels of many pairs: one row per pair, ``-1`` where a value is missing."""

_PRIOR_STRENGTH = 20.0
"""Pseudo-count of each comparison's prior ``agreement`` in the m estimate."""

_CHANCE_STRENGTH = 2000.0
"""Pseudo-count of each comparison's prior ``chance`` in the u estimate."""


def level_array(rows: Sequence[Levels], width: int) -> LevelArray:
    """``rows`` as a :data:`LevelArray` of ``width`` columns."""
    if not rows:
        return np.empty((0, width), dtype=np.int8)
    return np.array([[-1 if x is None else x for x in row] for row in rows], dtype=np.int8)


@attrs.frozen(slots=True)
class MatchModel(Generic[R]):
    """Learned weights for a list of comparisons.

    Attributes:
        comparisons: What is compared.
        m: Per comparison, the probability of each level among duplicates.
        u: Per comparison, the probability of each level among distinct records.
        prior: Share of duplicates among candidate pairs.
    """

    comparisons: tuple[Comparison[R], ...]
    m: tuple[tuple[float, ...], ...]
    u: tuple[tuple[float, ...], ...]
    prior: float

    def weight(self, comparison: int, level: int) -> float:
        """The evidence of one level, in bits (positive: favours a duplicate)."""
        return math.log2(self.m[comparison][level] / self.u[comparison][level])

    def bits(
        self,
        levels: LevelArray,
        adjust: npt.NDArray[np.float64] | None = None,
        use: Sequence[int] | None = None,
    ) -> npt.NDArray[np.float64]:
        """Each pair's match weight; ``use`` limits the comparisons counted."""
        total = np.full(len(levels), math.log2(self.prior / (1 - self.prior)))
        for k in range(len(self.comparisons)) if use is None else use:
            weights = np.log2(np.asarray(self.m[k]) / np.asarray(self.u[k]))
            column = levels[:, k]
            total += np.where(column >= 0, weights[np.maximum(column, 0)], 0.0)
        if adjust is not None:
            total += adjust
        return total

    def scores(
        self,
        levels: LevelArray,
        adjust: npt.NDArray[np.float64] | None = None,
        use: Sequence[int] | None = None,
    ) -> npt.NDArray[np.float64]:
        """Each pair's probability of being a duplicate."""
        bits = np.clip(self.bits(levels, adjust, use), -60, 60)
        odds: npt.NDArray[np.float64] = np.exp2(bits)
        return odds / (1 + odds)

    def score(self, levels: Levels, adjust: float = 0.0) -> float:
        """The probability that one pair showing ``levels`` is a duplicate."""
        row = level_array([levels], len(self.comparisons))
        return float(self.scores(row, np.array([adjust]))[0])


@attrs.frozen(slots=True)
class TrainingSet:
    """Candidate pairs found by some blocking keys, and what those keys fix.

    Attributes:
        levels: The levels of each pair.
        blocked: Names of the comparisons the blocking keys fix: their weights
            are learned from the other sets.
    """

    levels: LevelArray
    blocked: frozenset[str]


def _u_estimate(
    comparisons: Sequence[Comparison[R]], records: Sequence[R], samples: int, seed: int
) -> tuple[tuple[float, ...], ...]:
    counts = [[_CHANCE_STRENGTH * x for x in c.chance] for c in comparisons]
    n = len(records)
    if n >= 2:
        rng = random.Random(seed)
        if n * (n - 1) // 2 <= samples:
            pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        else:
            pairs = []
            for _ in range(samples):
                i, j = rng.randrange(n), rng.randrange(n - 1)
                pairs.append((i, j + 1 if j >= i else j))
        for i, j in pairs:
            for k, c in enumerate(comparisons):
                level = c.compare(records[i], records[j])
                if level is not None:
                    counts[k][level] += 1
    return tuple(tuple(x / sum(row) for x in row) for row in counts)


def _em(
    model: MatchModel[R], levels: LevelArray, learn: Sequence[int], iterations: int
) -> MatchModel[R]:
    """*m* of the comparisons in ``learn`` and the prior, scoring pairs on those alone."""
    comps = model.comparisons
    for _ in range(iterations):
        p = model.scores(levels, use=learn)
        m = list(model.m)
        change = 0.0
        for k in learn:
            column = levels[:, k]
            present = column >= 0
            size = len(comps[k].levels)
            seen = np.bincount(column[present], weights=p[present], minlength=size)
            counts = seen.astype(float) + _PRIOR_STRENGTH * np.asarray(comps[k].agreement)
            row = tuple(float(x) for x in counts / counts.sum())
            change = max(change, *(abs(x - y) for x, y in zip(row, m[k], strict=True)))
            m[k] = row
        prior = min(max(float(p.mean()), 1e-6), 1 - 1e-6)
        change = max(change, abs(prior - model.prior))
        model = MatchModel(comps, tuple(m), model.u, prior)
        if change < 1e-5:
            break
    return model


def fit(
    comparisons: Sequence[Comparison[R]],
    records: Sequence[R],
    training: Sequence[TrainingSet],
    candidates: LevelArray,
    *,
    u_samples: int = 30_000,
    iterations: int = 30,
    seed: int = 0,
) -> MatchModel[R]:
    """Learn the weights from ``records`` and their candidate pairs.

    Args:
        comparisons: What is compared.
        records: Every record (random pairs of them estimate *u*).
        training: Candidate pairs grouped by the blocking keys that found them;
            each set teaches *m* of the comparisons its keys do not fix.
        candidates: Every candidate pair's levels (they set the prior).
        u_samples: How many random pairs estimate *u*.
        iterations: Expectation–maximisation rounds in each set.
        seed: Seed of the random pairs, so a run can be repeated exactly.
    """
    comps = tuple(comparisons)
    u = _u_estimate(comps, records, u_samples, seed)
    start = MatchModel(comps, tuple(tuple(c.agreement) for c in comps), u, 0.1)
    learned: list[list[tuple[float, ...]]] = [[] for _ in comps]
    for subset in training:
        if not len(subset.levels):
            continue
        learn = [k for k, c in enumerate(comps) if c.name not in subset.blocked]
        trained = _em(start, subset.levels, learn, iterations)
        for k in learn:
            learned[k].append(trained.m[k])
    m = tuple(
        tuple(sum(col) / len(col) for col in zip(*rows, strict=True)) if rows else c.agreement
        for c, rows in zip(comps, learned, strict=True)
    )
    model = MatchModel(comps, m, u, 0.1)
    for _ in range(iterations if len(candidates) else 0):
        prior = min(max(float(model.scores(candidates).mean()), 1e-6), 1 - 1e-6)
        done = abs(prior - model.prior) < 1e-6
        model = MatchModel(comps, m, u, prior)
        if done:
            break
    return model
