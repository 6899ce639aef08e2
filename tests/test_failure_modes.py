"""Failure modes of the real notebooks under bad parameters, through the runner as a user meets them.

Each case runs one committed notebook with a parameters file and checks the run's outcome and the
one-line error the index shows. (Runner mechanics — a notebook raising mid-run, interrupts, unknown
or mistyped parameters, unsafe YAML — are in test_runner.py; data-layer failures in test_market.py and
test_cli.py; corpus failures in test_framing.py.)
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from deepseek_shock import runner

pytestmark = pytest.mark.slow


def run_with(tmp_path: Path, notebook: str, params_yaml: str):
    params = tmp_path / "params.yaml"
    params.write_text(params_yaml)
    summary = runner.run_collection(
        only=[notebook], params_file=params, output=tmp_path / "reports", progress=None
    )
    return summary, summary.notebooks[0]


def outputs_text(run_dir: str, name: str) -> str:
    nb = nbformat.read(Path(run_dir) / f"{name}.ipynb", as_version=4)
    return "\n".join(
        str(out.get("text", "")) + str(out.get("data", {}).get("text/markdown", ""))
        for cell in nb.cells
        for out in cell.get("outputs", [])
    )


def test_weekend_event_date_snaps_to_the_next_trading_day_and_says_so(tmp_path):
    summary, nb = run_with(
        tmp_path, "01_market_selloff", "market_selloff:\n  event_date: 2025-01-25\n"
    )
    assert nb.status == "ok", nb.error
    assert nb.parameters == {"event_date": "2025-01-25"}  # unquoted YAML date became an ISO string
    text = outputs_text(summary.output_dir, nb.name)
    assert re.search(r"2025-01-25.*not a trading day.*2025-01-27", text, re.S), "the snap is stated"


def test_estimation_window_overlapping_the_event_window_is_rejected(tmp_path):
    summary, nb = run_with(
        tmp_path, "01_market_selloff", "market_selloff:\n  estimation_window: [-250, 2]\n"
    )
    assert summary.status == "failed" and nb.status == "failed"
    assert nb.error.startswith("ParameterError:") and "overlap" in nb.error.lower()


def test_ticker_with_no_data_is_named_with_the_available_ones(tmp_path):
    params = "market_selloff:\n  ticker_groups: {Benchmarks: [SPY, QQQ], Mystery: [NOPE]}\n  tested_groups: [Mystery]\n"
    summary, nb = run_with(tmp_path, "01_market_selloff", params)
    assert summary.status == "failed" and nb.status == "failed"
    assert (
        nb.error.startswith("MarketDataError:") and "NOPE" in nb.error and "Available:" in nb.error
    )


def test_empty_corpus_directory_is_named(tmp_path):
    empty = tmp_path / "articles"
    empty.mkdir()
    summary, nb = run_with(
        tmp_path, "04_media_framing", f"media_framing:\n  corpus_dir: '{empty}'\n"
    )
    assert summary.status == "failed" and nb.status == "failed"
    assert nb.error.startswith("CorpusError:") and str(empty) in nb.error
