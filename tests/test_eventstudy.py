"""Tests for deepseek_shock.eventstudy: known answers, hand-worked examples, theory, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from deepseek_shock import eventstudy as es
from deepseek_shock import market
from deepseek_shock.errors import ParameterError

EVENT_ROW = 260


def panel(
    n: int = 8,
    days: int = 290,
    seed: int = 0,
    rho: float = 0.0,
    shock: float = 0.0,
    gaps: bool = False,
    sector: bool = False,
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Simulated market-model returns; optional common shock ``rho`` and an event ``shock``
    (in residual standard deviations) on row ``EVENT_ROW``; ``gaps`` blanks some values."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2021-01-04", periods=days)
    mkt = rng.normal(0.0004, 0.01, days)
    sec = 0.8 * mkt + rng.normal(0, 0.008, days)
    beta = rng.uniform(0.5, 1.5, n)
    gamma = rng.uniform(-0.3, 0.8, n) if sector else np.zeros(n)
    sigma = rng.uniform(0.01, 0.03, n)
    common = rng.normal(0, 1, (days, 1))
    eps = (math.sqrt(rho) * common + math.sqrt(1 - rho) * rng.normal(0, 1, (days, n))) * sigma
    values = 0.0003 + mkt[:, None] * beta + sec[:, None] * gamma + eps
    values[EVENT_ROW] += shock * sigma
    if gaps:
        holes = rng.random((days, n)) < 0.05
        holes[EVENT_ROW - 2 : EVENT_ROW + 25] = False
        values[holes] = np.nan
    frame = pd.DataFrame(values, index=index, columns=[f"F{i}" for i in range(n)])
    return frame, pd.Series(mkt, index=index, name="MKT"), pd.Series(sec, index=index, name="SEC")


def study_of(returns, mkt, **kw) -> es.EventStudy:
    kw.setdefault("estimation_window", (-250, -11))
    kw.setdefault("event_windows", [(0, 0), (-1, 1), (0, 5), (0, 20)])
    return es.run_event_study(returns, mkt, returns.index[EVENT_ROW], **kw)


# --------------------------------------------------------------------------- model fits


def estimation_slice(study: es.EventStudy) -> slice:
    first, last = study.rows_for(study.estimation_window)
    return slice(first, last + 1)


def test_market_model_alpha_beta_sigma_match_statsmodels_ols():
    returns, mkt, _ = panel(gaps=True)
    study = study_of(returns, mkt)
    rows = estimation_slice(study)
    for ticker in returns.columns:
        y = returns[ticker].iloc[rows]
        x = sm.add_constant(mkt.iloc[rows])
        ok = y.notna()
        ols = sm.OLS(y[ok], x[ok]).fit()
        assert study.coefficients.loc[ticker, "alpha"] == pytest.approx(
            ols.params["const"], rel=1e-10
        )
        assert study.coefficients.loc[ticker, "beta_market"] == pytest.approx(
            ols.params["MKT"], rel=1e-10
        )
        assert study.sigma[ticker] == pytest.approx(math.sqrt(ols.mse_resid), rel=1e-10)
        assert study.n_obs[ticker] == ok.sum()


def test_two_factor_model_matches_statsmodels_ols():
    returns, mkt, sec = panel(sector=True, gaps=True, seed=3)
    study = study_of(returns, mkt, model="two_factor", sector_returns=sec)
    rows = estimation_slice(study)
    x = sm.add_constant(pd.concat([mkt, sec], axis=1).iloc[rows])
    for ticker in returns.columns:
        y = returns[ticker].iloc[rows]
        ok = y.notna()
        ols = sm.OLS(y[ok], x[ok]).fit()
        got = study.coefficients.loc[ticker, ["alpha", "beta_market", "beta_sector"]].to_numpy()
        np.testing.assert_allclose(got, ols.params.to_numpy(), rtol=1e-9)
        assert study.sigma[ticker] == pytest.approx(math.sqrt(ols.mse_resid), rel=1e-10)


def test_constant_mean_and_market_adjusted_models():
    returns, mkt, _ = panel(seed=5)
    rows = slice(EVENT_ROW - 250, EVENT_ROW - 10)
    mean_study = study_of(returns, mkt, model="constant_mean")
    est = returns.iloc[rows]
    np.testing.assert_allclose(mean_study.coefficients["mean"], est.mean(), rtol=1e-12)
    np.testing.assert_allclose(mean_study.sigma, est.std(ddof=1), rtol=1e-12)
    adjusted = study_of(returns, mkt, model="market_adjusted")
    expected = returns.sub(mkt, axis=0)
    np.testing.assert_allclose(adjusted.abnormal_returns, expected, rtol=1e-12)
    np.testing.assert_allclose(adjusted.sigma, expected.iloc[rows].std(ddof=1), rtol=1e-12)


def test_prediction_error_correction_matches_statsmodels_se_obs():
    """Out of sample: s·sqrt(1 + x'(X'X)⁻¹x) = statsmodels' prediction standard error.
    In sample: s·sqrt(1 - h_tt) with h the hat-matrix diagonal."""
    returns, mkt, _ = panel(n=3, seed=7)
    study = study_of(returns, mkt)
    rows = estimation_slice(study)
    sar = study.standardized_abnormal_returns
    ar = study.abnormal_returns
    for ticker in returns.columns:
        x = sm.add_constant(mkt.iloc[rows])
        ols = sm.OLS(returns[ticker].iloc[rows], x).fit()
        day = returns.index[EVENT_ROW + 3]
        exog = np.array([[1.0, mkt.loc[day]]])
        se_obs = ols.get_prediction(exog).se_obs[0]
        assert ar.loc[day, ticker] / sar.loc[day, ticker] == pytest.approx(se_obs, rel=1e-9)
        hat = ols.get_influence().hat_matrix_diag
        inside = returns.index[rows][17]
        expected = math.sqrt(ols.mse_resid * (1 - hat[17]))
        assert ar.loc[inside, ticker] / sar.loc[inside, ticker] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("window", [(0, 5), (-30, -20), (-15, 3)])
def test_car_variance_factor_equals_explicit_matrix_formula(window):
    """Var(CAR) = s² ι'M M'ι with AR = M ε written out day by day: inside, outside and a
    window straddling the end of the estimation sample."""
    returns, mkt, _ = panel(n=2, seed=11)
    study = study_of(returns, mkt, estimation_window=(-250, -11), event_windows=[(0, 5)])
    est_rows = np.arange(EVENT_ROW - 250, EVENT_ROW - 10)
    x_est = np.column_stack([np.ones(len(est_rows)), mkt.to_numpy()[est_rows]])
    a = np.linalg.inv(x_est.T @ x_est)
    win_rows = np.arange(EVENT_ROW + window[0], EVENT_ROW + window[1] + 1)
    all_rows = np.union1d(est_rows, win_rows)
    m = np.zeros((len(win_rows), len(all_rows)))
    position = {r: i for i, r in enumerate(all_rows)}
    est_cols = [position[r] for r in est_rows]
    for i, r in enumerate(win_rows):  # AR_t = ε_t - x_t' A X' ε_est
        x_t = np.array([1.0, mkt.to_numpy()[r]])
        m[i, position[r]] += 1.0
        m[i, est_cols] -= x_t @ a @ x_est.T
    expected = np.ones(len(win_rows)) @ m @ m.T @ np.ones(len(win_rows))
    first, last = study.rows_for(window)
    factor = study._variance_factor(np.array([first]), np.array([last]))[0]
    np.testing.assert_allclose(factor, expected, rtol=1e-10)


def test_standardized_car_uses_its_variance_factor():
    returns, mkt, _ = panel(n=4, seed=2)
    study = study_of(returns, mkt)
    first, last = study.rows_for((0, 5))
    factor = study._variance_factor(np.array([first]), np.array([last]))[0]
    np.testing.assert_allclose(
        study.scar((0, 5)), study.car((0, 5)) / (study.sigma * np.sqrt(factor)), rtol=1e-12
    )


# --------------------------------------------------------------------------- hand-worked statistics


def test_bmp_hand_worked_example():
    # SCAR = 1, 2, 3: mean 2, sample sd 1, t = 2 / (1/√3) = 2√3.
    result = es.bmp_t(np.array([[1.0, 2.0, 3.0]]))
    assert result.statistic[0] == pytest.approx(2 * math.sqrt(3))
    assert result.p_value[0] == pytest.approx(2 * stats.t.sf(2 * math.sqrt(3), 2))
    assert result.n[0] == 3


def test_cross_sectional_t_matches_scipy_and_ignores_missing():
    car = np.array([[0.01, -0.03, 0.02, np.nan, -0.05], [0.02, 0.01, 0.04, 0.0, 0.03]])
    result = es.cross_sectional_t(car)
    for row, (t, p) in enumerate(zip(result.statistic, result.p_value, strict=True)):
        reference = stats.ttest_1samp(car[row][np.isfinite(car[row])], 0.0)
        assert t == pytest.approx(reference.statistic)
        assert p == pytest.approx(reference.pvalue)
    assert list(result.n) == [4, 5]


def test_patell_hand_worked_example():
    scar = np.array([[1.0, 2.0, 3.0]])
    dof = np.array([10.0, 20.0, 30.0])
    expected = 6.0 / math.sqrt(10 / 8 + 20 / 18 + 30 / 28)
    result = es.patell_z(scar, dof)
    assert result.statistic[0] == pytest.approx(expected)
    assert result.p_value[0] == pytest.approx(2 * stats.norm.sf(expected))


def test_kolari_pynnonen_factors_hand_worked():
    # r̄ = 0.5, n = 3: sqrt(0.5 / 2) = 0.5 for BMP; Patell divides by sqrt(1 + 2·0.5) = √2.
    assert es.kolari_pynnonen_factor(0.5, np.array([3]))[0] == pytest.approx(0.5)
    scar = np.array([[1.0, 2.0, 3.0]])
    assert es.kp_adjusted_bmp(scar, 0.5).statistic[0] == pytest.approx(math.sqrt(3))
    dof = np.array([10.0, 20.0, 30.0])
    patell = es.patell_z(scar, dof).statistic[0]
    assert es.kp_adjusted_patell(scar, dof, 0.5).statistic[0] == pytest.approx(
        patell / math.sqrt(2)
    )
    assert np.isnan(es.kolari_pynnonen_factor(-0.9, np.array([3]))[0])  # 1 + 2(-0.9) < 0


def test_mean_pairwise_correlation_matches_pairwise_loop():
    rng = np.random.default_rng(4)
    resid = rng.normal(size=(60, 4)) + rng.normal(size=(60, 1))
    resid[rng.random((60, 4)) < 0.1] = np.nan
    pairs = []
    for i in range(4):
        for j in range(i + 1, 4):
            ok = np.isfinite(resid[:, i]) & np.isfinite(resid[:, j])
            pairs.append(np.corrcoef(resid[ok, i], resid[ok, j])[0, 1])
    assert es.mean_pairwise_correlation(resid) == pytest.approx(np.mean(pairs))


def test_corrado_rank_hand_worked_with_plain_loops():
    """3 firms × 6 days, one missing value; ranking period = all six days."""
    ar = np.array(
        [
            [0.010, -0.020, 0.004],
            [-0.005, 0.011, 0.020],
            [0.002, np.nan, -0.013],
            [0.007, 0.003, 0.001],
            [-0.012, -0.001, 0.006],
            [-0.030, -0.025, -0.018],
        ]
    )
    ranking = np.ones(6, dtype=bool)
    u = np.full_like(ar, np.nan)
    for j in range(3):
        ok = np.isfinite(ar[:, j])
        u[ok, j] = stats.rankdata(ar[ok, j]) / (ok.sum() + 1)
    k = [np.mean([u[t, j] - 0.5 for j in range(3) if np.isfinite(u[t, j])]) for t in range(6)]
    s_k = math.sqrt(sum(v * v for v in k) / 6)
    one_day = es.corrado_rank(ar, ranking, np.array([5]), np.array([5]))
    assert one_day.statistic[0] == pytest.approx(k[5] / s_k)
    two_day = es.corrado_rank(ar, ranking, np.array([4]), np.array([5]))
    assert two_day.statistic[0] == pytest.approx((k[4] + k[5]) / (math.sqrt(2) * s_k))
    assert one_day.n[0] == 3
    assert es.corrado_rank(ar, ranking, np.array([2]), np.array([3])).n[0] == 2


def test_generalized_sign_hand_worked():
    # p̂ = mean(0.5, 0.4, 0.6) = 0.5, w = 2 positive of 3: Z = (2 - 1.5) / sqrt(3·0.25).
    result = es.generalized_sign(np.array([[0.01, -0.02, 0.03]]), np.array([0.5, 0.4, 0.6]))
    assert result.statistic[0] == pytest.approx(0.5 / math.sqrt(0.75))


def test_event_tests_wire_the_statistics_to_the_study():
    returns, mkt, _ = panel(n=12, seed=9, rho=0.1, shock=-2.0)
    study = study_of(returns, mkt)
    table = es.event_tests(study).set_index(["window", "test"])
    scar = study.scar((0, 5)).to_numpy()
    bmp = stats.ttest_1samp(scar, 0.0).statistic
    assert table.loc[("[0,+5]", "BMP t"), "statistic"] == pytest.approx(bmp)
    factor = math.sqrt((1 - study.residual_correlation) / (1 + 11 * study.residual_correlation))
    assert table.loc[("[0,+5]", "BMP t"), "statistic_adjusted"] == pytest.approx(bmp * factor)
    assert table.loc[("[0,0]", "BMP t"), "caar"] == pytest.approx(study.car((0, 0)).mean())
    assert list(table.index.get_level_values("window").unique()) == [
        "[0,0]",
        "[-1,+1]",
        "[0,+5]",
        "[0,+20]",
    ]
    for name in ("Generalized sign", "Corrado rank"):  # no KP version: never the unadjusted value
        row = table.loc[("[0,0]", name)]
        assert np.isnan(row["statistic_adjusted"]) and np.isnan(row["p_value_adjusted"])
        assert np.isfinite(row["statistic"])
    assert "no KP adjustment" in table.loc[("[0,0]", "Corrado rank"), "adjustment"]


# --------------------------------------------------------------------------- basket and placebo


def test_basket_test_is_the_equal_weighted_mean_as_one_security():
    returns, mkt, _ = panel(n=5, seed=12, gaps=True)
    study = study_of(returns, mkt)
    basket = es.basket_test(study, returns)
    mean = returns.mean(axis=1).rename("EW")
    single = study_of(mean.to_frame(), mkt)
    row = basket.set_index("window").loc["[0,+5]"]
    assert row["car"] == pytest.approx(single.car((0, 5)).iloc[0])
    assert row["statistic"] == pytest.approx(single.scar((0, 5)).iloc[0])
    assert row["dof"] == single.n_obs.iloc[0] - 2


def test_basket_of_a_two_factor_study_uses_the_same_factors():
    returns, mkt, sec = panel(n=4, seed=15, sector=True)
    study = study_of(returns, mkt, model="two_factor", sector_returns=sec)
    basket = es.basket_study(study, returns)
    assert list(basket.coefficients.columns) == ["alpha", "beta_market", "beta_sector"]
    direct = study_of(
        returns.mean(axis=1).to_frame("b"), mkt, model="two_factor", sector_returns=sec
    )
    np.testing.assert_allclose(basket.coefficients.to_numpy(), direct.coefficients.to_numpy())


def test_value_weighted_basket_uses_fixed_renormalised_weights():
    returns = pd.DataFrame(
        {"A": [0.01, np.nan, 0.03], "B": [0.02, 0.04, -0.01], "C": [1.0, 1.0, 1.0]}
    )
    out = es.basket_returns(returns, {"A": 3.0, "B": 1.0})  # C has no weight: left out
    np.testing.assert_allclose(out, [(3 * 0.01 + 0.02) / 4, 0.04, (3 * 0.03 - 0.01) / 4])
    with pytest.raises(ParameterError, match="positive weight"):
        es.basket_returns(returns, {"Z": 1.0})


def test_placebo_draws_stay_inside_estimation_window_and_p_value_formula():
    returns, mkt, _ = panel(n=6, seed=13)
    study = study_of(returns, mkt)
    result = es.placebo_test(study, (0, 5), n_draws=50, seed=1)
    first, last = study.rows_for(study.estimation_window)
    rows = study.calendar.get_indexer(result.draws.index)
    assert rows.min() >= first and rows.max() + 5 <= last
    assert result.n_draws == 50 and result.draws.index.is_unique
    observed = es.event_tests(study, [(0, 5)]).set_index("test")["statistic"]
    assert result.observed["BMP t"] == pytest.approx(observed["BMP t"])
    extreme = (result.draws["BMP t"].abs() >= abs(result.observed["BMP t"])).sum()
    assert result.p_two_sided["BMP t"] == pytest.approx((1 + extreme) / 51)
    again = es.placebo_test(study, (0, 5), n_draws=50, seed=1)
    pd.testing.assert_frame_equal(result.draws, again.draws)
    assert result.eligible == 240 - 5


def test_placebo_default_uses_every_eligible_day_and_never_cuts_silently():
    returns, mkt, _ = panel(n=6, seed=13)
    study = study_of(returns, mkt)
    first, last = study.rows_for(study.estimation_window)  # 240 estimation days
    for window, eligible in [((0, 0), 240), ((-1, 1), 238), ((0, 5), 235), ((0, 20), 220)]:
        result = es.placebo_test(study, window)
        assert result.n_draws == result.eligible == eligible
        expected_days = study.calendar[first - window[0] : last - window[1] + 1]
        assert list(result.draws.index) == list(expected_days)
    every = es.placebo_test(study, (0, 0))
    asked_all = es.placebo_test(study, (0, 0), n_draws=240, seed=99)
    pd.testing.assert_frame_equal(every.draws, asked_all.draws)
    with pytest.raises(ParameterError, match=r"n_draws=1000 exceeds the 240 .*n_draws=None"):
        es.placebo_test(study, (0, 0), n_draws=1000)
    with pytest.raises(ParameterError, match=r"exceeds the 220 .*\[0,\+20\]"):
        es.placebo_table(study, n_draws=230)
    with pytest.raises(ParameterError, match="at least 1"):
        es.placebo_test(study, (0, 0), n_draws=0)
    table = es.placebo_table(study)
    assert table.groupby("window", sort=False)["placebo_draws"].first().tolist() == [
        240,
        238,
        235,
        220,
    ]


def test_placebo_flags_a_large_event_as_extreme():
    returns, mkt, _ = panel(n=10, seed=14, rho=0.3, shock=-6.0)
    result = es.placebo_test(study_of(returns, mkt), (0, 0))
    assert result.p_two_sided["CAAR"] == pytest.approx(1 / 241) == pytest.approx(result.p_floor)


# --------------------------------------------------------------------------- theory on simulated data


def rejection_rates(rho: float, shock: float = 0.0, reps: int = 250, n: int = 30) -> pd.DataFrame:
    counts = None
    for rep in range(reps):
        returns, mkt, _ = panel(n=n, days=280, seed=1000 + rep, rho=rho, shock=shock)
        study = study_of(returns, mkt, event_windows=[(0, 0), (0, 5)])
        tests = es.event_tests(study).set_index(["window", "test"])
        basket = es.basket_test(study, returns).set_index("window")
        rejected = pd.DataFrame(
            {
                "unadjusted": (tests["p_value"] < 0.05).astype(float),
                "adjusted": (tests["p_value_adjusted"] < 0.05).astype(float),
            }
        )
        for window in basket.index:
            rejected.loc[(window, "Basket"), :] = [
                float(basket.loc[window, "p_value"] < 0.05),
                np.nan,
            ]
        counts = rejected if counts is None else counts + rejected
    return counts / reps


@pytest.fixture(scope="module")
def size_independent() -> pd.DataFrame:
    return rejection_rates(rho=0.0)


@pytest.fixture(scope="module")
def size_correlated() -> pd.DataFrame:
    return rejection_rates(rho=0.2)


# 250 replications: binomial sd of a 5% rate is 1.4 pp; the band is about ±3.5 sd.
LOW, HIGH = 0.01, 0.10


def test_size_near_nominal_without_event_and_without_correlation(size_independent):
    assert size_independent["unadjusted"].between(LOW, HIGH).all(), size_independent


def test_cross_correlation_inflates_unadjusted_tests(size_correlated):
    for test in ("Cross-sectional t", "Patell Z", "BMP t", "Generalized sign"):
        assert (size_correlated.xs(test, level="test")["unadjusted"] > 0.25).all(), test


def test_kp_adjustment_corrado_and_basket_restore_size_under_correlation(size_correlated):
    for test in ("Cross-sectional t", "Patell Z", "BMP t"):
        assert size_correlated.xs(test, level="test")["adjusted"].between(LOW, HIGH).all(), test
    for test in ("Corrado rank", "Basket"):
        assert size_correlated.xs(test, level="test")["unadjusted"].between(LOW, HIGH).all(), test


def test_tests_detect_a_real_event():
    rates = rejection_rates(rho=0.0, shock=-1.0, reps=40)
    day0 = rates.xs("[0,0]", level="window")["unadjusted"]
    assert (day0[["Cross-sectional t", "Patell Z", "BMP t", "Corrado rank", "Basket"]] > 0.8).all()


# --------------------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None)
@given(a=st.integers(-5, 10), length1=st.integers(1, 8), length2=st.integers(1, 8))
def test_car_is_additive_over_adjacent_windows(a, length1, length2):
    returns, mkt, _ = panel(n=3, seed=21)
    study = study_of(returns, mkt, event_windows=[(-5, 26)])
    b, c = a + length1 - 1, a + length1 + length2 - 1
    np.testing.assert_allclose(
        study.car((a, b)) + study.car((b + 1, c)), study.car((a, c)), atol=1e-14
    )


@settings(max_examples=15, deadline=None)
@given(shift=st.floats(-0.01, 0.01), scale=st.floats(0.2, 5.0))
def test_statistics_invariant_to_return_shift_and_scale(shift, scale):
    returns, mkt, _ = panel(n=6, seed=22, shock=-1.5)
    base = es.event_tests(study_of(returns, mkt))
    moved = es.event_tests(study_of((returns + shift) * scale, mkt * scale))
    np.testing.assert_allclose(moved["statistic"], base["statistic"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(moved["caar"], base["caar"] * scale, rtol=1e-7, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(order=st.permutations(list(range(6))))
def test_group_statistics_do_not_depend_on_ticker_order(order):
    returns, mkt, _ = panel(n=6, seed=23, rho=0.2)
    base = es.event_tests(study_of(returns, mkt))
    shuffled = es.event_tests(study_of(returns.iloc[:, list(order)], mkt))
    np.testing.assert_allclose(shuffled["statistic"], base["statistic"], rtol=1e-9)
    np.testing.assert_allclose(
        shuffled["statistic_adjusted"], base["statistic_adjusted"], rtol=1e-9
    )


@given(rbar=st.floats(0.0, 0.99), n=st.integers(1, 500))
def test_kp_factor_shrinks_and_is_one_without_correlation(rbar, n):
    factor = es.kolari_pynnonen_factor(rbar, np.array([n]))[0]
    assert 0.0 < factor <= 1.0 + 1e-12
    assert es.kolari_pynnonen_factor(0.0, np.array([n]))[0] == pytest.approx(1.0)


# --------------------------------------------------------------------------- calendar and errors


def test_event_date_snaps_to_next_trading_day_and_says_so():
    returns, mkt, _ = panel(n=2)
    saturday = returns.index[EVENT_ROW] - pd.Timedelta(days=2)  # bdate_range: row is a Monday
    assert returns.index[EVENT_ROW].day_of_week == 0
    study = es.run_event_study(returns, mkt, saturday)
    assert study.event.snapped and study.event.date == returns.index[EVENT_ROW]
    assert "not a trading day" in study.event.note
    assert not study_of(returns, mkt).event.snapped


def test_overlapping_windows_are_rejected_with_the_fix():
    returns, mkt, _ = panel(n=2)
    with pytest.raises(
        ParameterError, match=r"must end before day -1.*estimation_window=\(-250, -11\)"
    ):
        study_of(returns, mkt, estimation_window=(-250, -1), event_windows=[(-1, 1)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "ff3"}, "not one of market, market_adjusted"),
        ({"model": "two_factor"}, "needs a sector return series"),
        ({"estimation_window": (-400, -11)}, "only 260 trading days before"),
        ({"event_windows": [(0, 40)]}, "only 29 trading days after"),
        ({"event_windows": [(3, 1)]}, "starts after it ends"),
        ({"min_estimation_obs": 5}, "at least 10"),
    ],
)
def test_bad_parameters_name_problem_and_fix(kwargs, message):
    returns, mkt, _ = panel(n=2)
    with pytest.raises(ParameterError, match=message):
        study_of(returns, mkt, **kwargs)


def test_short_histories_and_the_proxy_itself_are_excluded_with_reasons():
    returns, mkt, _ = panel(n=3)
    returns.iloc[: EVENT_ROW - 60, 0] = np.nan  # 50 estimation returns left
    returns["MKT"] = mkt
    study = study_of(returns, mkt)
    assert study.tickers == ("F1", "F2")
    assert "only 50 valid estimation-window returns (minimum 100)" in study.excluded["F0"]
    assert "proxy" in study.excluded["MKT"]
    lenient = study_of(returns, mkt, min_estimation_obs=50)
    assert lenient.n_obs["F0"] == 50
    with pytest.raises(ParameterError, match="No ticker has enough estimation data"):
        study_of(returns[["F0"]], mkt)


def test_window_outside_the_data_is_rejected_for_car():
    returns, mkt, _ = panel(n=2)
    with pytest.raises(ParameterError, match="runs outside the data"):
        study_of(returns, mkt).car((0, 60))


def test_window_labels():
    assert [es.window_label(w) for w in [(0, 0), (-1, 1), (0, 5), (-20, -11)]] == [
        "[0,0]",
        "[-1,+1]",
        "[0,+5]",
        "[-20,-11]",
    ]
    assert [es.day_label(d) for d in (-1, 0, 5)] == ["-1", "0", "+5"]


# --------------------------------------------------------------------------- the real event (bundled data)


@pytest.fixture(scope="module")
def snapshot_returns() -> pd.DataFrame:
    prices = market.load_prices(["NVDA", "AVGO", "SPY"])
    return market.simple_returns(market.to_wide(prices, "close"))


def test_calendar_regression_nvda_2025_01_27_is_about_minus_17_percent(snapshot_returns):
    calendar = pd.DatetimeIndex(snapshot_returns.index)
    assert pd.Timestamp("2025-01-20") not in calendar  # market holiday
    event = es.resolve_event_day("2025-01-27", calendar)
    assert calendar[event.position - 1] == pd.Timestamp("2025-01-24")  # after the weekend
    assert snapshot_returns.loc["2025-01-27", "NVDA"] == pytest.approx(-0.17, abs=0.005)
    weekend = es.resolve_event_day("2025-01-25", calendar)
    assert weekend.snapped and weekend.date == pd.Timestamp("2025-01-27")


def test_real_event_day_ar_is_return_minus_market_model_prediction(snapshot_returns):
    study = es.run_event_study(
        snapshot_returns[["NVDA", "AVGO"]], snapshot_returns["SPY"], "2025-01-27"
    )
    alpha, beta = study.coefficients.loc["NVDA"]
    expected = (
        snapshot_returns.loc["2025-01-27", "NVDA"]
        - alpha
        - beta * snapshot_returns.loc["2025-01-27", "SPY"]
    )
    assert study.car((0, 0))["NVDA"] == pytest.approx(expected)
    assert study.n_obs["NVDA"] == 240
