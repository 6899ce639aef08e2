"""Tests for deepseek_shock.serving: weight memory, KV cache per node, distinct experts per batch
and the decode roofline, on DeepSeek-V3's and Llama-3.1-405B's published architectures."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from deepseek_shock import moe, serving
from deepseek_shock.errors import ParameterError

# DeepSeek-V3's config.json: vocabulary 129,280, hidden 7,168, 61 layers (3 dense, 58 MoE) with
# 256 routed experts of width 2,048 (top-8), MLA with kv_lora_rank 512 and a 64-wide rope key.
V3_EMBEDDING = 129_280 * 7_168
V3_EXPERT = 3 * 7_168 * 2_048
V3_MOE_LAYERS = 58
V3_KV_PER_TOKEN = (512 + 64) * 61


def test_kv_cache_frame_bytes_and_sequences():
    counts = [moe.count_bundled("DeepSeek-V3"), moe.count_bundled("Llama-3.1-405B")]
    frame = serving.kv_cache_frame(counts, sequence_length=32_768, n_gpus=8, gpu_memory_gb=80)
    assert frame.loc["DeepSeek-V3", "kb_per_token_bf16"] == pytest.approx(V3_KV_PER_TOKEN * 2e-3)
    assert frame.loc["DeepSeek-V3", "kb_per_token_bf16"] == pytest.approx(70.272)
    # Llama-3.1-405B: 8 KV heads x 128 x (key + value) x 126 layers.
    assert frame.loc["Llama-3.1-405B", "elements_per_token"] == 8 * 128 * 2 * 126
    # 671B at 1 byte does not fit in 640 GB; at 4 bits the remaining memory holds sequences.
    assert pd.isna(frame.loc["DeepSeek-V3", "max_sequences_FP8_weights"])
    free = 640e9 - counts[0].total_params * 0.5
    assert frame.loc["DeepSeek-V3", "max_sequences_4-bit_weights"] == int(
        free // (V3_KV_PER_TOKEN * 2 * 32_768)
    )


def test_max_concurrent_sequences():
    assert serving.max_concurrent_sequences(100.0, 30.0, 200.0) == 3
    assert serving.max_concurrent_sequences(200.0, 30.0, 200.0) is None
    assert serving.node_memory_bytes(8, 80) == 640e9


def test_weight_memory_and_min_gpus():
    count = moe.count_bundled("DeepSeek-V3")
    frame = serving.weight_memory_frame([count], gpu_memory_gb=80).set_index("precision")
    # One byte per parameter at FP8; 671B needs a ninth 80 GB GPU, 4-bit (336 GB) needs five.
    assert frame.loc["FP8", "weights_gb"] == pytest.approx(count.total_params / 1e9)
    assert frame.loc["BF16", "weights_gb"] == pytest.approx(2 * count.total_params / 1e9)
    assert (frame.loc["FP8", "min_gpus"], frame.loc["4-bit", "min_gpus"]) == (9, 5)
    with pytest.raises(ParameterError, match="precision"):
        serving.weight_memory_frame([count], 80, precisions=("FP4",))


# ---------------------------------------------------------------------------------------------
# Decode economics
# ---------------------------------------------------------------------------------------------


def test_expected_distinct_experts_limits():
    assert serving.expected_distinct_experts(1, 8, 256) == pytest.approx(8)
    assert serving.expected_distinct_experts(10_000, 8, 256) == pytest.approx(256)
    # Two tokens, 1 of 2 experts each: both experts used with probability 1/2 -> 1.5 expected.
    assert serving.expected_distinct_experts(2, 1, 2) == pytest.approx(1.5)
    with pytest.raises(ParameterError):
        serving.expected_distinct_experts(4, 0, 8)


@pytest.mark.parametrize(("batch", "k", "n_experts"), [(4, 2, 8), (32, 8, 256), (64, 6, 64)])
def test_expected_distinct_experts_matches_simulation(batch, k, n_experts):
    draws = serving.simulate_distinct_experts(batch, k, n_experts, trials=3000, seed=7)
    expected = float(serving.expected_distinct_experts(batch, k, n_experts))
    standard_error = draws.std(ddof=1) / math.sqrt(len(draws))
    assert abs(draws.mean() - expected) < 4 * standard_error + 1e-9
    assert draws.min() >= k and draws.max() <= min(n_experts, batch * k)


def test_decode_step_bytes_hand_count():
    count = moe.count_bundled("DeepSeek-V3")
    # Everything but the embedding table and the routed experts, plus the distinct experts a
    # batch of 3 reads in each of the 58 MoE layers; KV: 576 elements x 61 layers per token.
    distinct = float(serving.expected_distinct_experts(3, 8, 256))
    weights = (
        count.total_params
        - V3_EMBEDDING
        - V3_MOE_LAYERS * 256 * V3_EXPERT
        + V3_MOE_LAYERS * distinct * V3_EXPERT
    )
    kv = 3 * 5 * V3_KV_PER_TOKEN * 2
    got = serving.decode_step_bytes(count, 3, 5, weight_bytes_per_param=1, kv_bytes_per_element=2)
    assert got == pytest.approx(weights + kv)


def test_decode_estimate_roofline_and_cost():
    count = moe.count_bundled("DeepSeek-V3")
    bandwidth, compute = serving.gpu_spec("H800 SXM"), serving.gpu_spec("H100 SXM")
    assert bandwidth.fp8_tflops is None  # empty in gpu_specs.csv: never filled in
    one = serving.decode_estimate(count, 1, 4096, bandwidth, compute, gpu_hour_usd=2.0)
    assert one.bound == "memory"
    assert one.tokens_per_s_per_gpu == pytest.approx(1 / (one.bytes_per_step / 3.35e12))
    assert one.usd_per_million_tokens == pytest.approx(
        2.0 / (3600 * one.tokens_per_s_per_gpu) * 1e6
    )
    # Memory-only when no compute roof is known.
    no_roof = serving.decode_estimate(count, 1, 4096, bandwidth, bandwidth, gpu_hour_usd=2.0)
    assert no_roof.compute_time_s is None
    # A dense model of equal size reads all weights every step: more bytes at batch 1.
    dense = moe.with_all_experts_active(count)
    dense_one = serving.decode_estimate(dense, 1, 4096, bandwidth, compute, gpu_hour_usd=2.0)
    assert dense_one.bytes_per_step > one.bytes_per_step
    # At a large batch the dense model is compute-bound: a step takes FLOPs / FP8 peak.
    dense_big = serving.decode_estimate(dense, 1024, 4096, bandwidth, compute, gpu_hour_usd=2.0)
    assert dense_big.bound == "compute"
    flops = 1024 * float(moe.forward_flops_per_token(dense, 4096))
    assert dense_big.tokens_per_s_per_gpu == pytest.approx(
        1024 / (flops / (compute.fp8_tflops * 1e12))
    )
    frame = serving.decode_frame([count], [1, 64], 4096, bandwidth, compute, 2.0)
    assert list(frame["batch"]) == [1, 64]
    with pytest.raises(ParameterError):
        serving.gpu_spec("RTX 9090")
