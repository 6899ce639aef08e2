"""Market data layer: snapshot reading, validation, and the live path through a local stand-in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepseek_shock import market
from deepseek_shock.errors import DataError, MarketDataError, NetworkError

# --------------------------------------------------------------------------- snapshot


def test_snapshot_is_tidy_and_sorted():
    prices = market.load_prices(["SPY", "NVDA"], "2025-01-01", "2025-01-31")
    assert list(prices.columns) == list(market.PRICE_COLUMNS)
    assert prices.attrs["source"] == "snapshot"
    assert prices["ticker"].tolist() == sorted(prices["ticker"].tolist())
    assert prices.groupby("ticker")["date"].apply(lambda d: d.is_monotonic_increasing).all()


def test_calendar_comes_from_the_data_not_weekdays():
    prices = market.load_prices(["NVDA"], "2025-01-15", "2025-01-31")
    days = market.trading_days(prices)
    assert pd.Timestamp("2025-01-20") not in days  # Martin Luther King Jr. Day, no trading
    assert market.next_trading_day("2025-01-25", days) == pd.Timestamp("2025-01-27")
    closes = market.to_wide(prices)
    returns = market.simple_returns(closes)["NVDA"]
    # 142.62 -> 118.42: the published close-to-close fall of about 17%.
    assert returns.loc["2025-01-27"] == pytest.approx(118.42 / 142.62 - 1, abs=1e-12)
    assert returns.loc["2025-01-27"] == pytest.approx(-0.1697, abs=5e-4)
    # The return on 2025-01-21 is computed against 2025-01-17, the previous *trading* day.
    assert returns.loc["2025-01-21"] == pytest.approx(
        closes.loc["2025-01-21", "NVDA"]
        / market.load_prices("NVDA", "2025-01-17", "2025-01-17")["close"].iloc[0]
        - 1
    )


def test_snapshot_matches_its_published_checks_file():
    lines = (market.market_snapshot_path().with_name("checks.txt")).read_text().splitlines()
    rows = [ln.split() for ln in lines if ln[:1].isupper() or ln.startswith("^")]
    rows = [r for r in rows if len(r) == 4 and r[3].endswith("%")]
    assert len(rows) == 40
    closes = market.to_wide(market.load_prices(None, "2025-01-24", "2025-01-27"))
    for ticker, before, after, change in rows:
        assert closes.loc["2025-01-24", ticker] == pytest.approx(float(before))
        assert closes.loc["2025-01-27", ticker] == pytest.approx(float(after))
        assert (float(after) / float(before) - 1) * 100 == pytest.approx(
            float(change[:-1]), abs=0.006
        )


def test_missing_values_are_not_filled():
    prices = market.load_prices(["GEV", "NVDA"], "2024-03-01", "2024-04-30")
    closes = market.to_wide(prices)
    assert closes["GEV"].isna().sum() > 0  # before the spin-off there is no GEV row
    assert prices[prices["ticker"] == "GEV"]["date"].min() == pd.Timestamp("2024-03-27")


def test_unknown_tickers_are_listed_with_the_available_ones():
    with pytest.raises(MarketDataError) as err:
        market.load_prices(["NVDA", "NOPE", "ZZZ"])
    message = str(err.value)
    assert (
        "NOPE, ZZZ" in message
        and "Available:" in message
        and "NVDA" in message.split("Available:")[1]
    )


@pytest.mark.parametrize(
    ("start", "end", "pattern"),
    [
        ("2025-13-01", None, "not a date"),
        ("2025-02-01", "2025-01-01", "after end"),
        ("2030-01-01", "2030-02-01", "snapshot covers 2023-12-01 to 2025-06-30"),
    ],
)
def test_bad_dates_give_one_clear_error(start, end, pattern):
    with pytest.raises(MarketDataError, match=pattern):
        market.load_prices(["NVDA"], start, end)


def test_ticker_without_data_in_range_is_named():
    with pytest.raises(MarketDataError, match="GEV"):
        market.load_prices(["NVDA", "GEV"], "2024-01-01", "2024-02-01")


def test_snapshot_missing_a_column_is_rejected(tmp_path):
    broken = tmp_path / "prices.csv"
    pd.read_csv(market.market_snapshot_path()).drop(columns=["close"]).to_csv(broken, index=False)
    with pytest.raises(DataError, match=r"lacks column.*close"):
        market.load_prices(["NVDA"], snapshot_path=broken)


def test_unreadable_snapshot_is_rejected(tmp_path):
    bad = tmp_path / "prices.csv"
    bad.write_bytes(b"")
    with pytest.raises(DataError, match="cannot be parsed"):
        market.load_prices(["NVDA"], snapshot_path=bad)


def test_snapshot_provenance_covers_every_ticker():
    table = market.snapshot_provenance()
    assert sorted(table["ticker"]) == market.snapshot_tickers()
    documented = table.set_index("ticker")["rows"].sort_index()
    counted = market.coverage(market.load_prices())["rows"].sort_index()
    assert documented.to_dict() == counted.to_dict()


def test_snapshot_provenance_strips_markdown_emphasis(tmp_path):
    header = (
        "| ticker | repository | path | commit (short) | rows | span in file | adjustment | notes |"
    )
    doc = tmp_path / "SOURCES.md"
    doc.write_text(
        "# Sources\n\n" + header + "\n|---|---|---|---|---|---|---|---|\n"
        "| KLAC | o/r | p.csv | abc123 | 5 | 2024 | **split-adjusted** | "
        "**level ≈ 1/10 of quoted**; returns unaffected |\n\nAfter the table.\n",
        encoding="utf-8",
    )
    row = market.snapshot_provenance(doc).iloc[0]
    assert row["adjustment"] == "split-adjusted"
    assert row["notes"] == "level ≈ 1/10 of quoted; returns unaffected"
    shipped = market.snapshot_provenance()
    assert not any("**" in cell for cell in shipped[["adjustment", "notes"]].to_numpy().ravel())


# --------------------------------------------------------------------------- live path (local stand-in)


def yfinance_shaped(tickers, start, end_exclusive, unknown=()):
    """A frame shaped like yfinance 0.2.51+/1.x ``download(auto_adjust=False)``: (Price, Ticker) columns,
    tz-aware index, all-NaN columns for unknown symbols."""
    snap = market.to_wide(
        market.load_prices([t for t in tickers if t not in unknown], start, end_exclusive)
    )
    index = pd.DatetimeIndex(snap.index).tz_localize("America/New_York").rename("Date")
    fields = {}
    for field in ("Adj Close", "Close", "High", "Low", "Open", "Volume"):
        source = "close" if field == "Adj Close" else field.lower()
        wide = market.to_wide(
            market.load_prices([t for t in tickers if t not in unknown], start, end_exclusive),
            source,
        )
        for t in tickers:
            values = wide[t].to_numpy() if t in wide else np.full(len(index), np.nan)
            fields[(field, t)] = values * (0.99 if field == "Adj Close" else 1.0)
    frame = pd.DataFrame(fields, index=index)
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["Price", "Ticker"])
    return frame


class StandIn:
    """Records calls; returns the snapshot reshaped as yfinance would."""

    def __init__(self, unknown=(), fail=None):
        self.calls, self.unknown, self.fail = [], unknown, fail

    def __call__(self, tickers, start, end_exclusive):
        self.calls.append((list(tickers), start, end_exclusive))
        if self.fail:
            raise self.fail
        return yfinance_shaped(tickers, start, end_exclusive - pd.Timedelta(days=1), self.unknown)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(market.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_live_flattens_yfinance_layout_and_matches_snapshot(cache, monkeypatch):
    stand_in = StandIn()
    monkeypatch.setattr(market, "_yf_download", stand_in)
    live = market.load_prices(["NVDA", "SPY"], "2025-01-02", "2025-01-31", source="live")
    snap = market.load_prices(["NVDA", "SPY"], "2025-01-02", "2025-01-31")
    assert live.attrs["source"] == "live"
    pd.testing.assert_frame_equal(
        live.reset_index(drop=True), snap.reset_index(drop=True), check_like=True
    )
    # yfinance's end is exclusive: the stand-in was asked for one day past the inclusive end.
    assert stand_in.calls[0][2] == pd.Timestamp("2025-02-01")
    assert live["close"].equals(snap["close"])  # unadjusted Close, not Adj Close
    assert live["date"].dt.tz is None


def test_live_uses_cache_on_second_call(cache, monkeypatch):
    stand_in = StandIn()
    monkeypatch.setattr(market, "_yf_download", stand_in)
    market.load_prices(["NVDA"], "2025-01-02", "2025-01-31", source="live")
    again = market.load_prices(["NVDA"], "2025-01-06", "2025-01-24", source="live")
    assert len(stand_in.calls) == 1
    assert again.attrs["source"] == "cache"
    assert again["date"].min() == pd.Timestamp("2025-01-06")


def test_corrupt_cache_is_detected_and_refetched(cache, monkeypatch):
    stand_in = StandIn()
    monkeypatch.setattr(market, "_yf_download", stand_in)
    market.load_prices(["NVDA"], "2025-01-02", "2025-01-31", source="live")
    cached = next(cache.glob("NVDA.csv"))
    cached.write_text(cached.read_text()[:200])  # truncated file
    with pytest.warns(UserWarning, match="corrupt cache"):
        frame = market.load_prices(["NVDA"], "2025-01-02", "2025-01-31", source="live")
    assert len(stand_in.calls) == 2 and frame.attrs["source"] == "live"
    assert len(frame) == 20


def test_unknown_live_ticker_is_named(cache, monkeypatch):
    monkeypatch.setattr(market, "_yf_download", StandIn(unknown=("NOPE",)))
    with pytest.raises(MarketDataError, match="no prices for NOPE"):
        market.load_prices(["NVDA", "NOPE"], "2025-01-02", "2025-01-31", source="live")


def test_no_network_live_names_the_snapshot_option(cache, monkeypatch):
    monkeypatch.setattr(
        market,
        "_yf_download",
        StandIn(fail=ConnectionError("Failed to resolve query1.finance.yahoo.com")),
    )
    with pytest.raises(NetworkError, match="--source snapshot"):
        market.load_prices(["NVDA"], "2025-01-02", "2025-01-31", source="live")


def test_empty_download_is_a_network_error(cache, monkeypatch):
    monkeypatch.setattr(market, "_yf_download", lambda *a: pd.DataFrame())
    with pytest.raises(NetworkError, match="returned no data"):
        market.load_prices(["NVDA"], "2025-01-02", "2025-01-31", source="live")


def test_auto_falls_back_to_snapshot_and_says_so(cache, monkeypatch):
    monkeypatch.setattr(market, "_yf_download", StandIn(fail=OSError("network unreachable")))
    frame = market.load_prices(["NVDA"], "2025-01-02", "2025-01-31", source="auto")
    assert frame.attrs["source"] == "snapshot (fallback)"
    assert "network unreachable" in frame.attrs["source_detail"]
    assert len(frame) == 20


def test_refresh_overwrites_cache(cache, monkeypatch):
    stand_in = StandIn()
    monkeypatch.setattr(market, "_yf_download", stand_in)
    market.refresh_cache(["NVDA", "SPY"], "2025-01-02", "2025-01-31")
    market.refresh_cache(["NVDA", "SPY"], "2025-01-02", "2025-01-31")
    assert len(stand_in.calls) == 2
    assert sorted(p.name for p in cache.glob("*.csv")) == ["NVDA.csv", "SPY.csv"]
    frame = market.load_prices(["NVDA", "SPY"], "2025-01-02", "2025-01-31", source="live")
    assert frame.attrs["source"] == "cache" and len(stand_in.calls) == 2


def test_bad_source_value():
    with pytest.raises(MarketDataError, match="not one of"):
        market.load_prices(["NVDA"], source="web")
