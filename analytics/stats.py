"""Honest statistics for heavy-tailed durations (Davidovič, *Incident Metrics in SRE*, 2021).

One seeded resampling function, :func:`bootstrap`, gives the 90% intervals of the mean and the
median that every MTTx is shown with; :func:`detectable_change` says how likely a real
improvement of a given size is to show at all with this many incidents.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: `metrics --no-intervals` reads only the constants
    import numpy as np

__all__ = ["BootstrapResult", "bootstrap", "bootstrap_many", "detectable_change"]

DEFAULT_RESAMPLES = 2000
DEFAULT_CONFIDENCE = 0.90
# Index draws (or counts) held in memory at once by the mean's resampling (~16 MB of int64).
_CHUNK_ELEMENTS = 2_000_000
# One multinomial count costs about this many index draws (measured: ~76 ns against ~4.7 ns).
_COUNT_COST = 16
# Samples this small draw their indices as uint16.
_SMALL_N = 4096
# From this many samples of one size on, their resampled sums come from one matrix product of
# the resample counts (one bincount per chunk) instead of one gather per sample (measured at
# n = 136 to 1,800: the product wins from 3 samples on).
_PRODUCT_MIN_SAMPLES = 3
# The resampling works through blocks of this many index draws (2 MB of int64): they stay in
# cache, and their buffers are reused instead of fresh memory for every chunk (whose page
# faults made the first bootstrap of a process cost twice the next, measured).
_BLOCK_ELEMENTS = 1 << 18
# Sums of whole numbers below this are exact in float64, whatever order they are added in.
_EXACT_SUM = 2.0**53
# OpenBLAS multiplies a matrix by a matrix (a vector) of fewer multiply-adds than this on the
# calling thread (its GEMM_MULTITHREAD_THRESHOLD of 4 x 65,536, or x 2,304); larger products
# wake its own threads, which then spin beside the bootstrap's own worker threads (measured,
# metrics --by team: 1.37 s CPU with them, 0.46 s without).
_SERIAL_PRODUCT = 4 * 65_536
_SERIAL_VECTOR_PRODUCT = 4 * 2_304


@dataclass(frozen=True)
class BootstrapResult:
    """Point estimates and percentile-bootstrap intervals of one sample (NaN when ``n == 0``)."""

    n: int
    mean: float
    median: float
    mean_lo: float
    mean_hi: float
    median_lo: float
    median_hi: float


def _clean(values: Iterable[float] | np.ndarray) -> np.ndarray:
    import numpy as np

    arr = np.asarray(values, dtype=np.float64).ravel()
    return arr[np.isfinite(arr)]


def bootstrap(
    values: Iterable[float] | np.ndarray,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> BootstrapResult:
    """Percentile-bootstrap intervals of the mean and the median of ``values``.

    Each resample draws ``n`` values with replacement. The mean's resamples are drawn as index
    matrices, a chunk of rows at a time, so memory stays bounded for any ``n``; when the values
    repeat a lot (timeline durations are whole minutes) they are drawn instead as multinomial
    counts of the distinct values, which is the same distribution at a fraction of the cost.
    The median's are drawn exactly but without materialising the resample: with the values
    sorted, the median of a resample is ``x[k-th smallest index]``, and the k-th smallest of
    ``n`` uniform indices is ``floor(n * U_(k))`` with ``U_(k) ~ Beta(k, n - k + 1)`` (the next
    order statistic, needed for an even ``n``, follows from the Beta(1, n - k) gap). That is
    O(resamples), which is what makes n = 100,000 affordable.

    Args:
        values: Durations (NaN and infinities are left out: callers count missing rows).
        resamples: Number of resamples (>= 1; the project uses >= 2000).
        confidence: Two-sided level of the intervals, e.g. 0.90 for the 5th-95th percentiles.
        seed: Seed of the generator: the same input and seed give the same intervals.

    Returns:
        The result; each interval is widened, if needed, to contain its point estimate (it
        always does except in degenerate resampling distributions).
    """
    return bootstrap_many([values], resamples=resamples, confidence=confidence, seed=seed)[0]


def bootstrap_many(
    samples: Sequence[Iterable[float] | np.ndarray],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
    workers: int = 1,
    means: bool = True,
) -> list[BootstrapResult]:
    """:func:`bootstrap` of each sample, the same results, with the draws shared.

    With one seed, the index matrices and the Beta draws of :func:`bootstrap` depend only on
    the sample size, not on the values. So samples of the same size (a group's MTTA and MTTD,
    or two services with as many incidents) are resampled from one set of draws: the index
    generation, most of the cost for small samples, is paid once. Each result equals
    ``bootstrap(sample, ...)`` exactly.

    Args:
        samples: The samples (NaN and infinities are left out of each).
        resamples: See :func:`bootstrap`.
        confidence: See :func:`bootstrap`.
        seed: See :func:`bootstrap`.
        workers: Threads (numpy releases the GIL while it draws and gathers). Samples of one
            size go to the same thread, so the draws are still shared; the results do not
            depend on ``workers``.
        means: False: the mean's intervals are left NaN (the point mean is still given), for
            callers that show the median's only (the weekly trend). The mean's resamples are
            still drawn, only not gathered, so the median's intervals, drawn after them from
            the same generator, are the very same floats.
    """
    import numpy as np

    if resamples < 1:
        raise ValueError(f"resamples must be >= 1, got {resamples}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if workers > 1 and len(samples) > 1:
        return _bootstrap_threads(samples, resamples, confidence, seed, workers, means)
    tail = (1 - confidence) / 2
    probs = [tail, 1 - tail]
    nan = math.nan
    results: list[BootstrapResult | None] = [None] * len(samples)
    shared: dict[int, list[tuple[int, np.ndarray]]] = {}
    for k, values in enumerate(samples):
        x = np.sort(_clean(values))
        n = int(x.size)
        if n == 0:
            results[k] = BootstrapResult(0, nan, nan, nan, nan, nan, nan)
        elif n == 1 or x[0] == x[-1]:
            v = float(x[0])
            results[k] = BootstrapResult(n, float(x.mean()), float(np.median(x)), v, v, v, v)
        elif _draws_counts(x):
            rng = np.random.default_rng(seed)
            resampled = _resampled_means([x], resamples, rng, gather=means)[0]
            lower, upper = _median_ranks(n, resamples, rng)
            results[k] = _results(x[None, :], resampled[None, :], lower, upper, probs)[0]
        else:
            shared.setdefault(n, []).append((k, x))
    for n, group in shared.items():
        rng = np.random.default_rng(seed)
        xs = np.stack([x for _, x in group])
        resampled = np.stack(_resampled_means(list(xs), resamples, rng, gather=means))
        lower, upper = _median_ranks(n, resamples, rng)
        for (k, _), result in zip(group, _results(xs, resampled, lower, upper, probs), strict=True):
            results[k] = result
    return results  # type: ignore[return-value]


def _bootstrap_threads(
    samples: Sequence[Iterable[float] | np.ndarray],
    resamples: int,
    confidence: float,
    seed: int,
    workers: int,
    means: bool = True,
) -> list[BootstrapResult]:
    """:func:`bootstrap_many` on ``workers`` threads, one size's samples per thread."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    arrays = [np.asarray(values, dtype=np.float64).ravel() for values in samples]
    by_size: dict[int, list[int]] = {}
    for k, x in enumerate(arrays):
        by_size.setdefault(int(np.count_nonzero(np.isfinite(x))), []).append(k)
    # Greedy balance: the work of a size is about size x its samples (one gather each).
    buckets: list[list[int]] = [[] for _ in range(workers)]
    load = [0] * workers
    for n, ks in sorted(by_size.items(), key=lambda item: -item[0] * len(item[1])):
        lightest = load.index(min(load))
        buckets[lightest] += ks
        load[lightest] += max(n, 1) * len(ks)
    buckets = [ks for ks in buckets if ks]

    def run(ks: list[int]) -> list[BootstrapResult]:
        return bootstrap_many(
            [arrays[k] for k in ks],
            resamples=resamples,
            confidence=confidence,
            seed=seed,
            means=means,
        )

    results: list[BootstrapResult | None] = [None] * len(arrays)
    with ThreadPoolExecutor(max_workers=len(buckets)) as pool:
        for ks, part in zip(buckets, pool.map(run, buckets), strict=True):
            for k, result in zip(ks, part, strict=True):
                results[k] = result
    return results  # type: ignore[return-value]


