"""The 2025-01-27 selloff: data assembly, tables and figures for notebook 01.

The statistics live in :mod:`deepseek_shock.eventstudy` and the market-value and claim
checks in :mod:`deepseek_shock.marketclaims`; this module puts them together for the
notebook so that each notebook cell is one call. Everything works on the wide frames of
:class:`StudyData` (trading days × tickers) built from :func:`deepseek_shock.market.load_prices`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from . import eventstudy as es
from . import market
from .errors import DataError, ParameterError
from .formatting import multiple, p_value, pct, signed, usd_bn
from .plotting import add_source, mark_event, new_figure
from .reference import data_dir

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class StudyData:
    """Wide price data for the study, on the data's own trading calendar.

    ``closes``, ``volumes`` and ``returns`` (simple close-to-close) are trading days ×
    tickers; ``trimmed`` records rows dropped on purpose (e.g. when-issued trading), and
    ``source``/``source_detail`` where the prices came from.
    """

    prices: pd.DataFrame
    closes: pd.DataFrame
    volumes: pd.DataFrame
    returns: pd.DataFrame
    calendar: pd.DatetimeIndex
    source: str
    source_detail: str
    trimmed: dict[str, str]


def load_study_data(
    tickers: Iterable[str],
    *,
    start: str | None = None,
    end: str | None = None,
    source: market.Source = "snapshot",
    first_valid_dates: Mapping[str, str] | None = None,
) -> StudyData:
    """Load prices and build the wide frames; drop rows before ``first_valid_dates``.

    ``first_valid_dates`` maps a ticker to the first date whose prices should be used
    (e.g. GEV's regular-way trading from 2024-04-02, after three when-issued days). Earlier
    closes and volumes become missing (not filled), so the first return is the day after.
    """
    wanted = list(dict.fromkeys(tickers))
    prices = market.load_prices(wanted, start, end, source=source)
    calendar = market.trading_days(prices)
    closes = market.to_wide(prices, "close").reindex(index=calendar, columns=wanted)
    volumes = market.to_wide(prices, "volume").reindex(index=calendar, columns=wanted)
    trimmed = {}
    for ticker, first in (first_valid_dates or {}).items():
        if ticker not in closes.columns:
            continue
        cut = closes.index < pd.Timestamp(first)
        dropped = int(closes.loc[cut, ticker].notna().sum())
        closes.loc[cut, ticker] = np.nan
        volumes.loc[cut, ticker] = np.nan
        trimmed[ticker] = f"{dropped} rows before {first} not used"
    return StudyData(
        prices=prices,
        closes=closes,
        volumes=volumes,
        returns=market.simple_returns(closes),
        calendar=calendar,
        source=str(prices.attrs.get("source", source)),
        source_detail=str(prices.attrs.get("source_detail", "")),
        trimmed=trimmed,
    )


def all_tickers(groups: Mapping[str, Sequence[str]], *extra: str | Iterable[str]) -> list[str]:
    """Group members then the extra tickers (strings or lists), each once, in order."""
    out = [t for members in groups.values() for t in members]
    for item in extra:
        out += [item] if isinstance(item, str) else list(item)
    return list(dict.fromkeys(out))


def group_of(groups: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Ticker → group name (first group listing the ticker)."""
    out: dict[str, str] = {}
    for name, members in groups.items():
        for ticker in members:
            out.setdefault(ticker, name)
    return out


# --------------------------------------------------------------------------- studies


def run_group_studies(
    data: StudyData,
    groups: Mapping[str, Sequence[str]],
    market_proxy: str,
    event_date: str,
    *,
    model: es.ReturnModel = "market",
    sector_proxies: Mapping[str, str] | None = None,
    estimation_window: Sequence[int] = es.DEFAULT_ESTIMATION_WINDOW,
    event_windows: Iterable[Sequence[int]] = es.DEFAULT_EVENT_WINDOWS,
    min_estimation_obs: int = es.MIN_ESTIMATION_OBS,
) -> dict[str, es.EventStudy]:
    """One :class:`~deepseek_shock.eventstudy.EventStudy` per group.

    For ``model="two_factor"`` each group uses its own sector proxy from
    ``sector_proxies``; a group without one is skipped (it has no sector index in the
    data), so the result may hold fewer groups than asked.
    """
    windows = tuple(tuple(w) for w in event_windows)
    studies = {}
    for name, members in groups.items():
        sector = (sector_proxies or {}).get(name)
        if model == "two_factor" and sector is None:
            continue
        studies[name] = es.run_event_study(
            data.returns[list(members)],
            data.returns[market_proxy],
            event_date,
            model=model,
            sector_returns=None if sector is None else data.returns[sector],
            estimation_window=estimation_window,
            event_windows=windows,
            min_estimation_obs=min_estimation_obs,
        )
    return studies


def fit_table(studies: Mapping[str, es.EventStudy]) -> pd.DataFrame:
    """Per ticker: group, estimation returns used (N), coefficients and residual σ.

    Excluded tickers appear with their reason in ``excluded`` and no coefficients.
    """
    frames = []
    for name, study in studies.items():
        frame = study.coefficients.copy()
        frame.insert(0, "group", name)
        frame.insert(1, "n_obs", study.n_obs)
        frame["sigma"] = study.sigma
        frame["excluded"] = ""
        frames.append(frame)
        for ticker, reason in study.excluded.items():
            frames.append(pd.DataFrame({"group": [name], "excluded": [reason]}, index=[ticker]))
    table = pd.concat(frames)
    table.index.name = "ticker"
    return table


def significance(p: float, level: float = 0.05) -> str:
    """``"significant at 5%"`` or ``"not significant at 5%"`` for a two-sided p-value."""
    word = "significant" if p < level else "not significant"
    return f"{word} at {level:.0%}"


def group_results(
    studies: Mapping[str, es.EventStudy],
    data: StudyData,
    *,
    value_weights: Mapping[str, float] | None = None,
    placebo_draws: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Every test for every group and window, tidy, with placebo p-values and basket tests.

    Columns: ``group, window, test, caar, n, rbar, statistic, p_value,
    statistic_adjusted, p_value_adjusted, placebo_p`` (two-sided) and ``placebo_draws``
    (pseudo-event days used; ``placebo_draws=None`` uses every eligible day, see
    :func:`deepseek_shock.eventstudy.placebo_test`). Basket rows (``test`` =
    ``"Basket (equal-weighted)"`` / ``"Basket (value-weighted)"``) carry the basket CAR in
    ``caar`` and the number of members in ``n``; the value-weighted basket uses the members
    that have a weight (market value) and is omitted when none has.
    """
    frames = []
    for name, study in studies.items():
        tests = es.event_tests(study)
        placebo = es.placebo_table(study, n_draws=placebo_draws, seed=seed)
        tests = tests.merge(
            placebo[["window", "test", "placebo_p_two_sided", "placebo_draws"]],
            on=["window", "test"],
            how="left",
        ).rename(columns={"placebo_p_two_sided": "placebo_p"})
        baskets = [("Basket (equal-weighted)", None)]
        weights = {t: w for t, w in (value_weights or {}).items() if t in study.tickers}
        if weights:
            baskets.append(("Basket (value-weighted)", weights))
        for label, w in baskets:
            basket = es.basket_test(study, data.returns, weights=w)
            tests = pd.concat(
                [
                    tests,
                    pd.DataFrame(
                        {
                            "window": basket["window"],
                            "test": label,
                            "caar": basket["car"],
                            "n": basket["members"],
                            "statistic": basket["statistic"],
                            "p_value": basket["p_value"],
                        }
                    ),
                ],
                ignore_index=True,
            )
        order = {es.window_label(w): i for i, w in enumerate(study.event_windows)}
        tests = tests.sort_values("window", key=lambda c: c.map(order), kind="stable")
        tests.insert(0, "group", name)
        frames.append(tests)
    columns = [
        "group", "window", "test", "caar", "n", "rbar", "statistic", "p_value",
        "statistic_adjusted", "p_value_adjusted", "placebo_p", "placebo_draws",
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True)[columns]


def headline_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Compact view: per group and window the CAAR, BMP t unadjusted vs KP-adjusted, the
    equal-weighted basket t, and the placebo p of the CAAR's BMP t."""
    bmp = results[results["test"] == "BMP t"].set_index(["group", "window"])
    basket = results[results["test"] == "Basket (equal-weighted)"].set_index(["group", "window"])
    out = pd.DataFrame(
        {
            "n": bmp["n"],
            "r̄": bmp["rbar"],
            "CAAR": bmp["caar"],
            "BMP t": bmp["statistic"],
            "p (BMP)": bmp["p_value"],
            "KP-adjusted t": bmp["statistic_adjusted"],
            "p (KP)": bmp["p_value_adjusted"],
            "placebo p (BMP)": bmp["placebo_p"],
            "basket t (EW)": basket["statistic"],
            "p (basket)": basket["p_value"],
        }
    )
    return out.reindex(bmp.index)


#: Why a test has no KP-adjusted value in :func:`format_group_table` (:func:`adjustment_notes`).
NO_ADJUSTMENT_NOTES: dict[str, str] = {
    "Corrado rank": "non-parametric tests, for which no KP adjustment is defined here",
    "Generalized sign": "non-parametric tests, for which no KP adjustment is defined here",
    "Basket (equal-weighted)": "one security each, so no adjustment is needed; its CAR is shown instead",
    "Basket (value-weighted)": "one security each, so no adjustment is needed; its CAR is shown instead",
}


def group_day_sentence(name: str, row: pd.Series, abnormal: pd.Series, big: float = 0.05) -> str:
    """One Markdown paragraph on a group's day 0, every number and verdict computed.

    ``row`` is the group's ``[0,0]`` row of :func:`headline_summary`; ``abnormal`` the
    members' day-0 ARs (NaN dropped). Each p-value is followed by its verdict at 5%
    (:func:`significance`); members with an AR below ``-big`` and above zero are listed.
    """
    ar = abnormal.dropna()
    below, above = ar[ar < -big], ar[ar > 0]
    tests = [
        ("BMP t", row["BMP t"], row["p (BMP)"]),
        ("KP-adjusted t", row["KP-adjusted t"], row["p (KP)"]),
        ("equal-weighted basket t", row["basket t (EW)"], row["p (basket)"]),
    ]
    text = (
        f"**{name}, day 0:** CAAR {pct(row['CAAR'])} across {row['n']:.0f} members "
        f"({(ar < 0).sum()} with a negative AR; r̄ = {row['r̄']:.2f}). "
        + "; ".join(f"{t} {signed(v)} (p {p_value(pv)}, {significance(pv)})" for t, v, pv in tests)
        + f"; placebo p of the BMP t {p_value(row['placebo p (BMP)'])}."
    )
    if len(below):
        listed = ", ".join(f"{t} ({pct(v)})" for t, v in below.items())
        text += f" AR below {pct(-big, 0)}: {listed}."
    if len(above):
        text += f" Positive AR: {', '.join(above.index)}."
    return text


def most_correlated_pairs(returns: pd.DataFrame, tickers: Sequence[str], n: int = 4) -> pd.Series:
    """The ``n`` most correlated pairs of daily returns among ``tickers`` (Pearson, pairwise
    complete days), highest first, indexed by ``"A–B"``: how much series overlap."""
    corr = returns[list(tickers)].corr()
    upper = np.triu(np.ones(corr.shape, dtype=bool), k=1)
    pairs = corr.where(upper).stack()
    pairs.index = [f"{a}–{b}" for a, b in pairs.index]
    return pairs.sort_values(ascending=False, kind="stable").head(n).rename("correlation")


def format_group_table(results: pd.DataFrame, group: str) -> pd.DataFrame:
    """One group's tests as strings: rows = tests, columns = (window, version).

    Cells read ``"-3.67 (0.003)"`` = statistic (two-sided p-value). Versions:
    ``unadjusted``, ``KP-adjusted`` and ``placebo p``; a dash where a version does not
    apply (:func:`adjustment_notes` says why; kept out of the table so it fits a page). An
    unadjusted value is never shown in the KP-adjusted column.
    """
    rows = results[results["group"] == group]
    windows = list(dict.fromkeys(rows["window"]))
    tests = list(dict.fromkeys(rows["test"]))
    columns = pd.MultiIndex.from_product([windows, ["unadjusted", "KP-adjusted", "placebo p"]])
    table = pd.DataFrame("—", index=["CAAR", *tests], columns=columns)
    for _, r in rows.iterrows():
        table.loc[r["test"], (r["window"], "unadjusted")] = _stat(r["statistic"], r["p_value"])
        if pd.notna(r["statistic_adjusted"]):
            table.loc[r["test"], (r["window"], "KP-adjusted")] = _stat(
                r["statistic_adjusted"], r["p_value_adjusted"]
            )
        if pd.notna(r["placebo_p"]):
            table.loc[r["test"], (r["window"], "placebo p")] = p_value(r["placebo_p"])
        if r["test"] == "BMP t":
            table.loc["CAAR", (r["window"], "unadjusted")] = pct(r["caar"])
        if str(r["test"]).startswith("Basket"):  # one security: show its CAR instead
            table.loc[r["test"], (r["window"], "KP-adjusted")] = f"CAR {pct(r['caar'])}"
    table.index.name = group
    return table


def adjustment_notes(results: pd.DataFrame) -> dict[str, list[str]]:
    """Why tests in ``results`` have no KP-adjusted value: reason → tests it applies to.

    Only tests present in ``results`` (the frame :func:`group_results` returns) and
    listed in :data:`NO_ADJUSTMENT_NOTES` appear, in the order of ``results``.
    """
    notes: dict[str, list[str]] = {}
    for test in dict.fromkeys(results["test"]):
        if test in NO_ADJUSTMENT_NOTES:
            notes.setdefault(NO_ADJUSTMENT_NOTES[test], []).append(test)
    return notes


def _stat(value: float, p: float) -> str:
    """``"-3.67 (0.003)"``: a statistic and its two-sided p-value."""
    if not np.isfinite(value):
        return "n/a"
    return f"{signed(value)} ({p_value(p)})"


# --------------------------------------------------------------------------- event-day table


def volume_ratio(volumes: pd.DataFrame, event: es.EventDay, lookback: int = 20) -> pd.Series:
    """Event-day volume over the mean volume of the ``lookback`` trading days before it.

    NaN where the source has no volume (``^GSPC``, ``^NDX``) or a prior day is missing.
    """
    before = volumes.iloc[event.position - lookback : event.position]
    mean = before.mean(axis=0, skipna=False)
    return (volumes.iloc[event.position] / mean).rename("volume_ratio")


def event_day_table(
    studies: Mapping[str, es.EventStudy],
    groups: Mapping[str, Sequence[str]],
    data: StudyData,
    market_values: pd.DataFrame,
    extra_tickers: Sequence[str] = (),
) -> pd.DataFrame:
    """Per ticker on day 0: raw return, AR, AR in estimation σ, volume ratio, value change.

    Each ticker's AR comes from its group's study in ``studies`` (NaN if the group was not
    studied or the ticker was excluded); ``market_values`` is
    :func:`deepseek_shock.marketclaims.market_value_changes` output. ``extra_tickers``
    (e.g. the market proxy) appear with group ``"Market"`` and their raw return only.
    Columns: ``group, return, abnormal_return, sar, volume_ratio, value_change_usd_bn``
    (NaN where the company is not in the shares reference table).
    """
    members = group_of(groups)
    tickers = list(dict.fromkeys([*members, *extra_tickers]))
    event = next(iter(studies.values())).event
    ar, sar = {}, {}
    for study in studies.values():
        ar.update(study.abnormal_returns.loc[event.date].to_dict())
        sar.update(study.standardized_abnormal_returns.loc[event.date].to_dict())
    return pd.DataFrame(
        {
            "group": [members.get(t, "Market") for t in tickers],
            "return": data.returns.loc[event.date, tickers].to_numpy(),
            "abnormal_return": [ar.get(t, np.nan) if t in members else np.nan for t in tickers],
            "sar": [sar.get(t, np.nan) if t in members else np.nan for t in tickers],
            "volume_ratio": volume_ratio(data.volumes, event).reindex(tickers).to_numpy(),
            "value_change_usd_bn": market_values["change_usd_bn"].reindex(tickers).to_numpy(),
        },
        index=pd.Index(tickers, name="ticker"),
    )


def format_event_day_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`event_day_table` as display strings; a missing value says why it is missing.

    Percent for returns, signed σ for the standardized AR, ``×`` for the volume ratio and
    USD billions for the value change. Missing volume means the source has none (index
    rows); a missing value change means the company is not in the share-count table (it
    is never estimated); a missing AR means the series was not fitted.
    """

    def missing_as(values: pd.Series, formatter, reason: str) -> list[str]:
        return [reason if pd.isna(v) else formatter(v) for v in values]

    return pd.DataFrame(
        {
            "group": table["group"],
            "return": table["return"].map(pct),
            "abnormal return": missing_as(table["abnormal_return"], pct, "n/a (not fitted)"),
            "AR / σ": missing_as(table["sar"], signed, "n/a (not fitted)"),
            "volume vs 20-day mean": missing_as(
                table["volume_ratio"], multiple, "n/a (no volume in source)"
            ),
            "market-value change": missing_as(
                table["value_change_usd_bn"], usd_bn, "not in share table"
            ),
        },
        index=table.index,
    )


def abnormal_return_panel(
    studies: Mapping[str, es.EventStudy], days: tuple[int, int] = (-5, 20)
) -> pd.DataFrame:
    """AR of every studied ticker (rows, in group order) over event days ``days`` (columns)."""
    panels = []
    for study in studies.values():
        rows = slice(study.event.position + days[0], study.event.position + days[1] + 1)
        panel = study.abnormal_returns.iloc[rows].T
        panel.columns = range(days[0], days[1] + 1)
        panels.append(panel)
    panel = pd.concat(panels)
    return panel[~panel.index.duplicated()]


# --------------------------------------------------------------------------- how unusual


def event_day_rarity(study: es.EventStudy, ticker: str, returns: pd.Series) -> dict[str, object]:
    """How unusual day 0 was for one series against its own history in the data.

    Returns ``return`` and ``abnormal_return`` on day 0, ``sar`` (AR in estimation-period
    standard deviations with the prediction-error correction), and the empirical rank of
    day 0 among all days in the data with a value (1 = the most negative) for the AR
    (``ar_rank``, of ``ar_days``) and the raw return (``return_rank``, of ``return_days``).
    """
    day = study.event.date
    ar = study.abnormal_returns[ticker].dropna()
    raw = returns.dropna()
    return {
        "ticker": ticker,
        "return": float(raw.loc[day]),
        "abnormal_return": float(ar.loc[day]),
        "sar": float(study.standardized_abnormal_returns.loc[day, ticker]),
        "ar_rank": int((ar < ar.loc[day]).sum() + 1),
        "ar_days": len(ar),
        "return_rank": int((raw < raw.loc[day]).sum() + 1),
        "return_days": len(raw),
        "first_day": ar.index[0],
        "last_day": ar.index[-1],
    }


def basket_rarity(study: es.EventStudy, data: StudyData, label: str) -> dict[str, object]:
    """:func:`event_day_rarity` for the equal-weighted basket of a study's tickers."""
    basket = es.basket_study(study, data.returns)
    raw = es.basket_returns(data.returns[list(study.tickers)])
    return event_day_rarity(basket, "basket", raw) | {"ticker": label}


def rarity_table(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """Rarity records (:func:`event_day_rarity`) as a table indexed by ticker/label."""
    return pd.DataFrame(list(rows)).set_index("ticker")


def series_table(
    studies: Mapping[str, es.EventStudy],
    tickers: Sequence[str],
    returns: pd.DataFrame,
    notes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Day 0 for each series on its own: return, AR, SAR, single-series p and ranks.

    For indices and index funds that overlap (QQQ holds the Nasdaq-100, ^IXIC contains
    it, SPY holds the S&P 500), a cross-sectional group test would count the same stocks
    several times. Each series is therefore judged against its own history: its AR and
    SAR from the study that fitted it (:func:`event_day_rarity`), the single-security test
    ``p = 2·P(|t(N-k)| >= |SAR|)`` (the SAR with the prediction-error correction is
    t-distributed under normal errors; Campbell, Lo & MacKinlay 1997, sec. 4.4), and the
    empirical rank of day 0 among all days with data (1 = most negative).

    A ticker no study fitted (e.g. the market proxy) keeps its raw return and rank; its
    ``note`` gives the study's exclusion reason, ``notes[ticker]``, or "not fitted".
    Columns: ``return, return_rank, abnormal_return, sar, p_value, ar_rank, days, note``.
    """
    in_order = list(studies.values())[::-1]  # the first study listing a ticker wins
    fitted = {t: study for study in in_order for t in study.tickers}
    excluded = {t: why for study in in_order for t, why in study.excluded.items()}
    day = next(iter(studies.values())).event.date
    records = []
    for ticker in tickers:
        study = fitted.get(ticker)
        note = (notes or {}).get(ticker, "")
        if study is None:
            raw = returns[ticker].dropna()
            records.append(
                {
                    "ticker": ticker,
                    "return": float(raw.loc[day]),
                    "return_rank": int((raw < raw.loc[day]).sum() + 1),
                    "days": len(raw),
                    "note": note or excluded.get(ticker, "not fitted: raw return only"),
                }
            )
            continue
        rare = event_day_rarity(study, ticker, returns[ticker])
        dof = float(study.dof[ticker])
        records.append(
            {
                "ticker": ticker,
                "return": rare["return"],
                "return_rank": rare["return_rank"],
                "abnormal_return": rare["abnormal_return"],
                "sar": rare["sar"],
                "p_value": float(2.0 * stats.t.sf(abs(rare["sar"]), dof)),
                "ar_rank": rare["ar_rank"],
                "days": rare["ar_days"],
                "note": note,
            }
        )
    columns = ["return", "return_rank", "abnormal_return", "sar", "p_value", "ar_rank", "days"]
    table = pd.DataFrame.from_records(records).set_index("ticker")
    return table.reindex(columns=[*columns, "note"])


# --------------------------------------------------------------------------- recovery


def normalised_paths(
    closes: pd.DataFrame, event: es.EventDay, before: int = 20, after: int = 40
) -> pd.DataFrame:
    """Closes rebased to 100 on the last pre-event close (day -1), days ``-before..+after``."""
    rows = closes.iloc[max(event.position - before, 0) : event.position + after + 1]
    return 100.0 * rows / closes.iloc[event.position - 1]


def drawdown_paths(closes: pd.DataFrame, event: es.EventDay) -> pd.DataFrame:
    """``close_t / close_{-1} - 1`` from day 0 to the end of the data, indexed by event day."""
    after = closes.iloc[event.position :]
    out = after / closes.iloc[event.position - 1] - 1.0
    out.index = pd.Index(range(len(out)), name="event day")
    return out


def recovery_table(closes: pd.DataFrame, event: es.EventDay) -> pd.DataFrame:
    """Per ticker: the fall, the trough, and when (if) the pre-event close was regained.

    Columns: ``pre_event_close`` (day -1), ``day0_change``, ``trough_change`` (lowest close
    from day 0 to the end of the data, vs day -1), ``trough_day`` and ``trough_date`` (when
    the trough came), ``recovered_day`` (first event day ≥ 0 with a close at or above the pre-event
    close; NaN if never) and ``status`` (``"day k (date)"`` or ``"not within the data
    (to <last date>)"``).
    """
    paths = drawdown_paths(closes, event)
    dates = closes.index[event.position :]
    regained = paths >= 0
    first = regained.to_numpy().argmax(axis=0).astype(float)
    first[~regained.to_numpy().any(axis=0)] = np.nan
    table = pd.DataFrame(
        {
            "pre_event_close": closes.iloc[event.position - 1],
            "day0_change": paths.iloc[0],
            "trough_change": paths.min(),
            "trough_day": paths.idxmin(),
            "trough_date": [dates[int(k)].date() for k in paths.idxmin()],
            "recovered_day": first,
        }
    )
    last = dates[-1].date()
    table["status"] = [
        f"not within the data (to {last})"
        if np.isnan(k)
        else f"day {int(k)} ({dates[int(k)].date()})"
        for k in table["recovered_day"]
    ]
    table.index.name = "ticker"
    return table


# --------------------------------------------------------------------------- robustness


@dataclass(frozen=True)
class Specification:
    """One study design for the robustness table."""

    label: str
    model: es.ReturnModel
    market_proxy: str
    estimation_window: tuple[int, int]


def one_at_a_time(
    baseline: Specification,
    models: Sequence[str] = (),
    market_proxies: Sequence[str] = (),
    estimation_windows: Sequence[Sequence[int]] = (),
) -> list[Specification]:
    """The baseline and each alternative that changes exactly one of its choices."""
    specs = [baseline]
    specs += [
        Specification(f"model: {m}", m, baseline.market_proxy, baseline.estimation_window)  # type: ignore[arg-type]
        for m in models
        if m != baseline.model
    ]
    specs += [
        Specification(f"market proxy: {p}", baseline.model, p, baseline.estimation_window)
        for p in market_proxies
        if p != baseline.market_proxy
    ]
    specs += [
        Specification(
            f"estimation window: {es.window_label(tuple(w))}",
            baseline.model,
            baseline.market_proxy,
            (int(w[0]), int(w[1])),
        )
        for w in estimation_windows
        if tuple(w) != baseline.estimation_window
    ]
    return specs


def robustness_table(
    data: StudyData,
    groups: Mapping[str, Sequence[str]],
    specifications: Sequence[Specification],
    event_date: str,
    windows: Sequence[Sequence[int]],
    *,
    sector_proxies: Mapping[str, str] | None = None,
    min_estimation_obs: int = es.MIN_ESTIMATION_OBS,
) -> pd.DataFrame:
    """Headline CAARs and BMP/KP t for each specification, group and window (tidy).

    Columns: ``specification, group, window, caar, bmp_t, kp_t, n``. Groups without a
    sector proxy do not appear under the two-factor model.
    """
    records = []
    for spec in specifications:
        studies = run_group_studies(
            data,
            groups,
            spec.market_proxy,
            event_date,
            model=spec.model,
            sector_proxies=sector_proxies,
            estimation_window=spec.estimation_window,
            event_windows=windows,
            min_estimation_obs=min_estimation_obs,
        )
        for name, study in studies.items():
            tests = es.event_tests(study)
            bmp = tests[tests["test"] == "BMP t"]
            for _, row in bmp.iterrows():
                records.append(
                    {
                        "specification": spec.label,
                        "group": name,
                        "window": row["window"],
                        "caar": row["caar"],
                        "bmp_t": row["statistic"],
                        "kp_t": row["statistic_adjusted"],
                        "n": row["n"],
                    }
                )
    return pd.DataFrame.from_records(records)


def format_robustness(table: pd.DataFrame, window: str) -> pd.DataFrame:
    """Specifications × groups, cells ``"-6.00% (KP t -1.29)"`` for one window."""
    rows = table[table["window"] == window]
    cells = rows.assign(
        cell=[
            f"{c * 100:+.2f}% (KP t {k:+.2f})"
            for c, k in zip(rows["caar"], rows["kp_t"], strict=True)
        ]
    )
    out = cells.pivot(index="specification", columns="group", values="cell")
    out = out.reindex(index=list(dict.fromkeys(rows["specification"])))
    out = out.reindex(columns=list(dict.fromkeys(rows["group"]))).fillna("— (no sector proxy)")
    out.columns.name = f"CAAR{window}"
    return out


# --------------------------------------------------------------------------- confounders


def scheduled_events_path() -> str:
    """The bundled confounder check list (see its PROVENANCE.md)."""
    return str(data_dir() / "market" / "confounders" / "scheduled_events.csv")


def load_scheduled_events() -> pd.DataFrame:
    """The bundled list of scheduled news after the event (date, timing, event, tickers, source)."""
    path = scheduled_events_path()
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError as exc:
        raise DataError(
            f"{path} is missing. Restore it from git or reinstall the package."
        ) from exc
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    return frame


def first_affected_day(date: pd.Timestamp, timing: str, calendar: pd.DatetimeIndex) -> pd.Timestamp:
    """First trading day whose close can reflect news at ``date``/``timing``.

    ``before open`` and ``during session`` news affects that day's close; ``after close``
    and ``weekend`` news the next trading day's.
    """
    if timing in ("before open", "during session"):
        return market.next_trading_day(date, calendar)
    if timing in ("after close", "weekend"):
        return market.next_trading_day(date + pd.Timedelta(days=1), calendar)
    raise ParameterError(
        f"Unknown timing {timing!r}; use before open, during session, after close or weekend."
    )


def confounder_table(
    events: pd.DataFrame,
    calendar: pd.DatetimeIndex,
    event: es.EventDay,
    windows: Sequence[Sequence[int]],
    groups: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """Which scheduled news falls into which event window, and which groups it concerns.

    Columns: ``date, timing, event, tickers, first_affected, event_day, windows`` (labels
    of the windows containing ``event_day``, or ``"none"``) and ``groups`` (groups holding
    one of the tickers; ``all groups`` for market-wide news).
    """
    members = group_of(groups)
    records = []
    for row in events.itertuples():
        affected = first_affected_day(row.date, row.timing, calendar)
        tau = int(calendar.get_loc(affected)) - event.position
        inside = [es.window_label(tuple(w)) for w in windows if w[0] <= tau <= w[1]]
        tickers = str(row.tickers).split()
        touched = (
            "all groups"
            if tickers == ["ALL"]
            else ", ".join(dict.fromkeys(members[t] for t in tickers if t in members)) or "none"
        )
        records.append(
            {
                "date": row.date.date(),
                "timing": row.timing,
                "event": row.event,
                "tickers": "market-wide" if tickers == ["ALL"] else " ".join(tickers),
                "first_affected": affected.date(),
                "event_day": tau,
                "windows": ", ".join(inside) or "none",
                "groups": touched,
            }
        )
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------- figures


def _group_panels(
    frame: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    baseline: float,
    event_at: pd.Timestamp | float,
    event_label: str,
    ylabel: str,
    title: str,
    source: str,
) -> tuple[Figure, list[Axes]]:
    """One panel per group, two per row: members thin grey, their mean thick, a baseline
    line and the event marker; shared by :func:`plot_price_paths` and :func:`plot_drawdowns`.
    Returns the figure and the visible panels (unused grid cells are hidden)."""
    names = list(groups)
    nrows = int(np.ceil(len(names) / 2))
    fig, grid = new_figure(nrows, 2, figsize=(9.0, 2.6 * nrows), sharex=True)
    grid = np.atleast_1d(grid).ravel()
    for ax in grid[len(names) :]:
        ax.set_visible(False)
    for ax, name in zip(grid, names, strict=False):
        members = [t for t in groups[name] if t in frame.columns]
        ax.plot(frame.index, frame[members], color="0.7", linewidth=0.8)
        ax.plot(frame.index, frame[members].mean(axis=1), color="C0", linewidth=2.2)
        ax.axhline(baseline, color="0.3", linewidth=0.6)
        mark_event(ax, event_at, label=event_label)
        ax.set_title(name, fontsize=11)
        ax.set_ylabel(ylabel)
    fig.suptitle(title, x=0.0, ha="left", fontweight="bold")
    add_source(fig, source)
    return fig, list(grid[: len(names)])


def plot_price_paths(
    paths: pd.DataFrame, groups: Mapping[str, Sequence[str]], event: es.EventDay, source: str
) -> Figure:
    """One panel per group: members rebased to 100 on day -1 (thin) and their mean (thick)."""
    fig, axes = _group_panels(
        paths,
        groups,
        baseline=100.0,
        event_at=event.date,
        event_label=str(event.date.date()),
        ylabel="index (day −1 = 100)",
        title="Prices rebased to the last close before the event (grey: members)",
        source=source,
    )
    for ax in axes:
        ax.tick_params(axis="x", labelrotation=30)
    return fig


def plot_ar_heatmap(
    panel: pd.DataFrame,
    source: str,
    title: str = "Abnormal returns around the event",
    clip: float = 0.10,
) -> Figure:
    """Tickers × event days heat map of abnormal returns (%, colour clipped at ±``clip``)."""
    fig, ax = new_figure(figsize=(9.0, 0.22 * len(panel) + 1.6))
    norm = mcolors.TwoSlopeNorm(vmin=-clip * 100, vcenter=0.0, vmax=clip * 100)
    image = ax.imshow(
        panel.to_numpy(float) * 100, aspect="auto", cmap="RdBu", norm=norm, interpolation="nearest"
    )
    ax.set_yticks(range(len(panel)), panel.index, fontsize=8)
    columns = list(panel.columns)
    ticks = [i for i, d in enumerate(columns) if d % 5 == 0 or d == -1]
    ax.set_xticks(ticks, [f"{columns[i]:+d}" if columns[i] else "0" for i in ticks])
    ax.set_xlabel("event day (trading days from day 0)")
    ax.grid(False)
    mark_event(ax, columns.index(0), label="day 0")
    fig.colorbar(image, ax=ax, label=f"abnormal return (%; clipped at ±{clip * 100:.0f})")
    ax.set_title(title)
    add_source(fig, source)
    return fig


def plot_placebo(
    result: es.PlaceboResult, statistics: Sequence[str], source: str, title: str
) -> Figure:
    """Histograms of placebo draws for some statistics, with the real event marked."""
    fig, axes = new_figure(1, len(statistics), figsize=(9.0, 3.6))
    for ax, name in zip(np.atleast_1d(axes), statistics, strict=True):
        draws = result.draws[name]
        scale = 100.0 if name == "CAAR" else 1.0
        ax.hist(draws * scale, bins=30, color="0.6")
        mark_event(ax, float(result.observed[name] * scale), label="event", zorder=3)
        ax.set_xlabel(f"{name}{' (%)' if name == 'CAAR' else ''}")
        ax.set_ylabel("pseudo-event days")
        ax.set_title(f"{name}: placebo p = {p_value(result.p_two_sided[name])}", fontsize=11)
    fig.suptitle(title, x=0.0, ha="left", fontweight="bold")
    add_source(fig, source)
    return fig


def plot_drawdowns(
    paths: pd.DataFrame, groups: Mapping[str, Sequence[str]], source: str, horizon: int = 60
) -> Figure:
    """Close vs the pre-event close (%), day 0 to ``horizon``, one panel per group."""
    fig, axes = _group_panels(
        paths.loc[:horizon] * 100,
        groups,
        baseline=0.0,
        event_at=0,
        event_label="day 0",
        ylabel="vs close on day −1 (%)",
        title="Drawdown path: close relative to the last pre-event close",
        source=source,
    )
    for ax in axes[-2:]:
        ax.set_xlabel("event day (trading days)")
    return fig
