"""Tests for deepseek_shock.cost: known answers, hand-worked cases, properties, errors."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from deepseek_shock import claims, cost, formatting, moe
from deepseek_shock.errors import DataError, ParameterError

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
V3_COUNT = moe.count_bundled("DeepSeek-V3")
H100_BF16, H100_FP8 = 989.4, 1978.9  # gpu_specs.csv, H100 SXM dense


# --------------------------------------------------------------------------- headline


def test_headline_known_answer_is_exact():
    rebuilt = cost.rebuild_cost({"full run": 2_788_000}, 2.0, 2048)
    assert rebuilt.total_cost_usd == 5_576_000.0


def test_rebuild_from_reported_stages_matches_published_total():
    run = cost.reported_v3_run()
    rebuilt = cost.rebuild_cost(run.stage_gpu_hours, run.price_per_gpu_hour, run.gpu_count)
    assert rebuilt.total_gpu_hours == 2_664_000 + 119_000 + 5_000
    assert rebuilt.total_cost_usd == run.reported_cost_usd == 5_576_000.0
    assert rebuilt.stages["cost_usd"].tolist() == [5_328_000.0, 238_000.0, 10_000.0]


def test_reported_run_parsed_from_quote():
    run = cost.reported_v3_run()
    assert run.price_per_gpu_hour == 2.0
    assert run.days_per_trillion_tokens == 3.7
    assert run.caveat.startswith("Note that") and "ablation experiments" in run.caveat


def test_wall_clock_days_hand_worked():
    # 2,788,000 / 2,048 / 24 = 56.722... days
    assert cost.wall_clock_days(2_788_000, 2048) == pytest.approx(2_788_000 / 49_152)
    assert cost.wall_clock_days(2048 * 24 * 10, 2048) == 10.0


def test_published_figures_are_internally_consistent():
    checks = cost.consistency_checks()
    assert checks["consistent"].all(), checks.loc[~checks["consistent"], "check"].tolist()
    days = checks.set_index("check")["recomputed"]
    assert days["days per T tokens = 180K ÷ 2,048 GPUs ÷ 24"] == pytest.approx(180_000 / 49_152)


def test_consistency_check_detects_a_mismatch():
    run = cost.reported_v3_run()
    broken = dataclasses.replace(
        run, stage_gpu_hours={**run.stage_gpu_hours, "pre-training": 2_700_000.0}
    )
    checks = cost.consistency_checks(broken).set_index("check")
    assert not checks.loc["pre-training GPU-h = 180K/T tokens × 14.8T", "consistent"]
    assert not checks.loc["stage GPU-hours sum to the total", "consistent"]


@given(
    hours=st.lists(st.floats(1.0, 1e8), min_size=1, max_size=4),
    price=st.floats(0.01, 100.0),
)
def test_cost_is_linear_in_price_and_hours(hours, price):
    rebuilt = cost.rebuild_cost(dict(enumerate(hours)), price, 2048)
    assert rebuilt.total_cost_usd == pytest.approx(sum(hours) * price, rel=1e-12)
    assert rebuilt.stages["cost_usd"].sum() == pytest.approx(rebuilt.total_cost_usd, rel=1e-12)


def test_scenario_run_defaults_to_the_report_and_applies_what_ifs():
    assert cost.scenario_run() == cost.reported_v3_run()
    assert cost.compare_with_reported(cost.scenario_run())["as reported"].all()
    what_if = cost.scenario_run(price_per_gpu_hour=3.0, gpu_count=1024)
    assert what_if.total_gpu_hours == 2_788_000
    assert not cost.compare_with_reported(what_if)["as reported"].all()
    with pytest.raises(ParameterError, match="exactly the stages"):
        cost.scenario_run({"pre-training": 1.0})


@pytest.mark.parametrize("price", [0.0, -2.0, float("nan")])
def test_bad_price_is_rejected_with_fix(price):
    with pytest.raises(ParameterError, match="price_per_gpu_hour must be a positive number"):
        cost.rebuild_cost({"run": 1.0}, price, 2048)


# --------------------------------------------------------------------------- physics


def test_six_nd_for_stated_inputs():
    assert cost.dense_training_flop(37e9, 14.8e12) == pytest.approx(3.2856e24, rel=1e-12)


def test_six_nd_matches_gpt3_published_compute():
    # Brown et al. 2020 (GPT-3), Table D.1: 175B parameters, 300B tokens, 3.14e23 FLOP.
    assert cost.dense_training_flop(175e9, 300e9) == pytest.approx(3.14e23, rel=0.01)


def test_matmul_params_is_deepseeks_own_36_6b():
    # DeepSeek README_WEIGHTS (data/moe/deepseek_v3_weights.csv): "36.6B (including 0.9B for
    # the output Head)": the counted matmul parameters round to it; the headline 37B is coarser.
    n = cost.matmul_params(V3_COUNT)
    assert round(n / 1e9, 1) == 36.6
    assert n == V3_COUNT.active_params - V3_COUNT.active_breakdown["embeddings"]
    assert round(n / 1e9) == cost.reported_v3_run().active_params / 1e9 == 37


def test_mtp_matmul_params_hand_worked():
    # One MTP block of the V3 config: MLA attention (+ its two norms), 2 layer norms, shared
    # + top-8 of 256 SwiGLU experts, router with bias, enorm/hnorm, eh_proj 2d×d, head norm;
    # plus the shared output head's matmul V×d. Shapes: DeepSeek-V3 report §2.2, config.json.
    d, v = 7168, 129_280
    attention = 7168 * 1536 + 1536 + 1536 * 128 * 192 + 7168 * 576 + 512 + 512 * 128 * 256
    attention += 128 * 128 * 7168
    experts = (1 + 8) * 3 * d * 2048 + 256 * d + 256
    expected = attention + 2 * d + experts + 2 * d + 2 * d * d + d + v * d
    assert cost.mtp_matmul_params(V3_COUNT) == expected
    assert cost.mtp_matmul_params(moe.count_bundled("Llama-3.1-405B")) == 0


def test_attention_flop_reduces_to_palm_formula():
    # PaLM Appendix B: 12·L·H·Q·T per token for d_qk = d_v = Q and full context T.
    spec = moe.count_bundled("Llama-3.1-405B").spec  # L = 126, H = 128, Q = 128
    full = cost.attention_training_flop_per_token(spec, 8192, causal=False)
    assert full == 12 * 126 * 128 * 128 * 8192
    assert cost.attention_training_flop_per_token(spec, 8192, causal=True) == full / 2


def test_training_compute_terms_add_up_and_are_shown_separately():
    budget = cost.v3_pretraining_compute()
    terms = budget.terms
    assert len(terms) == 3
    assert terms["flop"].sum() == pytest.approx(budget.total_flop)
    assert terms["share"].sum() == pytest.approx(1.0)
    assert terms["flop"].iloc[0] == pytest.approx(6 * cost.matmul_params(V3_COUNT) * 14.8e12)
    # 61 layers, 128 heads, d_qk 192, d_v 128, causal context 4096/2, ×6, × 14.8T tokens
    attention_per_layer = 6 * 128 * 320 * 2048
    assert terms["flop"].iloc[1] == pytest.approx(61 * attention_per_layer * 14.8e12)
    mtp = 6 * cost.mtp_matmul_params(V3_COUNT) + attention_per_layer
    assert terms["flop"].iloc[2] == pytest.approx(mtp * 14.8e12)


def test_flop_bases_are_cumulative_and_mtp_free_models_skip_it():
    v3 = cost.flop_by_basis(V3_COUNT, 14.8e12, 4096)
    assert list(v3) == list(cost.FLOP_BASES)
    assert v3["6ND"] < v3["6ND+MTP"] < v3["full"] < v3["palm"]
    llama = cost.flop_by_basis(moe.count_bundled("Llama-3.1-405B"), 15.6e12, 8192)
    assert llama["6ND+MTP"] == llama["6ND"]
    assert len(cost.training_compute(moe.count_bundled("Llama-3.1-405B"), 1e12, 8192).terms) == 2


def test_mfu_formula_hand_worked():
    # 1e24 FLOP in 1e6 GPU-hours at 1,000 TFLOPS: 1e24 / (1e6·3600·1e15) = 1/3.6
    assert cost.implied_mfu(1e24, 1e6, 1000.0) == pytest.approx(1 / 3.6)


@given(
    flop=st.floats(1e18, 1e27),
    mfu=st.floats(0.01, 1.0),
    peak=st.floats(10.0, 5000.0),
)
def test_simulated_gpu_hours_inverts_mfu(flop, mfu, peak):
    # No FP8 gain, overheads or other stages: H = C / (u·P·3600), so MFU(C, H, P) = u.
    hours = cost.simulated_gpu_hours(flop, mfu, 1.0, 0.0, 0.0, bf16_peak_tflops=peak)
    assert cost.implied_mfu(flop, hours, peak) == pytest.approx(mfu, rel=1e-9)


def test_h800_peak_uses_labelled_h100_proxy():
    fp8 = cost.peak_throughput("H800 SXM", "fp8")
    bf16 = cost.peak_throughput("H800 SXM", "bf16")
    assert (fp8.tflops, bf16.tflops) == (H100_FP8, H100_BF16)
    assert fp8.is_proxy and fp8.source_gpu == "H100 SXM" and "proxy" in fp8.note
    assert not cost.peak_throughput("H100 SXM", "bf16").is_proxy


def test_peak_without_proxy_raises_clear_errors():
    with pytest.raises(DataError, match="pass a proxy GPU"):
        cost.peak_throughput("H800 SXM", "bf16", proxy=None)
    with pytest.raises(ParameterError, match="Unknown GPU"):
        cost.peak_throughput("H900", "bf16")
    with pytest.raises(ParameterError, match="precision"):
        cost.peak_throughput("H100 SXM", "fp4")  # type: ignore[arg-type]


def test_v3_implied_mfu_hand_worked_six_nd():
    table = cost.mfu_table().set_index("basis")
    six_nd = 6 * cost.matmul_params(V3_COUNT) * 14.8e12
    assert table.loc["6ND", "mfu_fp8"] == pytest.approx(six_nd / (2.664e6 * 3600 * 1978.9e12))
    assert table.loc["6ND", "mfu_bf16"] == pytest.approx(six_nd / (2.664e6 * 3600 * 989.4e12))
    # cumulative bases grow; BF16 MFU is twice FP8 (peak ratio 989.4 : 1978.9)
    assert table["flop"].is_monotonic_increasing
    assert np.allclose(table["mfu_bf16"] / table["mfu_fp8"], H100_FP8 / H100_BF16)


def test_llama_405b_mfu_on_both_bases_hand_worked():
    peers = cost.peer_mfu_table().set_index(["run", "basis"])
    n = moe.count_bundled("Llama-3.1-405B").active_params_excluding_embedding
    six_nd = 6 * n * 15.6e12
    attention = 6 * 126 * 128 * (128 + 128) * 8192 / 2 * 15.6e12  # causal T/2, T = 8,192
    billed = 30.84e6 * 3600 * 989.4e12
    assert peers.loc[("Llama 3.1 405B", "6ND"), "mfu_bf16"] == pytest.approx(six_nd / billed)
    assert peers.loc[("Llama 3.1 405B", "full"), "mfu_bf16"] == pytest.approx(
        (six_nd + attention) / billed
    )
    # the relayed 3.8e25 is the 6·N·D count at its two significant figures, not the full one
    assert f"{six_nd:.1e}" == f"{peers.loc[('Llama 3.1 405B', '6ND'), 'relayed_flop']:.1e}"
    assert f"{six_nd + attention:.1e}" != "3.8e+25"


def test_peer_attention_scales_with_the_assumed_sequence_length():
    short = cost.peer_mfu_table(peer_seq_len=4096).set_index(["run", "basis"])["flop"]
    long = cost.peer_mfu_table(peer_seq_len=8192).set_index(["run", "basis"])["flop"]
    run = "Llama 3.1 70B"
    extra_short = short[(run, "full")] - short[(run, "6ND")]
    assert long[(run, "full")] - long[(run, "6ND")] == pytest.approx(2 * extra_short)
    assert short[(cost.V3_PRETRAINING, "full")] == long[(cost.V3_PRETRAINING, "full")]
    assert cost.peer_seq_len_assumption() == 8192


def test_utilisation_verdict_is_like_for_like():
    peers = cost.peer_mfu_table()
    verdict = cost.utilisation_verdict(peers)
    table = verdict.table.set_index("basis")
    assert set(table["peer"]) == {"Llama 3.1 405B"}
    # same peak precision: the DeepSeek/peer ratio is the same at BF16 and at FP8 peak
    np.testing.assert_allclose(table["deepseek_fp8"] / table["peer_fp8"], table["ratio"])
    # 14.8T, 15.6T (±0.05T each) and 2.664M, 30.84M GPU-hours (±0.0005M, ±0.005M)
    band = 0.05 / 14.8 + 0.05 / 15.6 + 0.0005 / 2.664 + 0.005 / 30.84
    assert table["band"].tolist() == pytest.approx([band, band])
    assert table.loc["6ND", "relation"] == "level with"
    assert table.loc["full", "relation"] == "above" and verdict.exceeds_best_peer
    assert verdict.fp8_speedup_to_match == pytest.approx(table.loc["full", "ratio"])
    assert verdict.headline.equals(table.loc[cost.HEADLINE_BASIS])
    # the peer's attention-inclusive MFU is a lower bound (long context unmodelled, T assumed)
    assert table["peer_lower_bound"].to_dict() == {"6ND": False, "full": True}
    assert "level with the peer's on the 6·N·D basis" in verdict.text
    assert "above a lower bound of the peer's" in verdict.text
    assert "sequence length (8,192) is an assumption" in verdict.text
    # the old, unlike comparison (DeepSeek's FP8-peak MFU vs a BF16-peak MFU) would have passed
    assert table.loc["full", "deepseek_fp8"] < table.loc["full", "peer_bf16"]


def test_utilisation_verdict_follows_the_peers():
    peers = cost.peer_mfu_table()
    llama = peers["run"] != cost.V3_PRETRAINING
    stronger = peers.assign(mfu_bf16=np.where(llama, peers["mfu_bf16"] * 1.5, peers["mfu_bf16"]))
    verdict = cost.utilisation_verdict(stronger)
    assert not verdict.exceeds_best_peer
    assert set(verdict.table["relation"]) == {"below"}
    assert "even without any speed-up from FP8" in verdict.text


def test_rounding_band_hand_worked():
    assert cost.rounding_band((14.8e12, 1e12)) == pytest.approx(0.05 / 14.8)
    assert cost.rounding_band((2_664_000, 1e6), (15e12, 1e12)) == pytest.approx(
        0.0005 / 2.664 + 0.5 / 15
    )


# --------------------------------------------------------------------------- Monte Carlo

PEAK = 989.4
FLOP = 3.89e24


def _fixed_inputs(**overrides):
    inputs = {
        "bf16_mfu": 0.35,
        "fp8_speedup": 1.0,
        "token_overhead": 0.0,
        "restart_waste": 0.0,
        "price_per_gpu_hour": 2.0,
    }
    inputs.update(overrides)
    return inputs


def _simulate(inputs, seed=7, n=200_000, other=0.0):
    return cost.simulate_training_run(
        FLOP,
        inputs,
        n_draws=n,
        seed=seed,
        bf16_peak_tflops=PEAK,
        other_stage_gpu_hours=other,
        claimed_gpu_hours=2.788e6,
        claimed_cost_usd=5.576e6,
    )


def test_monte_carlo_is_reproducible_for_a_seed():
    inputs = cost.default_mc_inputs()
    first, again, other = _simulate(inputs), _simulate(inputs), _simulate(inputs, seed=8)
    np.testing.assert_array_equal(first.gpu_hours, again.gpu_hours)
    np.testing.assert_array_equal(first.cost_usd, again.cost_usd)
    assert not np.array_equal(first.gpu_hours, other.gpu_hours)


def test_monte_carlo_mean_matches_analytical_mean_of_uniform_mfu():
    # H = K / u + other with u ~ U(a, b): E[H] = K·ln(b/a)/(b−a) + other.
    a, b, other = 0.25, 0.45, 124_000.0
    result = _simulate(
        _fixed_inputs(bf16_mfu={"kind": "uniform", "low": a, "high": b}), n=400_000, other=other
    )
    k = FLOP / (PEAK * 1e12 * 3600)
    expected = k * math.log(b / a) / (b - a) + other
    stderr = result.gpu_hours.std() / math.sqrt(result.n_draws)
    assert abs(result.gpu_hours.mean() - expected) < 4 * stderr


def test_monte_carlo_cost_mean_is_product_of_independent_means():
    # cost = H × p with H fixed and p ~ U(1.5, 3): E[cost] = H·(1.5 + 3)/2.
    result = _simulate(_fixed_inputs(price_per_gpu_hour={"kind": "uniform", "low": 1.5, "high": 3}))
    hours = FLOP / (0.35 * PEAK * 1e12 * 3600)
    np.testing.assert_allclose(result.gpu_hours, hours)
    stderr = result.cost_usd.std() / math.sqrt(result.n_draws)
    assert abs(result.cost_usd.mean() - hours * 2.25) < 4 * stderr


def test_probability_claim_suffices_in_degenerate_cases():
    needed = FLOP / (0.6 * PEAK * 1e12 * 3600)
    fast = _simulate(_fixed_inputs(bf16_mfu=0.6), n=10)
    assert fast.claimed_gpu_hours > needed and fast.prob_claim_suffices == 1.0
    slow = _simulate(_fixed_inputs(bf16_mfu=0.05), n=10)
    assert slow.prob_claim_suffices == 0.0


@pytest.mark.parametrize(
    ("bf16_mfu", "phrase"),
    [
        (0.05, "more favourable"),
        (0.6, "generous"),
        ({"kind": "uniform", "low": 0.2, "high": 0.6}, "inside the plausible range"),
    ],
)
def test_monte_carlo_reading_follows_the_probability(bf16_mfu, phrase):
    result = _simulate(_fixed_inputs(bf16_mfu=bf16_mfu), n=20_000)
    assert phrase in cost.monte_carlo_reading(result)


def test_ledger_reading_reports_multiples_of_the_headline():
    ledger = cost.cost_ledger(**_ledger_inputs())
    text = cost.ledger_reading(ledger)
    company = ledger.loc[ledger["scope"] == "company level", "value_usd"]
    assert f"{company.max() / 5.576e6:.0f}×" in text and "less than" in text


def test_summary_percentiles_are_ordered():
    summary = _simulate(cost.default_mc_inputs(), n=50_000).summary()
    assert (summary["p05"] < summary["median"]).all() and (summary["median"] < summary["p95"]).all()


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "uniform", "low": 1.5, "high": 3.0},
        {"kind": "triangular", "low": 0.25, "mode": 0.35, "high": 0.45},
        {"kind": "triangular", "low": 0.0, "mode": 0.0, "high": 2.0},
    ],
)
def test_distribution_quantile_and_mean_match_scipy(spec):
    dist = cost.Distribution.from_spec(spec)
    width = spec["high"] - spec["low"]
    if spec["kind"] == "uniform":
        reference = stats.uniform(loc=spec["low"], scale=width)
    else:
        reference = stats.triang((spec["mode"] - spec["low"]) / width, spec["low"], width)
    for q in (0.05, 0.3, 0.5, 0.95):
        assert dist.quantile(q) == pytest.approx(reference.ppf(q))
    assert dist.mean == pytest.approx(reference.mean())


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "normal", "low": 0, "high": 1}, "Unknown distribution kind"),
        ({"kind": "uniform", "low": 1.0}, "lacks high"),
        ({"kind": "uniform", "low": 3.0, "high": 1.5}, "low < high"),
        ({"kind": "triangular", "low": 0, "mode": 2, "high": 1}, "low <= mode <= high"),
        ("wide", "must be a number or a dict"),
    ],
)
def test_bad_distribution_specs_name_the_problem(spec, message):
    with pytest.raises(ParameterError, match=message):
        cost.Distribution.from_spec(spec, "price_per_gpu_hour")


def test_monte_carlo_rejects_missing_or_unknown_inputs():
    inputs = _fixed_inputs()
    del inputs["restart_waste"]
    with pytest.raises(ParameterError, match="missing \\['restart_waste'\\]"):
        _simulate(inputs)
    with pytest.raises(ParameterError, match="unknown \\['pue'\\]"):
        _simulate({**_fixed_inputs(), "pue": 1.2})


def test_tornado_swings_are_sorted_and_base_is_the_median_case():
    inputs = cost.default_mc_inputs()
    table = cost.tornado(FLOP, inputs, bf16_peak_tflops=PEAK, other_stage_gpu_hours=124_000.0)
    assert table["cost_swing"].is_monotonic_decreasing and (table["cost_swing"] >= 0).all()
    price = table.set_index("input").loc["price_per_gpu_hour"]
    assert price["gpu_hours_low"] == price["gpu_hours_high"]  # price does not change hours
    medians = {k: cost.Distribution.from_spec(v).quantile(0.5) for k, v in inputs.items()}
    price_median = medians.pop("price_per_gpu_hour")
    base = cost.simulated_gpu_hours(
        FLOP, **medians, bf16_peak_tflops=PEAK, other_stage_gpu_hours=124_000.0
    )
    assert table["base_gpu_hours"].iloc[0] == pytest.approx(base)
    assert table["base_cost"].iloc[0] == pytest.approx(base * price_median)


def test_utilisation_prior_is_anchored_on_the_peer_value_of_its_own_basis():
    peers = cost.peer_mfu_table()
    row = cost.load_assumptions().loc["bf16_mfu"]
    anchor = cost.utilisation_anchor(peers, cost.MFU_PRIOR_BASIS)
    assert float(row["value"]) == round(anchor, 2)
    assert f"{100 * anchor:.1f}%" in row["reasoning"]  # the stated derivation is not stale
    assert f"{100 * cost.utilisation_anchor(peers, '6ND'):.1f}%" in row["reasoning"]


def test_rebase_utilisation_scales_only_the_prior():
    peers = cost.peer_mfu_table()
    inputs = cost.default_mc_inputs()
    same = cost.rebase_utilisation(inputs, peers, cost.MFU_PRIOR_BASIS)
    assert same["bf16_mfu"] == cost.Distribution.from_spec(inputs["bf16_mfu"])
    moved = cost.rebase_utilisation(inputs, peers, "6ND")
    factor = cost.utilisation_anchor(peers, "6ND") / cost.utilisation_anchor(peers, "full")
    prior = cost.Distribution.from_spec(inputs["bf16_mfu"])
    assert moved["bf16_mfu"].mean == pytest.approx(prior.mean * factor)
    assert moved["price_per_gpu_hour"] == cost.Distribution.from_spec(inputs["price_per_gpu_hour"])
    with pytest.raises(ParameterError, match="basis must be one of"):
        cost.rebase_utilisation(inputs, peers, "palm")


def test_basis_sensitivity_scales_hours_by_flop_over_anchor():
    # With no other stages, H ∝ C / u and the rebased prior is u × a_b / a_full on the same
    # draws, so every percentile scales by (C_b / C_full) / (a_b / a_full).
    peers, mfu = cost.peer_mfu_table(), cost.mfu_table()
    table = cost.basis_sensitivity(
        mfu, peers, cost.default_mc_inputs(), n_draws=50_000, seed=3, bf16_peak_tflops=PEAK,
        other_stage_gpu_hours=0.0, claimed_gpu_hours=2.788e6, claimed_cost_usd=5.576e6,
    ).set_index("basis")  # fmt: skip
    flop = mfu.set_index("basis")["flop"]
    anchor = {b: cost.utilisation_anchor(peers, b) for b in cost.PEER_BASES}
    expected = (flop["6ND"] / flop["full"]) / (anchor["6ND"] / anchor["full"])
    for column in ("median", "p05", "p95"):
        assert table.loc["6ND", column] / table.loc["full", column] == pytest.approx(expected)
    headline = cost.simulate_training_run(
        float(flop["full"]), cost.default_mc_inputs(), n_draws=50_000, seed=3,
        bf16_peak_tflops=PEAK, other_stage_gpu_hours=0.0, claimed_gpu_hours=2.788e6,
        claimed_cost_usd=5.576e6,
    )  # fmt: skip
    assert table.loc["full", "prob_claim_suffices"] == headline.prob_claim_suffices
    assert table.loc["full", "median"] == pytest.approx(np.median(headline.gpu_hours))


def test_monte_carlo_rejects_an_unknown_flop_basis():
    with pytest.raises(ParameterError, match="flop_basis must be one of"):
        cost.simulate_training_run(
            FLOP, _fixed_inputs(), n_draws=10, seed=1, bf16_peak_tflops=PEAK,
            other_stage_gpu_hours=0.0, claimed_gpu_hours=1.0, claimed_cost_usd=1.0,
            flop_basis="6·N·D",
        )  # fmt: skip


def test_distribution_scaled_matches_scaled_draws():
    dist = cost.Distribution.from_spec({"kind": "triangular", "low": 0.2, "mode": 0.3, "high": 0.5})
    draws = dist.sample(np.random.default_rng(1), 1000)
    scaled = dist.scaled(2.0).sample(np.random.default_rng(1), 1000)
    np.testing.assert_allclose(scaled, 2.0 * draws)
    assert dist.scaled(2.0).quantile(0.3) == pytest.approx(2.0 * dist.quantile(0.3))


# --------------------------------------------------------------------------- ledger and peers


def _ledger_inputs() -> dict[str, object]:
    """The ledger's keyword arguments from assumptions.csv (value/low/high of each row)."""
    table = cost.load_assumptions()
    names = ("gpu_power_w", "host_overhead", "pue", "electricity_usd_per_kwh", "gpu_capex_usd",
             "amortisation_years")  # fmt: skip
    inputs: dict[str, object] = {
        n: {k: float(table.loc[n, k]) for k in ("value", "low", "high")} for n in names
    }
    price = table.loc["price_per_gpu_hour"]
    inputs["price_range"] = (float(price["low"]), float(price["high"]))
    return inputs


