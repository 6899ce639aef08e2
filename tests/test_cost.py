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

from deepseek_shock import claims, cost
from deepseek_shock.errors import DataError, ParameterError
from deepseek_shock.reference import load_model_config

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
V3 = load_model_config("DeepSeek-V3")
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


def test_attention_flop_reduces_to_palm_formula():
    # PaLM Appendix B: 12·L·H·Q·T per token for d_qk = d_v = Q and full context T.
    L, H, Q, T = 2, 4, 8, 16
    full = cost.attention_flop_per_token(L, H, Q, Q, T, causal=False)
    assert full == 12 * L * H * Q * T == 12_288
    assert cost.attention_flop_per_token(L, H, Q, Q, T, causal=True) == full / 2


def test_mla_attention_params_hand_worked():
    # q_a 7168·1536 + q_b 1536·128·192 + kv_a 7168·(512+64) + kv_b 512·128·(128+128) + o 128·128·7168
    expected = 11_010_048 + 37_748_736 + 4_128_768 + 16_777_216 + 117_440_512
    assert cost.mla_attention_params(V3) == expected == 187_105_280


def test_mtp_active_params_hand_worked():
    attention = 187_105_280
    moe = (1 + 8) * 3 * 7168 * 2048 + 256 * 7168  # shared + top-8 SwiGLU experts + router
    projection = 2 * 7168 * 7168
    head = 129_280 * 7168
    assert cost.mtp_active_params(V3) == attention + moe + projection + head


def test_mtp_params_missing_key_names_the_fix():
    config = {k: v for k, v in V3.items() if k != "num_nextn_predict_layers"}
    with pytest.raises(Exception, match="num_nextn_predict_layers"):
        cost.mtp_active_params(config)


def test_training_compute_terms_add_up_and_are_shown_separately():
    budget = cost.v3_pretraining_compute()
    terms = budget.terms
    assert len(terms) == 3
    assert terms["flop"].sum() == pytest.approx(budget.total_flop)
    assert terms["share"].sum() == pytest.approx(1.0)
    assert terms["flop"].iloc[0] == pytest.approx(6 * 37e9 * 14.8e12)
    # 61 layers, 128 heads, d_qk 192, d_v 128, causal context 4096/2, ×6, × 14.8T tokens
    assert terms["flop"].iloc[1] == pytest.approx(6 * 61 * 128 * 320 * 2048 * 14.8e12)


def test_mfu_formula_hand_worked():
    # 1e24 FLOP in 1e6 GPU-hours at 1,000 TFLOPS: 1e24 / (1e6·3600·1e15) = 1/3.6
    assert cost.implied_mfu(1e24, 1e6, 1000.0) == pytest.approx(1 / 3.6)


@given(
    flop=st.floats(1e18, 1e27),
    mfu=st.floats(0.01, 1.0),
    peak=st.floats(10.0, 5000.0),
)
def test_required_gpu_hours_inverts_mfu(flop, mfu, peak):
    hours = cost.required_gpu_hours(flop, mfu, peak)
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
    table = cost.mfu_table().set_index("flop_basis")
    six_nd = 6 * 37e9 * 14.8e12
    assert table.loc["6·N·D", "mfu_fp8"] == pytest.approx(six_nd / (2.664e6 * 3600 * 1978.9e12))
    assert table.loc["6·N·D", "mfu_bf16"] == pytest.approx(six_nd / (2.664e6 * 3600 * 989.4e12))
    # cumulative bases grow; BF16 MFU is twice FP8 (peak ratio 989.4 : 1978.9)
    assert table["flop"].is_monotonic_increasing
    assert np.allclose(table["mfu_bf16"] / table["mfu_fp8"], H100_FP8 / H100_BF16)


def test_utilisation_verdict_follows_the_peers():
    mfu, peers = cost.mfu_table(), cost.peer_mfu_table()
    verdict = cost.utilisation_verdict(mfu, peers)
    assert verdict["best_peer"] == "Llama 3.1 405B"
    assert verdict["headline_fp8"] < verdict["best_peer_mfu"] and not verdict["unprecedented"]
    weak_peers = peers.assign(mfu_bf16=0.05)
    assert cost.utilisation_verdict(mfu, weak_peers)["unprecedented"]


def test_llama_405b_derived_mfu():
    table = cost.peer_mfu_table().set_index("run")
    assert table.loc["Llama 3.1 405B", "mfu_bf16"] == pytest.approx(
        3.8e25 / (30.84e6 * 3600 * 989.4e12)
    )
    assert table.loc["Llama 3.1 70B", "flop_basis"] == "derived 6·N·D"


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
    ledger = cost.cost_ledger(**cost.default_ledger_inputs())
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


# --------------------------------------------------------------------------- ledger and peers


def test_energy_and_amortisation_hand_worked():
    # 1,000 GPU-h × 0.7 kW × 1.0 × 1.0 × $0.10/kWh = $70
    assert cost.run_energy_cost(1000, 700, 1.0, 1.0, 0.10) == pytest.approx(70.0)
    # a cluster used for its whole 4-year life is written off in full
    assert cost.amortised_capex(2048, 30_000, 4, 4 * 365.25) == pytest.approx(2048 * 30_000)


def test_ledger_bounds_bracket_values_and_keep_the_reported_figure():
    ledger = cost.cost_ledger(**cost.default_ledger_inputs())
    assert (ledger["low_usd"] <= ledger["value_usd"]).all()
    assert (ledger["value_usd"] <= ledger["high_usd"]).all()
    first = ledger.iloc[0]
    assert first["value_usd"] == 5_576_000.0
    assert (first["low_usd"], first["high_usd"]) == (2.788e6 * 1.5, 2.788e6 * 3.0)
    assert ledger["source"].str.len().gt(0).all()
    assert "company level" in set(ledger["scope"])


def test_ledger_rejects_inconsistent_range():
    inputs = cost.default_ledger_inputs()
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
    # 1 - 5.576/78 = 92.85% < 95% x (1 - 0.02): "more than 95% cheaper" is wrong
    assert verdicts["c000-05"].verdict == "wrong"
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
