"""Event-study statistics for one shared event date: return models, abnormal returns, tests.

The study follows the standard design (MacKinlay 1997; Campbell, Lo & MacKinlay 1997,
ch. 4): fit a return model on an *estimation window* that ends before the *event window*,
take abnormal returns (AR) as actual minus predicted returns, cumulate them over event
windows (CAR), average across firms (CAAR) and test.

Conventions (decided once for the whole module)
-----------------------------------------------
* **Simple returns.** Daily close-to-close simple returns from
  :func:`deepseek_shock.market.simple_returns`; a CAR is the *sum* of daily simple ARs
  (the usual event-study convention), not a compounded return.
* **Event time is trading days of the data's own calendar.** Day 0 is the event date; if
  the requested date is not a trading day it is moved to the next trading day and
  :class:`EventDay` says so (``snapped=True`` and ``note``). Day ``-1`` is the previous row
  of the calendar, never "the previous weekday".
* **Windows are closed intervals** ``(a, b)`` of event days, written ``[a,+b]``. The
  estimation window must end before the earliest event window starts; overlap raises
  :class:`~deepseek_shock.errors.ParameterError`.
* **Minimum estimation sample.** A ticker needs at least ``min_estimation_obs`` valid
  estimation-window returns (default :data:`MIN_ESTIMATION_OBS` = 100); otherwise it is
  left out and :attr:`EventStudy.excluded` says why. The number used is reported per
  ticker in :attr:`EventStudy.n_obs`. Nothing is filled: a missing return is missing.
* **Vectorised over tickers.** Every model is fitted for all tickers at once with masked
  normal equations (``numpy.einsum`` over days × tickers); window sums use cumulative sums.
  There is no Python loop over days or tickers.

Why both unadjusted and adjusted tests
--------------------------------------
All firms here share one event date, so their abnormal returns are cross-correlated.
Tests that assume independence across firms (cross-sectional t, Patell, BMP) then
overstate significance (Kolari & Pynnönen 2010). The module reports each of these three
next to its Kolari–Pynnönen-adjusted version (the rank and sign tests have no KP version
here; their adjusted column stays empty), every statistic's empirical placebo p-value,
and a portfolio (basket) test that is valid under a shared event date by construction.
The group tests need a cross-section of distinct firms; index funds that hold each other
(QQQ and the Nasdaq-100, SPY and the S&P 500) are not one, and are best studied one series
at a time (:func:`deepseek_shock.selloff.series_table`).

Related modules: the articles' market claims (``verify_*`` functions for the scorecard)
and market values are in :mod:`deepseek_shock.marketclaims`; the notebook's tables,
robustness grid, confounder check and figures are assembled in :mod:`deepseek_shock.selloff`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from . import market
from .errors import ParameterError

ReturnModel = Literal["market", "market_adjusted", "constant_mean", "two_factor"]
MODELS: tuple[str, ...] = ("market", "market_adjusted", "constant_mean", "two_factor")
DEFAULT_ESTIMATION_WINDOW: tuple[int, int] = (-250, -11)
DEFAULT_EVENT_WINDOWS: tuple[tuple[int, int], ...] = ((0, 0), (-1, 1), (0, 5), (0, 20))
MIN_ESTIMATION_OBS = 100
Window = tuple[int, int]

TEST_NAMES: tuple[str, ...] = (
    "Cross-sectional t",
    "Patell Z",
    "BMP t",
    "Corrado rank",
    "Generalized sign",
)
ADJUSTMENT_NOTES: dict[str, str] = {
    "Cross-sectional t": "KP factor sqrt((1-r)/(1+(n-1)r)) (exact for equal variances)",
    "Patell Z": "KP (2010) adjusted Patell: Z / sqrt(1+(n-1)r)",
    "BMP t": "KP (2010) adjusted BMP: t * sqrt((1-r)/(1+(n-1)r))",
    "Corrado rank": (
        "rank test: no KP adjustment defined here (its S_K, the time-series SD of the daily "
        "mean rank, carries the shared-date cross-correlation); see the placebo p"
    ),
    "Generalized sign": "no standard adjustment; use the placebo p-value",
}


# --------------------------------------------------------------------------- event time


@dataclass(frozen=True)
class EventDay:
    """The event date resolved on the data's trading calendar.

    Attributes
    ----------
    requested : the date asked for.
    date : the trading day used as day 0 (``requested`` or the next trading day).
    position : row of ``date`` in the calendar.
    snapped : ``True`` when ``requested`` was not a trading day and day 0 was moved forward.
    """

    requested: pd.Timestamp
    date: pd.Timestamp
    position: int
    snapped: bool

    @property
    def note(self) -> str:
        """One sentence saying which trading day is day 0 and whether it was moved."""
        if self.snapped:
            return (
                f"{self.requested.date()} is not a trading day in the data; day 0 is the next "
                f"trading day, {self.date.date()}."
            )
        return f"Day 0 is {self.date.date()}, a trading day in the data."


def resolve_event_day(event_date: str | pd.Timestamp, calendar: pd.DatetimeIndex) -> EventDay:
    """Place ``event_date`` on ``calendar``; a non-trading day snaps to the next trading day.

    Raises :class:`MarketDataError` when the date lies after the last trading day.
    """
    requested = pd.Timestamp(event_date).normalize()
    day = market.next_trading_day(requested, calendar)
    return EventDay(
        requested=requested,
        date=day,
        position=int(calendar.get_loc(day)),
        snapped=bool(day != requested),
    )


def day_label(day: int) -> str:
    """An event day with its sign: ``5`` → ``'+5'``, ``-1`` → ``'-1'``, ``0`` → ``'0'``."""
    return f"{day:+d}" if day else "0"


def window_label(window: Window) -> str:
    """``(0, 5)`` → ``'[0,+5]'``; ``(-1, 1)`` → ``'[-1,+1]'``; ``(0, 0)`` → ``'[0,0]'``."""
    return f"[{day_label(window[0])},{day_label(window[1])}]"


def validate_windows(
    estimation_window: Sequence[int], event_windows: Iterable[Sequence[int]]
) -> tuple[Window, tuple[Window, ...]]:
    """Check the windows and return them as tuples of ints.

    Rules: every window is ``(a, b)`` with integers ``a <= b``; the estimation window ends
    strictly before the earliest event window starts (no overlap).
    """

    def as_window(value: Sequence[int], name: str) -> Window:
        try:
            a, b = (int(v) for v in value)
        except (TypeError, ValueError) as exc:
            raise ParameterError(
                f"{name}={value!r} is not a pair of trading-day offsets; use e.g. (-250, -11)."
            ) from exc
        if a > b:
            raise ParameterError(f"{name}={value!r} starts after it ends; write it as ({b}, {a}).")
        return a, b

    est = as_window(estimation_window, "estimation_window")
    events = tuple(as_window(w, "event window") for w in event_windows)
    if not events:
        raise ParameterError("No event windows given; use e.g. event_windows=[(0, 0), (-1, 1)].")
    first_start = min(w[0] for w in events)
    if est[1] >= first_start:
        raise ParameterError(
            f"estimation_window {window_label(est)} overlaps the event windows, which start at "
            f"day {first_start:+d}: the estimation window must end before day {first_start:+d}. "
            f"Use e.g. estimation_window=({est[0]}, {first_start - 10})."
        )
    return est, events


# --------------------------------------------------------------------------- return models


def _design(
    model: str, market_returns: np.ndarray, sector_returns: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Regressors ``X`` (T×k), offset (T,) and coefficient names for a model.

    The expected return is ``offset + X @ coef``; the market-adjusted model has no
    estimated coefficients (k = 0) and offset = market return.
    """
    ones = np.ones_like(market_returns)
    zeros = np.zeros_like(market_returns)
    if model == "market":
        return np.column_stack([ones, market_returns]), zeros, ("alpha", "beta_market")
    if model == "two_factor":
        if sector_returns is None:
            raise ParameterError(
                "model='two_factor' needs a sector return series: pass sector=<returns of a "
                "sector index such as SMH>."
            )
        design = np.column_stack([ones, market_returns, sector_returns])
        return design, zeros, ("alpha", "beta_market", "beta_sector")
    if model == "constant_mean":
        return ones[:, None], zeros, ("mean",)
    if model == "market_adjusted":
        return np.empty((len(market_returns), 0)), market_returns, ()
    raise ParameterError(f"model={model!r} is not one of {', '.join(MODELS)}.")


