"""Headline results that a notebook publishes for the report's landing page.

A notebook ends with one cell calling :func:`publish_headlines`. The call displays a small
readable table *and* attaches the same values under a custom MIME type, which the runner
reads back from the executed notebook to build ``index.html``. Nothing is typed by hand
into the index: every headline is the output of a computed cell.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

HEADLINES_MIME = "application/vnd.deepseek-shock.headlines+json"


@dataclass(frozen=True)
class Headline:
    """One headline number: a stable key, a human label, the value and its display form."""

    key: str
    label: str
    value: float | int | str | None
    display: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        value = data["value"]
        if isinstance(value, float):
            data["value"] = None if math.isnan(value) else float(f"{value:.6g}")
        return data


def publish_headlines(headlines: list[Headline], meta: dict[str, Any] | None = None) -> None:
    """Display the headlines as a table and attach them as machine-readable JSON.

    ``meta`` carries run facts such as the data source actually used (``{"data_source": ...}``).
    """
    from IPython.display import display

    payload = {"headlines": [h.to_json() for h in headlines], "meta": meta or {}}
    lines = [f"{h.label}: {h.display}" for h in headlines]
    lines += [f"[{k}] {v}" for k, v in sorted((meta or {}).items())]
    display(
        {HEADLINES_MIME: json.loads(json.dumps(payload)), "text/plain": "\n".join(lines)}, raw=True
    )


def read_headlines(notebook: dict[str, Any]) -> dict[str, Any] | None:
    """Find the published headlines in an executed notebook (as loaded JSON/nbformat)."""
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data", {})
            if HEADLINES_MIME in data:
                payload = data[HEADLINES_MIME]
                return json.loads(payload) if isinstance(payload, str) else dict(payload)
    return None
