"""Time the full event study on synthetic data: 500 tickers × 504 trading days (2 years).

"Full study" = fit the market model for every ticker, abnormal returns and their
standardization on every day, all tests for four event windows (cross-sectional t, Patell,
BMP, the Kolari–Pynnönen adjustments, Corrado rank, generalized sign), the equal-weighted
basket test and a placebo over every eligible pseudo-event date (220–240 here) for every
window. Prints the median wall time of a few repeats and the time per ticker, for 100, 250
and 500 tickers (to show the scaling).

Run:  .venv/bin/python benchmarks/eventstudy_benchmark.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd

from deepseek_shock import eventstudy as es

DAYS = 504
EVENT_ROW = 400
WINDOWS = ((0, 0), (-1, 1), (0, 5), (0, 20))
REPEATS = 5


def synthetic(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Market-model returns with a common factor and 3% missing values."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2023-01-02", periods=DAYS)
    mkt = rng.normal(0.0004, 0.01, DAYS)
    beta = rng.uniform(0.5, 1.8, n)
    sigma = rng.uniform(0.01, 0.03, n)
    common = rng.normal(0, 1, (DAYS, 1))
    eps = (0.3 * common + np.sqrt(1 - 0.09) * rng.normal(0, 1, (DAYS, n))) * sigma
    values = 0.0002 + mkt[:, None] * beta + eps
    values[rng.random((DAYS, n)) < 0.03] = np.nan
    frame = pd.DataFrame(values, index=index, columns=[f"T{i:03d}" for i in range(n)])
    return frame, pd.Series(mkt, index=index, name="MKT")


def full_study(returns: pd.DataFrame, mkt: pd.Series) -> None:
    study = es.run_event_study(
        returns, mkt, returns.index[EVENT_ROW], estimation_window=(-250, -11), event_windows=WINDOWS
    )
    es.event_tests(study)
    es.basket_test(study, returns)
    es.placebo_table(study)  # every eligible pseudo-event day
    _ = study.standardized_abnormal_returns


def main() -> None:
    print(f"Full event study, {DAYS} trading days, {len(WINDOWS)} event windows, all placebo dates")
    print(f"{'tickers':>8} {'median s':>10} {'ms/ticker':>10}")
    for n in (100, 250, 500):
        returns, mkt = synthetic(n)
        full_study(returns, mkt)  # warm-up (imports, caches)
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            full_study(returns, mkt)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        print(f"{n:>8} {median:>10.3f} {1000 * median / n:>10.3f}")


if __name__ == "__main__":
    main()