@dataclass(frozen=True)
class _Fit:
    coef: np.ndarray  # (n, k)
    xtx_inv: np.ndarray  # (n, k, k)
    sigma: np.ndarray  # (n,)
    n_obs: np.ndarray  # (n,)
    dof: np.ndarray  # (n,)
    abnormal: np.ndarray  # (T, n), NaN where not computable
    estimation_mask: np.ndarray  # (T, n) bool: rows used in the fit


def _fit(
    returns: np.ndarray, design: np.ndarray, offset: np.ndarray, estimation_rows: np.ndarray
) -> _Fit:
    """OLS of ``returns - offset`` on ``design`` per column over the estimation rows.

    Masked normal equations: ``X'MX b = X'My`` with ``M`` the per-ticker validity mask,
    solved for all tickers at once. Residual variance ``s² = Σe²/(N-k)`` (OLS); for the
    market-adjusted model (k = 0) ``s²`` is the sample variance of the estimation-period AR
    about its mean, ``ddof = 1`` (Brown & Warner 1985).
    """
    k = design.shape[1]
    target = returns - offset[:, None]
    valid = np.isfinite(target) & np.isfinite(design).all(axis=1)[:, None]
    estimation = valid & estimation_rows[:, None]
    weights = estimation.astype(float)
    design0 = np.where(np.isfinite(design), design, 0.0)
    target0 = np.where(estimation, target, 0.0)
    xtx = np.einsum("tn,tj,tk->njk", weights, design0, design0)
    xty = np.einsum("tj,tn->nj", design0, target0)
    if k:
        coef = np.linalg.solve(xtx, xty[..., None])[..., 0]
        xtx_inv = np.linalg.inv(xtx)
    else:
        coef = np.zeros((returns.shape[1], 0))
        xtx_inv = np.zeros((returns.shape[1], 0, 0))
    abnormal = np.where(valid, target - design0 @ coef.T, np.nan)
    n_obs = estimation.sum(axis=0)
    resid = np.where(estimation, abnormal, np.nan)
    if k:
        dof = n_obs - k
        sigma = np.sqrt(np.nansum(resid**2, axis=0) / dof)
    else:
        dof = n_obs - 1
        sigma = np.nanstd(resid, axis=0, ddof=1)
    return _Fit(coef, xtx_inv, sigma, n_obs, dof, abnormal, estimation)


# --------------------------------------------------------------------------- the study