def _draws_counts(x: np.ndarray) -> bool:
    """Is the mean of the sorted ``x`` resampled as counts of its distinct values (cheaper)?"""
    import numpy as np

    distinct = 1 + int(np.count_nonzero(np.diff(x)))
    return distinct * _COUNT_COST < x.size


def _median_ranks(
    n: int, resamples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray | None]:
    """0-based ranks of each resample's middle order statistic(s) (see :func:`bootstrap`)."""
    import numpy as np

    r = (n + 1) // 2  # 1-based rank of the (lower) median
    u_r = rng.beta(r, n - r + 1, size=resamples)
    lower = np.minimum((u_r * n).astype(np.int64), n - 1)
    if n % 2:
        return lower, None
    u_next = u_r + (1 - u_r) * rng.beta(1, n - r, size=resamples)
    return lower, np.minimum((u_next * n).astype(np.int64), n - 1)


def _results(
    xs: np.ndarray,
    means: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray | None,
    probs: list[float],
) -> list[BootstrapResult]:
    """Results of sorted samples of one size (rows of ``xs``) from their resampled means
    (rows of ``means``) and the shared median ranks: one quantile call for all of them."""
    import numpy as np

    point_means = xs.mean(axis=1)
    point_medians = np.median(xs, axis=1)
    medians = xs[:, lower] if upper is None else (xs[:, lower] + xs[:, upper]) / 2
    # Sorted first: np.quantile then selects from sorted rows, which is much cheaper than its
    # own partition at several ranks (measured ~3x on 2,000 resamples); the values are the same.
    if np.isnan(means).all():  # not gathered (bootstrap_many(means=False))
        mean_lo = mean_hi = np.full(xs.shape[0], math.nan)
    else:
        mean_lo, mean_hi = np.quantile(np.sort(means, axis=1), probs, axis=1)
    median_lo, median_hi = np.quantile(np.sort(medians, axis=1), probs, axis=1)
    return [
        BootstrapResult(
            n=int(xs.shape[1]),
            mean=float(point_means[i]),
            median=float(point_medians[i]),
            mean_lo=float(min(mean_lo[i], point_means[i])),
            mean_hi=float(max(mean_hi[i], point_means[i])),
            median_lo=float(min(median_lo[i], point_medians[i])),
            median_hi=float(max(median_hi[i], point_medians[i])),
        )
        for i in range(xs.shape[0])
    ]