def test_energy_and_amortisation_hand_worked():
    # 1,000 GPU-h × 0.7 kW × 1.0 × 1.0 × $0.10/kWh = $70
    assert cost.run_energy_cost(1000, 700, 1.0, 1.0, 0.10) == pytest.approx(70.0)
    # a cluster used for its whole 4-year life is written off in full
    assert cost.amortised_capex(2048, 30_000, 4, 4 * 365.25) == pytest.approx(2048 * 30_000)


def test_ledger_bounds_bracket_values_and_keep_the_reported_figure():
    ledger = cost.cost_ledger(**_ledger_inputs())
    assert (ledger["low_usd"] <= ledger["value_usd"]).all()
    assert (ledger["value_usd"] <= ledger["high_usd"]).all()
    first = ledger.iloc[0]
    assert first["value_usd"] == 5_576_000.0
    assert (first["low_usd"], first["high_usd"]) == (2.788e6 * 1.5, 2.788e6 * 3.0)
    assert ledger["source"].str.len().gt(0).all()
    assert "company level" in set(ledger["scope"])


def test_ledger_rejects_inconsistent_range():
    inputs = _ledger_inputs()
    inputs["pue"] = {"value": 2.0, "low": 1.1, "high": 1.6}
    with pytest.raises(ParameterError, match="pue"):
        cost.cost_ledger(**inputs)


