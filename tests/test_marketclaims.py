"""Tests for deepseek_shock.marketclaims against published event-day figures and the data."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from deepseek_shock import market
from deepseek_shock import marketclaims as mc
from deepseek_shock.errors import MarketDataError
from deepseek_shock.reference import load_reference

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
DAY = "2025-01-27"


def published(fact: str) -> str:
    facts = load_reference("event_day_facts").set_index("fact")
    return str(facts.loc[fact, "value"])


def first_number(text: str) -> float:
    return float(re.search(r"[-+]?\d[\d,]*\.?\d*", text).group().replace(",", ""))


# --------------------------------------------------------------------------- published figures


@pytest.mark.parametrize(
    ("ticker", "fact"),
    [
        ("^GSPC", "sp500_change"),  # "-88.96 (-1.46%)" (investing.com)
        ("^IXIC", "nasdaq_composite_change"),  # "-612.47 (-3.07%)"
        ("AVGO", "avgo_pct_change"),  # -17.4
        ("MRVL", "mrvl_pct_change"),  # -19.1
        ("MSFT", "msft_pct_change"),  # -2.1
        ("GOOGL", "googl_pct_change"),  # -4.2
    ],
)
def test_close_to_close_return_matches_published_figures(ticker, fact):
    text = published(fact)
    percent = re.search(r"\(([-+]?\d+\.\d+)%\)", text)
    claimed = float(percent.group(1)) if percent else first_number(text)
    decimals = len(str(claimed).split(".")[1])
    measured = mc.verify_close_to_close_return(ticker, DAY)
    assert measured.available and measured.unit == "%"
    assert round(measured.value, decimals) == pytest.approx(claimed)
    assert measured.basis == "close-to-close 2025-01-24 -> 2025-01-27"


def test_close_prices_match_published_index_closes_and_nvda_previous_close():
    assert mc.verify_close_price("^GSPC", DAY).value == pytest.approx(
        first_number(published("sp500_close"))
    )
    assert mc.verify_close_price("^IXIC", DAY).value == pytest.approx(
        first_number(published("nasdaq_composite_close"))
    )
    epoch = published(
        "nvda_prev_close_2025-01-24 and close (Epoch Times; close differs from other sources)"
    )
    assert mc.verify_close_price("NVDA", "2025-01-24").value == pytest.approx(first_number(epoch))
    assert mc.verify_close_price("^GSPC", DAY).unit == "index points"


def test_nvda_market_value_loss_within_published_range():
    facts = load_reference("event_day_facts")
    losses = facts[facts["fact"].str.startswith("nvda_market_value_loss")]["value"].astype(float)
    measured = mc.verify_market_value_change("NVDA", DAY)
    assert measured.unit == "USD billion"
    assert losses.min() <= -measured.value <= losses.max()  # 589 .. 593.7
    assert measured.extra["shares"] == 24_490_000_000


def test_published_value_losses_are_the_bundled_press_figures_for_that_day_only():
    facts = load_reference("event_day_facts")
    nvda = facts[facts["fact"].str.startswith("nvda_market_value_loss")]
    losses = mc.published_value_losses("NVDA", DAY)
    assert sorted(losses) == sorted(nvda["value"].astype(float))
    assert "Reuters, LSEG data" in losses.index and losses.min() > 0
    assert mc.published_value_losses("AVGO", DAY).tolist() == [
        float(published("avgo_market_value_loss"))
    ]
    assert mc.published_value_losses("NVDA", "2025-01-28").empty  # the table covers one day
    assert mc.published_value_losses("TSM", DAY).empty


def test_intraday_bounds_are_the_days_low_and_high_against_previous_close():
    rows = market.load_prices(["NVDA"], "2025-01-24", DAY).set_index("date")
    prev, bar = rows.loc["2025-01-24"], rows.loc[DAY]
    measured = mc.verify_intraday_bounds("NVDA", DAY)
    low, high = measured.bounds
    assert low == pytest.approx(100 * (bar["low"] / prev["close"] - 1))
    assert high == pytest.approx(100 * (bar["high"] / prev["close"] - 1))
    assert measured.value == low
    assert low <= measured.extra["close_move_pct"] <= high
    assert low <= measured.extra["open_move_pct"] <= high
    assert mc.verify_close_to_close_return("NVDA", DAY).bounds == measured.bounds


# --------------------------------------------------------------------------- share counts


def test_share_counts_sum_listed_classes_and_convert_adrs():
    table = load_reference("shares_outstanding").set_index(["ticker", "share_class"])[
        "shares_outstanding"
    ]
    meta = mc.share_count("META")
    assert meta.shares == table.loc["META"].sum()
    tsm = mc.share_count("TSM")
    assert tsm.shares == pytest.approx(table.loc["TSM"].iloc[0] / 5)  # "1 ADS = 5 ordinary shares"
    googl = mc.share_count("GOOGL")
    assert googl.shares == table.loc["GOOGL"].sum()  # Class A + B, not Class C (GOOG)
    assert "GOOG" in googl.excluded and "not in the price data" in googl.excluded
    assert mc.share_count("AVGO") is None


def test_market_value_changes_flags_missing_companies_and_late_share_counts():
    closes = market.to_wide(market.load_prices(["NVDA", "TSM", "AVGO"], "2025-01-20", DAY))
    table = mc.market_value_changes(closes, DAY)
    assert table.loc["AVGO", "note"] == "not in reference table"
    assert pd.isna(table.loc["AVGO", "change_usd_bn"])
    assert "after the event" in table.loc["TSM", "note"]
    nvda = table.loc["NVDA"]
    assert nvda["change_usd_bn"] == pytest.approx(nvda["shares"] * (118.42 - 142.62) / 1e9)
    assert nvda["change_usd_bn"] == pytest.approx(mc.verify_market_value_change("NVDA", DAY).value)


# --------------------------------------------------------------------------- unavailable and errors


def test_unknown_ticker_missing_company_and_restated_levels_are_unavailable():
    assert not mc.verify_close_to_close_return("ASML.AS", DAY).available
    assert not mc.verify_market_value_change("AVGO", DAY).available
    klac = mc.verify_close_price("KLAC", DAY)
    assert not klac.available and "restated" in klac.evidence
    assert mc.verify_close_to_close_return("KLAC", DAY).available  # returns are unaffected
    assert not mc.verify_close_to_close_return("NVDA", "2030-01-02").available


def test_non_trading_day_inside_the_data_raises_naming_neighbours():
    with pytest.raises(MarketDataError, match="previous 2025-01-17, next 2025-01-21"):
        mc.verify_close_to_close_return("NVDA", "2025-01-20")
