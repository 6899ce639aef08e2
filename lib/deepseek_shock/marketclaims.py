"""The articles' market numbers checked against daily bars; market values from share counts.

Public ``verify_*`` functions (the claims scorecard calls them; each returns a
:class:`~deepseek_shock.evidence.Measurement`)::

    verify_close_to_close_return(ticker, date, source="snapshot")  # %, close-to-close;
        # bounds = (low, high) move from the previous close, for intraday claims
    verify_intraday_bounds(ticker, date, source="snapshot")        # %, value = the day's
        # deepest fall from the previous close (low), bounds = (low, high) moves
    verify_close_price(ticker, date, source="snapshot")            # USD per share
        # (index points for indices)
    verify_market_value_change(ticker, date, source="snapshot")    # USD billion

Also: :func:`published_value_losses` (the press figures to compare a value change with).

Decisions a newcomer may question
---------------------------------
* **Close-to-close is the basis.** Daily bars give the close and the previous close, so
  a "fell X%" claim is compared with the close-to-close change. A claim about a moment
  during the day ("Monday morning") can only be *bounded*: any move between the day's
  low and high relative to the previous close is possible. Pre-market, futures and
  foreign-venue figures are outside the US daily bars altogether; they are reported as
  not checkable, with the US session's range as context.
* **Market value = shares outstanding × close**, with the share count from the bundled
  reference table (``shares_outstanding``). Only share classes priced by the ticker's own
  listing are counted: Alphabet's Class A and unlisted Class B (which converts 1:1 into A)
  at the GOOGL price, but not Class C, which trades as GOOG and is not in the price data.
  A company missing from the table is reported as missing, never estimated. TSMC's
  ordinary shares are converted to ADS with the ratio stated in the table.
* **Restated levels.** XLK, XLU and KLAC levels in the snapshot are restated for a later
  split (``data/market/SOURCES.md``); their returns are right but their price levels are
  not the prices quoted at the time, so :func:`verify_close_price` marks them unavailable.
* **Unknown ticker or a date outside the data** gives ``available=False`` (the scorecard's
  "unverifiable"); a date inside the data that is not a trading day raises
  :class:`~deepseek_shock.errors.MarketDataError`, because a claim must name the trading
  day it refers to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from . import market
from .errors import MarketDataError
from .evidence import Measurement
from .reference import load_reference

# From data/market/SOURCES.md ("Scale caveat"): whole history restated for a later split.
RESTATED_LEVELS: dict[str, str] = {"XLK": "about 1/2", "XLU": "about 1/2", "KLAC": "about 1/10"}
ADS_RATIO = re.compile(r"1\s*ADS\s*=\s*(\d+)\s*ordinary", re.IGNORECASE)


# --------------------------------------------------------------------------- daily bars


@dataclass(frozen=True)
class DayBars:
    """One day's bar and the previous trading day's close for one ticker."""

    ticker: str
    date: pd.Timestamp
    previous_date: pd.Timestamp
    previous_close: float
    open: float
    high: float
    low: float
    close: float
    source: str

    def move(self, price: float) -> float:
        """Fractional change of ``price`` from the previous close."""
        return price / self.previous_close - 1.0

    @property
    def close_to_close(self) -> float:
        """``close / previous close - 1``."""
        return self.move(self.close)

    @property
    def basis(self) -> str:
        return f"close-to-close {self.previous_date.date()} -> {self.date.date()}"


def day_bars(ticker: str, date: str | pd.Timestamp, source: str = "snapshot") -> DayBars | None:
    """The bar for ``date`` and the previous trading day's close, or ``None`` if unavailable.

    ``None`` means the ticker is not in the data source or the date lies outside its
    span. Raises :class:`MarketDataError` when ``date`` is inside the data but is not a
    trading day (the message names the neighbouring trading days).
    """
    day = pd.Timestamp(date).normalize()
    try:
        rows = market.load_prices(
            [ticker], day - timedelta(days=14), day + timedelta(days=7), source=source
        )
    except MarketDataError:
        return None
    rows = rows.set_index("date").sort_index()
    if day not in rows.index:
        before, after = rows.index[rows.index < day], rows.index[rows.index > day]
        if len(before) and len(after):
            raise MarketDataError(
                f"{day.date()} is not a trading day for {ticker} in the data (previous "
                f"{before[-1].date()}, next {after[0].date()}). Give the trading day the claim "
                "refers to."
            )
        return None
    position = rows.index.get_loc(day)
    if position == 0:
        return None
    prev, bar = rows.iloc[position - 1], rows.iloc[position]
    return DayBars(
        ticker=ticker,
        date=day,
        previous_date=rows.index[position - 1],
        previous_close=float(prev["close"]),
        open=float(bar["open"]),
        high=float(bar["high"]),
        low=float(bar["low"]),
        close=float(bar["close"]),
        source=str(rows.attrs.get("source", source)),
    )


def _unavailable(ticker: str, date: str | pd.Timestamp, unit: str, what: str) -> Measurement:
    return Measurement(
        value=None,
        unit=unit,
        basis=what,
        evidence=f"No {ticker} bar for {pd.Timestamp(date).date()} and the trading day before "
        "it in the data source (ticker not bundled or date outside the data).",
        available=False,
    )


def _pct(x: float) -> float:
    return 100.0 * x


# --------------------------------------------------------------------------- verify: prices


def verify_close_to_close_return(
    ticker: str, date: str | pd.Timestamp, source: str = "snapshot"
) -> Measurement:
    """Close-to-close percent change of ``ticker`` on ``date``.

    Signature: ``verify_close_to_close_return(ticker, date, source="snapshot") ->
    Measurement``; ``value`` in %, ``bounds`` = (low, high) of the day as % moves from the
    previous close (what an intraday claim can be checked against);
    ``extra["open_move_pct"]`` the move at the open.
    """
    bars = day_bars(ticker, date, source)
    if bars is None:
        return _unavailable(ticker, date, "%", "close-to-close")
    value = _pct(bars.close_to_close)
    low, high = _pct(bars.move(bars.low)), _pct(bars.move(bars.high))
    return Measurement(
        value=value,
        unit="%",
        basis=bars.basis,
        evidence=(
            f"{ticker} closed at {bars.close:,.2f} on {bars.date.date()} against "
            f"{bars.previous_close:,.2f} on {bars.previous_date.date()} ({value:+.2f}%); the "
            f"day's range was {low:+.2f}% (low) to {high:+.2f}% (high) from the previous "
            f"close. Data: {bars.source}."
        ),
        bounds=(low, high),
        extra={"open_move_pct": _pct(bars.move(bars.open)), "close": bars.close},
    )


def verify_intraday_bounds(
    ticker: str, date: str | pd.Timestamp, source: str = "snapshot"
) -> Measurement:
    """The range of moves from the previous close that the day's low and high allow.

    Signature: ``verify_intraday_bounds(ticker, date, source="snapshot") -> Measurement``;
    ``value`` = the deepest fall (low vs previous close) in %, ``bounds`` = (low, high)
    moves in %. An intraday claim "down X% at some time" is possible only if
    ``low <= -X <= high``; daily bars cannot say *when* in the day a level was reached.
    """
    bars = day_bars(ticker, date, source)
    if bars is None:
        return _unavailable(ticker, date, "%", "intraday range")
    low, high = _pct(bars.move(bars.low)), _pct(bars.move(bars.high))
    return Measurement(
        value=low,
        unit="%",
        basis=f"intraday range {bars.date.date()} vs close {bars.previous_date.date()}",
        evidence=(
            f"On {bars.date.date()} {ticker} traded between {bars.low:,.2f} and {bars.high:,.2f} "
            f"(open {bars.open:,.2f}), i.e. {low:+.2f}% to {high:+.2f}% from the previous close "
            f"{bars.previous_close:,.2f}. Data: {bars.source}."
        ),
        bounds=(low, high),
        extra={
            "open_move_pct": _pct(bars.move(bars.open)),
            "close_move_pct": _pct(bars.close_to_close),
        },
    )


def verify_close_price(
    ticker: str, date: str | pd.Timestamp, source: str = "snapshot"
) -> Measurement:
    """Closing price of ``ticker`` on ``date``.

    Signature: ``verify_close_price(ticker, date, source="snapshot") -> Measurement``;
    ``value`` in USD per share (index points for ``^`` indices), ``bounds`` = the day's
    (low, high). Unavailable for tickers whose snapshot levels are restated
    (:data:`RESTATED_LEVELS`).
    """
    unit = "index points" if ticker.startswith("^") else "USD per share"
    if ticker in RESTATED_LEVELS and source == "snapshot":
        return Measurement(
            value=None,
            unit=unit,
            basis="close",
            evidence=(
                f"The snapshot's {ticker} levels are restated for a later split "
                f"({RESTATED_LEVELS[ticker]} of the prices quoted at the time); returns are "
                "right, levels are not comparable with a quoted price."
            ),
            available=False,
        )
    bars = day_bars(ticker, date, source)
    if bars is None:
        return _unavailable(ticker, date, unit, "close")
    return Measurement(
        value=bars.close,
        unit=unit,
        basis=f"close {bars.date.date()}",
        evidence=(
            f"{ticker} closed at {bars.close:,.2f} on {bars.date.date()} (day's range "
            f"{bars.low:,.2f}–{bars.high:,.2f}). Data: {bars.source}."
        ),
        bounds=(bars.low, bars.high),
    )


# --------------------------------------------------------------------------- market values


@dataclass(frozen=True)
class ShareCount:
    """Shares outstanding priced by one listing, in units of that listing (ADS for ADRs).

    ``classes`` names the share classes counted, ``as_of`` their as-of dates, and
    ``excluded`` the same company's classes that trade under another symbol.
    """

    ticker: str
    company: str
    shares: float
    classes: str
    as_of: tuple[pd.Timestamp, ...]
    excluded: str


def share_count(ticker: str) -> ShareCount | None:
    """Shares for ``ticker`` from the bundled ``shares_outstanding`` table (``None`` if absent).

    Rows with this ticker are summed (e.g. Meta Class A + B; Alphabet Class A + B at the
    GOOGL price). Ordinary shares behind an ADR are divided by the ADS ratio stated in the
    row's ``share_class`` ("1 ADS = 5 ordinary shares" for TSMC).
    """
    table = load_reference("shares_outstanding")
    rows = table[table["ticker"] == ticker]
    if rows.empty:
        return None
    shares = 0.0
    for _, row in rows.iterrows():
        ratio = ADS_RATIO.search(str(row["share_class"]))
        shares += float(row["shares_outstanding"]) / (int(ratio.group(1)) if ratio else 1)
    company = str(rows["company"].iloc[0])
    others = table[(table["company"] == company) & (table["ticker"] != ticker)]
    excluded = "; ".join(
        f"{r.share_class} ({r.ticker}, {int(r.shares_outstanding):,} shares): not in the price data"
        for r in others.itertuples()
    )
    classes = " + ".join(
        str(c).split(" (")[0].split(";")[0]
        + (" (counted as ADS)" if ADS_RATIO.search(str(c)) else "")
        for c in rows["share_class"]
    )
    as_of = tuple(sorted(pd.to_datetime(rows["as_of_date"]).unique()))
    return ShareCount(ticker, company, shares, classes, as_of, excluded)


def _share_caveats(count: ShareCount, date: pd.Timestamp) -> str:
    """What a reader must know about a share count used on ``date`` (empty if nothing)."""
    notes = []
    if any(d > date for d in count.as_of):
        notes.append("share count dated after the event (no earlier figure in the table)")
    if count.excluded:
        notes.append(f"excluded: {count.excluded}")
    return "; ".join(notes)


def market_value_changes(closes: pd.DataFrame, date: str | pd.Timestamp) -> pd.DataFrame:
    """Market value before ``date`` and its one-day change, per ticker in ``closes``.

    ``closes`` is the wide close frame (trading days × tickers). Columns: ``shares``
    (listing units, see :func:`share_count`), ``share_classes``, ``shares_as_of``,
    ``previous_close``, ``close``, ``market_value_before`` (USD), ``change_usd_bn`` (USD
    billion) and ``note`` (caveats). Tickers not in the reference table get NaN and the
    note ``"not in reference table"``.
    """
    day = pd.Timestamp(date).normalize()
    if day not in closes.index:
        raise MarketDataError(f"{day.date()} is not a trading day in the close frame.")
    position = closes.index.get_loc(day)
    if position == 0:
        raise MarketDataError(f"{day.date()} is the first day of the data; no previous close.")
    previous, current = closes.iloc[position - 1], closes.iloc[position]
    records = []
    for ticker in closes.columns:
        count = share_count(ticker)
        if count is None:
            records.append({"ticker": ticker, "note": "not in reference table"})
            continue
        records.append(
            {
                "ticker": ticker,
                "shares": count.shares,
                "share_classes": count.classes,
                "shares_as_of": ", ".join(str(d.date()) for d in count.as_of),
                "previous_close": previous[ticker],
                "close": current[ticker],
                "market_value_before": count.shares * previous[ticker],
                "change_usd_bn": count.shares * (current[ticker] - previous[ticker]) / 1e9,
                "note": _share_caveats(count, day),
            }
        )
    columns = [
        "shares", "share_classes", "shares_as_of", "previous_close", "close",
        "market_value_before", "change_usd_bn", "note",
    ]  # fmt: skip
    return pd.DataFrame.from_records(records).set_index("ticker").reindex(columns=columns)


def verify_market_value_change(
    ticker: str, date: str | pd.Timestamp, source: str = "snapshot"
) -> Measurement:
    """One-day change in market value of ``ticker`` on ``date``.

    Signature: ``verify_market_value_change(ticker, date, source="snapshot") ->
    Measurement``; ``value`` in USD billion = shares × (close − previous close) / 1e9,
    shares from the bundled reference table (see :func:`share_count`); unavailable when
    the company is not in the table. ``extra`` carries the share count and its as-of dates.
    """
    count = share_count(ticker)
    if count is None:
        return Measurement(
            value=None,
            unit="USD billion",
            basis="shares outstanding × close",
            evidence=f"{ticker} is not in the bundled shares-outstanding reference table.",
            available=False,
        )
    bars = day_bars(ticker, date, source)
    if bars is None:
        return _unavailable(ticker, date, "USD billion", "shares outstanding × close")
    change = count.shares * (bars.close - bars.previous_close) / 1e9
    caveats = _share_caveats(count, bars.date)
    as_of = ", ".join(str(d.date()) for d in count.as_of)
    note = f"{count.classes}, as of {as_of}" + (f"; {caveats}" if caveats else "")
    return Measurement(
        value=change,
        unit="USD billion",
        basis=f"shares outstanding × {bars.basis}",
        evidence=(
            f"{count.shares:,.0f} {ticker} shares ({note}) × ({bars.close:,.2f} − "
            f"{bars.previous_close:,.2f}) = {change:+,.1f} USD billion. Data: {bars.source}."
        ),
        extra={"shares": count.shares, "as_of": [str(d.date()) for d in count.as_of]},
    )


#: The trading day ``event_day_facts.csv`` describes (its PROVENANCE: "figures reported by
#: the press for 2025-01-27").
FACTS_DAY = pd.Timestamp("2025-01-27")


def published_value_losses(ticker: str, date: str | pd.Timestamp) -> pd.Series:
    """Market-value losses the press published for ``ticker`` on ``date`` (USD billion).

    From the ``<ticker>_market_value_loss (<source>)`` rows of the bundled
    ``event_day_facts`` table, indexed by source, as positive numbers (a loss of
    $593 billion is 593). Empty when ``date`` is not :data:`FACTS_DAY`, the only day the
    table covers, or no figure is bundled for the ticker: nothing else is compared.
    """
    if pd.Timestamp(date).normalize() != FACTS_DAY:
        return pd.Series(dtype=float, name="usd_bn")
    facts = load_reference("event_day_facts")
    prefix = f"{ticker.lower()}_market_value_loss"
    rows = facts[facts["fact"].str.startswith(prefix)]
    source = rows["fact"].str.removeprefix(prefix).str.strip(" ()")
    index = pd.Index(source.replace("", "unnamed"), name="source")
    return pd.Series(rows["value"].astype(float).to_numpy(), index=index, name="usd_bn")
