"""Measured and simulated MoE behaviour: a layer micro-benchmark and a load-balancing simulation.

* :func:`benchmark_moe` times a scaled-down MoE layer (``E`` SwiGLU experts, top-``k`` routing,
  tokens grouped per expert and multiplied expert by expert) against a dense MLP with the same
  total parameters and one with the same active parameters, with NumPy (and PyTorch when it is
  installed). :func:`benchmark_summary` sets the measured speed-ups next to the FLOP ratios.
* :func:`simulate_load_balancing` routes skewed token affinities with top-``k`` and compares no
  balancing, an auxiliary-loss penalty and DeepSeek-V3's auxiliary-loss-free bias adjustment by
  the coefficient of variation of expert load over steps.

Timings vary from machine to machine; the notebook tags those cells ``nbval-ignore-output``.
"""

from __future__ import annotations

import importlib.util
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ParameterError

# ---------------------------------------------------------------------------------------------
# A scaled-down MoE layer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoELayer:
    """Weights of one MoE layer: router ``(d, E)``, expert gate/up ``(E, d, i)``, down ``(E, i, d)``."""

    router: np.ndarray
    w_gate: np.ndarray
    w_up: np.ndarray
    w_down: np.ndarray
    k: int

    @property
    def n_experts(self) -> int:
        return self.w_gate.shape[0]

    @property
    def d_model(self) -> int:
        return self.w_gate.shape[1]

    @property
    def d_expert(self) -> int:
        return self.w_gate.shape[2]


@dataclass(frozen=True)
class DenseMLP:
    """A SwiGLU MLP: gate/up ``(d, i)``, down ``(i, d)``."""

    w_gate: np.ndarray
    w_up: np.ndarray
    w_down: np.ndarray