@dataclass(frozen=True)
class EventStudy:
    """A fitted event study: model, abnormal returns and everything the tests need.

    Build it with :func:`run_event_study`. Arrays are days × tickers in calendar order;
    the DataFrame properties give labelled views.

    Attributes
    ----------
    event : day 0 on the calendar (see :class:`EventDay`).
    model : the return model.
    estimation_window, event_windows : in event days.
    calendar : the trading days (rows).
    tickers : tickers studied (after exclusions).
    coefficients : fitted coefficients, tickers × names (empty for market-adjusted).
    excluded : ticker → reason it was left out.
    min_estimation_obs : the minimum estimation sample that was required.
    market_returns, sector_returns : the factor series the model used (sector: two-factor only).
    """

    event: EventDay
    model: str
    estimation_window: Window
    event_windows: tuple[Window, ...]
    calendar: pd.DatetimeIndex
    tickers: tuple[str, ...]
    coefficients: pd.DataFrame
    excluded: dict[str, str]
    min_estimation_obs: int
    market_returns: pd.Series = field(repr=False)
    sector_returns: pd.Series | None = field(repr=False)
    design: np.ndarray = field(repr=False)
    _fit: _Fit = field(repr=False)
    estimation_rows: np.ndarray = field(repr=False)
    ranking_rows: np.ndarray = field(repr=False)

    # ---- labelled views
    @property
    def abnormal_returns(self) -> pd.DataFrame:
        """AR for every day with data: in-sample residuals in the estimation window,
        out-of-sample prediction errors elsewhere."""
        return pd.DataFrame(self._fit.abnormal, index=self.calendar, columns=list(self.tickers))

    @cached_property
    def standardized_abnormal_returns(self) -> pd.DataFrame:
        """SAR = AR / (s · sqrt(c_t)): AR in estimation-period standard deviations.

        ``c_t = 1 + x_t'(X'X)⁻¹x_t`` out of sample (the prediction-error correction;
        Patell 1976) and ``1 - x_t'(X'X)⁻¹x_t`` on estimation days (the residual's own
        variance). See :func:`car_variance_factor`.
        """
        rows = np.arange(len(self.calendar))
        scar = self._standardized(rows, rows)
        return pd.DataFrame(scar, index=self.calendar, columns=list(self.tickers))

    @property
    def sigma(self) -> pd.Series:
        """Estimation-period residual standard deviation ``s`` per ticker."""
        return pd.Series(self._fit.sigma, index=list(self.tickers), name="sigma")

    @property
    def n_obs(self) -> pd.Series:
        """Number of estimation-window returns actually used per ticker."""
        return pd.Series(self._fit.n_obs, index=list(self.tickers), name="n_obs")

    @property
    def dof(self) -> pd.Series:
        """Residual degrees of freedom ``N - k`` per ticker (``N - 1`` for market-adjusted)."""
        return pd.Series(self._fit.dof, index=list(self.tickers), name="dof")

    @cached_property
    def residual_correlation(self) -> float:
        """Mean pairwise correlation r̄ of estimation-period residuals (for the KP tests)."""
        fit = self._fit
        return mean_pairwise_correlation(np.where(fit.estimation_mask, fit.abnormal, np.nan))

    # ---- window machinery shared by the tests and the placebo
    def rows_for(self, window: Window) -> tuple[int, int]:
        """Calendar rows (first, last) of an event window (event days relative to day 0)."""
        return self.event.position + window[0], self.event.position + window[1]

    def _window_sums(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """CAR (W×n) over rows ``starts..ends`` inclusive; NaN if any day is missing."""
        ar = self._fit.abnormal
        valid = np.isfinite(ar)
        cum = np.vstack([np.zeros((1, ar.shape[1])), np.cumsum(np.where(valid, ar, 0.0), axis=0)])
        cnt = np.vstack([np.zeros((1, ar.shape[1])), np.cumsum(valid, axis=0)])
        total = cum[ends + 1] - cum[starts]
        complete = (cnt[ends + 1] - cnt[starts]) == (ends - starts + 1)[:, None]
        return np.where(complete, total, np.nan)

    @cached_property
    def _cumulative_design(self) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative sums over days of ``x_t`` (T+1, k) and of ``x_t`` on estimation days
        per ticker (T+1, n, k): window sums of regressors by differencing."""
        design = np.where(np.isfinite(self.design), self.design, 0.0)
        n, k = len(self.tickers), design.shape[1]
        cum_x = np.vstack([np.zeros((1, k)), np.cumsum(design, axis=0)])
        inside = self._fit.estimation_mask[:, :, None] * design[:, None, :]
        cum_in = np.concatenate([np.zeros((1, n, k)), np.cumsum(inside, axis=0)])
        return cum_x, cum_in

    def _variance_factor(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """``c`` (W×n) with Var(CAR) = s²·c; see :func:`car_variance_factor`."""
        cum_x, cum_in = self._cumulative_design
        s_all = cum_x[ends + 1] - cum_x[starts]  # (W, k)
        s_in = cum_in[ends + 1] - cum_in[starts]  # (W, n, k)
        length = (ends - starts + 1).astype(float)
        return car_variance_factor(length, s_all, s_in, self._fit.xtx_inv)

    def _standardized(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        car = self._window_sums(starts, ends)
        factor = self._variance_factor(starts, ends)
        return car / (self._fit.sigma[None, :] * np.sqrt(factor))

    def car(self, window: Window) -> pd.Series:
        """CAR per ticker over an event window (sum of daily simple ARs)."""
        first, last = self.rows_for(window)
        self._check_rows(first, last, window)
        values = self._window_sums(np.array([first]), np.array([last]))[0]
        return pd.Series(values, index=list(self.tickers), name=f"CAR{window_label(window)}")

    def scar(self, window: Window) -> pd.Series:
        """Standardized CAR per ticker: CAR / (s · sqrt(c)) with the prediction-error factor."""
        first, last = self.rows_for(window)
        self._check_rows(first, last, window)
        values = self._standardized(np.array([first]), np.array([last]))[0]
        return pd.Series(values, index=list(self.tickers), name=f"SCAR{window_label(window)}")

    def _check_rows(self, first: int, last: int, window: Window) -> None:
        if first < 0 or last >= len(self.calendar):
            raise ParameterError(
                f"Event window {window_label(window)} runs outside the data "
                f"({self.calendar[0].date()} to {self.calendar[-1].date()}); shorten it or "
                "load more days."
            )


def run_event_study(
    returns: pd.DataFrame,
    market_returns: pd.Series,
    event_date: str | pd.Timestamp,
    *,
    model: ReturnModel = "market",
    sector_returns: pd.Series | None = None,
    estimation_window: Sequence[int] = DEFAULT_ESTIMATION_WINDOW,
    event_windows: Iterable[Sequence[int]] = DEFAULT_EVENT_WINDOWS,
    min_estimation_obs: int = MIN_ESTIMATION_OBS,
) -> EventStudy:
    """Fit a return model for every ticker and compute abnormal returns on all days.

    Parameters
    ----------
    returns : simple returns, trading days × tickers (the data's calendar as index).
    market_returns : the market proxy's returns on the same index (e.g. SPY). A ticker
        with the same name as the proxy (or the sector proxy) is left out: its AR would be
        identically zero.
    event_date : day 0; a non-trading day snaps to the next trading day (recorded).
    model : ``"market"`` (OLS ``R = α + βRm + ε``), ``"market_adjusted"`` (``AR = R - Rm``),
        ``"constant_mean"`` (``AR = R - mean``) or ``"two_factor"``
        (``R = α + βm·Rm + βs·Rs + ε`` with a sector index).
    sector_returns : the sector proxy's returns (needed for ``"two_factor"``).
    estimation_window : (first, last) event day of the estimation window, e.g. (-250, -11).
    event_windows : event windows the study will be asked about; they fix the ranking
        period of the Corrado test and must lie inside the data.
    min_estimation_obs : tickers with fewer valid estimation returns are excluded.

    Raises
    ------
    ParameterError
        Bad or overlapping windows, unknown model, windows outside the data, too small
        a minimum sample, no ticker left.
    """
    if model not in MODELS:
        raise ParameterError(f"model={model!r} is not one of {', '.join(MODELS)}.")
    est, events = validate_windows(estimation_window, event_windows)
    if min_estimation_obs < 10:
        raise ParameterError(
            f"min_estimation_obs={min_estimation_obs} is too small for the tests' variance "
            "estimates; use at least 10 (default 100)."
        )
    if not isinstance(returns.index, pd.DatetimeIndex) or not returns.index.is_monotonic_increasing:
        raise ParameterError("returns must be indexed by trading day in ascending order.")
    calendar = pd.DatetimeIndex(returns.index)
    event = resolve_event_day(event_date, calendar)
    first_row = event.position + est[0]
    last_row = event.position + max(w[1] for w in events)
    if first_row < 0:
        raise ParameterError(
            f"The estimation window starts {-est[0]} trading days before day 0 "
            f"({event.date.date()}), but the data has only {event.position} trading days before "
            f"it. Shorten estimation_window or load earlier data."
        )
    if last_row >= len(calendar):
        raise ParameterError(
            f"The event windows end {last_row - event.position} trading days after day 0, but "
            f"the data has only {len(calendar) - 1 - event.position} trading days after "
            f"{event.date.date()}. Shorten the windows or load later data."
        )

    proxies = {str(market_returns.name)} | (
        {str(sector_returns.name)}
        if sector_returns is not None and model == "two_factor"
        else set()
    )
    excluded = {t: "is the market or sector proxy itself" for t in returns.columns if t in proxies}
    columns = [t for t in returns.columns if t not in excluded]
    design, offset, names = _design(
        model,
        market_returns.reindex(calendar).to_numpy(float),
        None if sector_returns is None else sector_returns.reindex(calendar).to_numpy(float),
    )
    estimation_rows = np.zeros(len(calendar), dtype=bool)
    estimation_rows[event.position + est[0] : event.position + est[1] + 1] = True
    values = returns[columns].to_numpy(float)
    usable = np.isfinite(values - offset[:, None]) & np.isfinite(design).all(axis=1)[:, None]
    counts = (usable & estimation_rows[:, None]).sum(axis=0)
    for ticker, count in zip(columns, counts, strict=True):
        if count < min_estimation_obs:
            excluded[ticker] = (
                f"only {count} valid estimation-window returns (minimum {min_estimation_obs})"
            )
    keep = [i for i, t in enumerate(columns) if t not in excluded]
    fit = _fit(values[:, keep], design, offset, estimation_rows)
    flat = np.flatnonzero(~(fit.sigma > 0))
    if flat.size:  # a series that moves one-for-one with the model has no residual risk
        for i in flat:
            excluded[columns[keep[i]]] = "zero residual variance in the estimation window"
        keep = [j for i, j in enumerate(keep) if i not in set(flat)]
        fit = _fit(values[:, keep], design, offset, estimation_rows)
    if not keep:
        raise ParameterError(
            "No ticker has enough estimation data: "
            + "; ".join(f"{t}: {r}" for t, r in excluded.items())
            + ". Lower min_estimation_obs or shorten the estimation window."
        )
    tickers = tuple(columns[i] for i in keep)
    ranking_rows = np.zeros(len(calendar), dtype=bool)
    ranking_rows[first_row : event.position + est[1] + 1] = True
    ranking_rows[event.position + min(w[0] for w in events) : last_row + 1] = True
    return EventStudy(
        event=event,
        model=model,
        estimation_window=est,
        event_windows=events,
        calendar=calendar,
        tickers=tickers,
        coefficients=pd.DataFrame(fit.coef, index=list(tickers), columns=list(names)),
        excluded=dict(sorted(excluded.items())),
        min_estimation_obs=min_estimation_obs,
        market_returns=market_returns,
        sector_returns=sector_returns if model == "two_factor" else None,
        design=design,
        _fit=fit,
        estimation_rows=estimation_rows,
        ranking_rows=ranking_rows,
    )


# --------------------------------------------------------------------------- variances


def car_variance_factor(
    length: np.ndarray, s_all: np.ndarray, s_in: np.ndarray, xtx_inv: np.ndarray
) -> np.ndarray:
    """Variance factor ``c`` of a CAR, ``Var(CAR_i) = s_i² · c_i``, with estimation error.

    For a window of ``L`` days with regressor rows ``x_t``, ``AR_t = ε_t - x_t'(b - β)``
    and ``b - β = (X'X)⁻¹X'ε_est``. Hence

        c = L + s'(X'X)⁻¹s - 2 s_in'(X'X)⁻¹s,

    where ``s = Σ_{t∈window} x_t`` and ``s_in`` sums ``x_t`` over the window days that are
    also estimation days. Out of sample (``s_in = 0``) this is the prediction-error
    correction of Campbell, Lo & MacKinlay (1997, sec. 4.4), ``L + s'(X'X)⁻¹s``; for one
    day it is Patell's (1976) ``1 + x'(X'X)⁻¹x``. Inside the estimation window it gives the
    residual's own variance, ``1 - h_tt`` for one day (``h`` = hat-matrix diagonal).

    Parameters
    ----------
    length : (W,) window lengths L.
    s_all : (W, k) sums of regressor rows over each window.
    s_in : (W, n, k) the same sums restricted to each ticker's estimation days.
    xtx_inv : (n, k, k) ``(X'X)⁻¹`` per ticker.
    """
    quad_all = np.einsum("wk,nkj,wj->wn", s_all, xtx_inv, s_all)
    quad_in = np.einsum("wnk,nkj,wj->wn", s_in, xtx_inv, s_all)
    return length[:, None] + quad_all - 2.0 * quad_in


def mean_pairwise_correlation(residuals: np.ndarray, min_periods: int = 30) -> float:
    """Average off-diagonal correlation r̄ of estimation-period residuals (columns = firms).

    ``r̄ = 2/(n(n-1)) Σ_{i<j} corr(e_i, e_j)``, each correlation on the days both firms
    have data (at least ``min_periods``). This is the cross-correlation estimate of
    Kolari & Pynnönen (2010, RFS 23(11), 3996–4025). NaN with fewer than two firms.
    """
    frame = pd.DataFrame(residuals)
    if frame.shape[1] < 2:
        return float("nan")
    corr = frame.corr(min_periods=min_periods).to_numpy()
    upper = corr[np.triu_indices_from(corr, k=1)]
    return float(np.nanmean(upper)) if np.isfinite(upper).any() else float("nan")


# --------------------------------------------------------------------------- test statistics


@dataclass(frozen=True)
class StatisticResult:
    """Test statistics for W windows (arrays of length W) and their two-sided p-values.

    ``distribution`` is ``"t(n-1)"``, ``"N(0,1)"`` or ``"t(dof)"``: the reference
    distribution the p-value uses. ``n`` is the number of firms with data in each window.
    """

    statistic: np.ndarray
    p_value: np.ndarray
    n: np.ndarray
    distribution: str


def _two_sided_normal(z: np.ndarray) -> np.ndarray:
    return 2.0 * stats.norm.sf(np.abs(z))


def _two_sided_t(t: np.ndarray, dof: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(dof > 0, 2.0 * stats.t.sf(np.abs(t), np.maximum(dof, 1)), np.nan)


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _row_mean_sd(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise count, mean and sample standard deviation (ddof 1) ignoring NaN.

    Mean is NaN for an empty row, the standard deviation NaN with fewer than two values.
    """
    valid = np.isfinite(values)
    n = valid.sum(axis=1)
    total = np.where(valid, values, 0.0).sum(axis=1)
    mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    dev = np.where(valid, values - np.nan_to_num(mean)[:, None], 0.0)
    sd = np.where(n > 1, np.sqrt((dev**2).sum(axis=1) / np.maximum(n - 1, 1)), np.nan)
    return n, mean, sd


def cross_sectional_t(car: np.ndarray) -> StatisticResult:
    """Cross-sectional t test of the CAAR (Brown & Warner 1985; MacKinlay 1997).

    ``t = CAAR / (s_CAR / sqrt(n))`` with ``CAAR = (1/n) Σ_i CAR_i`` and ``s_CAR`` the
    cross-sectional standard deviation of the CARs (ddof 1); compared with t(n-1).
    Brown, S. & Warner, J. (1985), JFE 14(1), 3–31; MacKinlay, A. C. (1997), JEL 35(1),
    13–39. ``car`` is (W, n) — windows × firms; NaN means no data.
    """
    n, mean, sd = _row_mean_sd(np.atleast_2d(car))
    t = _safe_ratio(mean, sd / np.sqrt(np.maximum(n, 1)))
    return StatisticResult(t, _two_sided_t(t, n - 1), n, "t(n-1)")


def patell_z(scar: np.ndarray, dof: np.ndarray) -> StatisticResult:
    """Patell (1976) standardized-residual test.

    ``Z = Σ_i SCAR_i / sqrt(Σ_i d_i/(d_i - 2))``, where ``SCAR_i`` is the CAR standardized
    by its estimation-period standard deviation with the prediction-error correction and
    ``d_i`` the residual degrees of freedom (``SCAR_i ~ t(d_i)`` has variance
    ``d_i/(d_i - 2)``); compared with N(0,1). Patell, J. (1976), JAR 14(2), 246–276.
    ``scar`` is (W, n); ``dof`` is (n,).
    """
    scar = np.atleast_2d(scar)
    valid = np.isfinite(scar)
    var = np.where(valid, (dof / (dof - 2.0))[None, :], 0.0).sum(axis=1)
    z = _safe_ratio(np.where(valid, scar, 0.0).sum(axis=1), np.sqrt(var))
    return StatisticResult(z, _two_sided_normal(z), valid.sum(axis=1), "N(0,1)")


def bmp_t(scar: np.ndarray) -> StatisticResult:
    """Boehmer, Musumeci & Poulsen (1991) standardized cross-sectional test.

    ``t = mean(SCAR) / (s_SCAR / sqrt(n))``, ``s_SCAR`` the cross-sectional standard
    deviation of the standardized CARs (ddof 1); compared with t(n-1). Robust to
    event-induced variance. Boehmer, E., Musumeci, J. & Poulsen, A. (1991), JFE 30(2),
    253–272. ``scar`` is (W, n).
    """
    return cross_sectional_t(scar)


def kolari_pynnonen_factor(rbar: float, n: np.ndarray) -> np.ndarray:
    """Kolari–Pynnönen (2010) factor ``sqrt((1 - r̄)/(1 + (n - 1) r̄))``.

    With an equicorrelation ``r̄`` among n firms the variance of a cross-sectional mean is
    ``σ²(1 + (n-1)r̄)/n`` while the cross-sectional sample variance estimates ``σ²(1-r̄)``,
    so an unadjusted t is too large by the inverse of this factor. NaN where
    ``1 + (n-1)r̄ <= 0``. Kolari, J. & Pynnönen, S. (2010), RFS 23(11), 3996–4025.
    """
    n = np.asarray(n, dtype=float)
    denom = 1.0 + (n - 1.0) * rbar
    ok = denom > 0
    return np.where(ok, np.sqrt((1.0 - rbar) / np.where(ok, denom, 1.0)), np.nan)


def kp_adjusted_bmp(scar: np.ndarray, rbar: float) -> StatisticResult:
    """Kolari–Pynnönen adjusted BMP: ``t_KP = t_BMP · sqrt((1 - r̄)/(1 + (n - 1) r̄))``.

    ``r̄`` is the mean pairwise correlation of estimation-period residuals
    (:func:`mean_pairwise_correlation`); applied to multi-day standardized CARs as well,
    as Kolari & Pynnönen (2010, RFS 23(11)) do. Compared with t(n-1).
    """
    base = bmp_t(scar)
    t = base.statistic * kolari_pynnonen_factor(rbar, base.n)
    return StatisticResult(t, _two_sided_t(t, base.n - 1), base.n, "t(n-1)")


def kp_adjusted_patell(scar: np.ndarray, dof: np.ndarray, rbar: float) -> StatisticResult:
    """Kolari–Pynnönen adjusted Patell: ``Z_KP = Z / sqrt(1 + (n - 1) r̄)``.

    Kolari, J. & Pynnönen, S. (2010), RFS 23(11), 3996–4025. Compared with N(0,1).
    """
    base = patell_z(scar, dof)
    denom = 1.0 + (base.n - 1.0) * rbar
    ok = denom > 0
    z = np.where(ok, base.statistic / np.sqrt(np.where(ok, denom, 1.0)), np.nan)
    return StatisticResult(z, _two_sided_normal(z), base.n, "N(0,1)")


def kp_adjusted_cross_sectional_t(car: np.ndarray, rbar: float) -> StatisticResult:
    """Cross-sectional t times the Kolari–Pynnönen factor.

    The argument of :func:`kolari_pynnonen_factor` is exact for equal firm variances; with
    unequal variances this is an approximation (the BMP version standardizes first).
    Compared with t(n-1).
    """
    base = cross_sectional_t(car)
    t = base.statistic * kolari_pynnonen_factor(rbar, base.n)
    return StatisticResult(t, _two_sided_t(t, base.n - 1), base.n, "t(n-1)")


def standardized_ranks(abnormal: np.ndarray, ranking_rows: np.ndarray) -> np.ndarray:
    """Standardized ranks ``U_it = rank_it / (M_i + 1)`` over the ranking period.

    Ranks (average ties) of each firm's ARs over the rows in ``ranking_rows``; ``M_i`` is
    the number of valid ARs of firm i there (Corrado & Zivney 1992, JFQA 27(3), 465–478).
    NaN outside the ranking period or where the AR is missing.
    """
    inside = np.where(ranking_rows[:, None], abnormal, np.nan)
    ranks = pd.DataFrame(inside).rank(axis=0, method="average", na_option="keep").to_numpy()
    m = np.isfinite(inside).sum(axis=0)
    return ranks / (m + 1.0)[None, :]


def corrado_rank(
    abnormal: np.ndarray, ranking_rows: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> StatisticResult:
    """Corrado (1989) rank test, multi-day form of Campbell & Wasley (1993).

    With standardized ranks ``U_it`` (:func:`standardized_ranks`) and the daily mean
    deviation ``K_t = (1/n_t) Σ_i (U_it - 1/2)``, the statistic for window rows
    ``τ1..τ2`` (length L) is

        T = Σ_{t=τ1}^{τ2} K_t / (sqrt(L) · S_K),   S_K = sqrt((1/T_r) Σ_t K_t²),

    the second sum over the ``T_r`` days of the ranking period (estimation window plus
    event windows); compared with N(0,1). Because ``S_K`` comes from the time series of
    the cross-sectional mean rank, it carries the cross-correlation among firms that share
    one event date (the tests check its size by simulation). No Kolari–Pynnönen factor is
    applied to it, and :func:`event_tests` leaves its adjusted column empty; rank tests
    built for clustered events (GRANK, Kolari & Pynnönen 2011, JEF 18(5), 953–971;
    Pynnönen 2022, JRFM 15(4), 149) are not implemented here.
    Corrado, C. (1989), JFE 23(2), 385–395; Campbell, C. & Wasley, C. (1993), JFE 33(1),
    73–92. ``abnormal`` is (T, n); ``starts``/``ends`` are (W,) calendar rows.
    """
    u = standardized_ranks(abnormal, ranking_rows)
    valid = np.isfinite(u)
    counts = valid.sum(axis=1)
    k = np.where(counts > 0, np.where(valid, u - 0.5, 0.0).sum(axis=1) / np.maximum(counts, 1), 0.0)
    days = ranking_rows & (counts > 0)
    s_k = np.sqrt(np.mean(k[days] ** 2))
    cum_k = np.concatenate([[0.0], np.cumsum(k)])
    cum_valid = np.vstack([np.zeros((1, u.shape[1])), np.cumsum(valid, axis=0)])
    length = ends - starts + 1
    z = (cum_k[ends + 1] - cum_k[starts]) / (np.sqrt(length) * s_k)
    n = ((cum_valid[ends + 1] - cum_valid[starts]) == length[:, None]).sum(axis=1)
    return StatisticResult(z, _two_sided_normal(z), n, "N(0,1)")


def generalized_sign(car: np.ndarray, p_positive: np.ndarray) -> StatisticResult:
    """Cowan (1992) generalized sign test.

    ``Z = (w - n p̂) / sqrt(n p̂ (1 - p̂))``: ``w`` firms with a positive CAR in the window,
    ``p̂ = (1/n) Σ_i (1/N_i) Σ_{t∈est} 1[AR_it > 0]`` the expected share of positive ARs
    from the estimation period (averaged over the firms with data in the window);
    compared with N(0,1). Cowan, A. (1992), Review of Quantitative Finance and
    Accounting 2(4), 343–358. ``car`` is (W, n); ``p_positive`` is (n,).
    """
    car = np.atleast_2d(car)
    valid = np.isfinite(car)
    n = valid.sum(axis=1)
    wins = (np.where(valid, car, 0.0) > 0).sum(axis=1)
    p_hat = _safe_ratio(np.where(valid, p_positive[None, :], 0.0).sum(axis=1), n.astype(float))
    z = _safe_ratio(wins - n * p_hat, np.sqrt(n * p_hat * (1.0 - p_hat)))
    return StatisticResult(z, _two_sided_normal(z), n, "N(0,1)")


# --------------------------------------------------------------------------- study-level tests


@dataclass(frozen=True)
class _WindowResults:
    car: np.ndarray  # (W, n)
    caar: np.ndarray  # (W,)
    rbar: float
    unadjusted: dict[str, StatisticResult]
    adjusted: dict[str, StatisticResult]


def _window_tests(study: EventStudy, starts: np.ndarray, ends: np.ndarray) -> _WindowResults:
    """All tests for windows given by calendar rows (vectorised over windows and firms)."""
    fit = study._fit
    car = study._window_sums(starts, ends)
    scar = study._standardized(starts, ends)
    rbar = study.residual_correlation
    estimation_ar = np.where(fit.estimation_mask, fit.abnormal, 0.0)
    p_positive = (estimation_ar > 0).sum(axis=0) / fit.n_obs
    unadjusted = {
        "Cross-sectional t": cross_sectional_t(car),
        "Patell Z": patell_z(scar, fit.dof),
        "BMP t": bmp_t(scar),
        "Corrado rank": corrado_rank(fit.abnormal, study.ranking_rows, starts, ends),
        "Generalized sign": generalized_sign(car, p_positive),
    }
    adjusted = {
        "Cross-sectional t": kp_adjusted_cross_sectional_t(car, rbar),
        "Patell Z": kp_adjusted_patell(scar, fit.dof, rbar),
        "BMP t": kp_adjusted_bmp(scar, rbar),
    }
    return _WindowResults(car, _row_mean_sd(car)[1], rbar, unadjusted, adjusted)


def _event_rows(study: EventStudy, windows: tuple[Window, ...]) -> tuple[np.ndarray, np.ndarray]:
    rows = np.array([study.rows_for(w) for w in windows])
    for (first, last), w in zip(rows, windows, strict=True):
        study._check_rows(int(first), int(last), w)
    return rows[:, 0], rows[:, 1]


def event_tests(study: EventStudy, windows: Iterable[Window] | None = None) -> pd.DataFrame:
    """CAAR and every test for each event window: unadjusted and cross-correlation-adjusted.

    Returns one row per (window, test), windows in the given order, with columns
    ``window, first_day, last_day, test, caar, n, rbar, statistic, p_value,
    statistic_adjusted, p_value_adjusted, distribution, adjustment``. ``rbar`` is the mean
    residual correlation used by the KP adjustment; ``adjustment`` says what the adjusted
    column is (see :data:`ADJUSTMENT_NOTES`). The adjusted columns are NaN for the Corrado
    rank and generalized sign tests: no KP adjustment is defined for them here, and the
    unadjusted value is never repeated as if it were an adjusted one.
    """
    windows = tuple(windows or study.event_windows)
    result = _window_tests(study, *_event_rows(study, windows))
    records = []
    for i, w in enumerate(windows):
        for name in TEST_NAMES:
            base, adj = result.unadjusted[name], result.adjusted.get(name)
            records.append(
                {
                    "window": window_label(w),
                    "first_day": w[0],
                    "last_day": w[1],
                    "test": name,
                    "caar": result.caar[i],
                    "n": int(base.n[i]),
                    "rbar": result.rbar,
                    "statistic": base.statistic[i],
                    "p_value": base.p_value[i],
                    "statistic_adjusted": np.nan if adj is None else adj.statistic[i],
                    "p_value_adjusted": np.nan if adj is None else adj.p_value[i],
                    "distribution": base.distribution,
                    "adjustment": ADJUSTMENT_NOTES[name],
                }
            )
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------- placebo


@dataclass(frozen=True)
class PlaceboResult:
    """The placebo distribution of the CAAR and every test statistic for one window.

    ``draws`` has one row per pseudo-event date (index) and one column per statistic;
    ``observed`` holds the values at the real event; ``p_two_sided`` is
    ``(1 + #{|S_p| >= |S_obs|}) / (1 + M)`` and ``p_lower`` the same for ``S_p <= S_obs``
    (Davison & Hinkley 1997, eq. 4.11), over the ``M`` pseudo events. ``eligible`` is the
    number of pseudo-event days that fit in the estimation window (``M <= eligible``).
    """

    window: Window
    observed: pd.Series
    draws: pd.DataFrame
    p_two_sided: pd.Series
    p_lower: pd.Series
    eligible: int

    @property
    def n_draws(self) -> int:
        """Number of pseudo-event dates used (M)."""
        return len(self.draws)

    @property
    def p_floor(self) -> float:
        """The smallest p-value M draws can give, ``1 / (1 + M)``."""
        return 1.0 / (1.0 + self.n_draws)


def placebo_anchors(study: EventStudy, window: Window) -> np.ndarray:
    """Calendar rows of every pseudo day 0 whose whole ``window`` lies in the estimation window.

    A 240-day estimation window holds 240 one-day pseudo events, 235 for ``(0, 5)``.
    Raises :class:`ParameterError` when the window is longer than the estimation window.
    """
    est_first = study.event.position + study.estimation_window[0]
    est_last = study.event.position + study.estimation_window[1]
    anchors = np.arange(est_first - window[0], est_last - window[1] + 1)
    if anchors.size == 0:
        raise ParameterError(
            f"Window {window_label(window)} is longer than the estimation window; no pseudo "
            "event fits inside it. Use a shorter window or a longer estimation window."
        )
    return anchors


def placebo_test(
    study: EventStudy, window: Window = (0, 0), n_draws: int | None = None, seed: int = 0
) -> PlaceboResult:
    """Empirical placebo test: the same statistics on pseudo-event dates.

    Pseudo-event days are the days whose whole pseudo window lies inside the estimation
    window (:func:`placebo_anchors`), so no pseudo window touches the event period. Each
    pseudo window reuses the fitted model: its ARs are in-sample residuals, standardized by
    their own variance factor (:func:`car_variance_factor`). The placebo distribution
    therefore carries the same cross-correlation as the real event and needs no
    adjustment: the empirical p-value is valid under a shared event date. Pseudo windows
    longer than one day overlap, which makes the draws dependent but does not bias the
    p-value.

    Parameters
    ----------
    n_draws : ``None`` (default) uses every eligible pseudo-event day: nothing is sampled
        and ``seed`` has no effect. An integer draws that many days (seeded, without
        replacement). The estimation window bounds the draws, so a number above the
        eligible days raises :class:`ParameterError` rather than being cut silently: the
        p-value's resolution, ``1/(1 + M)``, depends on the number actually used.
    """
    anchors = placebo_anchors(study, window)
    if n_draws is not None and (isinstance(n_draws, bool) or not isinstance(n_draws, int)):
        raise ParameterError(
            f"n_draws={n_draws!r} must be a whole number of pseudo-event days or None (all)."
        )
    if n_draws is not None and n_draws < 1:
        raise ParameterError(f"n_draws={n_draws} must be at least 1; use None for all days.")
    if n_draws is not None and n_draws > anchors.size:
        raise ParameterError(
            f"n_draws={n_draws} exceeds the {anchors.size} pseudo-event days that fit in the "
            f"estimation window for window {window_label(window)}. Use n_draws=None (all "
            f"{anchors.size}), a number up to {anchors.size}, or a longer estimation window."
        )
    if n_draws is None or n_draws == anchors.size:
        chosen = anchors
    else:
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(anchors, size=n_draws, replace=False))
    pseudo = _window_tests(study, chosen + window[0], chosen + window[1])
    actual = _window_tests(study, *_event_rows(study, (window,)))
    draws = pd.DataFrame(
        {"CAAR": pseudo.caar} | {k: v.statistic for k, v in pseudo.unadjusted.items()},
        index=study.calendar[chosen],
    )
    observed = pd.Series(
        {"CAAR": actual.caar[0]} | {k: v.statistic[0] for k, v in actual.unadjusted.items()}
    )
    m = len(draws)
    p_two = (1 + (draws.abs() >= observed.abs()).sum()) / (1 + m)
    p_low = (1 + (draws <= observed).sum()) / (1 + m)
    return PlaceboResult(window, observed, draws, p_two, p_low, int(anchors.size))


def placebo_table(
    study: EventStudy,
    windows: Iterable[Window] | None = None,
    n_draws: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Placebo p-values (two-sided and lower tail) for every statistic and window, tidy.

    Columns ``window, test, observed, placebo_p_two_sided, placebo_p_lower,
    placebo_draws, placebo_eligible``; ``test`` includes ``"CAAR"`` itself. ``n_draws`` as
    in :func:`placebo_test` (``None``: every eligible day, which differs by window length).
    """
    frames = []
    for w in tuple(windows or study.event_windows):
        result = placebo_test(study, w, n_draws, seed)
        frames.append(
            pd.DataFrame(
                {
                    "window": window_label(w),
                    "test": result.observed.index,
                    "observed": result.observed.to_numpy(),
                    "placebo_p_two_sided": result.p_two_sided.to_numpy(),
                    "placebo_p_lower": result.p_lower.to_numpy(),
                    "placebo_draws": result.n_draws,
                    "placebo_eligible": result.eligible,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- basket test


def basket_returns(returns: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.Series:
    """Daily return of a group treated as one security.

    Equal-weighted (``weights=None``): the mean of the members with a return that day, so
    a member enters when its data starts. Value-weighted: fixed weights (e.g. market
    values on day -1), renormalised each day over the members with a return; members
    without a positive weight are left out. NaN on days no member has data.
    """
    if weights is None:
        return returns.mean(axis=1, skipna=True).rename("basket")
    w = pd.Series(dict(weights), dtype=float)
    w = w[w > 0]
    members = [t for t in returns.columns if t in w.index]
    if not members:
        raise ParameterError(
            "No basket member has a positive weight; pass weights for at least one ticker."
        )
    values = returns[members]
    weight = values.notna() * w[members]
    total = weight.sum(axis=1)
    ret = (values.fillna(0.0) * weight).sum(axis=1) / total.where(total > 0)
    return ret.rename("basket")


def basket_study(
    study: EventStudy, returns: pd.DataFrame, *, weights: Mapping[str, float] | None = None
) -> EventStudy:
    """The basket of a study's tickers as a one-security :class:`EventStudy`.

    Same model, factor series, estimation window, event windows and minimum sample as
    ``study``; ``returns`` must hold the study's tickers.
    """
    basket = basket_returns(returns[list(study.tickers)], weights)
    return run_event_study(
        basket.to_frame("basket"),
        study.market_returns,
        study.event.requested,
        model=study.model,  # type: ignore[arg-type]
        sector_returns=study.sector_returns,
        estimation_window=study.estimation_window,
        event_windows=study.event_windows,
        min_estimation_obs=study.min_estimation_obs,
    )


def basket_test(
    study: EventStudy,
    returns: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    windows: Iterable[Window] | None = None,
) -> pd.DataFrame:
    """Portfolio (basket) test: the group return as one security against its own variance.

    The basket return (:func:`basket_returns` over the study's tickers) is fitted with the
    study's model and estimation window; its CAR is divided by its own
    prediction-error-corrected standard deviation, ``t = CAR_p / (s_p sqrt(c))``
    (:func:`car_variance_factor`), compared with t(N-k). The basket variance comes from
    the basket's own time series, so cross-correlation among members is built in: the
    test is valid under a shared event date (Brown & Warner 1980, JFE 8(3), 205–258,
    "crude dependence adjustment").

    Returns one row per window: ``window, car, statistic, p_value, dof, members,
    weighting``.
    """
    one = basket_study(study, returns, weights=weights)
    members = [t for t in study.tickers if weights is None or dict(weights).get(t, 0) > 0]
    dof = float(one._fit.dof[0])
    records = []
    for w in tuple(windows or study.event_windows):
        t = float(one.scar(w).iloc[0])
        records.append(
            {
                "window": window_label(w),
                "car": float(one.car(w).iloc[0]),
                "statistic": t,
                "p_value": float(_two_sided_t(np.array([t]), np.array([dof]))[0]),
                "dof": int(dof),
                "members": len(members),
                "weighting": "equal" if weights is None else "value",
            }
        )
    return pd.DataFrame.from_records(records)
