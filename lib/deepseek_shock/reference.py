"""Bundled reference data: where it lives and how to load it.

All package data sits under ``deepseek_shock/data/`` with a ``PROVENANCE.md`` per folder.
This module is the one place that knows those paths; analyses call the loaders below
instead of building paths themselves.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import DataError

REFERENCE_TABLES = (
    "training_runs",
    "gpu_specs",
    "cost_estimates",
    "published_params",
    "shares_outstanding",
    "event_day_facts",
)


def data_dir() -> Path:
    """Root of the bundled data (``deepseek_shock/data``)."""
    return Path(str(resources.files("deepseek_shock") / "data"))


def market_snapshot_path() -> Path:
    """The bundled daily price snapshot (long format CSV)."""
    return data_dir() / "market" / "prices.csv"


def model_configs_dir() -> Path:
    """Folder of bundled Hugging Face-style ``config.json`` files."""
    return data_dir() / "reference" / "model_configs"


@cache
def _read_csv(relative_path: str) -> pd.DataFrame:
    path = data_dir() / relative_path
    try:
        return pd.read_csv(path)
    except FileNotFoundError as exc:
        raise DataError(
            f"Bundled data file {path} is missing. Reinstall the package (pip install -e .) "
            "or restore the file from git."
        ) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"Bundled data file {path} cannot be parsed ({exc}). Restore it from git."
        ) from exc


def load_data_csv(relative_path: str) -> pd.DataFrame:
    """Any bundled CSV by its path under ``data/`` (e.g. ``"cost/assumptions.csv"``), a fresh copy.

    A missing or unparsable file raises :class:`DataError` naming the file and the fix.
    """
    return _read_csv(relative_path).copy()


def load_reference(name: str) -> pd.DataFrame:
    """Load one bundled reference table as a DataFrame (a fresh copy each call).

    Parameters
    ----------
    name : one of :data:`REFERENCE_TABLES`, e.g. ``"training_runs"``.
    """
    if name not in REFERENCE_TABLES:
        raise DataError(
            f"Unknown reference table {name!r}. Available: {', '.join(REFERENCE_TABLES)}."
        )
    return load_data_csv(f"reference/{name}.csv")


def list_model_configs() -> list[str]:
    """Names (file stems) of the bundled model configs, sorted."""
    return sorted(p.stem for p in model_configs_dir().glob("*.json"))


def load_model_config(name: str) -> dict[str, Any]:
    """Load a bundled model config by file stem, e.g. ``"DeepSeek-V3"``."""
    path = model_configs_dir() / f"{name}.json"
    if not path.exists():
        raise DataError(
            f"No bundled model config named {name!r}. Available: {', '.join(list_model_configs())}."
        )
    return json.loads(path.read_text(encoding="utf-8"))