def test_r1_rl_gpu_hours_rebuild_the_reported_cost():
    r1 = cost.reported_r1_rl_stage()
    assert r1["derived_gpu_hours"] == 512 * (198 + 80) + 5000
    # at $2/GPU-hour the rebuilt GPU-hours give the reported $294K to within 0.5%
    assert r1["derived_gpu_hours"] * 2.0 == pytest.approx(r1["reported_cost_usd"], rel=0.005)


def test_peer_costs_use_one_price():
    peers = cost.peer_costs().set_index("model")
    assert peers.loc["Llama 3.1 405B", "cost_usd"] == 30.84e6 * 2.0
    assert peers.loc["GPT-4", "cost_usd"] == 78e6
    assert math.isnan(peers.loc["OpenAI o1", "cost_usd"])
    doubled = cost.peer_costs(4.0).set_index("model")
    assert doubled.loc["Llama 3.1 405B", "cost_usd"] == 2 * peers.loc["Llama 3.1 405B", "cost_usd"]


def test_api_price_comparison_hand_worked():
    table = cost.api_price_comparison().set_index("token type")
    assert table.loc["input (cache miss)", "cheaper_by"] == pytest.approx(1 - 0.55 / 15)
    assert table.loc["output", "cheaper_by"] == pytest.approx(1 - 2.19 / 60)


