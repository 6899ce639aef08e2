"""The ``deepseek-shock`` command.

Subcommands::

    deepseek-shock run [--only NAME ...] [--params FILE.yaml] [--source snapshot|live|auto]
                       [--output DIR] [--jobs N] [--quiet]
    deepseek-shock params CONFIG.json [--json]
    deepseek-shock claims [--json]
    deepseek-shock refresh [--tickers T ...] [--start DATE] [--end DATE]
    deepseek-shock update-notebooks [NAME ...]

Errors the user can fix (bad parameters, unknown tickers, no network, unreadable files)
print one line, ``error: <what> <how to fix>``, and exit with status 2; a run in which a
notebook failed exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .errors import DeepseekShockError


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import run_collection

    summary = run_collection(
        only=args.only,
        params_file=args.params,
        source=args.source,
        output=args.output,
        jobs=args.jobs,
        notebooks_dir=args.notebooks,
        timeout=args.timeout,
        progress=None if args.quiet else lambda msg: print(msg, flush=True),
    )
    if args.quiet:
        failed = [nb for nb in summary.notebooks if nb.status != "ok"]
        print(f"{summary.status}: {len(summary.notebooks) - len(failed)}/{len(summary.notebooks)} notebooks ok; "
              f"{summary.output_dir}/index.html")  # fmt: skip
        for nb in failed:
            print(f"  {nb.name}: {nb.status} {nb.error}")
    return 0 if summary.ok else 1


def _cmd_params(args: argparse.Namespace) -> int:
    from . import moe

    result = moe.count_params_from_file(args.config)
    print(json.dumps(result.to_dict(), indent=2) if args.json else moe.format_param_table(result))
    return 0


def _cmd_claims(args: argparse.Namespace) -> int:
    from . import claims

    card = claims.scorecard()
    print(
        json.dumps(claims.scorecard_records(card), indent=2)
        if args.json
        else claims.format_scorecard(card)
    )
    return 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    from .market import TICKER_GROUPS, cache_dir, refresh_cache

    tickers = args.tickers or sorted({t for group in TICKER_GROUPS.values() for t in group})
    frame = refresh_cache(tickers, args.start, args.end)
    first, last = frame["date"].min().date(), frame["date"].max().date()
    print(f"refreshed {frame['ticker'].nunique()} tickers, {len(frame)} rows, {first}..{last}, "
          f"into {cache_dir()}")  # fmt: skip
    return 0


def _cmd_update_notebooks(args: argparse.Namespace) -> int:
    from .runner import update_committed_notebooks, update_readme_headlines

    failures = 0
    for name, ok, error in update_committed_notebooks(args.names or None):
        print(f"[{'ok' if ok else 'failed'}] {name}{'' if ok else ' - ' + error} ")
        failures += not ok
    if update_readme_headlines():
        print("README.md headline block updated from the notebooks")
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deepseek-shock", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute the notebooks and render the HTML report")
    run.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="notebooks to run (e.g. 01_market_selloff or market_selloff)",
    )
    run.add_argument("--params", metavar="FILE.yaml", help="per-notebook parameter overrides")
    run.add_argument(
        "--source",
        choices=("snapshot", "live", "auto"),
        help="market data source for notebooks that use it",
    )
    run.add_argument("--output", metavar="DIR", help="reports folder (default: reports/)")
    run.add_argument(
        "--jobs", type=int, metavar="N", help="notebooks run in parallel (default: number of cores)"
    )
    run.add_argument(
        "--notebooks", metavar="DIR", help="folder of NN_name.ipynb notebooks (default: notebooks/)"
    )
    run.add_argument(
        "--timeout", type=int, default=900, metavar="S", help="per-cell timeout in seconds"
    )
    run.add_argument(
        "--quiet", action="store_true", help="only print a final summary (for cron logs)"
    )
    run.set_defaults(func=_cmd_run)

    params = sub.add_parser(
        "params", help="total / active parameters of a Hugging Face config.json"
    )
    params.add_argument("config", metavar="CONFIG.json")
    params.add_argument("--json", action="store_true", help="machine-readable output")
    params.set_defaults(func=_cmd_params)

    claims = sub.add_parser("claims", help="the claims scorecard")
    claims.add_argument("--json", action="store_true", help="machine-readable output")
    claims.set_defaults(func=_cmd_claims)

    refresh = sub.add_parser("refresh", help="download prices live with yfinance into the cache")
    refresh.add_argument("--tickers", nargs="+", metavar="T")
    refresh.add_argument("--start", default="2023-12-01", metavar="DATE")
    refresh.add_argument("--end", default=None, metavar="DATE")
    refresh.set_defaults(func=_cmd_refresh)

    update = sub.add_parser(
        "update-notebooks", help="re-execute committed notebooks in place (for nbval)"
    )
    update.add_argument("names", nargs="*", metavar="NAME")
    update.set_defaults(func=_cmd_update_notebooks)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DeepseekShockError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `deepseek-shock claims | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
