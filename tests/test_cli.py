"""The deepseek-shock command as a user meets it: exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from deepseek_shock import reference

CLOSED_PORT_PROXY = "http://127.0.0.1:9"  # a local port nothing listens on: "no network", instantly


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "deepseek_shock.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def test_live_refresh_without_network_prints_one_clear_line(tmp_path):
    proxies = {
        k: CLOSED_PORT_PROXY for k in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY")
    }
    result = run_cli(
        "refresh", "--tickers", "NVDA", "--start", "2025-01-02", "--end", "2025-01-31",
        env={**proxies, "DEEPSEEK_SHOCK_CACHE": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "--source snapshot" in lines[0]
    assert not list(tmp_path.glob("*.csv")), "nothing is cached from a failed download"


def test_params_json_for_deepseek_v3():
    config = reference.model_configs_dir() / "DeepSeek-V3.json"
    result = run_cli("params", str(config), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"model", "total_params", "active_params", "breakdown"} <= set(data)
    assert abs(data["total_params"] / 671e9 - 1) < 0.01


def test_params_missing_file_is_one_line(tmp_path):
    result = run_cli("params", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_claims_json_lists_objects_with_required_fields():
    result = run_cli("claims", "--json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    required = {"id", "article", "quote", "claimed", "actual", "unit", "verdict", "evidence"}
    assert records and all(required <= set(r) for r in records)


def test_run_with_unknown_notebook_is_rejected():
    result = run_cli("run", "--only", "99_nothing")
    assert result.returncode == 2 and result.stderr.startswith(
        "error: --only '99_nothing' names no notebook"
    )
