"""Training-cost and compute model for the "$5.6M to train DeepSeek-V3" claim.

The module rebuilds DeepSeek's published figure from its primary inputs, checks it against
physics (training FLOP and the utilisation it implies), puts an uncertainty band on it, sets it
beside costs on other bases (energy, owning the cluster, company-level hardware) and beside
peer runs, and turns the result into ``verify_*`` functions and verdict paragraphs for the
claims scorecard.

Inputs come from the bundled reference tables (``reference/training_runs.csv``,
``gpu_specs.csv``, ``cost_estimates.csv``) and, for anything that is *not* a published fact,
from ``data/cost/assumptions.csv``, where every row is labelled an assumption, proxy or
third-party figure with its reasoning.

Decisions a newcomer may question
---------------------------------
* **H800 peak = H100 SXM peak (proxy).** No NVIDIA H800 datasheet is bundled; the reference
  table leaves its BF16/FP8 TFLOPS empty and quotes SemiAnalysis that the H800 does not cut
  compute (only NVLink, 400 vs 900 GB/s). :func:`peak_throughput` therefore falls back to the
  H100 SXM dense figures and says so in its result (``is_proxy``); nothing hides the proxy.
* **MFU is computed on pre-training only** (2.664M GPU-hours for 14.8T tokens at sequence
  length 4,096). The token counts and sequence lengths of the context-extension and
  post-training stages are not in the bundled data.
* **One parameter counter.** ``N`` in ``6·N·D`` and the MTP module's active parameters come
  from :func:`deepseek_shock.moe.count_params` on the bundled config. ``N`` is the count of
  parameters that do a matmul per token (``active_params_excluding_embedding``: the output
  head in, the input-embedding lookup out), DeepSeek's own convention: 36.6B, of which the
  headline "37B" is the rounding. The published 37B is kept for display only.
* **One FLOP definition per comparison.** FLOP are counted on named bases
  (:data:`FLOP_BASES`): ``6·N·D``; + MTP; + causal attention (``T/2``, the work a causal kernel
  does; the headline, :data:`HEADLINE_BASIS`); PaLM convention (full ``T``). Peers are
  counted on the same bases from their own configs (:func:`peer_mfu_table`); Llama 3.1's
  pre-training sequence length (8,192) is a stated assumption in ``assumptions.csv``.
* **Like-for-like utilisation verdict.** DeepSeek's MFU is compared with the peers' on the
  same FLOP basis *and* the same peak precision (:func:`utilisation_verdict`); comparing its
  FP8-peak MFU with a peer's BF16-peak MFU would halve DeepSeek's figure for free.
* **Monte Carlo on the basis of its prior.** The utilisation prior is anchored on the best
  peer's MFU on :data:`MFU_PRIOR_BASIS` (the headline basis) and the simulated FLOP are on the
  same basis; :func:`basis_sensitivity` reruns it on ``6·N·D`` with the prior rebased there.
  The headline basis is preferred because DeepSeek's share of work outside ``6·N·D``
  (attention + MTP) is larger than the anchor run's; on ``6·N·D`` that difference counts as
  free.
* **The same $/GPU-hour for every peer.** Rental-equivalent costs of other runs use DeepSeek's
  own $2 so that the comparison is on one basis, even though H100 and H800 rental prices differ.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import claims, moe
from .errors import DataError, ParameterError
from .evidence import Measurement
from .formatting import count, pct, usd
from .plotting import add_source, new_figure
from .reference import load_data_csv, load_model_config, load_reference

SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0
DAYS_PER_YEAR = 365.25
# Two consecutive calendar months span 59 (Jan+Feb, Feb+Mar) to 62 (Jul+Aug) days.
TWO_MONTHS_DAYS = (59.0, 62.0)
STAGES = ("pre-training", "context extension", "post-training")
_STAGE_ROWS = {
    "pre-training": "DeepSeek-V3 (stage: pre-training)",
    "context extension": "DeepSeek-V3 (stage: context length extension)",
    "post-training": "DeepSeek-V3 (stage: post-training)",
}
_FULL_RUN_ROW = "DeepSeek-V3 (full training"
_RATE_ROW = "DeepSeek-V3 (pre-training rate per trillion tokens)"
_R1_ROW = "DeepSeek-R1 (reasoning RL stage only"
H800 = "H800 SXM"
H100 = "H100 SXM"
V3_CONFIG = "DeepSeek-V3"
V3_PRETRAINING = "DeepSeek-V3 pre-training"
#: FLOP definitions, cumulative: key → label (see :func:`flop_by_basis`).
FLOP_BASES = {
    "6ND": "6·N·D",
    "6ND+MTP": "6·N·D + MTP",
    "full": "6·N·D + MTP + attention (causal T/2)",
    "palm": "6·N·D + MTP + attention (PaLM convention, full T)",
}
#: The basis of the headline MFU, the utilisation verdict and the Monte Carlo prior: all the
#: FLOP the GPUs compute (causal attention, as a causal kernel does).
HEADLINE_BASIS = "full"
#: The bases on which peers are compared (MTP and the PaLM convention have no peer analogue).
PEER_BASES = ("6ND", "full")
#: The bases that count attention. A Llama 3.1 run's FLOP on them is a lower bound: its final
#: long-context stage is not modelled and its pre-training sequence length is an assumption.
ATTENTION_BASES = ("full", "palm")
#: The FLOP basis of the ``bf16_mfu`` prior in ``assumptions.csv`` (anchored on a peer there).
MFU_PRIOR_BASIS = HEADLINE_BASIS
#: Training-run rows of ``training_runs.csv`` → their bundled config (70B/8B: the Instruct
#: configs, whose architecture is the base model's).
_PEER_CONFIGS = {
    "Llama 3.1 405B": "Llama-3.1-405B",
    "Llama 3.1 70B": "Llama-3.1-70B-Instruct",
    "Llama 3.1 8B": "Llama-3.1-8B-Instruct",
}
MC_INPUTS = ("bf16_mfu", "fp8_speedup", "token_overhead", "restart_waste", "price_per_gpu_hour")


# --------------------------------------------------------------------------- reported inputs


@dataclass(frozen=True)
class ReportedRun:
    """DeepSeek-V3's published training figures, as read from ``training_runs.csv``.

    Attributes
    ----------
    stage_gpu_hours : GPU-hours per stage (keys :data:`STAGES`).
    total_gpu_hours : the published total (2.788M).
    gpu_count : H800 GPUs in the cluster (2,048).
    gpu_hours_per_trillion_tokens : published pre-training rate (180K).
    days_per_trillion_tokens : published "i.e., 3.7 days" for that rate.
    tokens : pre-training tokens (14.8T).
    active_params, total_params : parameters (37B active of 671B).
    price_per_gpu_hour : DeepSeek's rental-price assumption, read from the quote ($2).
    reported_cost_usd : the published total ($5.576M).
    stage_reported_cost_usd : per-stage dollar figures (third-party restatement of Table 1).
    caveat : the report's own sentence on what the cost excludes.
    quote, source : the full quoted paragraph and its source.
    """

    stage_gpu_hours: dict[str, float]
    total_gpu_hours: float
    gpu_count: int
    gpu_hours_per_trillion_tokens: float
    days_per_trillion_tokens: float
    tokens: float
    active_params: float
    total_params: float
    price_per_gpu_hour: float
    reported_cost_usd: float
    stage_reported_cost_usd: dict[str, float]
    caveat: str
    quote: str
    source: str


def _row(table: pd.DataFrame, prefix: str, table_name: str) -> pd.Series:
    """The single row whose ``model`` (or ``claim``) starts with ``prefix``."""
    key = "model" if "model" in table.columns else "claim"
    hits = table[table[key].str.startswith(prefix)]
    if len(hits) != 1:
        raise DataError(
            f"Expected one row starting {prefix!r} in {table_name}.csv, found {len(hits)}. "
            "Restore the bundled reference table from git."
        )
    return hits.iloc[0]


def _search(pattern: str, text: str, what: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise DataError(
            f"Could not read {what} from the quote in training_runs.csv (pattern {pattern!r}). "
            "Restore the bundled reference table from git."
        )
    return match.group(1)


@cache
def reported_v3_run() -> ReportedRun:
    """Read DeepSeek-V3's published training figures from the bundled reference table.

    The $/GPU-hour is parsed from the quoted sentence ("Assuming the rental price of the H800
    GPU is $2 per GPU hour"), not typed here; the report's caveat is the quoted sentence that
    begins "Note that".
    """
    runs = load_reference("training_runs")
    full = _row(runs, _FULL_RUN_ROW, "training_runs")
    rate = _row(runs, _RATE_ROW, "training_runs")
    stages = {stage: _row(runs, prefix, "training_runs") for stage, prefix in _STAGE_ROWS.items()}
    quote = str(full["quote"])
    return ReportedRun(
        stage_gpu_hours={s: float(r["gpu_hours"]) for s, r in stages.items()},
        total_gpu_hours=float(full["gpu_hours"]),
        gpu_count=int(full["gpu_count"]),
        gpu_hours_per_trillion_tokens=float(rate["gpu_hours"]),
        days_per_trillion_tokens=float(_search(r"i\.e\., ([\d.]+) days", quote, "days/T tokens")),
        tokens=float(full["tokens_trained"]),
        active_params=float(full["params_active_b"]) * 1e9,
        total_params=float(full["params_total_b"]) * 1e9,
        price_per_gpu_hour=float(_search(r"is \$([\d.]+) per GPU hour", quote, "the price")),
        reported_cost_usd=float(full["reported_cost_usd"]),
        stage_reported_cost_usd={s: float(r["reported_cost_usd"]) for s, r in stages.items()},
        caveat=_search(r"(Note that [^\"]+?\.)\s*$", quote, "the caveat"),
        quote=quote,
        source=str(full["source"]),
    )


def reported_r1_rl_stage() -> dict[str, object]:
    """DeepSeek-R1's reported RL-stage cost and the GPU-hours its press reports describe.

    GPU-hours are rebuilt as ``gpus × (hours_R1-Zero + hours_R1) + SFT-data GPU-hours`` from the
    quoted figures (512 GPUs, ~198 h, ~80 h, ~5,000 GPU-h); they are a derived number, the
    table gives no single GPU-hour figure.
    """
    row = _row(load_reference("training_runs"), _R1_ROW, "training_runs")
    quote = str(row["quote"])
    gpus = int(row["gpu_count"])
    zero_h = float(_search(r"for (\d+) hours to train", quote, "R1-Zero hours"))
    r1_h = float(_search(r"another (\d+) hours", quote, "R1 hours"))
    sft = float(_search(r"about ([\d,]+) GPU hours", quote, "SFT GPU-hours").replace(",", ""))
    return {
        "reported_cost_usd": float(row["reported_cost_usd"]),
        "gpu_count": gpus,
        "derived_gpu_hours": gpus * (zero_h + r1_h) + sft,
        "basis": str(row["cost_basis"]),
        "source": str(row["source"]),
    }


def scenario_run(
    stage_gpu_hours: Mapping[str, float] | None = None,
    gpu_count: int | None = None,
    price_per_gpu_hour: float | None = None,
) -> ReportedRun:
    """The reported run with what-if inputs (a notebook's parameters); total = Σ stages.

    Anything not given keeps its reported value, so ``scenario_run()`` equals the report.
    """
    run = reported_v3_run()
    stages = dict(run.stage_gpu_hours if stage_gpu_hours is None else stage_gpu_hours)
    if set(stages) != set(STAGES):
        raise ParameterError(
            f"stage_gpu_hours must have exactly the stages {', '.join(STAGES)}; got "
            f"{', '.join(stages) or 'none'}."
        )
    for stage, hours in stages.items():
        _require_positive(f"GPU-hours of stage {stage!r}", hours)
    gpus = run.gpu_count if gpu_count is None else gpu_count
    price = run.price_per_gpu_hour if price_per_gpu_hour is None else price_per_gpu_hour
    _require_positive("gpu_count", gpus)
    _require_positive("price_per_gpu_hour", price)
    return dataclasses.replace(
        run,
        stage_gpu_hours={s: float(stages[s]) for s in STAGES},
        total_gpu_hours=float(sum(stages.values())),
        gpu_count=int(gpus),
        price_per_gpu_hour=float(price),
    )


def compare_with_reported(run: ReportedRun) -> pd.DataFrame:
    """Inputs in use next to the reported ones, flagging any what-if change."""
    reported = reported_v3_run()
    pairs = [
        (f"GPU-hours: {s}", run.stage_gpu_hours[s], reported.stage_gpu_hours[s]) for s in STAGES
    ]
    pairs += [
        ("GPUs", run.gpu_count, reported.gpu_count),
        ("price per GPU-hour (USD)", run.price_per_gpu_hour, reported.price_per_gpu_hour),
    ]
    frame = pd.DataFrame(pairs, columns=["input", "used here", "reported"])
    frame["as reported"] = frame["used here"] == frame["reported"]
    return frame


# --------------------------------------------------------------------------- assumptions


def load_assumptions() -> pd.DataFrame:
    """The stated assumptions of the cost model (``data/cost/assumptions.csv``), indexed by name.

    Columns: value (deterministic central value), low, high, distribution, unit, status,
    reasoning, source. Every row says whether it is an assumption, a proxy or a sourced figure.
    A missing or unreadable file raises :class:`DataError` (:func:`reference.load_data_csv`).
    """
    return load_data_csv("cost/assumptions.csv").set_index("name")


def assumptions_used(used: Mapping[str, object]) -> pd.DataFrame:
    """The assumptions table next to the values a notebook run actually used.

    Parameters
    ----------
    used : name → the value or distribution spec in use (as given in the parameters cell).

    Returns
    -------
    DataFrame with columns assumption, file default, used here, status, reasoning.
    """
    table = load_assumptions()
    rows = []
    for name, row in table.iterrows():
        default = _describe_spec(_default_spec(row))
        in_use = _describe_spec(used[name]) if name in used else "not used"
        rows.append(
            {
                "assumption": name,
                "unit": row["unit"],
                "file default": default,
                "used here": in_use,
                "status": row["status"],
                "reasoning": row["reasoning"],
            }
        )
    return pd.DataFrame(rows)


def _default_spec(row: pd.Series) -> dict[str, object]:
    kind = row["distribution"]
    if kind == "fixed":
        return {"kind": "fixed", "value": float(row["value"])}
    spec: dict[str, object] = {"kind": kind, "low": float(row["low"]), "high": float(row["high"])}
    if kind == "triangular":
        spec["mode"] = float(row["value"])
    return spec


def default_mc_inputs() -> dict[str, dict[str, object]]:
    """The Monte Carlo input distributions of ``assumptions.csv`` as plain dict specs."""
    table = load_assumptions()
    return {name: _default_spec(table.loc[name]) for name in MC_INPUTS}


def _describe_spec(spec: object) -> str:
    if isinstance(spec, Mapping):
        if "kind" not in spec:
            return f"{spec.get('value')} (range {spec.get('low')}–{spec.get('high')})"
        return Distribution.from_spec(spec).describe()
    return f"{spec}"


# --------------------------------------------------------------------------- headline rebuild


@dataclass(frozen=True)
class CostRebuild:
    """The headline rebuilt from GPU-hours, price and GPU count.

    Attributes
    ----------
    stages : one row per stage: gpu_hours, cost_usd, wall_clock_days (at ``gpu_count`` GPUs).
    total_gpu_hours, total_cost_usd, wall_clock_days : sums over the stages.
    price_per_gpu_hour, gpu_count : the inputs used.
    """

    stages: pd.DataFrame
    total_gpu_hours: float
    total_cost_usd: float
    wall_clock_days: float
    price_per_gpu_hour: float
    gpu_count: int


def _require_positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ParameterError(f"{name} must be a positive number, got {value!r}. Pass e.g. 2.0.")


def wall_clock_days(gpu_hours: float, gpu_count: int) -> float:
    """Days the work takes if all ``gpu_count`` GPUs run it: ``gpu_hours / gpu_count / 24``."""
    _require_positive("gpu_count", gpu_count)
    return gpu_hours / gpu_count / HOURS_PER_DAY


def rebuild_cost(
    stage_gpu_hours: Mapping[str, float], price_per_gpu_hour: float, gpu_count: int
) -> CostRebuild:
    """Rebuild the training cost: ``cost = Σ_stage GPU-hours × price per GPU-hour``.

    Wall-clock days assume each stage ran on the whole ``gpu_count`` cluster; for stages run on
    fewer GPUs (the report does not say) the days are a lower bound.
    """
    _require_positive("price_per_gpu_hour", price_per_gpu_hour)
    for stage, hours in stage_gpu_hours.items():
        _require_positive(f"GPU-hours of stage {stage!r}", hours)
    stages = pd.DataFrame(
        {"stage": list(stage_gpu_hours), "gpu_hours": [float(h) for h in stage_gpu_hours.values()]}
    )
    stages["cost_usd"] = stages["gpu_hours"] * price_per_gpu_hour
    stages["wall_clock_days"] = stages["gpu_hours"] / gpu_count / HOURS_PER_DAY
    total = float(stages["gpu_hours"].sum())
    return CostRebuild(
        stages=stages,
        total_gpu_hours=total,
        total_cost_usd=total * price_per_gpu_hour,
        wall_clock_days=wall_clock_days(total, gpu_count),
        price_per_gpu_hour=float(price_per_gpu_hour),
        gpu_count=int(gpu_count),
    )


def consistency_checks(run: ReportedRun | None = None) -> pd.DataFrame:
    """Check the published figures against each other.

    Checks: rate × tokens = pre-training GPU-hours; rate ÷ GPUs ÷ 24 = "3.7 days" (to the
    published 1 decimal); Σ stages = 2.788M; total × $2 = $5.576M; each third-party per-stage
    dollar figure = stage GPU-hours × $2; pre-training and full-run wall-clock days below the
    shortest two-calendar-month span (59 days).

    Returns
    -------
    DataFrame: check, published, recomputed, unit, criterion, consistent.
    """
    run = run or reported_v3_run()
    pre = run.stage_gpu_hours["pre-training"]
    rate_days = run.gpu_hours_per_trillion_tokens / run.gpu_count / HOURS_PER_DAY
    rows = [
        ("pre-training GPU-h = 180K/T tokens × 14.8T", pre,
         run.gpu_hours_per_trillion_tokens * run.tokens / 1e12, "GPU-hours", "equal"),
        ("days per T tokens = 180K ÷ 2,048 GPUs ÷ 24", run.days_per_trillion_tokens,
         rate_days, "days", "rounds to the published 1 d.p."),
        ("stage GPU-hours sum to the total", run.total_gpu_hours,
         sum(run.stage_gpu_hours.values()), "GPU-hours", "equal"),
        ("total GPU-h × $2 = total cost", run.reported_cost_usd,
         run.total_gpu_hours * run.price_per_gpu_hour, "USD", "equal"),
    ]  # fmt: skip
    rows += [
        (f"{stage} GPU-h × $2 = Table 1 cost (third-party restatement)",
         run.stage_reported_cost_usd[stage], run.stage_gpu_hours[stage] * run.price_per_gpu_hour,
         "USD", "equal")
        for stage in STAGES
    ]  # fmt: skip
    rows += [
        ("pre-training wall-clock 'less than two months'", TWO_MONTHS_DAYS[0],
         wall_clock_days(pre, run.gpu_count), "days", "below 59 days"),
        ("full training wall-clock (all stages on 2,048 GPUs)", TWO_MONTHS_DAYS[0],
         wall_clock_days(run.total_gpu_hours, run.gpu_count), "days", "below 59 days"),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["check", "published", "recomputed", "unit", "criterion"])
    frame["consistent"] = [_passes(r) for r in frame.itertuples()]
    return frame


def _passes(row) -> bool:
    if row.criterion == "equal":
        return bool(np.isclose(row.published, row.recomputed, rtol=1e-9))
    if row.criterion.startswith("rounds"):
        return round(row.recomputed, 1) == row.published
    return bool(row.recomputed < row.published)


# --------------------------------------------------------------------------- physics


def dense_training_flop(active_params: float, tokens: float) -> float:
    """Training FLOP of the parameter matmuls: ``C = 6·N·D``.

    2 FLOP per parameter per token forward, 4 backward (Kaplan et al. 2020, "Scaling Laws for
    Neural Language Models", §2.1 / Table 1; Hoffmann et al. 2022, Chinchilla, §3). For an MoE
    ``N`` is the *active* parameter count per token; :func:`matmul_params` says which count.
    """
    _require_positive("active_params", active_params)
    _require_positive("tokens", tokens)
    return 6.0 * active_params * tokens


def matmul_params(count: moe.ParamCount) -> int:
    """``N`` of ``6·N·D``: the parameters a token multiplies with, from :func:`moe.count_params`.

    This is :attr:`moe.ParamCount.active_params_excluding_embedding`: every active weight
    *including* the output head (a ``V × d`` matmul per token) and *excluding* the
    input-embedding table (a lookup, no FLOP). It is DeepSeek's own convention ("36.6B
    (including 0.9B for the output Head)", ``data/moe/deepseek_v3_weights.csv``); the headline
    "37B" is that figure rounded. Norm and bias vectors are included (negligible).
    """
    return count.active_params_excluding_embedding


def mtp_matmul_params(count: moe.ParamCount) -> int:
    """Parameters the multi-token-prediction (MTP) module multiplies with per token.

    ``N_mtp = mtp_params − n_moe_mtp·(E − k)·3·d·d_expert + depth·V·d``: the MTP module's unique
    parameters (:attr:`moe.ParamCount.mtp_params`: one transformer block with all ``E`` routed
    experts, the ``2d × d`` projection and norms) with the ``E − k`` routed experts a token
    does not use taken out, plus the output head (``V × d``), whose weights are shared with the
    main model but whose matmul runs again for each MTP depth. The shared embedding is a lookup
    and is not counted. Source: DeepSeek-V3 report (arXiv:2412.19437) §2.2; 0 for a model
    without MTP.
    """
    spec = count.spec
    if spec.mtp_layers == 0:
        return 0
    ffn = spec.ffn
    moe_mtp_layers = sum(1 for i in ffn.moe_layers if i >= spec.n_layers)
    idle_experts = ffn.n_routed_experts - ffn.experts_per_token
    idle = idle_experts * moe.mlp_params(spec.hidden_size, ffn.moe_intermediate_size, ffn.mlp_bias)
    head = spec.vocab_size * spec.hidden_size
    return count.mtp_params - moe_mtp_layers * idle + spec.mtp_layers * head


def attention_training_flop_per_token(
    spec: moe.ModelSpec, seq_len: int, causal: bool = True, n_layers: int | None = None
) -> float:
    """Training FLOP per token of the attention scores (QKᵀ) and the weighted sum (AV).

    Training is three times the forward pass (backward = 2 × forward), and the forward FLOP are
    :func:`moe.attention_flops_per_token` (``2·L·H·T_ctx·(d_qk + d_v)``), so

        ``F = 6 · L · H · (d_qk + d_v) · T_ctx``,

    with ``T_ctx = T/2`` for a causal mask (the average context of a token) or ``T`` in the PaLM
    convention. With ``d_qk = d_v = Q`` and ``T_ctx = T`` this is PaLM's ``12·L·H·Q·T``
    (Chowdhery et al. 2022, "PaLM", Appendix B; Hoffmann et al. 2022, Appendix F). These FLOP
    are not in ``6·N·D`` because they involve no parameters. ``n_layers`` defaults to the main
    decoder layers of ``spec``.
    """
    _require_positive("seq_len", seq_len)
    context = seq_len / 2.0 if causal else float(seq_len)
    main = 3.0 * float(moe.attention_flops_per_token(spec, context))
    return main if n_layers is None else main * n_layers / spec.n_layers


@dataclass(frozen=True)
class ComputeBudget:
    """Training FLOP split into terms, each with its formula.

    Attributes
    ----------
    terms : DataFrame with term, formula, flop_per_token, flop, share.
    total_flop, flop_per_token : the sums.
    causal : whether attention used the causal average context ``T/2``.
    """

    terms: pd.DataFrame
    total_flop: float
    flop_per_token: float
    causal: bool


def training_compute(
    count: moe.ParamCount, tokens: float, seq_len: int, causal: bool = True
) -> ComputeBudget:
    """Training FLOP of a run: ``6·N·D`` + attention + MTP module (if the model has one).

    ``C = D · [6N + A(L) + 6·N_mtp + A(depth)]`` with ``N`` = :func:`matmul_params`,
    ``N_mtp`` = :func:`mtp_matmul_params` and ``A(ℓ)`` =
    :func:`attention_training_flop_per_token` over ℓ layers; every count comes from
    :func:`moe.count_params` (one parameter counter for the project).

    Parameters
    ----------
    count : the model's parameter count (``moe.count_bundled("DeepSeek-V3")``).
    tokens : training tokens ``D``.
    seq_len : training sequence length ``T``.
    causal : attention context ``T/2`` (True) or ``T`` (PaLM convention).
    """
    _require_positive("tokens", tokens)
    spec = count.spec
    context = "T/2" if causal else "T"
    per_token = {
        "6·N·D (main model, matmul parameters)": (6.0 * matmul_params(count), "6·N"),
        f"attention scores + values ({spec.n_layers} layers)": (
            attention_training_flop_per_token(spec, seq_len, causal),
            f"6·L·H·(d_qk+d_v)·{context}",
        ),
    }
    if spec.mtp_layers:
        per_token[f"MTP module ({spec.mtp_layers} block + head)"] = (
            6.0 * mtp_matmul_params(count)
            + attention_training_flop_per_token(spec, seq_len, causal, n_layers=spec.mtp_layers),
            f"6·N_mtp + 6·H·(d_qk+d_v)·{context}",
        )
    terms = pd.DataFrame(
        [(term, formula, flop) for term, (flop, formula) in per_token.items()],
        columns=["term", "formula", "flop_per_token"],
    )
    terms["flop"] = terms["flop_per_token"] * tokens
    terms["share"] = terms["flop"] / terms["flop"].sum()
    return ComputeBudget(
        terms=terms,
        total_flop=float(terms["flop"].sum()),
        flop_per_token=float(terms["flop_per_token"].sum()),
        causal=causal,
    )


def flop_by_basis(count: moe.ParamCount, tokens: float, seq_len: int) -> dict[str, float]:
    """Training FLOP on each definition of :data:`FLOP_BASES` (cumulative, smallest first).

    ``6ND`` = ``6·N·D``; ``6ND+MTP`` adds the MTP module's matmuls; ``full`` adds the
    attention of every layer with the causal context ``T/2``; ``palm`` uses the full ``T``.
    For a model without MTP, ``6ND+MTP`` equals ``6ND``.
    """
    causal = training_compute(count, tokens, seq_len, causal=True)
    palm = training_compute(count, tokens, seq_len, causal=False)
    six_nd = dense_training_flop(matmul_params(count), tokens)
    return {
        "6ND": six_nd,
        "6ND+MTP": six_nd + 6.0 * mtp_matmul_params(count) * tokens,
        "full": causal.total_flop,
        "palm": palm.total_flop,
    }


@dataclass(frozen=True)
class PeakThroughput:
    """A GPU's dense tensor-core peak at one precision, and whether a proxy GPU supplied it."""

    gpu: str
    precision: str
    tflops: float
    source_gpu: str
    is_proxy: bool
    note: str


def peak_throughput(
    gpu: str = H800, precision: Literal["bf16", "fp8"] = "bf16", proxy: str | None = H100
) -> PeakThroughput:
    """Dense peak TFLOPS from ``gpu_specs.csv``; fall back to ``proxy`` if the value is empty.

    For the H800 the table has no BF16/FP8 figure (no NVIDIA datasheet was found); the bundled
    SemiAnalysis quote says compute was not cut relative to the H100, so the H100 SXM dense
    value is the stated proxy. The returned ``note`` says so.
    """
    if precision not in ("bf16", "fp8"):
        raise ParameterError(f"precision must be 'bf16' or 'fp8', got {precision!r}.")
    specs = load_reference("gpu_specs").set_index("gpu")
    column = f"{precision}_dense_tflops"
    for name in (gpu, proxy):
        if name is not None and name not in specs.index:
            raise ParameterError(
                f"Unknown GPU {name!r}; gpu_specs.csv has: {', '.join(specs.index)}."
            )
    value = specs.loc[gpu, column]
    if pd.notna(value):
        return PeakThroughput(gpu, precision, float(value), gpu, False, "as in gpu_specs.csv")
    if proxy is None or pd.isna(specs.loc[proxy, column]):
        raise DataError(
            f"gpu_specs.csv has no {precision.upper()} dense TFLOPS for {gpu}; pass a proxy GPU "
            f"that has one (e.g. proxy={H100!r})."
        )
    note = (
        f"{gpu} {precision.upper()} peak not in the bundled data; {proxy} dense value used as "
        "a proxy (SemiAnalysis: H800 compute not cut, only NVLink)"
    )
    return PeakThroughput(gpu, precision, float(specs.loc[proxy, column]), proxy, True, note)


def implied_mfu(flop: float, gpu_hours: float, peak_tflops: float) -> float:
    """Model FLOPs utilisation: ``MFU = C / (GPU-hours · 3600 · peak)``.

    The model FLOP a run needed divided by what its GPUs could do at peak in the time they were
    billed (Chowdhery et al. 2022, "PaLM", §4.1 and Appendix B).
    """
    for name, value in (("flop", flop), ("gpu_hours", gpu_hours), ("peak_tflops", peak_tflops)):
        _require_positive(name, value)
    return flop / (gpu_hours * SECONDS_PER_HOUR * peak_tflops * 1e12)


def _v3_seq_len(seq_len: int | None) -> int:
    """DeepSeek-V3's pre-training sequence length: given, or the config's
    ``rope_scaling.original_max_position_embeddings`` (4,096, the context before YaRN)."""
    if seq_len is not None:
        return seq_len
    return int(load_model_config(V3_CONFIG)["rope_scaling"]["original_max_position_embeddings"])


def v3_pretraining_compute(
    seq_len: int | None = None, causal: bool = True, run: ReportedRun | None = None
) -> ComputeBudget:
    """:func:`training_compute` for DeepSeek-V3's pre-training from the bundled data.

    Parameters are counted from the bundled config (:func:`moe.count_bundled`); tokens are the
    published 14.8T; the sequence length defaults to the config's pre-training context (4,096).
    """
    run = run or reported_v3_run()
    return training_compute(moe.count_bundled(V3_CONFIG), run.tokens, _v3_seq_len(seq_len), causal)


def mfu_table(
    seq_len: int | None = None,
    gpu: str = H800,
    proxy: str | None = H100,
    run: ReportedRun | None = None,
) -> pd.DataFrame:
    """Implied MFU of DeepSeek-V3 pre-training on each FLOP basis, at FP8 and BF16 peak.

    Rows: the bases of :data:`FLOP_BASES` (:func:`flop_by_basis`). GPU-hours: the run's
    pre-training stage (published: 2.664M). Peaks come from :func:`peak_throughput` (``proxy``
    fills the H800's missing figures).

    Returns
    -------
    DataFrame: basis, flop_basis, flop, mfu_fp8, mfu_bf16, peak_note.
    """
    run = run or reported_v3_run()
    hours = run.stage_gpu_hours["pre-training"]
    bases = flop_by_basis(moe.count_bundled(V3_CONFIG), run.tokens, _v3_seq_len(seq_len))
    fp8, bf16 = peak_throughput(gpu, "fp8", proxy), peak_throughput(gpu, "bf16", proxy)
    frame = pd.DataFrame(
        {"basis": list(bases), "flop_basis": [FLOP_BASES[b] for b in bases],
         "flop": list(bases.values())}
    )  # fmt: skip
    frame["mfu_fp8"] = [implied_mfu(f, hours, fp8.tflops) for f in frame["flop"]]
    frame["mfu_bf16"] = [implied_mfu(f, hours, bf16.tflops) for f in frame["flop"]]
    frame["peak_note"] = (
        f"{gpu} peaks not in the bundled data; {fp8.source_gpu} dense {bf16.tflops:g} (BF16) / "
        f"{fp8.tflops:g} (FP8) TFLOPS used as a proxy"
        if fp8.is_proxy or bf16.is_proxy
        else "as in gpu_specs.csv"
    )
    return frame


def peer_seq_len_assumption() -> int:
    """Llama 3.1's pre-training sequence length, a stated assumption (``assumptions.csv``)."""
    return int(load_assumptions().loc["llama3_pretraining_seq_len", "value"])


def peer_mfu_table(
    run: ReportedRun | None = None,
    seq_len: int | None = None,
    peer_seq_len: int | None = None,
) -> pd.DataFrame:
    """Implied MFU of DeepSeek-V3 and the disclosed Llama 3.1 runs on one FLOP definition.

    For every run the FLOP are computed the same way (:func:`flop_by_basis` on the bases of
    :data:`PEER_BASES`), from the parameters :func:`moe.count_params` counts in its bundled
    config (Llama 3.1 70B and 8B: the Instruct configs, same architecture as the base models),
    its tokens (``training_runs.csv``; 70B and 8B: the model card's lower bound "15T+") and its
    sequence length (DeepSeek: the config's 4,096; Llama: :func:`peer_seq_len_assumption`,
    8,192, an assumption). MFU is divided by the H100 SXM dense peak at BF16 and at FP8
    (the H800 uses the H100 figures as a proxy), so every run is on the same peak. The
    reference table's relayed FLOP figures are shown beside (``relayed_flop``) but not used:
    Llama 3.1 8B's is a blend of 6·N·D and a hardware estimate, not a FLOP count on this basis.

    Returns
    -------
    DataFrame, one row per run and basis: run, basis, flop_basis, gpu_hours, tokens,
    matmul_params, seq_len, flop, relayed_flop, mfu_bf16, mfu_fp8, note.
    """
    run = run or reported_v3_run()
    peer_seq = peer_seq_len_assumption() if peer_seq_len is None else peer_seq_len
    runs = load_reference("training_runs").set_index("model")
    entries = [
        (name, moe.count_bundled(config), float(runs.loc[name, "tokens_trained"]),
         float(runs.loc[name, "gpu_hours"]), peer_seq, runs.loc[name, "training_flop"],
         "H100 SXM dense peaks (sourced)")
        for name, config in _PEER_CONFIGS.items()
    ]  # fmt: skip
    entries.append(
        (V3_PRETRAINING, moe.count_bundled(V3_CONFIG), run.tokens,
         run.stage_gpu_hours["pre-training"], _v3_seq_len(seq_len), math.nan,
         "H800 peak = H100 SXM dense (proxy)")
    )  # fmt: skip
    bf16, fp8 = peak_throughput(H800, "bf16").tflops, peak_throughput(H800, "fp8").tflops
    rows = []
    for name, params, tokens, hours, seq, relayed, note in entries:
        bases = flop_by_basis(params, tokens, seq)
        for basis in PEER_BASES:
            rows.append(
                {"run": name, "basis": basis, "flop_basis": FLOP_BASES[basis],
                 "gpu_hours": hours, "tokens": tokens, "matmul_params": float(matmul_params(params)),
                 "seq_len": seq, "flop": bases[basis], "relayed_flop": float(relayed),
                 "mfu_bf16": implied_mfu(bases[basis], hours, bf16),
                 "mfu_fp8": implied_mfu(bases[basis], hours, fp8), "note": note}
            )  # fmt: skip
    return pd.DataFrame(rows)


def best_peer(peers: pd.DataFrame, basis: str) -> pd.Series:
    """The peer row (not DeepSeek) with the highest BF16 MFU on ``basis`` (:func:`peer_mfu_table`)."""
    if basis not in PEER_BASES:
        raise ParameterError(f"basis must be one of {', '.join(PEER_BASES)}, got {basis!r}.")
    rows = peers[(peers["basis"] == basis) & (peers["run"] != V3_PRETRAINING)]
    return rows.loc[rows["mfu_bf16"].idxmax()]


def rounding_band(*pairs: tuple[float, float]) -> float:
    """Relative uncertainty from rounding of published figures: ``Σ half-unit / value``.

    Each pair is ``(value, scale)`` with the value as published in units of ``scale`` (tokens
    in trillions, GPU-hours in millions): 14.8T is 14.75–14.85T, ±0.34%. MFU is a product of
    such figures, so the relative half-widths add (first order). Half-unit rule:
    :func:`moe.published_precision`.
    """
    band = 0.0
    for value, scale in pairs:
        published = round(value / scale, 9)
        band += moe.published_precision(published) / published
    return band


@dataclass(frozen=True)
class UtilisationComparison:
    """DeepSeek-V3's implied MFU against the best peer's, like for like.

    Attributes
    ----------
    table : one row per basis of :data:`PEER_BASES`: basis, flop_basis, deepseek_bf16,
        deepseek_fp8, peer, peer_bf16, peer_fp8, ratio (DeepSeek ÷ peer), band (rounding of the
        published inputs), relation ("above", "level with" or "below"), peer_lower_bound (the
        peer's MFU on this basis is a lower bound: the basis is in :data:`ATTENTION_BASES`),
        peer_seq_len (the peer's sequence length, an assumption).
    headline_basis : the basis the verdict is given on (:data:`HEADLINE_BASIS`).
    exceeds_best_peer : DeepSeek's MFU is above the best peer's by more than ``band`` on the
        headline basis.
    fp8_speedup_to_match : the headline ratio: how much faster than BF16 FP8 must have made
        DeepSeek's steps for its BF16-equivalent utilisation to equal the peer's.
    text : a paragraph built from these values.
    """

    table: pd.DataFrame
    headline_basis: str
    exceeds_best_peer: bool
    fp8_speedup_to_match: float
    text: str

    @property
    def headline(self) -> pd.Series:
        """The row of :attr:`table` on :attr:`headline_basis`."""
        return self.table.set_index("basis").loc[self.headline_basis]


def _relation(ratio: float, band: float) -> str:
    if ratio > 1 + band:
        return "above"
    return "below" if ratio < 1 - band else "level with"


def utilisation_verdict(peers: pd.DataFrame) -> UtilisationComparison:
    """Does the claim need an unprecedented utilisation? Compare like for like with peers.

    Like for like means the same FLOP definition (each basis of :data:`PEER_BASES`, computed
    for every run by :func:`peer_mfu_table`) and the same peak precision: DeepSeek's MFU at
    BF16 peak against the peer's at BF16 peak (or both at FP8; the ratio is the same because
    both use H100 SXM peaks). Rule: on each basis DeepSeek is "above" the best peer when
    ``MFU_DS / MFU_peer > 1 + band``, "below" when ``< 1 − band`` and "level with" otherwise,
    where ``band`` = :func:`rounding_band` of both runs' published tokens and GPU-hours. The
    verdict is given on :data:`HEADLINE_BASIS` (all the FLOP the GPUs compute). On a basis of
    :data:`ATTENTION_BASES` the peer's MFU is a lower bound (its long-context stage is not
    modelled, its sequence length is assumed), so a ratio "above" it is an upper bound.

    Parameters
    ----------
    peers : :func:`peer_mfu_table`.
    """
    ds_rows = peers[peers["run"] == V3_PRETRAINING].set_index("basis")
    rows = []
    for basis in PEER_BASES:
        ds, peer = ds_rows.loc[basis], best_peer(peers, basis)
        ratio = ds["mfu_bf16"] / peer["mfu_bf16"]
        band = rounding_band((ds["tokens"], 1e12), (ds["gpu_hours"], 1e6),
                             (peer["tokens"], 1e12), (peer["gpu_hours"], 1e6))  # fmt: skip
        rows.append(
            {"basis": basis, "flop_basis": FLOP_BASES[basis],
             "deepseek_bf16": ds["mfu_bf16"], "deepseek_fp8": ds["mfu_fp8"],
             "peer": peer["run"], "peer_bf16": peer["mfu_bf16"], "peer_fp8": peer["mfu_fp8"],
             "ratio": ratio, "band": band, "relation": _relation(ratio, band),
             "peer_lower_bound": basis in ATTENTION_BASES, "peer_seq_len": int(peer["seq_len"])}
        )  # fmt: skip
    table = pd.DataFrame(rows)
    head = table.set_index("basis").loc[HEADLINE_BASIS]
    exceeds = head["relation"] == "above"

    def bound(row: pd.Series) -> str:
        return ", a lower bound," if row["peer_lower_bound"] else ""

    def clause(row: pd.Series) -> str:
        return (
            f"{pct(row['deepseek_bf16'], 1, signed=False)} of BF16 peak "
            f"({pct(row['deepseek_fp8'], 1, signed=False)} of FP8 peak) against "
            f"{pct(row['peer_bf16'], 1, signed=False)} ({pct(row['peer_fp8'], 1, signed=False)})"
            f"{bound(row)} for {row['peer']}: {row['ratio']:.3f}× it, {row['relation']} it "
            f"(rounding of the published inputs: ±{pct(row['band'], 1, signed=False)})"
        )

    def standing(row: pd.Series) -> str:
        target = "a lower bound of the peer's" if row["peer_lower_bound"] else "the peer's"
        return f"{row['relation']} {target} on the {row['flop_basis']} basis"

    others = table[table["basis"] != HEADLINE_BASIS]
    lower_bound_note = (
        f" {head['peer']}'s figure on the {head['flop_basis']} basis is a lower bound: its "
        f"long-context stage is not modelled and its sequence length "
        f"({head['peer_seq_len']:,}) is an assumption, so the {head['ratio']:.3f}× is an "
        "upper bound."
        if head["peer_lower_bound"]
        else ""
    )
    text = (
        "Like for like (the same FLOP definition for every run, both divided by the same "
        f"peak), the claimed pre-training GPU-hours imply, on the {head['flop_basis']} basis, "
        f"{clause(head)}. "
        + " ".join(f"On the {r['flop_basis']} basis: {clause(r)}." for _, r in others.iterrows())
        + (
            " So at equal peak precision the claim needs a utilisation "
            + " and ".join(standing(r) for _, r in table.iterrows())
            + f".{lower_bound_note} DeepSeek ran its large matmuls in FP8, whose dense "
            f"peak is {head['deepseek_bf16'] / head['deepseek_fp8']:.2f}× BF16's: if FP8 made "
            f"its training steps at least "
            f"{head['ratio']:.2f}× faster than BF16 would have, the claim needs no more "
            f"BF16-equivalent utilisation than {head['peer']} reached on that basis."
            if exceeds
            else f" So the claim does not need a utilisation above what {head['peer']} "
            "reached at the same peak precision, even without any speed-up from FP8."
        )
    )
    return UtilisationComparison(
        table=table,
        headline_basis=HEADLINE_BASIS,
        exceeds_best_peer=bool(exceeds),
        fp8_speedup_to_match=float(head["ratio"]),
        text=text,
    )


# --------------------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class Distribution:
    """A one-dimensional input distribution: ``fixed``, ``uniform(low, high)`` or
    ``triangular(low, mode, high)``.

    Build one from a plain dict (as in a notebook parameters cell) with :meth:`from_spec`:
    ``{"kind": "uniform", "low": 1.5, "high": 3.0}``,
    ``{"kind": "triangular", "low": 0.25, "mode": 0.35, "high": 0.45}``,
    ``{"kind": "fixed", "value": 2.0}`` or a bare number (fixed).
    """

    kind: Literal["fixed", "uniform", "triangular"]
    low: float
    high: float
    mode: float | None = None

    @classmethod
    def from_spec(cls, spec: object, name: str = "input") -> Distribution:
        """Validate and convert a spec (dict, number or Distribution)."""
        if isinstance(spec, Distribution):
            return spec
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            return cls("fixed", float(spec), float(spec))
        if not isinstance(spec, Mapping) or "kind" not in spec:
            raise ParameterError(
                f"Distribution for {name!r} must be a number or a dict with 'kind' "
                f"(fixed/uniform/triangular), got {spec!r}. Example: "
                "{'kind': 'uniform', 'low': 1.5, 'high': 3.0}."
            )
        kind = spec["kind"]
        needed = {"fixed": ("value",), "uniform": ("low", "high"),
                  "triangular": ("low", "mode", "high")}  # fmt: skip
        if kind not in needed:
            raise ParameterError(
                f"Unknown distribution kind {kind!r} for {name!r}; use fixed, uniform or "
                "triangular."
            )
        missing = [k for k in needed[kind] if k not in spec]
        if missing:
            raise ParameterError(
                f"Distribution for {name!r} ({kind}) lacks {', '.join(missing)}; give "
                f"{', '.join(needed[kind])}."
            )
        if kind == "fixed":
            return cls("fixed", float(spec["value"]), float(spec["value"]))
        low, high = float(spec["low"]), float(spec["high"])
        mode = float(spec["mode"]) if kind == "triangular" else None
        if not low < high or (mode is not None and not low <= mode <= high):
            raise ParameterError(
                f"Distribution for {name!r} needs low < high (and low <= mode <= high), got "
                f"{dict(spec)}. Swap or correct the bounds."
            )
        return cls(kind, low, high, mode)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws (vectorised)."""
        if self.kind == "fixed":
            return np.full(n, self.low)
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high, n)
        return rng.triangular(self.low, self.mode, self.high, n)

    def quantile(self, q: float) -> float:
        """Inverse CDF at ``q``. Triangular: ``a + sqrt(q(b-a)(c-a))`` for ``q <= (c-a)/(b-a)``,
        else ``b - sqrt((1-q)(b-a)(b-c))`` (a = low, b = high, c = mode)."""
        a, b = self.low, self.high
        if self.kind == "fixed":
            return a
        if self.kind == "uniform":
            return a + q * (b - a)
        c = float(self.mode)  # type: ignore[arg-type]
        if q <= (c - a) / (b - a):
            return a + math.sqrt(q * (b - a) * (c - a))
        return b - math.sqrt((1 - q) * (b - a) * (b - c))

    @property
    def mean(self) -> float:
        """Analytical mean: ``(a+b)/2`` uniform, ``(a+b+c)/3`` triangular."""
        if self.kind == "triangular":
            return (self.low + self.high + float(self.mode)) / 3.0  # type: ignore[arg-type]
        return (self.low + self.high) / 2.0

    def scaled(self, factor: float) -> Distribution:
        """The distribution of ``factor × X`` (every parameter multiplied; ``factor > 0``)."""
        _require_positive("factor", factor)
        mode = None if self.mode is None else self.mode * factor
        return Distribution(self.kind, self.low * factor, self.high * factor, mode)

    def describe(self) -> str:
        """Short text such as ``uniform(1.5, 3)`` for tables."""
        if self.kind == "fixed":
            return f"fixed {self.low:g}"
        if self.kind == "uniform":
            return f"uniform({self.low:g}, {self.high:g})"
        return f"triangular({self.low:g}, {self.mode:g}, {self.high:g})"


def simulated_gpu_hours(
    flop: float,
    bf16_mfu: np.ndarray | float,
    fp8_speedup: np.ndarray | float,
    token_overhead: np.ndarray | float,
    restart_waste: np.ndarray | float,
    bf16_peak_tflops: float,
    other_stage_gpu_hours: float = 0.0,
) -> np.ndarray | float:
    """GPU-hours of a run: ``C·(1+o)·(1+w) / (u·s·P_bf16·3600) + H_other``.

    ``C`` model FLOP of pre-training, ``o`` extra tokens as a fraction, ``w`` GPU-hours lost to
    restarts as a fraction of useful ones, ``u`` utilisation against BF16 dense peak ``P_bf16``,
    ``s`` throughput gain of FP8 over BF16 (so ``u·s/2`` is the MFU against FP8 peak), and
    ``H_other`` the stages not simulated (context extension + post-training, as reported).
    """
    throughput = np.multiply(bf16_mfu, fp8_speedup) * bf16_peak_tflops * 1e12 * SECONDS_PER_HOUR
    return flop * (1 + token_overhead) * (1 + restart_waste) / throughput + other_stage_gpu_hours


@dataclass(frozen=True)
class MonteCarloResult:
    """Draws of GPU-hours and cost of a run like DeepSeek-V3's, with what was claimed.

    Attributes
    ----------
    gpu_hours, cost_usd : one value per draw.
    claimed_gpu_hours, claimed_cost_usd : the published totals compared against.
    inputs : the distributions used; seed, n_draws : for reproduction.
    flop_basis : key of :data:`FLOP_BASES` on which the FLOP and the utilisation are counted.
    """

    gpu_hours: np.ndarray
    cost_usd: np.ndarray
    claimed_gpu_hours: float
    claimed_cost_usd: float
    inputs: dict[str, Distribution]
    seed: int
    n_draws: int
    flop_basis: str = HEADLINE_BASIS

    @property
    def prob_claim_suffices(self) -> float:
        """Share of draws needing no more GPU-hours than claimed: ``P(H ≤ H_claimed)``."""
        return float(np.mean(self.gpu_hours <= self.claimed_gpu_hours))

    def summary(self) -> pd.DataFrame:
        """Mean, median and 5th/95th percentiles (the 90% interval) of GPU-hours and cost."""
        rows = []
        for name, draws in (("GPU-hours", self.gpu_hours), ("cost (USD)", self.cost_usd)):
            p05, p50, p95 = np.percentile(draws, [5, 50, 95])
            rows.append(
                {"quantity": name, "mean": float(draws.mean()), "median": float(p50),
                 "p05": float(p05), "p95": float(p95)}
            )  # fmt: skip
        return pd.DataFrame(rows)


def _distributions(inputs: Mapping[str, object]) -> dict[str, Distribution]:
    missing = [name for name in MC_INPUTS if name not in inputs]
    extra = [name for name in inputs if name not in MC_INPUTS]
    if missing or extra:
        raise ParameterError(
            f"Monte Carlo inputs must be exactly {', '.join(MC_INPUTS)}; missing "
            f"{missing or 'none'}, unknown {extra or 'none'}. Fix the mc_inputs dict."
        )
    return {name: Distribution.from_spec(inputs[name], name) for name in MC_INPUTS}


def simulate_training_run(
    flop: float,
    inputs: Mapping[str, object],
    *,
    n_draws: int = 1_000_000,
    seed: int,
    bf16_peak_tflops: float,
    other_stage_gpu_hours: float,
    claimed_gpu_hours: float,
    claimed_cost_usd: float,
    flop_basis: str = HEADLINE_BASIS,
) -> MonteCarloResult:
    """Seeded, vectorised Monte Carlo of GPU-hours and cost (:func:`simulated_gpu_hours`).

    Inputs (keys :data:`MC_INPUTS`) are independent; they are drawn in that fixed order from
    ``numpy.random.default_rng(seed)``, so a seed reproduces the draws exactly.
    ``cost = GPU-hours × price``.

    ``flop`` and the ``bf16_mfu`` distribution must count FLOP the same way (``flop_basis``, a
    key of :data:`FLOP_BASES`): a utilisation anchored on ``6·N·D`` divided into a total that
    adds attention and MTP would overstate the GPU-hours. The prior in ``assumptions.csv`` is
    on :data:`MFU_PRIOR_BASIS`; :func:`rebase_utilisation` moves it to another basis.
    """
    if not isinstance(n_draws, int) or n_draws < 1:
        raise ParameterError(f"n_draws must be a positive integer, got {n_draws!r}.")
    if flop_basis not in FLOP_BASES:
        raise ParameterError(
            f"flop_basis must be one of {', '.join(FLOP_BASES)}, got {flop_basis!r}."
        )
    dists = _distributions(inputs)
    rng = np.random.default_rng(seed)
    draws = {name: dist.sample(rng, n_draws) for name, dist in dists.items()}
    price = draws.pop("price_per_gpu_hour")
    hours = simulated_gpu_hours(
        flop,
        **draws,
        bf16_peak_tflops=bf16_peak_tflops,
        other_stage_gpu_hours=other_stage_gpu_hours,
    )
    return MonteCarloResult(
        gpu_hours=np.asarray(hours),
        cost_usd=np.asarray(hours) * price,
        claimed_gpu_hours=claimed_gpu_hours,
        claimed_cost_usd=claimed_cost_usd,
        inputs=dists,
        seed=seed,
        n_draws=n_draws,
        flop_basis=flop_basis,
    )


def utilisation_anchor(peers: pd.DataFrame, basis: str) -> float:
    """The best peer's derived BF16 MFU on ``basis``: the anchor of the utilisation prior."""
    return float(best_peer(peers, basis)["mfu_bf16"])


def rebase_utilisation(
    inputs: Mapping[str, object], peers: pd.DataFrame, basis: str
) -> dict[str, object]:
    """Monte Carlo inputs with the ``bf16_mfu`` prior moved from :data:`MFU_PRIOR_BASIS` to
    ``basis``.

    ``u_basis = u_prior × anchor(basis) / anchor(prior basis)`` (:func:`utilisation_anchor`):
    the prior keeps its position relative to the best peer run, counted on the new basis. The
    other inputs are returned unchanged.
    """
    factor = utilisation_anchor(peers, basis) / utilisation_anchor(peers, MFU_PRIOR_BASIS)
    dists = _distributions(inputs)
    return {**dists, "bf16_mfu": dists["bf16_mfu"].scaled(factor)}


def _rounded(dist: Distribution, digits: int = 3) -> Distribution:
    mode = None if dist.mode is None else round(dist.mode, digits)
    return Distribution(dist.kind, round(dist.low, digits), round(dist.high, digits), mode)


def basis_sensitivity(
    mfu: pd.DataFrame,
    peers: pd.DataFrame,
    inputs: Mapping[str, object],
    *,
    n_draws: int,
    seed: int,
    bf16_peak_tflops: float,
    other_stage_gpu_hours: float,
    claimed_gpu_hours: float,
    claimed_cost_usd: float,
) -> pd.DataFrame:
    """The Monte Carlo on each basis of :data:`PEER_BASES`, FLOP and prior counted alike.

    For each basis: DeepSeek's pre-training FLOP on it (``mfu``, from :func:`mfu_table`) and the
    utilisation prior rebased to it (:func:`rebase_utilisation`), same seed and draws.

    Returns
    -------
    DataFrame: basis, flop_basis, flop, peer_anchor, mfu_prior, median, p05, p95,
    prob_claim_suffices.
    """
    flops = mfu.set_index("basis")["flop"]
    rows = []
    for basis in PEER_BASES:
        rebased = rebase_utilisation(inputs, peers, basis)
        result = simulate_training_run(
            float(flops[basis]), rebased, n_draws=n_draws, seed=seed,
            bf16_peak_tflops=bf16_peak_tflops, other_stage_gpu_hours=other_stage_gpu_hours,
            claimed_gpu_hours=claimed_gpu_hours, claimed_cost_usd=claimed_cost_usd,
            flop_basis=basis,
        )  # fmt: skip
        p05, p50, p95 = np.percentile(result.gpu_hours, [5, 50, 95])
        rows.append(
            {"basis": basis, "flop_basis": FLOP_BASES[basis], "flop": float(flops[basis]),
             "peer_anchor": utilisation_anchor(peers, basis),
             "mfu_prior": _rounded(rebased["bf16_mfu"]).describe(), "median": float(p50),
             "p05": float(p05), "p95": float(p95),
             "prob_claim_suffices": result.prob_claim_suffices}
        )  # fmt: skip
    return pd.DataFrame(rows)


def tornado(
    flop: float,
    inputs: Mapping[str, object],
    *,
    bf16_peak_tflops: float,
    other_stage_gpu_hours: float,
    quantiles: tuple[float, float] = (0.05, 0.95),
) -> pd.DataFrame:
    """One-at-a-time sensitivity of GPU-hours and cost.

    Every input sits at its median; one at a time is moved to its ``quantiles`` (default 5th
    and 95th percentile) and the model is re-evaluated. ``swing = |out(high) - out(low)|``;
    rows are sorted by the cost swing, largest first.

    Returns
    -------
    DataFrame: input, distribution, input_low, input_high, gpu_hours_low, gpu_hours_high,
    cost_low, cost_high, cost_swing, base_gpu_hours, base_cost.
    """
    dists = _distributions(inputs)
    base = {name: dist.quantile(0.5) for name, dist in dists.items()}

    def evaluate(values: Mapping[str, float]) -> tuple[float, float]:
        model_inputs = {k: v for k, v in values.items() if k != "price_per_gpu_hour"}
        hours = float(
            simulated_gpu_hours(flop, **model_inputs, bf16_peak_tflops=bf16_peak_tflops,
                                other_stage_gpu_hours=other_stage_gpu_hours)
        )  # fmt: skip
        return hours, hours * values["price_per_gpu_hour"]

    base_hours, base_cost = evaluate(base)
    rows = []
    for name, dist in dists.items():
        low, high = (dist.quantile(q) for q in quantiles)
        hours_low, cost_low = evaluate({**base, name: low})
        hours_high, cost_high = evaluate({**base, name: high})
        rows.append(
            {"input": name, "distribution": dist.describe(), "input_low": low, "input_high": high,
             "gpu_hours_low": hours_low, "gpu_hours_high": hours_high,
             "cost_low": cost_low, "cost_high": cost_high,
             "cost_swing": abs(cost_high - cost_low),
             "base_gpu_hours": base_hours, "base_cost": base_cost}
        )  # fmt: skip
    return pd.DataFrame(rows).sort_values("cost_swing", ascending=False, ignore_index=True)


def monte_carlo_reading(result: MonteCarloResult) -> str:
    """One sentence placing the claim in the simulated distribution.

    ``P(H ≤ claimed)`` below 10%: the claim needs more favourable inputs than assumed; above
    90%: the claim is generous under them; otherwise it lies inside the plausible range.
    """
    p = result.prob_claim_suffices
    if p < 0.10:
        where = "needs inputs more favourable than nearly all of the assumed range"
    elif p > 0.90:
        where = "is generous: nearly every draw needs fewer GPU-hours"
    else:
        where = "lies inside the plausible range, neither implausibly low nor generous"
    return (
        f"The claimed {result.claimed_gpu_hours / 1e6:.3f}M GPU-hours suffice in "
        f"{pct(p, 1, signed=False)} of the draws (FLOP and utilisation both counted as "
        f"{FLOP_BASES[result.flop_basis]}): under the stated assumptions the claim {where}."
    )


# --------------------------------------------------------------------------- cost ledger


@dataclass(frozen=True)
class Range:
    """A central value with low/high bounds (an assumption with its stated range)."""

    value: float
    low: float
    high: float

    @classmethod
    def from_spec(cls, spec: object, name: str) -> Range:
        """From a number (no range) or ``{"value": .., "low": .., "high": ..}``."""
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            return cls(float(spec), float(spec), float(spec))
        if isinstance(spec, Mapping) and {"value", "low", "high"} <= set(spec):
            out = cls(float(spec["value"]), float(spec["low"]), float(spec["high"]))
            if out.low <= out.value <= out.high:
                return out
        raise ParameterError(
            f"Ledger input {name!r} must be a number or a dict with value/low/high and "
            f"low <= value <= high, got {spec!r}."
        )


def run_energy_cost(
    gpu_hours: float,
    gpu_power_w: float,
    host_overhead: float,
    pue: float,
    electricity_usd_per_kwh: float,
) -> float:
    """Electricity bill of the run: ``GPU-hours × P_GPU[kW] × host × PUE × price[$/kWh]``."""
    return gpu_hours * gpu_power_w / 1000.0 * host_overhead * pue * electricity_usd_per_kwh


def amortised_capex(
    gpu_count: int, gpu_capex_usd: float, amortisation_years: float, run_days: float
) -> float:
    """Straight-line write-off of the cluster over the run: ``n·price·days / (years·365.25)``."""
    return gpu_count * gpu_capex_usd * run_days / (amortisation_years * DAYS_PER_YEAR)


LEDGER_RUN_KEYS = ("final_run_rental", "research_compute", "energy", "owning_share",
                   "buying_cluster", "r1_rl_stage", "r1_total_epoch")  # fmt: skip
_COMPANY_ROWS = (
    ("DeepSeek hardware spend over company history", "company hardware spend (SemiAnalysis)",
     True),
    ("DeepSeek total server capital expenditure", "company server capex (SemiAnalysis)", False),
    ("DeepSeek operating costs of its clusters", "company cluster operating costs (SemiAnalysis)",
     False),
    ("Server CapEx figure in the SemiAnalysis chart", "server capex in SemiAnalysis chart (as read)",
     False),
    ("DeepSeek reported ~50,000 Hopper-generation chips", "~50k Hopper chips (Amodei, paraphrased)",
     False),
    ("GPU CapEx for a 10K+ H100-class cluster", "GPU capex of a 10K+ cluster (Lambert)", True),
    ("Cost of a year of DeepSeek operations", "one year of operations (Lambert)", False),
)  # fmt: skip


def cost_ledger(
    run: ReportedRun | None = None,
    *,
    price_range: tuple[float, float] | list[float] | None = None,
    gpu_power_w: float | Mapping[str, float],
    host_overhead: float | Mapping[str, float],
    pue: float | Mapping[str, float],
    electricity_usd_per_kwh: float | Mapping[str, float],
    gpu_capex_usd: float | Mapping[str, float],
    amortisation_years: float | Mapping[str, float],
) -> pd.DataFrame:
    """What DeepSeek-V3 "cost" on separate bases, one row each, with low/high bounds.

    Rows, in order of scope: final-run rental equivalent (GPU-hours × price); pre-training
    experiments at 2–4× the final pre-training (Lambert's estimate, same price; value = the
    3× midpoint, a derived number); the run's energy (:func:`run_energy_cost`); owning the
    2,048-GPU cluster for the run (:func:`amortised_capex` over the run's wall-clock days) and
    buying it (GPUs only); R1's reported RL stage; Epoch's R1 total; company-level estimates
    from ``cost_estimates.csv`` (with their sources). Bounds use the inputs' low/high
    (each formula is monotone in every input).

    Parameters
    ----------
    run : the run (default: as reported); its price per GPU-hour is the central price.
    price_range : (low, high) $/GPU-hour for the rental rows' bounds (default: none).
    gpu_power_w, host_overhead, pue, electricity_usd_per_kwh, gpu_capex_usd,
    amortisation_years : a number or ``{"value", "low", "high"}`` (see ``assumptions.csv``).

    Returns
    -------
    DataFrame: key (:data:`LEDGER_RUN_KEYS`, then ``company_<i>``), basis, scope, value_usd,
    low_usd, high_usd, lower_bound_only, kind, source.
    """
    run = run or reported_v3_run()
    low, high = (run.price_per_gpu_hour,) * 2 if price_range is None else price_range
    price = Range.from_spec(
        {"value": run.price_per_gpu_hour, "low": low, "high": high}, "price_range"
    )
    energy_in = [Range.from_spec(v, n) for n, v in (
        ("gpu_power_w", gpu_power_w), ("host_overhead", host_overhead), ("pue", pue),
        ("electricity_usd_per_kwh", electricity_usd_per_kwh))]  # fmt: skip
    capex, years = (
        Range.from_spec(gpu_capex_usd, "gpu_capex_usd"),
        Range.from_spec(amortisation_years, "amortisation_years"),
    )
    hours, pre = run.total_gpu_hours, run.stage_gpu_hours["pre-training"]
    days = wall_clock_days(hours, run.gpu_count)
    lambert = _row(load_reference("cost_estimates"), "Total compute for DeepSeek-V3 pretraining",
                   "cost_estimates")  # fmt: skip
    lo_x, hi_x = (float(x) for x in str(lambert["value"]).split("-"))
    r1 = reported_r1_rl_stage()
    epoch = _row(load_reference("cost_estimates"), "DeepSeek-R1 total training cost",
                 "cost_estimates")  # fmt: skip
    rows = [
        ("final-run rental equivalent (reported)", "DeepSeek-V3 final run",
         hours * price.value, hours * price.low, hours * price.high, False,
         "reported; bounds = price range (assumption)", run.source),
        (f"pre-training experiments {lo_x:g}–{hi_x:g}× final pre-training", "V3 research compute",
         pre * (lo_x + hi_x) / 2 * price.value, pre * lo_x * price.value,
         pre * hi_x * price.value, False,
         "third-party estimate × reported GPU-h × $/GPU-h; value = midpoint (derived)",
         str(lambert["source"])),
        ("energy of the run (GPU-h × power × host × PUE × $/kWh)", "DeepSeek-V3 final run",
         run_energy_cost(hours, *(r.value for r in energy_in)),
         run_energy_cost(hours, *(r.low for r in energy_in)),
         run_energy_cost(hours, *(r.high for r in energy_in)), False,
         "derived from assumptions", "data/cost/assumptions.csv"),
        (f"owning {run.gpu_count:,} GPUs: write-off during the run", "cluster share for the run",
         amortised_capex(run.gpu_count, capex.value, years.value, days),
         amortised_capex(run.gpu_count, capex.low, years.high, days),
         amortised_capex(run.gpu_count, capex.high, years.low, days), False,
         "derived from assumptions (GPU price: third-party H100 figure)",
         "data/cost/assumptions.csv; cost_estimates.csv (Lambert)"),
        (f"buying {run.gpu_count:,} GPUs (GPUs only)", "cluster purchase",
         run.gpu_count * capex.value, run.gpu_count * capex.low, run.gpu_count * capex.high,
         False, "derived from assumptions (GPU price: third-party H100 figure)",
         "data/cost/assumptions.csv; cost_estimates.csv (Lambert)"),
        ("R1 reinforcement-learning stage (reported, 2025)", "DeepSeek-R1 RL stage only",
         r1["reported_cost_usd"], r1["reported_cost_usd"], r1["reported_cost_usd"], False,
         "reported (Nature supplementary, via press)", r1["source"]),
        ("R1 total: V3 pre-training + RL (Epoch AI)", "DeepSeek-R1 final runs",
         float(epoch["value"]), float(epoch["value"]), float(epoch["value"]), False,
         "third-party estimate", str(epoch["source"])),
    ]  # fmt: skip
    estimates = load_reference("cost_estimates")
    for prefix, label, lower_bound in _COMPANY_ROWS:
        row = _row(estimates, prefix, "cost_estimates")
        value = float(row["value"])
        rows.append((label, "company level", value, value, value, lower_bound,
                     f"third-party estimate ({row['unit']})", str(row["source"])))  # fmt: skip
    frame = pd.DataFrame(
        rows,
        columns=["basis", "scope", "value_usd", "low_usd", "high_usd", "lower_bound_only",
                 "kind", "source"],
    )  # fmt: skip
    keys = [*LEDGER_RUN_KEYS, *(f"company_{i}" for i in range(len(_COMPANY_ROWS)))]
    frame.insert(0, "key", keys)
    return frame


def ledger_reading(ledger: pd.DataFrame) -> str:
    """A paragraph comparing the ledger's bases, built from its values (see :func:`cost_ledger`).

    Compares owning (write-off + energy) with the rental equivalent, the research-compute range
    with the final run, and the company-level estimates with the headline (as multiples).
    """
    rows = ledger.set_index("key")
    rental = rows.loc["final_run_rental", "value_usd"]
    owning = rows.loc["owning_share", "value_usd"] + rows.loc["energy", "value_usd"]
    research = rows.loc["research_compute"]
    company = rows.loc[rows["scope"] == "company level", "value_usd"]
    relation = "less than" if owning < rental else "more than"
    return (
        f"Owning the GPUs for the run and paying its electricity comes to about "
        f"{usd(owning, 'M', 2)}, {relation} the {usd(rental, 'M', 2)} rental equivalent "
        f"(a rough figure: it rests on the stated assumptions). The research compute Lambert "
        f"estimates ({usd(research['low_usd'], 'M', 1)}–{usd(research['high_usd'], 'M', 1)} at "
        f"the same price) is {research['low_usd'] / rental:.1f}–"
        f"{research['high_usd'] / rental:.1f}× the final run. The company-level estimates "
        f"({usd(company.min(), 'M', 0)}–{usd(company.max(), 'B', 1)}) are "
        f"{company.min() / rental:.0f}–{company.max() / rental:.0f}× the headline: they describe "
        "the fleet, not one run."
    )


def summary_reading(
    checks: pd.DataFrame,
    rebuilt: CostRebuild,
    run: ReportedRun,
    utilisation: UtilisationComparison,
    result: MonteCarloResult,
) -> str:
    """The notebook's closing paragraph, each clause chosen by a computed value.

    Parameters are the outputs of :func:`consistency_checks`, :func:`rebuild_cost`, the run,
    :func:`utilisation_verdict` and :func:`simulate_training_run`.
    """
    held = int(checks["consistent"].sum())
    consistent = "are internally consistent" if held == len(checks) else "disagree in places"
    same = np.isclose(rebuilt.total_cost_usd, run.reported_cost_usd)
    rebuild = "equals" if same else "differs from"
    bases = utilisation.table.set_index("basis")
    head = utilisation.headline
    others = "; ".join(
        f"on the {row['flop_basis']} basis it is {row['relation']} it ({row['ratio']:.2f}×)"
        for basis, row in bases.iterrows()
        if basis != utilisation.headline_basis
    )
    peer = f"a lower bound of {head['peer']}" if head["peer_lower_bound"] else head["peer"]
    fp8 = (
        f", a gap an FP8 speed-up of {utilisation.fp8_speedup_to_match:.2f}× over BF16 would close"
        if utilisation.exceeds_best_peer
        else ""
    )
    return (
        f"The published figures {consistent} ({held} of {len(checks)} checks hold), and the "
        f"rebuilt cost ({usd(rebuilt.total_cost_usd, 'M', 3)}) {rebuild} the reported one. At "
        f"the same peak precision the utilisation they imply "
        f"({pct(head['deepseek_bf16'], 1, signed=False)} of BF16 peak, "
        f"{pct(head['deepseek_fp8'], 1, signed=False)} of FP8 peak, {head['flop_basis']}) is "
        f"{head['relation']} {peer}'s ({pct(head['peer_bf16'], 1, signed=False)}, "
        f"{head['ratio']:.2f}×){fp8}; {others}. {monte_carlo_reading(result)} What the figure "
        "leaves out is large: research compute, the cluster itself and the company's fleet. "
        "The report's own caveat says so."
    )


# --------------------------------------------------------------------------- peers


def peer_costs(
    price_per_gpu_hour: float | None = None, run: ReportedRun | None = None
) -> pd.DataFrame:
    """DeepSeek-V3 next to other runs: same-basis rental equivalents and published estimates.

    Runs with GPU-hours in ``training_runs.csv`` (Llama 3.1) get ``GPU-hours × price`` with
    DeepSeek's own $/GPU-hour (derived). Closed models keep the published estimate with its
    basis (AI Index / Epoch cloud-rental estimates for GPT-4 and Gemini Ultra). Claude 3.5
    Sonnet has no number ("a few $10M's"); o1 has no figure in the bundled data. Both are
    listed with an empty cost rather than left out.

    Returns
    -------
    DataFrame: model, gpu_type, gpu_hours, cost_usd, cost_basis, deepseek_share (V3 cost ÷
    this cost), source.
    """
    run = run or reported_v3_run()
    price = run.price_per_gpu_hour if price_per_gpu_hour is None else price_per_gpu_hour
    _require_positive("price_per_gpu_hour", price)
    runs = load_reference("training_runs")
    rows = [("DeepSeek-V3 (full training)", "H800", run.total_gpu_hours,
             run.total_gpu_hours * price, f"rental equivalent at ${price:g}/GPU-h (reported basis)",
             run.source)]  # fmt: skip
    for r in runs[runs["model"].str.startswith("Llama 3.1")].itertuples():
        rows.append((r.model, r.gpu_type, float(r.gpu_hours), float(r.gpu_hours) * price,
                     f"rental equivalent at ${price:g}/GPU-h (derived; model-card GPU-hours)",
                     r.source))  # fmt: skip
    for name in ("GPT-4", "Gemini Ultra"):
        r = _row(runs, name, "training_runs")
        rows.append((name, "n/a", math.nan, float(r["reported_cost_usd"]), str(r["cost_basis"]),
                     str(r["source"])))  # fmt: skip
    claude = _row(load_reference("cost_estimates"), "Claude 3.5 Sonnet", "cost_estimates")
    rows.append(("Claude 3.5 Sonnet", "n/a", math.nan, math.nan,
                 f"no number: {claude['unit']} (Amodei)", str(claude["source"])))  # fmt: skip
    rows.append(("OpenAI o1", "n/a", math.nan, math.nan,
                 "no training-cost figure in the bundled data", "—"))  # fmt: skip
    frame = pd.DataFrame(
        rows, columns=["model", "gpu_type", "gpu_hours", "cost_usd", "cost_basis", "source"]
    )
    frame.insert(5, "deepseek_share", frame.loc[0, "cost_usd"] / frame["cost_usd"])
    return frame


def _prices(claim_prefix: str) -> list[float]:
    row = _row(load_reference("cost_estimates"), claim_prefix, "cost_estimates")
    return [float(x) for x in str(row["value"]).split("/")]


def api_price_comparison() -> pd.DataFrame:
    """DeepSeek-R1 (deepseek-reasoner) vs OpenAI o1 list prices per 1M tokens.

    ``cheaper_by = 1 − price_DeepSeek / price_o1`` for cached input, uncached input and output.
    Column order in the table: DeepSeek "cache hit / cache miss / output", o1 "input / cached
    input / output".
    """
    hit, miss, out = _prices("DeepSeek API price, deepseek-reasoner")
    o1_in, o1_cached, o1_out = _prices("OpenAI o1 API price")
    frame = pd.DataFrame(
        {"token type": ["input (cache hit / cached)", "input (cache miss)", "output"],
         "deepseek_reasoner_usd": [hit, miss, out], "o1_usd": [o1_cached, o1_in, o1_out]}
    )  # fmt: skip
    frame["cheaper_by"] = 1 - frame["deepseek_reasoner_usd"] / frame["o1_usd"]
    return frame


# --------------------------------------------------------------------------- verify_* (scorecard)


def verify_training_cost(price_per_gpu_hour: float | None = None) -> Measurement:
    """Rebuilt final-run cost of DeepSeek-V3 in USD.

    Signature: ``verify_training_cost(price_per_gpu_hour=None) -> Measurement``; the price
    defaults to DeepSeek's own $2/GPU-hour. ``value = Σ stage GPU-hours × price``;
    ``extra`` holds per-stage costs, the reported cost and the report's caveat.
    """
    run = reported_v3_run()
    price = run.price_per_gpu_hour if price_per_gpu_hour is None else price_per_gpu_hour
    rebuilt = rebuild_cost(run.stage_gpu_hours, price, run.gpu_count)
    return Measurement(
        value=rebuilt.total_cost_usd,
        unit="USD",
        basis=f"final official V3 run, rental equivalent at ${price:g}/GPU-hour",
        evidence=(
            f"{count(rebuilt.total_gpu_hours)} H800 GPU-hours (pre-training + context extension "
            f"+ post-training, DeepSeek-V3 report) × ${price:g} = {usd(rebuilt.total_cost_usd, 'M', 3)}"
        ),
        extra={
            "stage_cost_usd": dict(
                zip(rebuilt.stages["stage"], rebuilt.stages["cost_usd"], strict=True)
            ),
            "reported_cost_usd": run.reported_cost_usd,
            "caveat": run.caveat,
        },
    )


def verify_gpu_count() -> Measurement:
    """GPUs in DeepSeek-V3's training cluster.

    Signature: ``verify_gpu_count() -> Measurement`` (value 2,048, unit "GPUs").
    """
    run = reported_v3_run()
    return Measurement(
        value=float(run.gpu_count),
        unit="GPUs",
        basis="H800 GPUs in the training cluster, as reported",
        evidence=f"DeepSeek-V3 report: 'our cluster with {run.gpu_count} H800 GPUs'",
    )


def verify_training_duration_days(
    stage: Literal["full training", "pre-training"] = "full training",
) -> Measurement:
    """Wall-clock days of DeepSeek-V3's training if it ran on the whole 2,048-GPU cluster.

    Signature: ``verify_training_duration_days(stage="full training"|"pre-training")``.
    ``value = GPU-hours / 2,048 / 24``; ``bounds`` = the two-calendar-month span (59, 62) days
    the phrase "two months" can mean. For stages run on fewer GPUs the days are a lower bound.
    """
    run = reported_v3_run()
    if stage not in ("full training", "pre-training"):
        raise ParameterError(f"stage must be 'full training' or 'pre-training', got {stage!r}.")
    hours = run.total_gpu_hours if stage == "full training" else run.stage_gpu_hours[stage]
    days = wall_clock_days(hours, run.gpu_count)
    return Measurement(
        value=days,
        unit="days",
        basis=f"{stage}: GPU-hours ÷ {run.gpu_count:,} GPUs ÷ 24 (all GPUs busy)",
        evidence=(
            f"{count(hours)} GPU-hours ÷ {run.gpu_count:,} ÷ 24 = {days:.1f} days; two calendar "
            f"months are {TWO_MONTHS_DAYS[0]:.0f}–{TWO_MONTHS_DAYS[1]:.0f} days"
        ),
        bounds=TWO_MONTHS_DAYS,
    )


def verify_two_month_rental_arithmetic(
    gpu_count: int | None = None, months: float = 2.0, price_per_gpu_hour: float | None = None
) -> Measurement:
    """Cost of renting ``gpu_count`` GPUs around the clock for ``months`` at a price.

    Signature: ``verify_two_month_rental_arithmetic(gpu_count=None, months=2.0,
    price_per_gpu_hour=None)`` (defaults: 2,048 GPUs, $2). ``value`` uses the average month
    (365.25/12 days); ``bounds`` use the 59- and 62-day two-month spans (for months=2);
    ``extra['reported_cost_usd']`` is the figure it is meant to explain.
    """
    run = reported_v3_run()
    gpus = run.gpu_count if gpu_count is None else gpu_count
    price = run.price_per_gpu_hour if price_per_gpu_hour is None else price_per_gpu_hour
    _require_positive("months", months)
    per_day = gpus * HOURS_PER_DAY * price
    value = per_day * months * DAYS_PER_YEAR / 12
    bounds = (per_day * TWO_MONTHS_DAYS[0] * months / 2, per_day * TWO_MONTHS_DAYS[1] * months / 2)
    return Measurement(
        value=value,
        unit="USD",
        basis=f"{gpus:,} GPUs × 24 h × {months:g} months × ${price:g}/GPU-hour",
        evidence=(
            f"{gpus:,} × 24 × {months:g}×30.44 days × ${price:g} = {usd(value, 'M', 2)} "
            f"({usd(bounds[0], 'M', 2)}–{usd(bounds[1], 'M', 2)} for 59–62 days) vs reported "
            f"{usd(run.reported_cost_usd, 'M', 3)} from {count(run.total_gpu_hours)} GPU-hours"
        ),
        bounds=bounds,
        extra={"reported_cost_usd": run.reported_cost_usd},
    )


_PEER_ROWS = {"Llama 3.1 405B", "Llama 3.1 70B", "Llama 3.1 8B", "GPT-4", "Gemini Ultra"}


def verify_peer_training_cost(peer: str, price_per_gpu_hour: float | None = None) -> Measurement:
    """Training cost of a peer run on the bundled data's basis.

    Signature: ``verify_peer_training_cost(peer, price_per_gpu_hour=None) -> Measurement``.
    ``peer`` in "Llama 3.1 405B/70B/8B" (GPU-hours × DeepSeek's $2, derived), "GPT-4",
    "Gemini Ultra" (AI Index / Epoch estimates), "OpenAI o1" (not available) or "OpenAI
    company funding" (not available: a company's funding is not a training-run cost;
    ``extra['basis_mismatch']`` is True).
    """
    if peer == "OpenAI company funding":
        return Measurement(
            value=None, unit="USD", available=False,
            basis="company funding/valuation is not a training-run cost",
            evidence=("No OpenAI funding or per-model spend is in the bundled data; the nearest "
                      "training-run figure is the AI Index/Epoch GPT-4 compute estimate "
                      f"{usd(verify_peer_training_cost('GPT-4').value, 'M', 0)}"),
            extra={"basis_mismatch": True},
        )  # fmt: skip
    if peer == "OpenAI o1":
        return Measurement(
            value=None, unit="USD", available=False, basis="o1 training budget",
            evidence="No estimate of o1's training cost or budget is in the bundled data",
        )  # fmt: skip
    if peer not in _PEER_ROWS:
        raise ParameterError(
            f"Unknown peer {peer!r}; choose one of {', '.join(sorted(_PEER_ROWS))}, "
            "'OpenAI o1' or 'OpenAI company funding'."
        )
    table = peer_costs(price_per_gpu_hour).set_index("model")
    row = table.loc[peer]
    hours = "" if math.isnan(row["gpu_hours"]) else f"{count(row['gpu_hours'])} GPU-hours; "
    return Measurement(
        value=float(row["cost_usd"]), unit="USD", basis=str(row["cost_basis"]),
        evidence=f"{peer}: {hours}{usd(row['cost_usd'], 'M', 2)} ({row['cost_basis']})",
    )  # fmt: skip


def verify_cost_ratio_vs(peer: str, deepseek_cost_usd: float | None = None) -> Measurement:
    """DeepSeek's cost as a percentage of a peer's (``100 × C_DeepSeek / C_peer``).

    Signature: ``verify_cost_ratio_vs(peer, deepseek_cost_usd=None) -> Measurement`` (unit "%").
    ``deepseek_cost_usd`` defaults to the rebuilt V3 final-run cost; pass e.g. the V3 + R1-RL
    total for an R1 claim. Unavailable peers (o1, company funding) give ``available=False``.
    """
    peer_cost = verify_peer_training_cost(peer)
    mine = verify_training_cost().value if deepseek_cost_usd is None else deepseek_cost_usd
    if not peer_cost.available:
        return Measurement(
            value=None, unit="%", available=False, basis=peer_cost.basis,
            evidence=peer_cost.evidence, extra=dict(peer_cost.extra),
        )  # fmt: skip
    ratio = 100.0 * mine / peer_cost.value
    return Measurement(
        value=ratio, unit="%", basis=f"DeepSeek {usd(mine, 'M', 3)} ÷ {peer} ({peer_cost.basis})",
        evidence=f"{usd(mine, 'M', 3)} ÷ {usd(peer_cost.value, 'M', 2)} = {ratio:.1f}%",
    )  # fmt: skip


def verify_percent_cheaper(
    peer: str = "GPT-4", basis: Literal["training", "api"] = "training"
) -> Measurement:
    """How much cheaper DeepSeek is than a peer, in percent (``100 × (1 − C_DS / C_peer)``).

    Signature: ``verify_percent_cheaper(peer="GPT-4", basis="training"|"api")``.
    ``training``: V3's rebuilt final-run cost vs the peer's training-cost figure
    (:func:`verify_peer_training_cost`). ``api``: deepseek-reasoner vs o1 list prices (``peer``
    is ignored); value = the uncached-input saving, ``bounds`` = min/max over token types.
    """
    if basis == "api":
        prices = api_price_comparison()
        saving = 100 * prices["cheaper_by"]
        value = float(saving[prices["token type"] == "input (cache miss)"].iloc[0])
        return Measurement(
            value=value, unit="%", basis="API list price per 1M tokens, deepseek-reasoner vs o1",
            evidence=(f"deepseek-reasoner ${prices['deepseek_reasoner_usd'].iloc[1]:.2f} vs o1 "
                      f"${prices['o1_usd'].iloc[1]:.2f} per 1M input tokens; "
                      f"{saving.min():.1f}–{saving.max():.1f}% cheaper across token types"),
            bounds=(float(saving.min()), float(saving.max())),
        )  # fmt: skip
    if basis != "training":
        raise ParameterError(f"basis must be 'training' or 'api', got {basis!r}.")
    ratio = verify_cost_ratio_vs(peer)
    if not ratio.available:
        return ratio
    return Measurement(
        value=100.0 - ratio.value, unit="%", basis=f"training cost vs {peer}: {ratio.basis}",
        evidence=f"1 − {ratio.evidence} → {100.0 - ratio.value:.1f}% cheaper",
    )  # fmt: skip


def verify_r1_training_cost() -> Measurement:
    """Final-run compute cost of DeepSeek-R1: V3 full training + the reported R1 RL stage.

    Signature: ``verify_r1_training_cost() -> Measurement`` (USD). ``extra`` holds the parts,
    the RL stage's GPU-hours rebuilt from the press reports × $2, and Epoch AI's ~$6M estimate.
    """
    v3 = verify_training_cost().value
    r1 = reported_r1_rl_stage()
    epoch = _row(load_reference("cost_estimates"), "DeepSeek-R1 total training cost",
                 "cost_estimates")  # fmt: skip
    total = v3 + r1["reported_cost_usd"]
    return Measurement(
        value=total, unit="USD",
        basis="V3 final run (rental equivalent) + R1 RL stage (reported, 2025); excludes research",
        evidence=(f"{usd(v3, 'M', 3)} (V3) + {usd(r1['reported_cost_usd'], 'K', 0)} (R1 RL, "
                  f"Nature supplementary via press) = {usd(total, 'M', 2)}; Epoch AI estimate "
                  f"{usd(float(epoch['value']), 'M', 0)}"),
        extra={"v3_usd": v3, "r1_rl_usd": r1["reported_cost_usd"],
               "r1_rl_derived_gpu_hours": r1["derived_gpu_hours"],
               "epoch_estimate_usd": float(epoch["value"])},
    )  # fmt: skip


def verify_implied_mfu(precision: Literal["fp8", "bf16"] = "fp8") -> Measurement:
    """Utilisation of H800 peak that DeepSeek-V3's pre-training GPU-hours imply, in percent.

    Signature: ``verify_implied_mfu(precision="fp8"|"bf16") -> Measurement`` (unit "%").
    FLOP: :data:`HEADLINE_BASIS` (6·N·D + MTP + causal attention, :func:`mfu_table`); peak:
    H100 SXM dense as a stated proxy for the H800. ``bounds``: the smallest and largest FLOP
    basis (6·N·D only; PaLM-convention attention).
    """
    if precision not in ("fp8", "bf16"):
        raise ParameterError(f"precision must be 'fp8' or 'bf16', got {precision!r}.")
    run = reported_v3_run()
    table = mfu_table(run=run).set_index("basis")
    values = 100 * table[f"mfu_{precision}"]
    head = values[HEADLINE_BASIS]
    hours = run.stage_gpu_hours["pre-training"]
    return Measurement(
        value=float(head), unit="%",
        basis=f"pre-training FLOP ({FLOP_BASES[HEADLINE_BASIS]}) ÷ ({count(hours)} GPU-h × "
              f"{precision.upper()} dense peak); {table['peak_note'].iloc[0]}",
        evidence=f"{table.loc[HEADLINE_BASIS, 'flop']:.3g} FLOP ÷ {count(hours)} GPU-hours = "
                 f"{head:.1f}% of {precision.upper()} peak",
        bounds=(float(values.min()), float(values.max())),
    )  # fmt: skip


# --------------------------------------------------------------------------- verdicts


@dataclass(frozen=True)
class ClaimVerdict:
    """A cost claim of the ledger, the measurement that checks it, its verdict and a paragraph.

    ``claim_id`` is the ledger id (``seeds/claims.yaml``) and ``article`` the article number
    (the file name's prefix). ``verdict`` is :func:`deepseek_shock.claims.judge` applied to the
    ledger entry, so it is the scorecard's verdict by construction (scale in
    :mod:`deepseek_shock.claims`).
    """

    claim_id: str
    article: str
    quote: str
    verdict: str
    paragraph: str
    measurement: Measurement = field(repr=False)


def _versus(value: float, reference: float, digits: int = 1) -> str:
    """``value`` relative to ``reference`` in words: ``'2.4% above'``, ``'equal to'``."""
    diff = value / reference - 1.0
    if round(diff * 100, digits) == 0:
        return "equal to"
    return f"{pct(abs(diff), digits, signed=False)} {'above' if diff > 0 else 'below'}"


def _span_relation(days: float) -> str:
    """Days against the two-calendar-month span :data:`TWO_MONTHS_DAYS`, in words."""
    short, long = TWO_MONTHS_DAYS
    if days < short:
        return f"{short - days:.1f} days short of the shortest two-month span ({short:.0f} days)"
    if days > long:
        return f"{days - long:.1f} days beyond the longest two-month span ({long:.0f} days)"
    return f"within the two-month span of {short:.0f}–{long:.0f} days"


def _rounds_to(value: float, claimed: float, digits: int) -> str:
    """``'rounds to $5.6M, the article's figure'`` or ``'rounds to $5.6M, not the article's $6.0M'``."""
    rounded = usd(value, "M", digits)
    same = rounded == usd(claimed, "M", digits)
    return f"rounds to {rounded}, " + (
        "the article's figure" if same else f"not the article's {usd(claimed, 'M', digits)}"
    )


def claim_paragraphs(claimed: Mapping[str, object]) -> dict[str, str]:
    """Explanatory paragraph for each cost claim of the seed ledger, keyed by ledger id.

    ``claimed`` maps ledger ids to their claimed values (the article's figures); a paragraph
    that sets a computed value against the article's figure is written only when that figure
    is given. Every other number comes from the ``verify_*`` functions and the reference
    tables, and every comparison in the text ("above", "rounds to", "short of") is computed.
    A paragraph explains the scorecard's verdict; it does not decide it
    (:func:`deepseek_shock.claims.judge` does).
    """
    run = reported_v3_run()
    c = verify_training_cost().value
    gpus = verify_gpu_count().value
    days = verify_training_duration_days().value
    pre_days = verify_training_duration_days("pre-training").value
    cheaper = verify_percent_cheaper("GPT-4").value
    cheaper_api = verify_percent_cheaper(basis="api").bounds
    r1 = verify_r1_training_cost()
    o1 = verify_cost_ratio_vs("OpenAI o1", r1.value)
    llama = verify_peer_training_cost("Llama 3.1 405B").value
    openai = verify_peer_training_cost("OpenAI company funding")
    gpt4 = verify_peer_training_cost("GPT-4").value
    gpt4_year = int(_row(load_reference("training_runs"), "GPT-4", "training_runs")["year"])
    two_month = verify_two_month_rental_arithmetic()
    fleet_row = _row(
        load_reference("cost_estimates"), "DeepSeek/High-Flyer GPU fleet", "cost_estimates"
    )
    fleet = float(fleet_row["value"])
    hours = f"{count(run.total_gpu_hours)} GPU-hours"
    price = f"${run.price_per_gpu_hour:g}"
    scope = (
        f"it covers only the final official run; the report itself says: \u201c{run.caveat}\u201d"
    )
    one_run = (
        "It is the training cluster of one run, not DeepSeek's fleet (SemiAnalysis estimates "
        f"about {fleet:,.0f} Hopper GPUs)."
    )
    figures = {k: float(v) for k, v in claimed.items() if isinstance(v, int | float)}
    r1_rounding = (
        f", which {_rounds_to(r1.value, figures['c001-02'], 0)}" if "c001-02" in figures else ""
    )
    paragraphs = {
        "c001-02": f"V3's final run ({usd(c, 'M', 3)}) plus the R1 RL stage DeepSeek reported "
        f"later ({usd(r1.extra['r1_rl_usd'], 'K', 0)}) is {usd(r1.value, 'M', 2)}{r1_rounding} "
        "(Epoch AI "
        f"estimates ~{usd(r1.extra['epoch_estimate_usd'], 'M', 0)}). But this is final-run "
        "compute, not a \u201cdevelopment cost\u201d: research, ablations, staff and hardware "
        "are excluded.",
        "c002-08": f"The report says pre-training took less than two months: "
        f"{count(run.stage_gpu_hours['pre-training'])} GPU-hours on {run.gpu_count:,} GPUs is "
        f"{pre_days:.1f} days, {_span_relation(pre_days)}; the whole run ({hours}) is "
        f"{days:.1f} days, {_span_relation(days)} — assuming every stage used the whole "
        "cluster.",
        "c002-11": f"{openai.evidence}, so the figure cannot be checked here. The only OpenAI "
        "figure of that size in the seed articles is a funding round (article 004: \u201c6.6 "
        "billion US dollars that the company has lifted\u201d); if that is what is meant, "
        "company money is being set against one training run's rental cost "
        f"({usd(c, 'M', 2)}).",
        "c004-05": f"{two_month.evidence}. The arithmetic lands "
        f"{_versus(two_month.value, c, 0)} the figure: the reported number is GPU-hours × "
        f"{price}, and {hours} is {days:.1f} days of the cluster, {_span_relation(days)}.",
        "c004-11": f"{hours} on {run.gpu_count:,} GPUs is {days:.1f} days of the whole "
        f"cluster, {_span_relation(days)}, if every stage used every GPU.",
    }
    if "c000-01" in figures:
        paragraphs["c000-01"] = (
            f"DeepSeek reports a cluster of {gpus:,.0f} H800 GPUs, "
            f"{_versus(gpus, figures['c000-01'])} the article's {figures['c000-01']:,.0f}. "
            f"{one_run}"
        )
    if "c004-04" in figures:
        paragraphs["c004-04"] = (
            f"DeepSeek reports a cluster of {gpus:,.0f} H800 GPUs, "
            f"{_versus(gpus, figures['c004-04'])} the article's {figures['c004-04']:,.0f}. "
            f"{one_run}"
        )
    if "c000-02" in figures:
        paragraphs["c000-02"] = (
            f"{hours} × {price} = {usd(c, 'M', 3)}, which {_rounds_to(c, figures['c000-02'], 1)}"
            ". It is a rental equivalent at DeepSeek's assumed price, not money spent "
            f"(DeepSeek owns its GPUs), and {scope}"
        )
    if "c002-09" in figures:
        paragraphs["c002-09"] = (
            f"{usd(c, 'M', 3)} {_rounds_to(c, figures['c002-09'], 0)}, but it is the final "
            f"run's rental equivalent, not what the model cost to train: {scope}"
        )
    if "c000-05" in figures:
        target = figures["c000-05"]
        low, high = cheaper_api
        savings = 100 * api_price_comparison()["cheaper_by"]
        paragraphs["c000-05"] = (
            f"On the only OpenAI training-cost figure in the bundled data (AI Index/Epoch: "
            f"GPT-4 {usd(gpt4, 'M', 0)}, a {gpt4_year} model; the quote names no model), V3's "
            f"{usd(c, 'M', 2)} is {cheaper:.1f}% cheaper (both are final-run compute at rental "
            f"prices), {'above' if cheaper > target else 'below'} the article's {target:g}%: "
            f"\u201c{target:g}% cheaper\u201d means a cost ratio below {100 - target:g}%, and "
            f"V3's is {100 - cheaper:.1f}%. On API list prices (R1 vs o1) the saving is "
            f"{low:.1f}–{high:.1f}%, above {target:g}% for {int((savings > target).sum())} of "
            f"{len(savings)} token types, but that is a price, not a training cost."
        )
    if "c002-10" in figures:
        paragraphs["c002-10"] = (
            "Meta has published no training cost in the bundled data. On DeepSeek's own basis "
            f"(model-card GPU-hours × {price}), Llama 3.1 405B comes to {usd(llama, 'M', 2)}, "
            f"{_versus(llama, figures['c002-10'])} the article's "
            f"{usd(figures['c002-10'], 'M', 0)} — but that is an H100 rental equivalent of one "
            "run, not Meta's \u201cinvestment in Llama\u201d."
        )
    if "c000-02" in figures and "c000-03" in figures:
        rate = figures["c000-02"] / figures["c000-03"]
        paragraphs["c000-03"] = (
            "The bundled data holds no exchange rates, so the conversion cannot be checked; the "
            f"article's pair of figures implies {rate:.3f} USD per EUR."
        )
    if "c001-02" in figures and "c001-03" in figures:
        cost_r1, share = figures["c001-02"], figures["c001-03"]
        paragraphs["c001-03"] = (
            f"{o1.evidence}, so the ratio cannot be checked. Taken at face value it implies an "
            f"o1 budget of about {usd(cost_r1 / (share / 100), 'M', 0)} (the claimed "
            f"{usd(cost_r1, 'M', 0)} ÷ {share:g}%)."
        )
    return paragraphs


def claim_verdicts(ledger_path: str | Path | None = None) -> list[ClaimVerdict]:
    """The ledger's cost claims (topic ``cost``) with the scorecard's verdicts and paragraphs.

    Each claim is measured and judged by :mod:`deepseek_shock.claims` (the same ``verify_*``
    function and rules as the scorecard, so the two cannot disagree); the paragraph is from
    :func:`claim_paragraphs`, or the scorecard's evidence line for a claim it does not know.
    ``ledger_path`` defaults to ``seeds/claims.yaml``.
    """
    ledger, _ = claims.load_ledger(ledger_path)
    paragraphs = claim_paragraphs({c.id: c.claimed for c in ledger})
    out = []
    for claim in ledger:
        if claim.topic != "cost":
            continue
        measurement = claims.measure(claim)
        verdict, evidence = claims.judge(claim, measurement)
        out.append(
            ClaimVerdict(
                claim_id=claim.id,
                article=Path(claim.article).name.split("_", 1)[0],
                quote=claim.quote,
                verdict=verdict,
                paragraph=paragraphs.get(claim.id, evidence + "."),
                measurement=measurement,
            )
        )
    return out


def verdict_table(verdicts: list[ClaimVerdict] | None = None) -> pd.DataFrame:
    """The verdicts as a table: claim_id, article, quote, computed, verdict, paragraph."""
    verdicts = claim_verdicts() if verdicts is None else verdicts
    return pd.DataFrame(
        [
            {
                "claim_id": v.claim_id,
                "article": v.article,
                "quote": v.quote,
                "computed": _display(v.measurement),
                "verdict": v.verdict,
                "paragraph": v.paragraph,
            }
            for v in verdicts
        ]
    )


def _display(m: Measurement) -> str:
    if not m.available or m.value is None:
        return "not in bundled data"
    if m.unit == "USD":
        return usd(m.value, "M", 2)
    if m.unit == "%":
        return f"{m.value:.1f}%"
    if m.unit == "days":
        return f"{m.value:.1f} days"
    return f"{m.value:,.0f} {m.unit}"


# --------------------------------------------------------------------------- figures


_SCOPE_STYLE = {
    "DeepSeek-V3 final run": ("C0", "V3 final run"),
    "V3 research compute": ("C1", "V3 research compute"),
    "cluster share for the run": ("C2", "owning the cluster"),
    "cluster purchase": ("C2", "owning the cluster"),
    "DeepSeek-R1 RL stage only": ("C4", "R1 (disclosed later)"),
    "DeepSeek-R1 final runs": ("C4", "R1 (disclosed later)"),
    "company level": ("C3", "company level (third parties)"),
}
MC_LABELS = {
    "bf16_mfu": "utilisation vs BF16 peak",
    "fp8_speedup": "FP8 speed-up over BF16",
    "token_overhead": "extra tokens",
    "restart_waste": "restart / failure waste",
    "price_per_gpu_hour": "price per GPU-hour ($)",
}


def _scope_legend(ax, scopes: pd.Series) -> None:
    seen = dict.fromkeys(_SCOPE_STYLE[s] for s in scopes)
    ax.legend(handles=[Patch(color=c, label=label) for c, label in seen], loc="upper right",
              fontsize=9)  # fmt: skip


def plot_ledger(ledger: pd.DataFrame) -> Figure:
    """Horizontal bars of the ledger on a log dollar axis, with low/high whiskers."""
    fig, ax = new_figure(figsize=(9.5, 6.5))
    frame = ledger.iloc[::-1].reset_index(drop=True)
    ax.barh(frame["basis"], frame["value_usd"],
            color=[_SCOPE_STYLE[s][0] for s in frame["scope"]])  # fmt: skip
    ranged = frame[frame["high_usd"] > frame["low_usd"]]
    err = np.vstack([ranged["value_usd"] - ranged["low_usd"],
                     ranged["high_usd"] - ranged["value_usd"]])  # fmt: skip
    ax.errorbar(ranged["value_usd"], ranged.index, xerr=err, fmt="none", ecolor="#333333",
                capsize=3, linewidth=1)  # fmt: skip
    for y, row in frame.iterrows():
        label = usd(row["value_usd"], digits=1) + (
            " (lower bound)" if row["lower_bound_only"] else ""
        )
        ax.annotate(label, (row["high_usd"], y), xytext=(5, 0), textcoords="offset points",
                    va="center", fontsize=8.5)  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlim(1e5, 3e10)
    ax.set_xlabel("US dollars (log scale); whiskers: assumption ranges")
    ax.set_title("What did DeepSeek-V3 cost? Separate bases, not one number")
    _scope_legend(ax, frame["scope"])
    add_source(fig, "DeepSeek-V3 report; Nature/press (R1); SemiAnalysis, Lambert, Amodei, Epoch "
               "(via cost_estimates.csv); assumptions.csv")  # fmt: skip
    return fig


def plot_tornado(table: pd.DataFrame) -> Figure:
    """Tornado chart of the cost swing per input (5th→95th percentile, others at median)."""
    fig, ax = new_figure()
    frame = table.iloc[::-1].reset_index(drop=True)
    labels = frame["input"].map(MC_LABELS).fillna(frame["input"])
    base = float(frame["base_cost"].iloc[0])
    at_low, at_high = frame["cost_low"] - base, frame["cost_high"] - base
    ax.barh(labels, at_high, left=base, color="C3", label="input at its 95th percentile")
    ax.barh(labels, at_low, left=base, color="C0", label="input at its 5th percentile")
    right = frame[["cost_low", "cost_high"]].max(axis=1)
    for y, row in frame.iterrows():
        ax.annotate(f"{row['input_low']:.3g} → {row['input_high']:.3g}", (right[y], y),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8.5)  # fmt: skip
    ax.axvline(base, color="#333333", linewidth=1)
    ax.annotate(f"all at median: {usd(base, 'M', 2)}", (base, len(frame) - 0.5), xytext=(4, 0),
                textcoords="offset points", fontsize=8.5, va="bottom")  # fmt: skip
    ax.xaxis.set_major_formatter(lambda x, _pos: usd(x, "M", 1))
    ax.set_xlabel("simulated cost of the full run, USD (other inputs at their medians)")
    ax.set_title("Sensitivity: which assumption moves the cost most")
    ax.legend(loc="lower right", fontsize=9)
    add_source(fig, "deepseek_shock.cost.tornado; input ranges: notebook parameters "
               "(defaults from data/cost/assumptions.csv)")  # fmt: skip
    return fig


def plot_monte_carlo(result: MonteCarloResult) -> Figure:
    """Histogram of simulated GPU-hours with the claimed total and the 90% interval."""
    fig, ax = new_figure()
    millions = result.gpu_hours / 1e6
    p05, p50, p95 = np.percentile(millions, [5, 50, 95])
    ax.hist(millions, bins=200, color="C0", alpha=0.8)
    ax.axvspan(p05, p95, color="C0", alpha=0.08, label=f"90% interval {p05:.2f}–{p95:.2f}M")
    ax.axvline(p50, color="C0", linestyle=":", label=f"median {p50:.2f}M")
    ax.axvline(result.claimed_gpu_hours / 1e6, color="C3", linewidth=2,
               label=f"claimed {result.claimed_gpu_hours / 1e6:.3f}M "
                     f"(P(enough) = {pct(result.prob_claim_suffices, 1, signed=False)})")  # fmt: skip
    ax.set_xlabel("GPU-hours for the full run, millions")
    ax.set_ylabel(f"draws (of {result.n_draws:,})")
    ax.set_title("How many GPU-hours would a run like DeepSeek-V3's need?")
    ax.legend(loc="upper right")
    add_source(fig, f"Monte Carlo, seed {result.seed}; FLOP and utilisation prior on "
               f"{FLOP_BASES[result.flop_basis]}; H100 SXM peak as H800 proxy")  # fmt: skip
    return fig


def plot_peers(peers: pd.DataFrame) -> Figure:
    """Bars of peer training costs (log scale), rental equivalents and published estimates."""
    fig, ax = new_figure()
    frame = peers.dropna(subset=["cost_usd"]).iloc[::-1].reset_index(drop=True)
    derived = frame["cost_basis"].str.startswith("rental equivalent")
    ax.barh(frame["model"], frame["cost_usd"], color=np.where(derived, "C0", "C1"))
    for y, value in enumerate(frame["cost_usd"]):
        ax.annotate(usd(value, digits=2), (value, y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=9)  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlim(1e6, 1e9)
    ax.legend(handles=[Patch(color="C0", label="GPU-hours × $/GPU-h (rental equivalent)"),
                       Patch(color="C1", label="published compute-cost estimate")],
              loc="lower right", fontsize=9)  # fmt: skip
    ax.set_xlabel("US dollars (log scale)")
    ax.set_title("Training runs on the same $/GPU-hour basis")
    add_source(fig, "training_runs.csv (DeepSeek-V3 report, Llama 3.1 model card, AI Index 2024 "
               "/ Epoch AI via OODA Loop)")  # fmt: skip
    return fig
