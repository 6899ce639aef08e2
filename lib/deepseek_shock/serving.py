"""What it takes to serve a model: weight memory, KV cache per sequence and per node, decode cost.

Everything here starts from a :class:`~deepseek_shock.moe.ParamCount` (parameter counts and the
normalised architecture, :mod:`deepseek_shock.moe`) and GPU figures from the bundled
``gpu_specs.csv``: :func:`weight_memory_frame` (bytes to hold the weights and the fewest GPUs
that can), :func:`kv_cache_frame` (cache per token and sequence, and concurrent sequences per
node), :func:`expected_distinct_experts` (experts a batch touches) and :func:`decode_estimate`
(a roofline bound on decode throughput and cost per million tokens). Results are upper bounds
on throughput: activations, runtime memory and imperfect bandwidth/peak use are not modelled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import ParameterError
from .moe import ParamCount, forward_flops_per_token, kv_cache_elements_per_token, mlp_params
from .reference import load_reference

#: Bytes per stored element for the precisions the notebook compares.
PRECISION_BYTES: dict[str, float] = {"BF16": 2.0, "FP8": 1.0, "4-bit": 0.5}


# ---------------------------------------------------------------------------------------------
# KV cache per sequence and per node
# ---------------------------------------------------------------------------------------------


def node_memory_bytes(n_gpus: int, gpu_memory_gb: float) -> float:
    """Memory of one node in bytes (decimal GB, as GPU memory is quoted in gpu_specs.csv)."""
    return n_gpus * gpu_memory_gb * 1e9


def max_concurrent_sequences(
    weight_bytes: float, kv_bytes_per_sequence: float, node_bytes: float
) -> int | None:
    """``floor((node memory - weights) / KV bytes per sequence)``; ``None`` if weights don't fit.

    An upper bound: activations, the runtime and fragmentation are not subtracted.
    """
    free = node_bytes - weight_bytes
    if free <= 0:
        return None
    return int(free // kv_bytes_per_sequence)


def kv_cache_frame(
    counts: Sequence[ParamCount],
    sequence_length: int,
    n_gpus: int,
    gpu_memory_gb: float,
    weight_precisions: Sequence[str] = ("BF16", "FP8", "4-bit"),
    kv_precision: str = "BF16",
) -> pd.DataFrame:
    """KV cache per token and per sequence, native and as full MHA, and sequences per node.

    For every model: elements/token (native and MHA layout), KB/token at BF16 and FP8, GB per
    sequence of ``sequence_length`` tokens at ``kv_precision``, and for each weight precision the
    maximum concurrent sequences on one node (:func:`max_concurrent_sequences`; ``None`` = the
    weights alone do not fit).
    """
    node = node_memory_bytes(n_gpus, gpu_memory_gb)
    kv_bytes = _precision_bytes(kv_precision)
    rows = []
    for c in counts:
        native = kv_cache_elements_per_token(c.spec, "native")
        row: dict[str, Any] = {
            "model": c.model,
            "attention": c.spec.attention.kind.upper(),
            "elements_per_token": native,
            "mha_elements_per_token": kv_cache_elements_per_token(c.spec, "mha"),
            "kb_per_token_bf16": native * 2 / 1e3,
            "kb_per_token_fp8": native * 1 / 1e3,
            "gb_per_sequence": native * kv_bytes * sequence_length / 1e9,
        }
        for precision in weight_precisions:
            row[f"max_sequences_{precision}_weights"] = max_concurrent_sequences(
                c.total_params * _precision_bytes(precision),
                native * kv_bytes * sequence_length,
                node,
            )
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("model")
    sequence_columns = [f"max_sequences_{p}_weights" for p in weight_precisions]
    # Nullable integers: <NA> marks "the weights alone do not fit", not a missing number.
    return frame.astype(dict.fromkeys(sequence_columns, "Int64"))


def _precision_bytes(precision: str) -> float:
    if precision not in PRECISION_BYTES:
        raise ParameterError(
            f"Unknown precision {precision!r}. Use one of {', '.join(PRECISION_BYTES)}."
        )
    return PRECISION_BYTES[precision]


# ---------------------------------------------------------------------------------------------
# Memory to serve
# ---------------------------------------------------------------------------------------------


def weight_memory_frame(
    counts: Sequence[ParamCount],
    gpu_memory_gb: float,
    precisions: Sequence[str] = ("BF16", "FP8", "4-bit"),
) -> pd.DataFrame:
    """Weight bytes per model and precision and the minimum GPU count to hold them.

    ``GB = total_params · bytes_per_param / 1e9``; ``min GPUs = ceil(GB / gpu_memory_gb)``.
    A lower bound: no KV cache, activations or quantisation scales (FP8 128×128 block scales
    add 4 bytes per 16,384 weights, 0.02%).
    """
    rows = []
    for c in counts:
        for precision in precisions:
            gb = c.total_params * _precision_bytes(precision) / 1e9
            rows.append(
                {
                    "model": c.model,
                    "precision": precision,
                    "weights_gb": gb,
                    "min_gpus": math.ceil(gb / gpu_memory_gb),
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Decode economics
# ---------------------------------------------------------------------------------------------


def expected_distinct_experts(
    batch_tokens: float | np.ndarray, k: int, n_experts: int
) -> np.ndarray:
    """Expected number of distinct experts a batch of ``B`` tokens uses in one MoE layer.

    Each token picks ``k`` of ``E`` experts uniformly at random, independently: one expert is
    missed by one token with probability ``1 - k/E``, so ``E[distinct] = E·(1 - (1 - k/E)^B)``
    (linearity of expectation over the ``E`` indicator variables).
    """
    if not 1 <= k <= n_experts:
        raise ParameterError(f"Need 1 <= k <= n_experts, got k={k}, n_experts={n_experts}.")
    batch = np.asarray(batch_tokens, dtype=float)
    return n_experts * (1.0 - (1.0 - k / n_experts) ** batch)


def simulate_distinct_experts(
    batch_tokens: int, k: int, n_experts: int, trials: int = 2000, seed: int = 0
) -> np.ndarray:
    """Distinct experts used in each of ``trials`` batches of ``B`` tokens that each draw ``k``
    of ``E`` experts uniformly without replacement (the check on :func:`expected_distinct_experts`)."""
    rng = np.random.default_rng(seed)
    # Trials in chunks, so the random keys (chunk x B x E) stay a few million numbers.
    chunk = max(1, 4_000_000 // max(1, batch_tokens * n_experts))
    distinct = []
    for start in range(0, trials, chunk):
        n = min(chunk, trials - start)
        keys = rng.random((n, batch_tokens, n_experts))
        chosen = np.argpartition(keys, k - 1, axis=-1)[..., :k]
        used = np.zeros((n, n_experts), dtype=bool)
        used[np.repeat(np.arange(n), batch_tokens * k), chosen.reshape(-1)] = True
        distinct.append(used.sum(axis=1))
    return np.concatenate(distinct)


@dataclass(frozen=True)
class GPUSpec:
    """The figures of one GPU that the roofline needs (from ``gpu_specs.csv``)."""

    name: str
    memory_gb: float
    bandwidth_tb_s: float
    bf16_tflops: float | None
    fp8_tflops: float | None


def gpu_spec(name: str) -> GPUSpec:
    """One row of ``gpu_specs.csv``; empty cells become ``None`` (never filled in)."""
    table = load_reference("gpu_specs").set_index("gpu")
    if name not in table.index:
        raise ParameterError(f"Unknown GPU {name!r}. Available: {', '.join(table.index)}.")
    row = table.loc[name]

    def value(column: str) -> float | None:
        cell = row[column]
        return None if pd.isna(cell) else float(cell)

    return GPUSpec(
        name=name,
        memory_gb=float(row["hbm_gb"]),
        bandwidth_tb_s=float(row["hbm_tb_s"]),
        bf16_tflops=value("bf16_dense_tflops"),
        fp8_tflops=value("fp8_dense_tflops"),
    )


def decode_step_bytes(
    count: ParamCount,
    batch: int,
    context_length: int,
    weight_bytes_per_param: float,
    kv_bytes_per_element: float,
) -> float:
    """Bytes read from memory for one decode step of ``batch`` sequences.

    Weights: everything except the embedding table and the routed experts, plus, in each MoE
    layer, the expected distinct experts the batch uses (:func:`expected_distinct_experts`),
    times ``weight_bytes_per_param``. KV cache: ``batch · L ·`` elements/token
    (:func:`~deepseek_shock.moe.kv_cache_elements_per_token`) ``· kv_bytes_per_element``.
    """
    spec, b = count.spec, count.breakdown
    table = 0 if spec.tie_word_embeddings else b["embeddings"]
    always_read = count.total_params - table - b["routed_experts"]
    experts_read = 0.0
    if spec.ffn.n_routed_experts:
        per_expert = mlp_params(spec.hidden_size, spec.ffn.moe_intermediate_size, spec.ffn.mlp_bias)
        distinct = expected_distinct_experts(
            batch, spec.ffn.experts_per_token, spec.ffn.n_routed_experts
        )
        experts_read = float(distinct) * per_expert * spec.n_moe_layers
    weights = (always_read + experts_read) * weight_bytes_per_param
    kv = batch * context_length * kv_cache_elements_per_token(spec) * kv_bytes_per_element
    return weights + kv


@dataclass(frozen=True)
class DecodeEstimate:
    """Roofline decode estimate for one model and batch size (per GPU, ideal parallelism)."""

    model: str
    batch: int
    context_length: int
    bytes_per_step: float
    flops_per_step: float
    memory_time_s: float
    compute_time_s: float | None
    tokens_per_s_per_gpu: float
    bound: str
    usd_per_million_tokens: float


def decode_estimate(
    count: ParamCount,
    batch: int,
    context_length: int,
    bandwidth_gpu: GPUSpec,
    compute_gpu: GPUSpec | None,
    gpu_hour_usd: float,
    weight_precision: str = "FP8",
    kv_precision: str = "BF16",
) -> DecodeEstimate:
    """Tokens/s per GPU and cost per million output tokens when decoding ``batch`` sequences.

    Roofline (Williams, Waterman & Patterson 2009), normalised to one GPU: a step takes
    ``max(bytes / bandwidth, FLOPs / peak)`` GPU-seconds, with ``bytes`` from
    :func:`decode_step_bytes` and ``FLOPs = batch · forward_flops_per_token(L)``
    (:func:`~deepseek_shock.moe.forward_flops_per_token`); a step yields ``batch`` tokens, so
    ``tokens/s/GPU = batch / max(...)`` and
    ``USD per 1M tokens = gpu_hour_usd / (3600 · tokens/s/GPU) · 1e6``. It assumes weights and
    work spread evenly over the GPUs and full bandwidth/peak use: an optimistic upper bound on
    throughput (lower bound on cost). The compute roof uses the FP8 peak for FP8 weights and
    the BF16 peak otherwise; ``compute_gpu=None`` or a missing peak leaves it out.
    """
    if batch < 1 or context_length < 0:
        raise ParameterError("Need batch >= 1 and context_length >= 0.")
    step_bytes = decode_step_bytes(
        count,
        batch,
        context_length,
        _precision_bytes(weight_precision),
        _precision_bytes(kv_precision),
    )
    flops = float(batch * forward_flops_per_token(count, context_length))
    memory_time = step_bytes / (bandwidth_gpu.bandwidth_tb_s * 1e12)
    peak = None
    if compute_gpu is not None:
        peak = compute_gpu.fp8_tflops if weight_precision == "FP8" else compute_gpu.bf16_tflops
    compute_time = flops / (peak * 1e12) if peak else None
    step_time = max(memory_time, compute_time or 0.0)
    tokens_per_s = batch / step_time
    return DecodeEstimate(
        model=count.model,
        batch=batch,
        context_length=context_length,
        bytes_per_step=step_bytes,
        flops_per_step=flops,
        memory_time_s=memory_time,
        compute_time_s=compute_time,
        tokens_per_s_per_gpu=tokens_per_s,
        bound="compute" if compute_time is not None and compute_time > memory_time else "memory",
        usd_per_million_tokens=gpu_hour_usd / (3600.0 * tokens_per_s) * 1e6,
    )


def decode_frame(
    counts: Sequence[ParamCount],
    batches: Sequence[int],
    context_length: int,
    bandwidth_gpu: GPUSpec,
    compute_gpu: GPUSpec | None,
    gpu_hour_usd: float,
    weight_precision: str = "FP8",
    kv_precision: str = "BF16",
) -> pd.DataFrame:
    """:func:`decode_estimate` for every model and batch size, one row each."""
    rows = [
        asdict(
            decode_estimate(
                c,
                b,
                context_length,
                bandwidth_gpu,
                compute_gpu,
                gpu_hour_usd,
                weight_precision,
                kv_precision,
            )
        )
        for c in counts
        for b in batches
    ]
    return pd.DataFrame(rows)