def _resampled_means(
    xs: list[np.ndarray], resamples: int, rng: np.random.Generator, *, gather: bool = True
) -> list[np.ndarray]:
    """Means of ``resamples`` resamples of each sorted sample in ``xs`` (all of one size).

    One sample whose values repeat a lot is drawn as multinomial counts of its distinct
    values; otherwise every sample is gathered through the same index matrices. ``gather``
    False: the same draws (so ``rng`` ends in the same state), nothing gathered, NaN means.
    """
    import numpy as np

    n = xs[0].size
    if len(xs) == 1 and _draws_counts(xs[0]):
        # A resample is fully described by how often it takes each distinct value:
        # Multinomial(n, frequencies), drawn as resamples x distinct counts.
        x = xs[0]
        starts = np.concatenate([[0], np.flatnonzero(np.diff(x)) + 1])
        distinct = x[starts]
        frequencies = np.diff(np.append(starts, n)) / n
        # the same stream of counts in blocks of any size (numpy draws resample by resample)
        rows = max(1, _BLOCK_ELEMENTS // distinct.size)
        chunks = (
            (first, last, rng.multinomial(n, frequencies, size=last - first))
            for first, last in _chunks(resamples, rows)
        )
        if not gather:
            return _drawn_only(chunks, xs, resamples)
        means = np.empty(resamples)
        exact = _sums_exact(xs)
        for first, last, counts in chunks:
            if exact:  # the same sums, on this thread
                means[first:last] = _serial_product(counts, distinct) / n
            else:
                means[first:last] = counts @ distinct / n
        return [means]
    # 16-bit indices are drawn and gathered about twice as fast for small samples (measured:
    # n = 133, 400, 1,000); from a few thousand on there is no difference.
    dtype = np.uint16 if n <= _SMALL_N else np.int64
    chunks = (
        (first, last, rng.integers(0, n, size=(last - first, n), dtype=dtype))
        for first, last in _chunks(resamples, max(1, _CHUNK_ELEMENTS // n))
    )
    if not gather:
        return _drawn_only(chunks, xs, resamples)
    if len(xs) >= _PRODUCT_MIN_SAMPLES and _sums_exact(xs):
        return _resampled_means_by_product(xs, resamples, chunks)
    all_means = [np.empty(resamples) for _ in xs]
    block = max(1, _BLOCK_ELEMENTS // n)
    gathered = np.empty((min(block, resamples), n))
    for first, last, idx in chunks:
        # a block of rows at a time into one reused buffer: each row's mean is the same
        for top in range(0, last - first, block):
            part = idx[top : top + block]
            values = gathered[: len(part)]
            for x, means in zip(xs, all_means, strict=True):
                np.take(x, part, out=values)
                values.mean(axis=1, out=means[first + top : first + top + len(part)])
    return all_means


def _chunks(resamples: int, rows: int) -> Iterator[tuple[int, int]]:
    """``(first, last)`` of each chunk of ``rows`` resamples: the draws are made chunk by
    chunk, so the chunks decide the generator's state after them."""
    for first in range(0, resamples, rows):
        yield first, min(resamples, first + rows)


def _drawn_only(chunks: Iterator, xs: list[np.ndarray], resamples: int) -> list[np.ndarray]:
    """Make the draws of ``chunks`` and nothing else: NaN means for each sample."""
    import numpy as np

    for _ in chunks:
        pass
    return [np.full(resamples, math.nan) for _ in xs]


def _sums_exact(xs: list[np.ndarray]) -> bool:
    """Is every sum of ``n`` values drawn from the sorted samples ``xs`` exact in float64,
    whatever order it is added in? True for whole numbers whose ``n``-fold magnitude stays below
    2**53: durations in whole seconds, which is what the warehouse stores."""
    import numpy as np

    n = xs[0].size
    for x in xs:
        if n * max(abs(float(x[0])), abs(float(x[-1]))) >= _EXACT_SUM:
            return False
        if not np.array_equal(x, np.trunc(x)):
            return False
    return True


def _resampled_means_by_product(
    xs: list[np.ndarray], resamples: int, chunks: Iterator[tuple[int, int, np.ndarray]]
) -> list[np.ndarray]:
    """:func:`_resampled_means` of several samples of one size through one matrix product.

    The gather's index matrices (``chunks``: first, last, indices), turned into
    counts of each index per resample; the resampled sums of every sample are then ``counts @
    values`` at once. The sums are exact (:func:`_sums_exact`), so each mean is the very float
    the gather gives: only the cost changes, from one gather per sample to one bincount per
    chunk and a matrix product.
    """
    import numpy as np

    n = xs[0].size
    table = np.stack(xs, axis=1)  # n x samples
    means = np.empty((resamples, len(xs)))
    # A block of rows at a time, small enough to stay in cache and for OpenBLAS to multiply
    # on this thread (see _SERIAL_PRODUCT), through buffers allocated once.
    block = max(1, min(_SERIAL_PRODUCT // (n * len(xs)), _BLOCK_ELEMENTS // n, resamples))
    offsets = np.arange(block)[:, None] * n  # each resample its own n bins
    flat = np.empty((block, n), dtype=np.int64)
    counts = np.empty((block, n))
    for first, last, idx in chunks:
        for top in range(0, last - first, block):
            part = idx[top : top + block]
            size = len(part) * n
            np.add(part, offsets[: len(part)], out=flat[: len(part)])
            counts.ravel()[:size] = np.bincount(flat.ravel()[:size], minlength=size)
            sums = counts[: len(part)] @ table
            np.divide(sums, n, out=means[first + top : first + top + len(part)])
    return list(means.T)


def _serial_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` (``b`` a matrix or a vector) in blocks of rows small enough for OpenBLAS to
    compute each on the calling thread (see :data:`_SERIAL_PRODUCT`). Callers only multiply
    whole numbers with exact sums (:func:`_sums_exact`): blocks cannot change a value."""
    import numpy as np

    limit = _SERIAL_PRODUCT if b.ndim == 2 else _SERIAL_VECTOR_PRODUCT
    block = max(1, limit // (a.shape[1] * (b.shape[1] if b.ndim == 2 else 1)))
    if block >= a.shape[0]:
        return a.astype(np.float64) @ b
    out = np.empty((a.shape[0], *b.shape[1:]))
    for top in range(0, a.shape[0], block):  # whole numbers (counts) as floats, a block at a time
        np.matmul(a[top : top + block].astype(np.float64), b, out=out[top : top + block])
    return out


def detectable_change(
    durations: Iterable[float] | np.ndarray,
    effect: float = 0.10,
    *,
    n: int | None = None,
    alpha: float = 0.10,
    trials: int = 1000,
    seed: int = 0,
) -> float:
    """How often a real improvement of ``effect`` would show, with ``n`` incidents per period.

    Davidovič's simulation (*Incident Metrics in SRE*, Google 2021): draw two periods of ``n``
    incidents each from the empirical ``durations``, shorten every duration of the second by
    ``effect`` (0.10 = 10% faster), and test whether the second period's mean is lower (one-sided
    Welch z-test at level ``alpha``). Repeat ``trials`` times.

    Args:
        durations: Observed durations (NaN left out).
        effect: Relative improvement applied to the second sample, 0 < effect < 1.
        n: Incidents per period; default the number of durations given.
        alpha: False-alarm level of the test (0.10 matches the 90% intervals).
        trials: Simulated period pairs.
        seed: Seed of the generator: the same values (in any order) and seed give the same
            answer.

    Returns:
        The fraction of trials in which the improvement is detected (the test's power), or NaN
        when fewer than two durations are given. A low value (say < 0.8) means a change of that
        size is usually invisible at this volume, whatever the dashboard seems to show.
    """
    from statistics import NormalDist

    import numpy as np

    if not 0 < effect < 1:
        raise ValueError(f"effect must be between 0 and 1, got {effect}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    # sorted, so the answer depends on the values and the seed, not on the order rows came in
    x = np.sort(_clean(durations))
    size = int(n) if n is not None else int(x.size)
    if x.size < 2 or size < 2:
        return math.nan
    z_crit = NormalDist().inv_cdf(1 - alpha)
    rng = np.random.default_rng(seed)
    detected = 0
    rows = max(1, _CHUNK_ELEMENTS // size)
    for first in range(0, trials, rows):
        count = min(trials, first + rows) - first
        before = x[rng.integers(0, x.size, size=(count, size))]
        after = x[rng.integers(0, x.size, size=(count, size))] * (1 - effect)
        diff = before.mean(axis=1) - after.mean(axis=1)
        se = np.sqrt(before.var(axis=1, ddof=1) / size + after.var(axis=1, ddof=1) / size)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, diff / se, np.where(diff > 0, np.inf, 0.0))
        detected += int(np.count_nonzero(z > z_crit))
    return detected / trials