def test_assumptions_are_labelled_with_reasoning():
    table = cost.load_assumptions()
    assert set(cost.MC_INPUTS) <= set(table.index)
    assert table["status"].str.len().gt(0).all() and table["reasoning"].str.len().gt(20).all()
    assert set(table["distribution"]) <= {"fixed", "uniform", "triangular"}


# --------------------------------------------------------------------------- verify_* and verdicts


def test_verify_functions_known_answers():
    assert cost.verify_training_cost().value == 5_576_000.0
    assert cost.verify_training_cost(3.0).value == 2_788_000 * 3.0
    assert cost.verify_gpu_count().value == 2048
    assert cost.verify_training_duration_days().value == pytest.approx(2_788_000 / 2048 / 24)
    assert cost.verify_percent_cheaper("GPT-4").value == pytest.approx(100 * (1 - 5.576 / 78))
    assert cost.verify_cost_ratio_vs("Gemini Ultra").value == pytest.approx(100 * 5.576 / 191)
    arithmetic = cost.verify_two_month_rental_arithmetic()
    assert arithmetic.value == pytest.approx(2048 * 24 * 2 * 365.25 / 12 * 2)
    assert arithmetic.bounds == pytest.approx((2048 * 24 * 59 * 2, 2048 * 24 * 62 * 2))
    assert cost.verify_r1_training_cost().value == pytest.approx(5_576_000 + 294_000)