def init_moe_layer(d_model: int, d_expert: int, n_experts: int, k: int, seed: int = 0) -> MoELayer:
    """Random float32 MoE layer (scaled normal init, ``std = 1/sqrt(fan_in)``)."""
    if not 1 <= k <= n_experts:
        raise ParameterError(f"Need 1 <= k <= n_experts, got k={k}, n_experts={n_experts}.")
    rng = np.random.default_rng(seed)

    def normal(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        return (rng.standard_normal(shape) / math.sqrt(fan_in)).astype(np.float32)

    return MoELayer(
        router=normal((d_model, n_experts), d_model),
        w_gate=normal((n_experts, d_model, d_expert), d_model),
        w_up=normal((n_experts, d_model, d_expert), d_model),
        w_down=normal((n_experts, d_expert, d_model), d_expert),
        k=k,
    )


def dense_from_experts(layer: MoELayer, n_experts: int) -> DenseMLP:
    """A dense MLP made of the first ``n_experts`` experts side by side (width ``n·i``).

    With all ``E`` experts it has exactly the experts' parameters (the "same total" baseline);
    with ``k`` experts it has the parameters one token uses (the "same active" baseline).
    """
    d = layer.d_model
    return DenseMLP(
        w_gate=np.ascontiguousarray(layer.w_gate[:n_experts].transpose(1, 0, 2).reshape(d, -1)),
        w_up=np.ascontiguousarray(layer.w_up[:n_experts].transpose(1, 0, 2).reshape(d, -1)),
        w_down=np.ascontiguousarray(layer.w_down[:n_experts].reshape(-1, d)),
    )


def _silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def swiglu(x: np.ndarray, w_gate: np.ndarray, w_up: np.ndarray, w_down: np.ndarray) -> np.ndarray:
    """``(silu(x W_g) ⊙ x W_u) W_d`` (Shazeer 2020, "GLU Variants Improve Transformer")."""
    return (_silu(x @ w_gate) * (x @ w_up)) @ w_down


@dataclass(frozen=True)
class Dispatch:
    """Tokens routed and grouped by expert: ``order`` sorts the ``B·k`` (token, slot) assignments
    by expert, ``counts`` is tokens per expert, ``grouped`` the token vectors in that order."""

    order: np.ndarray
    counts: np.ndarray
    grouped: np.ndarray
    weights: np.ndarray


def route(x: np.ndarray, layer: MoELayer) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` routing: expert indices ``(B, k)`` and softmax gate weights over the chosen logits."""
    logits = x @ layer.router
    chosen = np.argpartition(-logits, layer.k - 1, axis=1)[:, : layer.k]
    top = np.take_along_axis(logits, chosen, axis=1)
    top = np.exp(top - top.max(axis=1, keepdims=True))
    return chosen, top / top.sum(axis=1, keepdims=True)


def dispatch(x: np.ndarray, layer: MoELayer) -> Dispatch:
    """Route and group the tokens per expert (stable sort of assignments by expert index)."""
    chosen, weights = route(x, layer)
    flat = chosen.reshape(-1)
    order = np.argsort(flat, kind="stable")
    counts = np.bincount(flat, minlength=layer.n_experts)
    return Dispatch(order=order, counts=counts, grouped=x[order // layer.k], weights=weights)


def run_experts(plan: Dispatch, layer: MoELayer) -> np.ndarray:
    """One SwiGLU matmul per expert on its contiguous block of tokens."""
    out = np.empty_like(plan.grouped)
    ends = np.cumsum(plan.counts)
    for e, (start, end) in enumerate(zip(ends - plan.counts, ends, strict=True)):
        if end > start:
            out[start:end] = swiglu(
                plan.grouped[start:end], layer.w_gate[e], layer.w_up[e], layer.w_down[e]
            )
    return out


def combine(plan: Dispatch, expert_out: np.ndarray, k: int) -> np.ndarray:
    """Undo the grouping and sum each token's ``k`` expert outputs weighted by its gates."""
    per_assignment = np.empty_like(expert_out)
    per_assignment[plan.order] = expert_out
    batch = plan.weights.shape[0]
    return np.einsum("bkd,bk->bd", per_assignment.reshape(batch, k, -1), plan.weights)


def moe_forward(x: np.ndarray, layer: MoELayer) -> np.ndarray:
    """MoE layer output ``y_t = Σ_{e ∈ topk(t)} g_{t,e} · FFN_e(x_t)`` (Shazeer et al. 2017)."""
    plan = dispatch(x, layer)
    return combine(plan, run_experts(plan, layer), layer.k)


def moe_flops(batch: int, layer: MoELayer) -> float:
    """Matmul FLOPs of the MoE layer: router ``2·B·d·E`` + experts ``2·3·B·k·d·i``."""
    d, i, e = layer.d_model, layer.d_expert, layer.n_experts
    return 2.0 * batch * d * e + 6.0 * batch * layer.k * d * i


def dense_flops(batch: int, mlp: DenseMLP) -> float:
    """Matmul FLOPs of a SwiGLU MLP: ``2·3·B·d·i``."""
    d, i = mlp.w_gate.shape
    return 6.0 * batch * d * i


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


def torch_available() -> bool:
    """Whether PyTorch can be imported (it is optional; nothing installs it)."""
    return importlib.util.find_spec("torch") is not None


def best_seconds(fn: Callable[[], object], repeats: int = 5, min_block_s: float = 0.01) -> float:
    """Fastest per-call wall time over ``repeats`` blocks of ``n`` calls, after a warm-up call.

    ``n`` is chosen so that a block lasts at least ``min_block_s`` (timer resolution). The
    minimum, not the mean, because other processes only ever add time (the advice of the Python
    ``timeit`` documentation).
    """
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    number = max(1, math.ceil(min_block_s / max(first, 1e-9)))
    blocks = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        blocks.append((time.perf_counter() - start) / number)
    return min(blocks)


def _numpy_callables(layer: MoELayer, x: np.ndarray) -> dict[str, Callable[[], object]]:
    dense_total = dense_from_experts(layer, layer.n_experts)
    dense_active = dense_from_experts(layer, layer.k)
    return {
        "moe": lambda: moe_forward(x, layer),
        "moe_routing": lambda: dispatch(x, layer),
        "dense_same_total": lambda: swiglu(
            x, dense_total.w_gate, dense_total.w_up, dense_total.w_down
        ),
        "dense_same_active": lambda: swiglu(
            x, dense_active.w_gate, dense_active.w_up, dense_active.w_down
        ),
    }


def _torch_callables(layer: MoELayer, x: np.ndarray) -> dict[str, Callable[[], object]]:
    """The same four computations in PyTorch (CPU), mirroring the NumPy versions."""
    import torch
    import torch.nn.functional as F

    def tensor(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(a))

    router, wg, wu, wd = (tensor(a) for a in (layer.router, layer.w_gate, layer.w_up, layer.w_down))
    xt, k, n_experts = tensor(x), layer.k, layer.n_experts
    dense = {n: dense_from_experts(layer, n) for n in (n_experts, k)}
    dense_t = {n: tuple(tensor(w) for w in (m.w_gate, m.w_up, m.w_down)) for n, m in dense.items()}

    def torch_dispatch() -> tuple[torch.Tensor, list[int], torch.Tensor, torch.Tensor]:
        top, chosen = torch.topk(xt @ router, k, dim=1)
        order = torch.argsort(chosen.reshape(-1), stable=True)
        counts = torch.bincount(chosen.reshape(-1), minlength=n_experts).tolist()
        return order, counts, xt[order // k], torch.softmax(top, dim=1)

    def torch_moe() -> torch.Tensor:
        order, counts, grouped, weights = torch_dispatch()
        out = torch.empty_like(grouped)
        start = 0
        for e, n in enumerate(counts):
            if n:
                block = grouped[start : start + n]
                out[start : start + n] = (F.silu(block @ wg[e]) * (block @ wu[e])) @ wd[e]
                start += n
        per_assignment = torch.empty_like(out)
        per_assignment[order] = out
        return (per_assignment.view(xt.shape[0], k, -1) * weights.unsqueeze(-1)).sum(dim=1)

    def torch_dense(n: int) -> Callable[[], torch.Tensor]:
        g, u, d = dense_t[n]
        return lambda: (F.silu(xt @ g) * (xt @ u)) @ d

    def no_grad(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            with torch.inference_mode():
                return fn()

        return run

    return {
        "moe": no_grad(torch_moe),
        "moe_routing": no_grad(torch_dispatch),
        "dense_same_total": no_grad(torch_dense(n_experts)),
        "dense_same_active": no_grad(torch_dense(k)),
    }


def benchmark_moe(
    batch_sizes: Sequence[int],
    d_model: int = 256,
    d_expert: int = 128,
    n_experts: int = 16,
    k: int = 2,
    backends: Sequence[str] = ("numpy",),
    repeats: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Time the MoE layer, its routing, and the two dense baselines at each batch size.

    Returns one row per (backend, batch, variant) with ``seconds`` (fastest per call, :func:`best_seconds`),
    ``tokens_per_s`` and ``gflop`` (matmul FLOPs of the call). Variants: ``moe``,
    ``moe_routing`` (router matmul, top-k, softmax, sort and gather only),
    ``dense_same_total`` (width ``E·i``), ``dense_same_active`` (width ``k·i``).

    Raises
    ------
    ParameterError
        ``"torch"`` requested but PyTorch is not installed, or an unknown backend.
    """
    layer = init_moe_layer(d_model, d_expert, n_experts, k, seed)
    builders = {"numpy": _numpy_callables, "torch": _torch_callables}
    for backend in backends:
        if backend not in builders:
            raise ParameterError(f"Unknown backend {backend!r}. Use 'numpy' or 'torch'.")
        if backend == "torch" and not torch_available():
            raise ParameterError(
                "PyTorch is not installed, so backend 'torch' cannot run. Use backends=('numpy',) "
                "or install torch yourself."
            )
    rng = np.random.default_rng(seed + 1)
    flops = {
        "moe": lambda b: moe_flops(b, layer),
        "moe_routing": lambda b: 2.0 * b * d_model * n_experts,
        "dense_same_total": lambda b: dense_flops(b, dense_from_experts(layer, n_experts)),
        "dense_same_active": lambda b: dense_flops(b, dense_from_experts(layer, k)),
    }
    rows = []
    for backend in backends:
        for batch in batch_sizes:
            x = rng.standard_normal((batch, d_model)).astype(np.float32)
            for variant, fn in builders[backend](layer, x).items():
                seconds = best_seconds(fn, repeats)
                rows.append(
                    {
                        "backend": backend,
                        "batch": batch,
                        "variant": variant,
                        "seconds": seconds,
                        "tokens_per_s": batch / seconds,
                        "gflop": flops[variant](batch) / 1e9,
                    }
                )
    return pd.DataFrame(rows)


def benchmark_summary(timings: pd.DataFrame) -> pd.DataFrame:
    """Measured speed-ups next to the FLOP-ratio predictions, per backend and batch size.

    * ``speedup_vs_same_total`` = t(dense same total) / t(MoE); predicted = FLOPs ratio.
    * ``moe_over_same_active`` = t(MoE) / t(dense same active); predicted = FLOPs ratio (> 1
      only by the router's FLOPs); the gap is the cost of routing, grouping and small matmuls.
    * ``routing_share`` = t(routing alone) / t(MoE).
    """
    wide = timings.pivot_table(
        index=["backend", "batch"], columns="variant", values=["seconds", "gflop"]
    )
    t, f = wide["seconds"], wide["gflop"]
    summary = pd.DataFrame(
        {
            "moe_tokens_per_s": t.index.get_level_values("batch") / t["moe"],
            "speedup_vs_same_total": t["dense_same_total"] / t["moe"],
            "predicted_speedup_vs_same_total": f["dense_same_total"] / f["moe"],
            "moe_over_same_active": t["moe"] / t["dense_same_active"],
            "predicted_moe_over_same_active": f["moe"] / f["dense_same_active"],
            "routing_share": t["moe_routing"] / t["moe"],
        }
    )
    return summary.reset_index()


# ---------------------------------------------------------------------------------------------
# Load balancing
# ---------------------------------------------------------------------------------------------

BALANCING_METHODS = ("none", "aux_loss", "aux_loss_free")


def coefficient_of_variation(load: np.ndarray) -> float:
    """``std(load) / mean(load)`` over experts (population std); 0 for a perfectly even load."""
    load = np.asarray(load, dtype=float)
    return float(load.std() / load.mean())


def uniform_routing_cv(tokens_per_step: int, k: int, n_experts: int) -> float:
    """Expected CV of expert load when routing is already uniform (the sampling-noise floor).

    Each token uses a given expert with probability ``p = k/E``, so its load is
    ``Binomial(T, p)`` with mean ``Tp`` and standard deviation ``sqrt(Tp(1-p))``:
    ``CV ≈ sqrt((1 - p) / (T p))``.
    """
    p = k / n_experts
    return math.sqrt((1.0 - p) / (tokens_per_step * p))


def _topk_mask(scores: np.ndarray, k: int) -> np.ndarray:
    chosen = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    mask = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(mask, chosen, True, axis=1)
    return mask


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _normalised_gates(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    gated = np.where(mask, values, 0.0)
    return gated / gated.sum(axis=1, keepdims=True)


def simulate_load_balancing(
    method: str,
    n_experts: int = 64,
    k: int = 6,
    tokens_per_step: int = 1024,
    steps: int = 200,
    skew: float = 1.0,
    aux_loss_lr: float = 1.0,
    bias_update_speed: float = 0.01,
    seed: int = 0,
) -> pd.DataFrame:
    """Top-``k`` routing of skewed affinities over ``steps`` batches under one balancing method.

    Token ``t``'s router logit for expert ``e`` is ``l_te = a_e + z_te``: a fixed expert
    popularity ``a_e ~ N(0, skew²)`` (the skew) plus token noise ``z_te ~ N(0, 1)``, drawn
    from the same seeded stream for every method. Methods:

    * ``"none"``: select ``topk(l)``.
    * ``"aux_loss"``: a learned per-expert logit offset ``b`` (the part of the router the
      balance loss moves); select ``topk(l + b)``, gate with ``softmax(l + b)``. Each step takes
      a gradient step of size ``aux_loss_lr`` on the Switch/GShard balance loss
      ``L = E · Σ_e f_e P_e`` (``f_e`` = load share × E/k, ``P_e`` = mean softmax probability;
      Fedus et al. 2021 eq. 4; DeepSeek-V3 eq. 17–19), ``∂L/∂b_j = E·mean_t p_tj (f_j − Σ_i f_i p_ti)``.
    * ``"aux_loss_free"``: DeepSeek-V3 (arXiv:2412.19437, Sec. 2.1.2): sigmoid affinities
      ``s = σ(l)``; select ``topk(s + b)`` but gate with ``s`` alone; after each step
      ``b_e ← b_e − γ·sign(load_e − mean load)`` with ``γ = bias_update_speed``.

    Returns one row per step: ``cv`` (:func:`coefficient_of_variation` of expert load),
    ``max_over_mean`` load, and ``gate_shift`` — the mean total-variation distance between the
    gates used and the gates the unmodified affinities give for the same chosen experts (0 for
    methods that leave the gate values alone).
    """
    if method not in BALANCING_METHODS:
        raise ParameterError(
            f"Unknown method {method!r}. Use one of {', '.join(BALANCING_METHODS)}."
        )
    if not 1 <= k <= n_experts or steps < 1 or tokens_per_step < 1:
        raise ParameterError("Need 1 <= k <= n_experts, steps >= 1 and tokens_per_step >= 1.")
    rng = np.random.default_rng(seed)
    popularity = skew * rng.standard_normal(n_experts)
    bias = np.zeros(n_experts)
    rows = []
    for step in range(steps):
        logits = popularity + rng.standard_normal((tokens_per_step, n_experts))
        if method == "aux_loss_free":
            affinity = 1.0 / (1.0 + np.exp(-logits))
            mask = _topk_mask(affinity + bias, k)
            gate_shift = 0.0  # gates come from the unbiased affinities by construction
        else:
            shifted = logits + bias
            mask = _topk_mask(shifted, k)
            used = _normalised_gates(_softmax(shifted), mask)
            plain = _normalised_gates(_softmax(logits), mask)
            gate_shift = float(0.5 * np.abs(used - plain).sum(axis=1).mean())
        load = mask.sum(axis=0)
        if method == "aux_loss":
            probs = _softmax(logits + bias)
            f = load * n_experts / (k * tokens_per_step)
            grad = n_experts * (probs * (f[None, :] - (probs @ f)[:, None])).mean(axis=0)
            bias -= aux_loss_lr * grad
        elif method == "aux_loss_free":
            bias -= bias_update_speed * np.sign(load - load.mean())
        rows.append(
            {
                "step": step,
                "method": method,
                "cv": coefficient_of_variation(load),
                "max_over_mean": float(load.max() / load.mean()),
                "gate_shift": gate_shift,
            }
        )
    return pd.DataFrame(rows)


def compare_load_balancing(
    methods: Sequence[str] = BALANCING_METHODS, last_steps: int = 50, **settings: object
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run :func:`simulate_load_balancing` for each method on the same token stream.

    Returns (per-step frame of all methods, summary per method: mean ``cv``, ``max_over_mean``
    and ``gate_shift`` over the last ``last_steps`` steps, and ``cv`` at step 0).
    """
    frames = [simulate_load_balancing(m, **settings) for m in methods]  # type: ignore[arg-type]
    steps = pd.concat(frames, ignore_index=True)
    tail = steps[steps["step"] >= steps["step"].max() + 1 - last_steps]
    summary = tail.groupby("method", sort=False)[["cv", "max_over_mean", "gate_shift"]].mean()
    summary.insert(0, "cv_first_step", steps[steps["step"] == 0].set_index("method")["cv"])
    return steps, summary
