"""Daily price data: the bundled snapshot, live yfinance downloads with a cache, or both.

``load_prices`` is the one entry point. It returns a *tidy* frame, one row per
(date, ticker), with columns ``date, ticker, open, high, low, close, volume``, sorted by
ticker then date. ``frame.attrs["source"]`` records where the rows came from
(``"snapshot"``, ``"live"``, ``"cache"`` or ``"snapshot (fallback)"``) and
``frame.attrs["source_detail"]`` says why, so a report can show it.

Decisions a newcomer may question
---------------------------------
* **Price returns, not total returns.** The snapshot is split-adjusted but not dividend
  adjusted (see ``data/market/PROVENANCE.md``). The live path therefore downloads with
  ``auto_adjust=False`` and uses the unadjusted ``Close`` so both sources share one basis.
* **Trading days come from the data.** Nothing here builds a weekday calendar; a date
  that is not in the data is not a trading day.
* **Missing values are never filled.** A ticker that has no row on a date simply has
  no row (GEV before its spin-off, for example).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .errors import DataError, MarketDataError, NetworkError
from .reference import market_snapshot_path

Source = Literal["snapshot", "live", "auto"]
PRICE_COLUMNS = ("date", "ticker", "open", "high", "low", "close", "volume")
CACHE_ENV = "DEEPSEEK_SHOCK_CACHE"
AUTO_ADJUST = False  # price returns on the same basis as the snapshot (see module docstring)

# Ticker groups of the bundled snapshot, used as defaults by the notebooks.
TICKER_GROUPS: dict[str, tuple[str, ...]] = {
    "AI semiconductors": (
        "NVDA", "AVGO", "TSM", "AMD", "MU", "ARM", "ASML", "MRVL",
        "INTC", "QCOM", "AMAT", "LRCX", "KLAC",
    ),
    "Big tech / hyperscalers": ("MSFT", "GOOGL", "META", "AMZN", "AAPL", "ORCL", "TSLA", "DELL", "SMCI"),
    "Power & data-centre": ("VST", "CEG", "NRG", "GEV", "VRT", "ETN", "TLN"),
    "China ADRs": ("BABA", "BIDU"),
    "Benchmarks": ("SPY", "QQQ", "DIA", "XLK", "XLU", "SMH", "^GSPC", "^IXIC", "^NDX"),
}  # fmt: skip


# --------------------------------------------------------------------------- snapshot


@cache
def _read_snapshot(path: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype={"ticker": str, "source": str})
    except FileNotFoundError as exc:
        raise DataError(
            f"Market snapshot {path} is missing. Reinstall the package (pip install -e .) "
            "or restore the file from git."
        ) from exc
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(
            f"Market snapshot {path} cannot be parsed ({exc}). Restore it from git."
        ) from exc
    missing = [c for c in PRICE_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(
            f"Market snapshot {path} lacks column(s) {', '.join(missing)}; expected "
            f"{', '.join(PRICE_COLUMNS)}. Restore the file from git."
        )
    raw["date"] = pd.to_datetime(raw["date"], format="%Y-%m-%d")
    return _tidy(raw)


def snapshot_tickers(snapshot_path: str | Path | None = None) -> list[str]:
    """Tickers available in the bundled snapshot, sorted."""
    frame = _read_snapshot(str(snapshot_path or market_snapshot_path()))
    return sorted(frame["ticker"].unique())


def snapshot_span(snapshot_path: str | Path | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last date in the bundled snapshot."""
    frame = _read_snapshot(str(snapshot_path or market_snapshot_path()))
    return frame["date"].min(), frame["date"].max()


# --------------------------------------------------------------------------- helpers


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.loc[:, list(PRICE_COLUMNS)].copy()
    for col in ("open", "high", "low", "close", "volume"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["ticker"] = out["ticker"].astype(str)
    return out.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)


