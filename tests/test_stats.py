"""analytics.stats: the seeded bootstrap and the detectable-change simulation."""

from __future__ import annotations

import math
import time
from dataclasses import astuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import stats
from analytics.stats import bootstrap, bootstrap_many, detectable_change


def test_bootstrap_point_estimates_and_determinism():
    x = [300.0, 600.0, 1200.0, 60.0, 7200.0]
    a = bootstrap(x, seed=3)
    assert a == bootstrap(x, seed=3)
    assert a != bootstrap(x, seed=4)
    assert a.n == 5
    assert a.mean == pytest.approx(1872.0)
    assert a.median == 600.0
    assert a.mean_lo <= a.mean <= a.mean_hi
    assert a.median_lo <= a.median <= a.median_hi
    # resampled medians of 5 values lie between the smallest and the largest
    assert min(x) <= a.median_lo and a.median_hi <= max(x)


def test_bootstrap_handles_empty_single_and_missing():
    empty = bootstrap([])
    assert empty.n == 0 and math.isnan(empty.mean) and math.isnan(empty.median_hi)
    one = bootstrap([5.0, float("nan")])
    assert (one.n, one.mean, one.mean_lo, one.median_hi) == (1, 5.0, 5.0, 5.0)
    with pytest.raises(ValueError):
        bootstrap([1.0, 2.0], resamples=0)


@pytest.mark.parametrize("n", [40, 41])
def test_median_intervals_match_a_brute_force_bootstrap(n):
    # the order-statistic draw must give the same distribution as resampling whole arrays
    x = np.random.default_rng(5).lognormal(6, 1.3, n)
    fast = bootstrap(x, resamples=40_000, seed=1)
    idx = np.random.default_rng(2).integers(0, n, size=(40_000, n))
    brute_medians = np.median(x[idx], axis=1)
    brute_means = x[idx].mean(axis=1)
    lo, hi = np.quantile(brute_medians, [0.05, 0.95])
    spread = hi - lo
    assert fast.median_lo == pytest.approx(lo, abs=0.1 * spread)
    assert fast.median_hi == pytest.approx(hi, abs=0.1 * spread)
    mlo, mhi = np.quantile(brute_means, [0.05, 0.95])
    assert fast.mean_lo == pytest.approx(mlo, rel=0.03)
    assert fast.mean_hi == pytest.approx(mhi, rel=0.03)


def test_mean_intervals_of_repeated_values_match_a_brute_force_bootstrap():
    # whole minutes repeat, so the mean is drawn as multinomial counts of the distinct values;
    # that must be the same distribution as resampling whole arrays
    rng = np.random.default_rng(7)
    x = 60.0 * np.round(rng.lognormal(2.5, 1.0, 3000))
    assert np.unique(x).size * 16 < x.size  # the counts path is the one taken
    fast = bootstrap(x, resamples=20_000, seed=1)
    brute = x[rng.integers(0, x.size, size=(20_000, x.size))].mean(axis=1)
    lo, hi = np.quantile(brute, [0.05, 0.95])
    spread = hi - lo
    assert fast.mean_lo == pytest.approx(lo, abs=0.05 * spread)
    assert fast.mean_hi == pytest.approx(hi, abs=0.05 * spread)
    assert fast == bootstrap(x, resamples=20_000, seed=1)


def test_bootstrap_many_shares_draws_but_equals_one_call_per_sample(monkeypatch):
    rng = np.random.default_rng(11)
    same_size = [rng.lognormal(7, 1.2, 133) for _ in range(3)]  # one index matrix for these
    # whole seconds, four of one size: their sums come from one matrix product of the resample
    # counts (a single sample is gathered), and must still be the very same floats
    whole_seconds = [np.round(rng.lognormal(7, 1.2, 150)) for _ in range(4)]
    products = []
    by_product = stats._resampled_means_by_product
    monkeypatch.setattr(
        stats,
        "_resampled_means_by_product",
        lambda xs, *args: products.append(len(xs)) or by_product(xs, *args),
    )
    samples = [
        *same_size,
        *whole_seconds,
        rng.lognormal(7, 1.2, 132),  # another size: its own draws
        60.0 * np.round(rng.lognormal(2.5, 1.0, 3000)),  # repeated values: multinomial counts
        np.append(rng.lognormal(7, 1.2, 40), np.nan),  # the NaN is left out
        [7.0, 7.0],
        [],
    ]
    for seed in (0, 5):
        singles = np.array([astuple(bootstrap(x, seed=seed)) for x in samples])
        for workers in (1, 3):  # threads take whole sizes; the answers cannot change
            many = bootstrap_many(samples, seed=seed, workers=workers)
            # exactly equal (NaN where there is no sample), not approximately
            np.testing.assert_array_equal(np.array([astuple(r) for r in many]), singles)
        assert many[0] != many[1]  # shared draws, different values: different intervals
    assert products and set(products) == {4}  # the whole seconds, and only them


