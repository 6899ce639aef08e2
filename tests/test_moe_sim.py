"""Tests for deepseek_shock.moe_sim: the MoE layer, its benchmark bookkeeping and the
load-balancing simulation (no wall-clock thresholds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_shock import moe_sim
from deepseek_shock.errors import ParameterError


def _reference_moe(x: np.ndarray, layer: moe_sim.MoELayer) -> np.ndarray:
    """Token-by-token MoE: softmax over the k largest router logits, weighted expert sum."""
    out = np.zeros_like(x, dtype=np.float64)
    logits = x.astype(np.float64) @ layer.router
    for t in range(x.shape[0]):
        chosen = np.argsort(-logits[t])[: layer.k]
        gates = np.exp(logits[t, chosen] - logits[t, chosen].max())
        gates /= gates.sum()
        for gate, e in zip(gates, chosen, strict=True):
            h = x[t] @ layer.w_gate[e]
            out[t] += gate * (((h / (1 + np.exp(-h))) * (x[t] @ layer.w_up[e])) @ layer.w_down[e])
    return out


@settings(max_examples=25, deadline=None)
@given(
    batch=st.integers(1, 40),
    n_experts=st.integers(1, 6),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
def test_grouped_moe_equals_token_by_token_reference(batch, n_experts, data, seed):
    k = data.draw(st.integers(1, n_experts))
    layer = moe_sim.init_moe_layer(d_model=8, d_expert=5, n_experts=n_experts, k=k, seed=seed)
    x = np.random.default_rng(seed).standard_normal((batch, 8)).astype(np.float32)
    np.testing.assert_allclose(
        moe_sim.moe_forward(x, layer), _reference_moe(x, layer), rtol=2e-4, atol=2e-5
    )


def test_dense_same_total_is_all_experts_summed():
    layer = moe_sim.init_moe_layer(d_model=6, d_expert=4, n_experts=3, k=1, seed=3)
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    dense = moe_sim.dense_from_experts(layer, 3)
    summed = sum(
        moe_sim.swiglu(x, layer.w_gate[e], layer.w_up[e], layer.w_down[e]) for e in range(3)
    )
    np.testing.assert_allclose(
        moe_sim.swiglu(x, dense.w_gate, dense.w_up, dense.w_down), summed, rtol=1e-5, atol=1e-6
    )
    assert dense.w_gate.size + dense.w_up.size + dense.w_down.size == (
        layer.w_gate.size + layer.w_up.size + layer.w_down.size
    )


def test_flop_counts():
    layer = moe_sim.init_moe_layer(d_model=10, d_expert=3, n_experts=4, k=2)
    assert moe_sim.moe_flops(7, layer) == 2 * 7 * 10 * 4 + 6 * 7 * 2 * 10 * 3
    assert moe_sim.dense_flops(7, moe_sim.dense_from_experts(layer, 4)) == 6 * 7 * 10 * 12


def test_dispatch_groups_every_assignment_once():
    layer = moe_sim.init_moe_layer(d_model=8, d_expert=4, n_experts=5, k=2, seed=1)
    x = np.random.default_rng(2).standard_normal((30, 8)).astype(np.float32)
    plan = moe_sim.dispatch(x, layer)
    assert plan.counts.sum() == 30 * 2
    assert sorted(plan.order.tolist()) == list(range(60))
    np.testing.assert_allclose(plan.weights.sum(axis=1), 1.0, rtol=1e-6)


def test_benchmark_rows_and_summary_bookkeeping():
    timings = moe_sim.benchmark_moe([4, 16], d_model=8, d_expert=4, n_experts=4, k=1, repeats=1)
    assert set(timings["variant"]) == {
        "moe",
        "moe_routing",
        "dense_same_total",
        "dense_same_active",
    }
    assert len(timings) == 2 * 4 and (timings["seconds"] > 0).all()
    summary = moe_sim.benchmark_summary(timings)
    assert list(summary["batch"]) == [4, 16]
    # The FLOP prediction does not depend on the batch size.
    assert summary["predicted_speedup_vs_same_total"].nunique() == 1


def test_benchmark_summary_known_ratios():
    rows = [
        ("moe", 2.0, 10.0),
        ("moe_routing", 0.5, 1.0),
        ("dense_same_total", 8.0, 40.0),
        ("dense_same_active", 1.0, 9.0),
    ]
    timings = pd.DataFrame(
        [
            {"backend": "numpy", "batch": 100, "variant": v, "seconds": s, "gflop": g}
            for v, s, g in rows
        ]
    )
    row = moe_sim.benchmark_summary(timings).iloc[0]
    assert row["speedup_vs_same_total"] == 4.0 and row["predicted_speedup_vs_same_total"] == 4.0
    assert row["moe_over_same_active"] == 2.0 and row[
        "predicted_moe_over_same_active"
    ] == pytest.approx(10 / 9)
    assert row["routing_share"] == 0.25 and row["moe_tokens_per_s"] == 50.0


def test_torch_backend_is_refused_cleanly_when_absent():
    if moe_sim.torch_available():
        pytest.skip("PyTorch is installed here")
    with pytest.raises(ParameterError, match="PyTorch is not installed"):
        moe_sim.benchmark_moe([4], backends=("torch",))


def test_unknown_backend_and_bad_k():
    with pytest.raises(ParameterError, match="backend"):
        moe_sim.benchmark_moe([4], backends=("jax",))
    with pytest.raises(ParameterError, match="k <= n_experts"):
        moe_sim.init_moe_layer(4, 4, n_experts=2, k=3)


# ---------------------------------------------------------------------------------------------
# Load balancing
# ---------------------------------------------------------------------------------------------


def test_coefficient_of_variation():
    assert moe_sim.coefficient_of_variation(np.array([5, 5, 5])) == 0.0
    assert moe_sim.coefficient_of_variation(np.array([1.0, 3.0])) == pytest.approx(0.5)


def test_uniform_routing_cv_matches_simulated_uniform_routing():
    # skew 0: every expert equally likely; the load CV is then pure sampling noise.
    steps = moe_sim.simulate_load_balancing(
        "none", n_experts=32, k=4, tokens_per_step=512, steps=200, skew=0.0
    )
    expected = moe_sim.uniform_routing_cv(512, 4, 32)
    # Loads of one step sum to T·k exactly (a multivariate hypergeometric-like correction), so
    # the simulated CV sits slightly below the binomial value; 10% covers it and the noise.
    assert steps["cv"].mean() == pytest.approx(expected, rel=0.1)


def test_balancing_methods_reduce_skewed_load_imbalance():
    settings_ = {
        "n_experts": 32,
        "k": 4,
        "tokens_per_step": 512,
        "steps": 150,
        "skew": 0.5,
        "seed": 1,
    }
    steps, summary = moe_sim.compare_load_balancing(last_steps=30, **settings_)
    floor = moe_sim.uniform_routing_cv(512, 4, 32)
    none = summary.loc["none"]
    assert none["cv"] > 3 * floor  # skewed affinities stay imbalanced without balancing
    for method in ("aux_loss", "aux_loss_free"):
        assert summary.loc[method, "cv"] < 2 * floor
        assert summary.loc[method, "cv_first_step"] == pytest.approx(none["cv_first_step"])
    # The bias of the auxiliary-loss-free method only affects selection, never the gate values.
    assert (
        summary.loc["aux_loss_free", "gate_shift"] == 0.0
        and summary.loc["none", "gate_shift"] == 0.0
    )
    assert summary.loc["aux_loss", "gate_shift"] > 0.0
    assert set(steps["method"]) == set(moe_sim.BALANCING_METHODS)


def test_load_balancing_is_deterministic_and_validates():
    a = moe_sim.simulate_load_balancing("aux_loss_free", steps=5, seed=3)
    b = moe_sim.simulate_load_balancing("aux_loss_free", steps=5, seed=3)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ParameterError, match="method"):
        moe_sim.simulate_load_balancing("dropless")