def test_verify_marks_unavailable_and_mismatched_bases():
    o1 = cost.verify_cost_ratio_vs("OpenAI o1")
    assert not o1.available and o1.value is None
    funding = cost.verify_peer_training_cost("OpenAI company funding")
    assert not funding.available and funding.extra["basis_mismatch"]
    with pytest.raises(ParameterError, match="Unknown peer"):
        cost.verify_peer_training_cost("Grok")


def test_verify_implied_mfu_reports_proxy_and_bounds():
    fp8 = cost.verify_implied_mfu("fp8")
    assert "proxy" in fp8.basis
    assert fp8.bounds[0] <= fp8.value <= fp8.bounds[1]
    bf16 = cost.verify_implied_mfu("bf16")
    assert bf16.value == pytest.approx(fp8.value * H100_FP8 / H100_BF16)


def test_claim_quotes_are_in_the_articles():
    articles = {p.name[:3]: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    for verdict in cost.claim_verdicts():
        assert verdict.quote in articles[verdict.article], verdict.claim_id
    # the OpenAI-funding paragraph quotes article 004's funding sentence
    assert "6.6 billion US dollars that the company has lifted" in articles["004"]


def test_verdicts_are_the_scorecards_for_every_cost_claim_of_the_ledger():
    card = claims.scorecard(topics=["cost"]).set_index("id")
    table = cost.verdict_table().set_index("claim_id")
    assert list(table.index) == list(card.index)  # every cost claim, in ledger order
    assert table["verdict"].to_dict() == card["verdict"].to_dict()
    assert set(table["verdict"]) <= set(claims.VERDICTS)
    assert table.loc["c001-03", "verdict"] == "unverifiable"  # no o1 budget in the data


def test_every_cost_claim_has_its_own_paragraph():
    ledger, _ = claims.load_ledger()
    paragraphs = cost.claim_paragraphs({c.id: c.claimed for c in ledger})
    assert set(paragraphs) == {c.id for c in ledger if c.topic == "cost"}
    by_id = {v.claim_id: v for v in cost.claim_verdicts()}
    assert all(by_id[i].paragraph == text for i, text in paragraphs.items())


def test_verdicts_known_answers():
    verdicts = {v.claim_id: v for v in cost.claim_verdicts()}
    # the quote names no OpenAI model, so the ledger marks GPT-4 as a proxy: unverifiable, with
    # the proxy's 1 - 5.576/78 = 92.9% given as context
    assert verdicts["c000-05"].verdict == "unverifiable"
    assert "92.9% cheaper" in verdicts["c000-05"].paragraph
    # 2,664,000 GPU-hours / 2,048 / 24 = 54.2 days < 59: "less than two months" is accurate
    assert verdicts["c002-08"].verdict == "accurate"
    # 2,788,000 / 2,048 / 24 = 56.7 days: within 10% of, not inside, 59-62 days
    assert verdicts["c004-11"].verdict == "approximately accurate"
    # the €5.24M conversion: $5.6M / €5.24M
    assert "1.069 USD per EUR" in verdicts["c000-03"].paragraph


def test_rental_equivalent_figures_are_right_numbers_on_the_wrong_basis():
    """The paragraphs say $5.576M "rounds to" $5.6M/$6M and $5.87M to $6M; without the basis
    mismatch each would be accurate, with it each is misleading."""
    ledger = {c.id: c for c in claims.load_ledger()[0]}
    verdicts = {v.claim_id: v for v in cost.claim_verdicts()}
    for claim_id in ("c000-02", "c001-02", "c002-09"):
        claim, verdict = ledger[claim_id], verdicts[claim_id]
        assert "rounds to" in verdict.paragraph and verdict.verdict == "misleading"
        same_basis = dataclasses.replace(claim, basis_mismatch=None)
        assert claims.judge(same_basis, verdict.measurement)[0] == "accurate", claim_id


def test_paragraph_comparisons_follow_the_claimed_figures():
    ledger, _ = claims.load_ledger()
    claimed = {c.id: c.claimed for c in ledger}
    as_ledger = cost.claim_paragraphs(claimed)
    assert "2.4% above the article's 2,000" in as_ledger["c000-01"]  # 2,048 / 2,000 − 1
    assert "below the article's 95%" in as_ledger["c000-05"]  # 92.9% cheaper
    altered = cost.claim_paragraphs(
        {**claimed, "c000-01": 2100, "c000-05": 90, "c002-09": 7_000_000}
    )
    assert "2.5% below the article's 2,100" in altered["c000-01"]
    assert "above the article's 90%" in altered["c000-05"]
    assert "rounds to $6M, not the article's $7M" in altered["c002-09"]
    # the GPT-4 figure's year is read from training_runs.csv, not typed
    assert "a 2023 model" in as_ledger["c000-05"]


def test_summary_reading_follows_the_computed_comparison():
    run = cost.reported_v3_run()
    rebuilt = cost.rebuild_cost(run.stage_gpu_hours, run.price_per_gpu_hour, run.gpu_count)
    result = _simulate(cost.default_mc_inputs(), n=10_000)
    peers = cost.peer_mfu_table()
    text = cost.summary_reading(
        cost.consistency_checks(), rebuilt, run, cost.utilisation_verdict(peers), result
    )
    assert "is above a lower bound of Llama 3.1 405B's" in text and "level with it" in text
    llama = peers["run"] != cost.V3_PRETRAINING
    stronger = peers.assign(mfu_bf16=np.where(llama, peers["mfu_bf16"] * 1.5, peers["mfu_bf16"]))
    weaker_text = cost.summary_reading(
        cost.consistency_checks(), rebuilt, run, cost.utilisation_verdict(stronger), result
    )
    assert (
        "is below a lower bound of Llama 3.1 405B's" in weaker_text
        and "FP8 speed-up" not in weaker_text
    )


# --------------------------------------------------------------------------- formatting helpers


def test_formatting_helpers_used_by_the_cost_notebook():
    assert formatting.share(0.20326) == "20.3%"
    assert formatting.share(0.5, digits=0) == "50%"
    assert formatting.millions(2_743_210) == "2.743M"
    assert formatting.millions(5_576_000, digits=2) == "5.58M"
    assert formatting.figure(5_576_000) == "5,576,000"
    assert formatting.figure(3.6621) == "3.66"
    assert formatting.figure(-250.4) == "-250"
    for helper in (formatting.share, formatting.millions, formatting.figure):
        assert helper(float("nan")) == "n/a" and helper(None) == "n/a"
