"""Tests for deepseek_shock.selloff: data assembly, tables, recovery, confounders."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

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
    assert (table.loc[table["placebo_p"].notna(), "placebo_draws"] == 100).all()
    formatted = so.format_group_table(table, "AI semiconductors")
    assert formatted.loc["CAAR", ("[0,0]", "unadjusted")].endswith("%")
    corrado = ai.loc["Corrado rank"]
    assert formatted.loc["Corrado rank", ("[0,0]", "unadjusted")].startswith(
        f"{corrado['statistic']:+.2f} ("
    )
    assert formatted.loc["Corrado rank", ("[0,0]", "KP-adjusted")] == "—"  # not the unadjusted
    assert "note" not in formatted.columns.get_level_values(0)  # notes go under the table
    notes = so.adjustment_notes(table)
    assert notes["non-parametric tests, for which no KP adjustment is defined here"] == [
        "Corrado rank",
        "Generalized sign",
    ]
    assert "BMP t" not in {t for tests in notes.values() for t in tests}  # it has a KP value
    bmp = ai.loc["BMP t"]
    assert formatted.loc["BMP t", ("[0,0]", "KP-adjusted")].startswith(
        f"{bmp['statistic_adjusted']:+.2f} ("
    )


def test_group_results_default_placebo_uses_every_eligible_day(studies, data):
    table = so.group_results({"AI semiconductors": studies["AI semiconductors"]}, data)
    draws = table[table["test"] == "BMP t"].set_index("window")["placebo_draws"]
    assert draws.to_dict() == {"[0,0]": 240, "[-1,+1]": 238, "[0,+5]": 235, "[0,+20]": 220}
    with pytest.raises(ParameterError, match=r"n_draws=1000 exceeds the 240 .*\[0,0\]"):
        so.group_results(studies, data, placebo_draws=1000)


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


def test_group_day_sentence_follows_the_computed_values():
    row = pd.Series(
        {
            "CAAR": -0.06, "n": 3, "r̄": 0.35, "BMP t": -3.67, "p (BMP)": 0.003,
            "KP-adjusted t": -1.29, "p (KP)": 0.221, "placebo p (BMP)": 0.278,
            "basket t (EW)": -3.75, "p (basket)": 0.0002,
        }
    )  # fmt: skip
    ar = pd.Series({"A": -0.12, "B": -0.01, "C": 0.02, "D": np.nan})
    text = so.group_day_sentence("Chips", row, ar)
    assert text.startswith("**Chips, day 0:** CAAR -6.00% across 3 members (2 with a negative AR")
    assert "BMP t -3.67 (p 0.003, significant at 5%)" in text
    assert "KP-adjusted t -1.29 (p 0.221, not significant at 5%)" in text
    assert "basket t -3.75 (p <0.001, significant at 5%)" in text
    assert "AR below -5%: A (-12.00%)." in text and text.endswith("Positive AR: C.")
    assert "below" not in so.group_day_sentence("X", row, ar.clip(lower=-0.04))


def test_most_correlated_pairs_ranks_overlapping_series(data):
    tickers = ["SPY", "DIA", "SMH", "NVDA"]
    pairs = so.most_correlated_pairs(data.returns, tickers, n=3)
    by_loop = sorted(
        (
            (data.returns[a].corr(data.returns[b]), f"{a}–{b}")
            for i, a in enumerate(tickers)
            for b in tickers[i + 1 :]
        ),
        reverse=True,
    )[:3]
    assert list(pairs.index) == [name for _, name in by_loop]
    np.testing.assert_allclose(pairs.to_numpy(), [r for r, _ in by_loop], rtol=1e-12)


def test_event_day_table_formatting_says_why_values_are_missing(data, studies):
    values = mc.market_value_changes(data.closes, DAY)
    table = so.event_day_table(studies, GROUPS, data, values, extra_tickers=["SPY"])
    shown = so.format_event_day_table(table)
    assert shown.loc["NVDA", "return"] == "-16.97%"
    assert shown.loc["NVDA", "market-value change"] == "-$592.7B"
    assert shown.loc["AVGO", "market-value change"] == "not in share table"
    assert shown.loc["SPY", "abnormal return"] == "n/a (not fitted)"
    assert shown.loc["NVDA", "volume vs 20-day mean"] == f"{table.loc['NVDA', 'volume_ratio']:.2f}×"


def test_series_table_judges_each_series_on_its_own(data):
    series = {"Benchmarks": ["SMH", "DIA"]}
    fitted = so.run_group_studies(data, series, "SPY", DAY)
    table = so.series_table(
        fitted, ["SMH", "DIA", "SPY"], data.returns, notes={"SPY": "the market proxy"}
    )
    study = fitted["Benchmarks"]
    sar = study.scar((0, 0))["SMH"]
    assert table.loc["SMH", "sar"] == pytest.approx(sar)
    assert table.loc["SMH", "abnormal_return"] == pytest.approx(study.car((0, 0))["SMH"])
    dof = study.n_obs["SMH"] - 2  # market model: alpha and beta
    assert table.loc["SMH", "p_value"] == pytest.approx(2 * stats.t.sf(abs(sar), dof))
    ar = study.abnormal_returns["DIA"].dropna()
    assert table.loc["DIA", "ar_rank"] == (ar < ar.loc[DAY]).sum() + 1
    assert table.loc["DIA", "sar"] > 0  # DIA rose against SPY that day
    spy = table.loc["SPY"]
    raw = data.returns["SPY"].dropna()
    assert spy["return_rank"] == (raw < raw.loc[DAY]).sum() + 1 and np.isnan(spy["sar"])
    assert spy["note"] == "the market proxy"
    without_note = so.series_table(fitted, ["SPY"], data.returns)
    assert without_note.loc["SPY", "note"] == "not fitted: raw return only"


def test_group_figures_hide_unused_panels_and_mark_the_event(data, studies):
    event = studies["AI semiconductors"].event
    three = {**GROUPS, "Market": ["SPY"]}
    fig = so.plot_drawdowns(so.drawdown_paths(data.closes, event), three, "test", horizon=10)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 4 and len(visible) == 3
    # the house style puts titles on the left: read whichever slot holds it
    assert (
        "".join(visible[0].get_title(loc) for loc in ("left", "center", "right"))
        == "AI semiconductors"
    )
    placebo = es.placebo_test(studies["AI semiconductors"], (0, 0))
    fig = so.plot_placebo(placebo, ["BMP t"], "test", "title")
    marks = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    assert marks[0].get_xdata()[0] == pytest.approx(placebo.observed["BMP t"])
    plt.close("all")


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