def test_without_the_means_the_median_intervals_are_the_same_floats():
    # bootstrap_many(means=False) (the weekly trend) still draws the mean's resamples, in the
    # same calls, only does not gather them: every median interval is the one bootstrap()
    # gives, through each path of the mean's draws, and the mean's intervals are NaN
    rng = np.random.default_rng(12)
    samples = [
        rng.lognormal(7, 1.2, 133),  # gathered
        *[np.round(rng.lognormal(7, 1.2, 150)) for _ in range(3)],  # one matrix product
        60.0 * np.round(rng.lognormal(2.5, 1.0, 3000)),  # multinomial counts
        rng.lognormal(7, 1.2, 5000),  # 64-bit indices
        rng.lognormal(7, 1.2, 1200),  # a chunk of fewer rows than the resamples
        [7.0, 7.0],
        [3.0],
        [],
    ]
    for workers in (1, 2):
        results = bootstrap_many(samples, seed=3, workers=workers, means=False)
        for x, result in zip(samples, results, strict=True):
            single = bootstrap(x, seed=3)
            np.testing.assert_array_equal(  # NaN for the empty sample in both
                [result.n, result.mean, result.median, result.median_lo, result.median_hi],
                [single.n, single.mean, single.median, single.median_lo, single.median_hi],
            )
            if single.n > 1 and single.mean_lo != single.mean_hi:
                assert math.isnan(result.mean_lo) and math.isnan(result.mean_hi)


def test_interval_values_are_pinned():
    # The values main gave before the bootstrap got cheaper (the gather, the product of the
    # counts, the multinomial counts): a change that alters any of them alters the intervals
    # every user sees, and must be a deliberate, documented one (docs/metrics.md).
    rng = np.random.default_rng(2026)
    samples = [
        rng.lognormal(7, 1.2, 133),  # gathered
        *[np.round(rng.lognormal(7, 1.2, 150)) for _ in range(4)],  # whole seconds, one size
        60.0 * np.round(rng.lognormal(2.5, 1.0, 3000)),  # multinomial counts
    ]
    # mean, median, mean_lo, mean_hi, median_lo, median_hi
    pinned = [
        (2627.9578942867015, 1061.445939200826, 1934.492633158631, 3415.5889622418663,
         866.8134132256592, 1414.805710204412),
        (2723.36, 1236.0, 2138.8153333333335, 3351.949333333333, 1122.0, 1454.5749999999998),
        (2611.286666666667, 1180.0, 1996.0143333333333, 3313.5146666666665, 925.5,
         1488.0999999999995),
        (2618.34, 1167.5, 1918.365, 3466.1326666666664, 955.5, 1344.0),
        (2031.6533333333334, 1105.5, 1674.436, 2413.1556666666665, 915.5, 1330.0),
        (1141.44, 720.0, 1099.912, 1181.812, 688.4999999999992, 780.0),
    ]  # fmt: skip
    for workers in (1, 2):
        results = bootstrap_many(samples, seed=7, workers=workers)
        assert [astuple(r)[1:] for r in results] == pinned


def test_serial_product_is_the_product():
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 5, size=(300, 150)).astype(np.float64)
    table = np.round(rng.lognormal(7, 1.2, (150, 4)))
    np.testing.assert_array_equal(stats._serial_product(counts, table), counts @ table)
    np.testing.assert_array_equal(stats._serial_product(counts, table[:, 0]), counts @ table[:, 0])


def test_sums_are_exact_only_for_whole_numbers_below_2_to_the_53():
    assert stats._sums_exact([np.array([0.0, 60.0, 259_200.0])])
    assert not stats._sums_exact([np.array([0.0, 60.5])])
    assert not stats._sums_exact([np.array([1.0, 2.0**52])])  # 2 x 2**52 is not below 2**53


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1e7, allow_nan=False), min_size=1, max_size=60),
    st.integers(0, 2**32 - 1),
)
def test_intervals_contain_their_point_estimates(values, seed):
    r = bootstrap(values, resamples=200, seed=seed)
    assert r.mean_lo <= r.mean <= r.mean_hi
    assert r.median_lo <= r.median <= r.median_hi
    assert min(values) <= r.mean_lo and r.mean_hi <= max(values)


def test_detectable_change():
    x = np.random.default_rng(0).lognormal(7, 1.2, 500)
    few = detectable_change(x, 0.10, n=10)
    many = detectable_change(x, 0.50, n=2000, trials=200)
    assert 0 <= few < 0.5
    assert many > 0.95
    assert detectable_change(x, 0.10, n=10) == few
    assert detectable_change(x[::-1], 0.10, n=10) == few  # the order rows come in is irrelevant
    assert math.isnan(detectable_change([1.0], 0.1))
    with pytest.raises(ValueError):
        detectable_change(x, 1.5)


@pytest.mark.slow
def test_bootstrap_speed_targets():
    rng = np.random.default_rng(1)
    for n, limit in ((10_000, 0.5), (100_000, 5.0)):
        x = rng.lognormal(7, 1.2, n)
        t0 = time.perf_counter()
        bootstrap(x)
        assert time.perf_counter() - t0 <= limit
