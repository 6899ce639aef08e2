"""Tests for deepseek_shock.selloff: data assembly, tables, recovery, confounders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deepseek_shock import eventstudy as es
from deepseek_shock import marketclaims as mc
from deepseek_shock import selloff as so
from deepseek_shock.errors import ParameterError

GROUPS = {
    "AI semiconductors": ["NVDA", "AVGO", "TSM", "INTC"],
    "Power & data-centre": ["VST", "GEV"],
}
DAY = "2025-01-27"


@pytest.fixture(scope="module")
def data() -> so.StudyData:
    return so.load_study_data(
        ["NVDA", "AVGO", "TSM", "INTC", "VST", "GEV", "SPY", "DIA", "SMH"],
        first_valid_dates={"GEV": "2024-04-02"},
    )


@pytest.fixture(scope="module")
def studies(data) -> dict[str, es.EventStudy]:
    return so.run_group_studies(data, GROUPS, "SPY", DAY)


def test_first_valid_dates_drop_rows_without_filling(data):
    gev = data.closes["GEV"]
    assert gev.first_valid_index() == pd.Timestamp("2024-04-02")
    assert data.returns["GEV"].first_valid_index() == pd.Timestamp("2024-04-03")
    assert data.trimmed == {"GEV": "3 rows before 2024-04-02 not used"}
    assert data.source == "snapshot"


def test_group_studies_report_estimation_sample_sizes(studies):
    assert studies["AI semiconductors"].n_obs["NVDA"] == 240
    gev = studies["Power & data-centre"].n_obs["GEV"]
    assert es.MIN_ESTIMATION_OBS <= gev < 240  # spin-off in 2024: shorter history, still used


def test_two_factor_skips_groups_without_a_sector_proxy(data):
    out = so.run_group_studies(
        data, GROUPS, "SPY", DAY, model="two_factor", sector_proxies={"AI semiconductors": "SMH"}
    )
    assert list(out) == ["AI semiconductors"]
    assert "beta_sector" in out["AI semiconductors"].coefficients


def test_group_results_add_placebo_and_basket_rows(studies, data):
    weights = {"NVDA": 3.0, "TSM": 1.0}
    table = so.group_results(studies, data, value_weights=weights, placebo_draws=100)
    ai = table[(table["group"] == "AI semiconductors") & (table["window"] == "[0,0]")].set_index(
        "test"
    )
    assert {"Basket (equal-weighted)", "Basket (value-weighted)"} <= set(ai.index)
    assert ai.loc["Basket (value-weighted)", "n"] == 2
    power = table[table["group"] == "Power & data-centre"]
    assert "Basket (value-weighted)" not in set(power["test"])  # no member has a weight
    assert table["placebo_p"].dropna().between(0, 1).all()
    assert list(table["window"].unique()) == ["[0,0]", "[-1,+1]", "[0,+5]", "[0,+20]"]
    summary = so.headline_summary(table)
    assert summary.loc[("AI semiconductors", "[0,0]"), "CAAR"] == pytest.approx(
        ai.loc["BMP t", "caar"]
    )
    formatted = so.format_group_table(table, "AI semiconductors")
    assert formatted.loc["CAAR", ("[0,0]", "unadjusted")].endswith("%")


def test_volume_ratio_is_day0_over_prior_20_day_mean(data, studies):
    event = studies["AI semiconductors"].event
    vol = data.volumes["NVDA"]
    expected = vol.iloc[event.position] / vol.iloc[event.position - 20 : event.position].mean()
    assert so.volume_ratio(data.volumes, event)["NVDA"] == pytest.approx(expected)


def test_event_day_table_combines_returns_ar_and_value_changes(data, studies):
    values = mc.market_value_changes(data.closes, DAY)
    table = so.event_day_table(studies, GROUPS, data, values, extra_tickers=["SPY"])
    assert table.loc["NVDA", "return"] == pytest.approx(118.42 / 142.62 - 1)
    assert table.loc["NVDA", "abnormal_return"] == pytest.approx(
        studies["AI semiconductors"].car((0, 0))["NVDA"]
    )
    assert table.loc["VST", "sar"] == pytest.approx(
        studies["Power & data-centre"].scar((0, 0))["VST"]
    )
    assert np.isnan(table.loc["AVGO", "value_change_usd_bn"])  # not in the reference table
    assert table.loc["SPY", "group"] == "Market" and np.isnan(table.loc["SPY", "abnormal_return"])


def test_rarity_rank_counts_lower_days(studies, data):
    study = studies["AI semiconductors"]
    rarity = so.event_day_rarity(study, "INTC", data.returns["INTC"])
    ar = study.abnormal_returns["INTC"].dropna()
    assert rarity["ar_rank"] == (ar < ar.loc[DAY]).sum() + 1
    assert rarity["ar_days"] == len(ar)
    nvda = so.event_day_rarity(study, "NVDA", data.returns["NVDA"])
    assert nvda["return_rank"] == 1  # the worst NVDA day in the data
    basket = so.basket_rarity(study, data, "AI basket")
    raw = data.returns[list(study.tickers)].mean(axis=1)
    assert basket["return"] == pytest.approx(raw.loc[DAY])
    assert basket["return_rank"] == (raw.dropna() < raw.loc[DAY]).sum() + 1
    assert so.rarity_table([nvda, basket]).index.tolist() == ["NVDA", "AI basket"]


def test_recovery_table_hand_built_series():
    index = pd.bdate_range("2025-01-20", periods=8)
    closes = pd.DataFrame(
        {
            "UP": [10, 10, 10, 11, 12, 12, 12, 12.0],  # never below day -1
            "BACK": [10, 10, 10, 8, 7, 9, 10, 11.0],  # regains on day 3
            "NEVER": [10, 10, 10, 8, 7, 9, 9.5, 9.9],
        },
        index=index,
    )
    event = es.resolve_event_day(index[3], index)
    table = so.recovery_table(closes, event)
    assert table.loc["UP", "recovered_day"] == 0
    assert table.loc["BACK", "recovered_day"] == 3 and table.loc["BACK", "trough_day"] == 1
    assert table.loc["BACK", "trough_change"] == pytest.approx(-0.3)
    assert np.isnan(table.loc["NEVER", "recovered_day"])
    assert table.loc["NEVER", "status"] == f"not within the data (to {index[-1].date()})"
    paths = so.normalised_paths(closes, event, before=2, after=2)
    assert paths.loc[index[2]].eq(100).all()


def test_first_affected_day_follows_timing(data):
    cal = data.calendar
    wed = pd.Timestamp("2025-01-29")
    assert so.first_affected_day(wed, "during session", cal) == wed
    assert so.first_affected_day(wed, "after close", cal) == pd.Timestamp("2025-01-30")
    assert so.first_affected_day(pd.Timestamp("2025-02-01"), "weekend", cal) == pd.Timestamp(
        "2025-02-03"
    )
    with pytest.raises(ParameterError, match="Unknown timing"):
        so.first_affected_day(wed, "lunchtime", cal)


def test_scheduled_events_file_is_sourced_and_maps_to_event_days(data):
    events = so.load_scheduled_events()
    assert events["source"].str.startswith("http").all() and events["quote"].str.len().gt(20).all()
    event = es.resolve_event_day(DAY, data.calendar)
    windows = [(0, 0), (-1, 1), (0, 5), (0, 20)]
    table = so.confounder_table(events, data.calendar, event, windows, GROUPS).set_index("event")
    fomc = table.loc[table.index.str.startswith("FOMC")].iloc[0]
    assert fomc["event_day"] == 2 and fomc["windows"] == "[0,+5], [0,+20]"
    nvda = table.loc[table.index.str.startswith("NVIDIA")].iloc[0]
    assert nvda["event_day"] > 20 and nvda["windows"] == "none"
    assert not table["windows"].str.contains(r"\[0,0\]|\[-1,\+1\]").any()  # short windows clean


def test_robustness_baseline_row_equals_the_group_study(data, studies):
    base = so.Specification("baseline", "market", "SPY", (-250, -11))
    specs = so.one_at_a_time(
        base,
        models=es.MODELS,
        market_proxies=["SPY", "DIA"],
        estimation_windows=[(-250, -11), (-120, -11)],
    )
    assert [s.label for s in specs] == [
        "baseline",
        "model: market_adjusted",
        "model: constant_mean",
        "model: two_factor",
        "market proxy: DIA",
        "estimation window: [-120,-11]",
    ]
    table = so.robustness_table(
        data, GROUPS, specs, DAY, [(0, 0)], sector_proxies={"AI semiconductors": "SMH"}
    )
    row = table[
        (table["specification"] == "baseline") & (table["group"] == "AI semiconductors")
    ].iloc[0]
    assert row["caar"] == pytest.approx(studies["AI semiconductors"].car((0, 0)).mean())
    formatted = so.format_robustness(table, "[0,0]")
    assert formatted.loc["model: two_factor", "Power & data-centre"] == "— (no sector proxy)"


def test_abnormal_return_panel_shape(studies):
    panel = so.abnormal_return_panel(studies, days=(-5, 20))
    assert list(panel.columns) == list(range(-5, 21))
    assert list(panel.index) == [t for g in GROUPS.values() for t in g]
    assert panel.loc["NVDA", 0] == pytest.approx(studies["AI semiconductors"].car((0, 0))["NVDA"])
