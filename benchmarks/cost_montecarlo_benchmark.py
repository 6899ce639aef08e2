"""Throughput of the cost Monte Carlo: vectorised numpy vs a plain Python loop.

Run: .venv/bin/python benchmarks/cost_montecarlo_benchmark.py
Prints seconds per run and draws per second for several sizes, and the speed-up of the
vectorised path over a per-draw Python loop on the same model (timed on fewer draws).
"""

from __future__ import annotations

import random
import time

from deepseek_shock import cost


def _setup() -> tuple[float, dict[str, object], dict[str, float]]:
    run = cost.reported_v3_run()
    kwargs = {
        "bf16_peak_tflops": cost.peak_throughput("H800 SXM", "bf16").tflops,
        "other_stage_gpu_hours": run.total_gpu_hours - run.stage_gpu_hours["pre-training"],
        "claimed_gpu_hours": run.total_gpu_hours,
        "claimed_cost_usd": run.reported_cost_usd,
    }
    return cost.v3_pretraining_compute().total_flop, cost.default_mc_inputs(), kwargs


def _best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def _python_loop(flop: float, inputs: dict[str, object], n: int, peak: float, other: float):
    """The same model, one draw at a time with the standard library (the baseline)."""
    rng = random.Random(0)
    dists = {k: cost.Distribution.from_spec(v) for k, v in inputs.items()}

    def draw(d: cost.Distribution) -> float:
        if d.kind == "uniform":
            return rng.uniform(d.low, d.high)
        return rng.triangular(d.low, d.high, d.mode)

    out = []
    for _ in range(n):
        values = {k: draw(d) for k, d in dists.items()}
        price = values.pop("price_per_gpu_hour")
        hours = cost.simulated_gpu_hours(flop, **values, bf16_peak_tflops=peak,
                                         other_stage_gpu_hours=other)  # fmt: skip
        out.append(hours * price)
    return out


def main() -> None:
    flop, inputs, kwargs = _setup()
    print(f"{'draws':>10} {'seconds':>9} {'draws/s':>12}")
    vectorised = {}
    for n in (100_000, 1_000_000, 4_000_000):
        seconds = _best_of(3, lambda n=n: cost.simulate_training_run(
            flop, inputs, n_draws=n, seed=1, **kwargs))  # fmt: skip
        vectorised[n] = seconds
        print(f"{n:>10,} {seconds:>9.3f} {n / seconds:>12,.0f}")
    loop_n = 20_000
    loop_seconds = _best_of(1, lambda: _python_loop(
        flop, inputs, loop_n, kwargs["bf16_peak_tflops"], kwargs["other_stage_gpu_hours"]))  # fmt: skip
    per_draw_loop = loop_seconds / loop_n
    per_draw_vec = vectorised[1_000_000] / 1_000_000
    print(f"python loop: {loop_n:,} draws in {loop_seconds:.3f} s ({loop_n / loop_seconds:,.0f}/s)")
    print(f"speed-up of vectorised over loop (per draw, 1M vs {loop_n:,}): "
          f"{per_draw_loop / per_draw_vec:,.0f}x")  # fmt: skip


if __name__ == "__main__":
    main()
