"""Micro-benchmark: a scaled-down MoE layer vs dense MLPs of equal total and equal active size.

Prints tokens/s of the MoE layer, the measured speed-up over the dense MLP with the same total
parameters next to the FLOP-ratio prediction, the MoE's slowdown relative to the dense MLP with
the same active parameters (predicted ≈ 1 + router FLOPs), and the share of MoE time spent on
routing (router matmul, top-k, softmax, sort and gather).

    .venv/bin/python benchmarks/moe_benchmark.py
    .venv/bin/python benchmarks/moe_benchmark.py --experts 64 --k 6 --batch-sizes 256 4096

Uses NumPy, and PyTorch too when it is installed (nothing installs it).
"""

from __future__ import annotations

import argparse

from deepseek_shock.moe_sim import benchmark_moe, benchmark_summary, torch_available


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 64, 256, 1024, 4096])
    parser.add_argument("--d-model", type=int, default=512)
    parser.add_argument("--d-expert", type=int, default=256)
    parser.add_argument("--experts", type=int, default=16)
    parser.add_argument("--k", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    backends = ("numpy", "torch") if torch_available() else ("numpy",)
    print(
        f"MoE layer: d_model={args.d_model}, d_expert={args.d_expert}, E={args.experts}, "
        f"top-{args.k}; dense same total: width {args.experts * args.d_expert}; "
        f"dense same active: width {args.k * args.d_expert}"
    )
    print("PyTorch: " + ("installed" if torch_available() else "not installed (NumPy only)"))
    timings = benchmark_moe(
        args.batch_sizes,
        d_model=args.d_model,
        d_expert=args.d_expert,
        n_experts=args.experts,
        k=args.k,
        backends=backends,
        repeats=args.repeats,
        seed=args.seed,
    )
    summary = benchmark_summary(timings)
    header = (
        f"{'backend':<8}{'batch':>7}{'MoE tok/s':>13}{'vs same-total':>15}{'predicted':>11}"
        f"{'vs same-active':>16}{'predicted':>11}{'routing':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in summary.itertuples(index=False):
        print(
            f"{row.backend:<8}{row.batch:>7}{row.moe_tokens_per_s:>13,.0f}"
            f"{row.speedup_vs_same_total:>14.2f}x{row.predicted_speedup_vs_same_total:>10.2f}x"
            f"{row.moe_over_same_active:>15.2f}x{row.predicted_moe_over_same_active:>10.2f}x"
            f"{row.routing_share:>9.1%}"
        )
    print(
        "\n'vs same-total' = dense(same total) time / MoE time; "
        "'vs same-active' = MoE time / dense(same active) time."
    )


if __name__ == "__main__":
    main()