def _parse_date(value: str | date | pd.Timestamp | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise MarketDataError(
            f"{name}={value!r} is not a date. Use ISO format, e.g. {name}='2025-01-27'."
        ) from exc
    if stamp is pd.NaT:
        raise MarketDataError(f"{name} is empty. Use ISO format, e.g. {name}='2025-01-27'.")
    return stamp.tz_localize(None) if stamp.tzinfo else stamp.normalize()


def _normalise_tickers(tickers: str | Iterable[str]) -> list[str]:
    if isinstance(tickers, str):
        tickers = [tickers]
    out = [str(t).strip().upper() for t in tickers]
    if not out or any(not t for t in out):
        raise MarketDataError("No tickers given. Pass e.g. tickers=['NVDA', 'SPY'].")
    return list(dict.fromkeys(out))  # de-duplicate, keep order


def _restrict(
    frame: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    if start is not None:
        mask &= frame["date"].to_numpy() >= start.to_datetime64()
    if end is not None:
        mask &= frame["date"].to_numpy() <= end.to_datetime64()
    return frame.loc[mask].reset_index(drop=True)


# --------------------------------------------------------------------------- live (yfinance)


def cache_dir() -> Path:
    """Cache folder for live downloads: ``$DEEPSEEK_SHOCK_CACHE`` or the user cache dir."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("deepseek-shock"))


def _yf_download(
    tickers: Sequence[str], start: pd.Timestamp, end_exclusive: pd.Timestamp
) -> pd.DataFrame:
    """One batched yfinance download (the network call; tests replace this function).

    yfinance reports failures by logging and returning empty columns rather than raising;
    its log lines and pandas deprecation warnings are silenced here and the per-ticker
    reasons it records are raised as one :class:`NetworkError` when nothing came back.
    """
    import logging

    import yfinance as yf

    logger = logging.getLogger("yfinance")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = yf.download(
                list(tickers),
                start=start.strftime("%Y-%m-%d"),
                end=end_exclusive.strftime("%Y-%m-%d"),
                auto_adjust=AUTO_ADJUST,
                actions=False,
                group_by="column",
                progress=False,
                threads=False,
                multi_level_index=True,
            )
    finally:
        logger.setLevel(level)
    errors = dict(getattr(getattr(yf, "shared", None), "_ERRORS", {}) or {})
    if (frame is None or frame.dropna(how="all").empty) and errors:
        reason = next(iter(errors.values()))
        raise NetworkError(
            f"Yahoo Finance download failed for {', '.join(sorted(errors))}: {str(reason)[:200]}. "
            "Check the network, or run with --source snapshot to use the bundled data."
        )
    return frame


def _flatten_yfinance(wide: pd.DataFrame, tickers: Sequence[str]) -> pd.DataFrame:
    """Turn yfinance's (Price, Ticker) column MultiIndex into the tidy layout."""
    if wide is None or wide.empty:
        return pd.DataFrame(columns=list(PRICE_COLUMNS))
    if not isinstance(wide.columns, pd.MultiIndex):
        # Older yfinance returned flat columns for one ticker.
        wide = pd.concat({tickers[0]: wide}, axis=1).swaplevel(0, 1, axis=1)
    level_names = [str(x).lower() for x in wide.columns.get_level_values(0)]
    if "close" not in level_names:  # (Ticker, Price) order
        wide = wide.swaplevel(0, 1, axis=1)
    wide = wide.copy()
    wide.columns = pd.MultiIndex.from_tuples(
        [(str(price).lower().replace(" ", "_"), str(tic).upper()) for price, tic in wide.columns]
    )
    index = pd.DatetimeIndex(wide.index)
    if index.tz is not None:  # yfinance returns exchange-local, tz-aware timestamps
        index = index.tz_localize(None)
    wide.index = index.normalize().rename("date")
    long = wide.stack(level=1, future_stack=True).rename_axis(["date", "ticker"]).reset_index()
    for col in ("open", "high", "low", "close", "volume"):
        if col not in long.columns:
            long[col] = np.nan
    long = long.dropna(subset=["close"])  # rows yfinance padded with NaN are not data
    return _tidy(long)


def _cache_file(ticker: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in ticker)
    return cache_dir() / f"{safe}.csv"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_cache(frame: pd.DataFrame, ticker: str, start: pd.Timestamp, end: pd.Timestamp) -> Path:
    """Cache one ticker's bars for the requested span ``[start, end]``, atomically.

    A JSON sidecar records the span that was *requested* (so a later request inside it is
    served from the cache even on days without trading), the row count, the SHA-256 of the
    CSV and the ``auto_adjust`` setting.
    """
    rows = frame[frame["ticker"] == ticker]
    body = rows.to_csv(index=False, date_format="%Y-%m-%d").encode()
    target = _cache_file(ticker)
    meta = {
        "ticker": ticker,
        "start": str(start.date()),
        "end": str(end.date()),
        "rows": len(rows),
        "sha256": hashlib.sha256(body).hexdigest(),
        "auto_adjust": AUTO_ADJUST,
    }
    _atomic_write(target, body)
    _atomic_write(target.with_suffix(".json"), json.dumps(meta).encode())
    return target


def read_cache(ticker: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame | None:
    """Cached bars of ``ticker`` within ``[start, end]``; ``None`` if the cache does not cover it.

    A cache file whose checksum, row count, columns or adjustment setting do not match its
    sidecar is deleted (with a warning) and ``None`` returned, so the caller re-fetches:
    a corrupt cache is never used.
    """
    target = _cache_file(ticker)
    sidecar = target.with_suffix(".json")
    if not target.exists() and not sidecar.exists():
        return None
    try:
        body = target.read_bytes()
        meta = json.loads(sidecar.read_text())
        if hashlib.sha256(body).hexdigest() != meta["sha256"]:
            raise ValueError("checksum mismatch")
        frame = pd.read_csv(target, dtype={"ticker": str})
        if list(frame.columns) != list(PRICE_COLUMNS) or len(frame) != meta["rows"]:
            raise ValueError("unexpected columns or row count")
        if meta["auto_adjust"] != AUTO_ADJUST:
            raise ValueError("different auto_adjust setting")
        frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        json.JSONDecodeError,
        pd.errors.ParserError,
    ) as exc:
        warnings.warn(
            f"Discarding corrupt cache file {target} ({exc}); it will be re-fetched.", stacklevel=2
        )
        target.unlink(missing_ok=True)
        sidecar.unlink(missing_ok=True)
        return None
    if pd.Timestamp(meta["start"]) > start or pd.Timestamp(meta["end"]) < end:
        return None
    return _restrict(_tidy(frame), start, end)


Downloader = Callable[[Sequence[str], pd.Timestamp, pd.Timestamp], pd.DataFrame]


def fetch_live(
    tickers: Sequence[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    use_cache: bool = True,
    force: bool = False,
    downloader: Downloader | None = None,
) -> tuple[pd.DataFrame, str]:
    """Daily bars from Yahoo Finance for ``[start, end]`` (inclusive), via the cache.

    Tickers the cache covers are read from it; the rest are downloaded in one batched
    yfinance call (its ``end`` is exclusive, so one day is added) and cached. ``force``
    re-downloads everything. Returns the tidy frame and ``"cache"``, ``"live"`` or
    ``"live+cache"``.
    """
    cached: list[pd.DataFrame] = []
    to_fetch = list(tickers)
    if use_cache and not force:
        to_fetch = []
        for ticker in tickers:
            hit = read_cache(ticker, start, end)
            if hit is None:
                to_fetch.append(ticker)
            else:
                cached.append(hit)
    fetched = pd.DataFrame(columns=list(PRICE_COLUMNS))
    if to_fetch:
        download = downloader or _yf_download
        try:
            wide = download(to_fetch, start, end + timedelta(days=1))
        except NetworkError:
            raise
        except Exception as exc:  # yfinance surfaces requests/curl errors of many types
            raise NetworkError(
                f"Could not download prices from Yahoo Finance ({type(exc).__name__}: {exc}). "
                "Check the network, or run with --source snapshot to use the bundled data."
            ) from exc
        fetched = _flatten_yfinance(wide, to_fetch)
        if fetched.empty:
            raise NetworkError(
                "Yahoo Finance returned no data for any requested ticker (no network, a rate "
                "limit, or unknown symbols). Retry later, or run with --source snapshot."
            )
        unknown = sorted(set(to_fetch) - set(fetched["ticker"]))
        if unknown:
            raise MarketDataError(
                f"Yahoo Finance returned no prices for {', '.join(unknown)} between {start.date()} "
                f"and {end.date()}. Check the symbols (Yahoo spells indices ^GSPC, classes BRK-B)."
            )
        if use_cache:
            for ticker in to_fetch:
                write_cache(fetched, ticker, start, end)
    origin = "live+cache" if (cached and to_fetch) else ("live" if to_fetch else "cache")
    frames = [f for f in [*cached, fetched] if not f.empty]
    return _tidy(pd.concat(frames, ignore_index=True)), origin


# --------------------------------------------------------------------------- public API


def load_prices(
    tickers: str | Iterable[str] | None = None,
    start: str | date | pd.Timestamp | None = None,
    end: str | date | pd.Timestamp | None = None,
    source: Source = "snapshot",
    *,
    snapshot_path: str | Path | None = None,
    use_cache: bool = True,
) -> pd.DataFrame:
    """Daily OHLCV bars as a tidy frame.

    Parameters
    ----------
    tickers : symbols (Yahoo spelling, e.g. ``"^GSPC"``); ``None`` means every snapshot ticker.
    start, end : inclusive date bounds (ISO strings or dates); ``None`` means open-ended.
    source : ``"snapshot"`` (bundled, offline), ``"live"`` (yfinance + cache) or ``"auto"``
        (live, falling back to the snapshot when the network fails; the fallback is recorded in
        ``attrs["source"]`` and ``attrs["source_detail"]``).
    snapshot_path : alternative snapshot CSV with the same columns (for tests).
    use_cache : read and write the on-disk cache for live downloads.

    Raises
    ------
    MarketDataError
        Unknown tickers (the message lists the available ones), bad dates, no rows in range.
    NetworkError
        ``source="live"`` and Yahoo Finance cannot be reached.
    """
    if source not in ("snapshot", "live", "auto"):
        raise MarketDataError(f"source={source!r} is not one of 'snapshot', 'live', 'auto'.")
    start_ts, end_ts = _parse_date(start, "start"), _parse_date(end, "end")
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise MarketDataError(
            f"start ({start_ts.date()}) is after end ({end_ts.date()}). Swap them."
        )
    snapshot = str(snapshot_path or market_snapshot_path())

    detail = ""
    if source in ("live", "auto"):
        if tickers is None:
            raise MarketDataError("source='live' needs an explicit list of tickers.")
        wanted = _normalise_tickers(tickers)
        first, last = snapshot_span(snapshot)
        live_start = start_ts or first
        live_end = end_ts or pd.Timestamp(date.today())
        try:
            frame, origin = fetch_live(wanted, live_start, live_end, use_cache=use_cache)
        except NetworkError as exc:
            if source == "live":
                raise
            detail = f"live download failed, used the bundled snapshot instead: {exc}"
        else:
            frame.attrs.update(source=origin, source_detail=f"yfinance auto_adjust={AUTO_ADJUST}")
            return frame

    full = _read_snapshot(snapshot)
    available = sorted(full["ticker"].unique())
    wanted = available if tickers is None else _normalise_tickers(tickers)
    unknown = [t for t in wanted if t not in set(available)]
    if unknown:
        raise MarketDataError(
            f"Unknown ticker(s) for the bundled snapshot: {', '.join(unknown)}. "
            f"Available: {', '.join(available)}. Use --source live for other symbols."
        )
    frame = _restrict(full[full["ticker"].isin(wanted)], start_ts, end_ts)
    if frame.empty:
        first, last = full["date"].min().date(), full["date"].max().date()
        raise MarketDataError(
            f"No snapshot prices for {', '.join(wanted)} between {start_ts and start_ts.date()} and "
            f"{end_ts and end_ts.date()}. The snapshot covers {first} to {last}."
        )
    missing = sorted(set(wanted) - set(frame["ticker"]))
    if missing:
        raise MarketDataError(
            f"No snapshot prices for {', '.join(missing)} in the requested range; they have data "
            "elsewhere in the snapshot. Widen the range or drop them."
        )
    frame = frame.copy()
    frame.attrs.update(
        source="snapshot (fallback)" if detail else "snapshot",
        source_detail=detail or "bundled snapshot (split-adjusted, not dividend-adjusted)",
    )
    return frame


def to_wide(prices: pd.DataFrame, field: str = "close") -> pd.DataFrame:
    """Pivot a tidy price frame to dates × tickers for one field (NaN where no row exists)."""
    if field not in prices.columns:
        raise MarketDataError(
            f"Field {field!r} not in the price frame; choose one of {', '.join(PRICE_COLUMNS[2:])}."
        )
    wide = prices.pivot(index="date", columns="ticker", values=field).sort_index()
    wide.columns.name = None
    return wide


def simple_returns(closes: pd.DataFrame) -> pd.DataFrame:
    """Close-to-close simple returns ``P_t / P_{t-1} - 1`` per column.

    Consecutive *rows* are consecutive trading days (the data's own calendar). A return
    is NaN where either close is missing; nothing is filled.
    """
    return closes / closes.shift(1) - 1.0


def trading_days(prices: pd.DataFrame) -> pd.DatetimeIndex:
    """Sorted unique dates present in a price frame: the data's own trading calendar."""
    return pd.DatetimeIndex(sorted(prices["date"].unique()))


def next_trading_day(day: str | date | pd.Timestamp, calendar: pd.DatetimeIndex) -> pd.Timestamp:
    """The first trading day in ``calendar`` on or after ``day``.

    Raises :class:`MarketDataError` if ``day`` is after the last day of the calendar.
    """
    stamp = _parse_date(day, "day")
    position = calendar.searchsorted(stamp)
    if position >= len(calendar):
        raise MarketDataError(
            f"{stamp.date()} is after the last trading day in the data ({calendar[-1].date()})."
        )
    return calendar[position]


def refresh_cache(
    tickers: Iterable[str],
    start: str | date | pd.Timestamp,
    end: str | date | pd.Timestamp | None = None,
    *,
    downloader: Downloader | None = None,
) -> pd.DataFrame:
    """Download ``tickers`` for ``[start, end]`` (default: today) and overwrite their cache files."""
    start_ts = _parse_date(start, "start")
    end_ts = _parse_date(end, "end") or pd.Timestamp(date.today())
    if start_ts > end_ts:
        raise MarketDataError(
            f"start ({start_ts.date()}) is after end ({end_ts.date()}). Swap them."
        )
    frame, _origin = fetch_live(
        _normalise_tickers(tickers), start_ts, end_ts, force=True, downloader=downloader
    )
    return frame


def snapshot_provenance(sources_md: str | Path | None = None) -> pd.DataFrame:
    """Per-ticker provenance of the snapshot, read from the table in ``data/market/SOURCES.md``.

    Columns: ticker, repository, path, commit, rows, span, adjustment, notes. Reading the
    shipped document (rather than a second copy of it) keeps one source of truth.
    """
    path = Path(sources_md) if sources_md else market_snapshot_path().with_name("SOURCES.md")
    header = (
        "| ticker | repository | path | commit (short) | rows | span in file | adjustment | notes |"
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        first = lines.index(header) + 2  # skip the header and its |---| rule
    except ValueError as exc:
        raise DataError(f"{path} has no per-ticker provenance table (header {header!r}).") from exc
    rows = []
    for line in lines[first:]:
        if not line.startswith("|"):
            break
        # The document's **emphasis** is for readers of SOURCES.md, not for table cells.
        cells = [c.replace("**", "").strip() for c in line.strip().strip("|").split("|")]
        rows.append(cells)
    columns = ["ticker", "repository", "path", "commit", "rows", "span", "adjustment", "notes"]
    table = pd.DataFrame(rows, columns=columns)
    table["rows"] = table["rows"].astype(int)
    return table


def coverage(prices: pd.DataFrame) -> pd.DataFrame:
    """Per-ticker coverage of a tidy price frame against the frame's own trading calendar.

    Columns: first, last, rows, calendar_days (trading days between first and last in the
    whole frame), missing_days (calendar days without a row), empty_volume (rows whose
    volume is missing).
    """
    calendar = trading_days(prices)
    grouped = prices.groupby("ticker")
    out = pd.DataFrame(
        {
            "first": grouped["date"].min(),
            "last": grouped["date"].max(),
            "rows": grouped.size(),
            "empty_volume": grouped["volume"].apply(lambda v: int(v.isna().sum())),
        }
    )
    out["calendar_days"] = [
        int(((calendar >= f) & (calendar <= la)).sum())
        for f, la in zip(out["first"], out["last"], strict=True)
    ]
    out["missing_days"] = out["calendar_days"] - out["rows"]
    return out[["first", "last", "rows", "calendar_days", "missing_days", "empty_volume"]]
