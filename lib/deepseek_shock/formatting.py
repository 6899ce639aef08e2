"""Table formatting for notebooks and the report: percent, money, counts, rounded floats.

Displayed numbers are rounded on purpose: committed notebook outputs are compared by
nbval on other machines, and the last bits of a float can differ between BLAS builds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd


def pct(x: float | None, digits: int = 2, signed: bool = True) -> str:
    """Fraction → percent string: ``-0.1697`` → ``'-16.97%'``; NaN/None → ``'n/a'``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x * 100:+.{digits}f}%" if signed else f"{x * 100:.{digits}f}%"


def usd(x: float | None, unit: str = "auto", digits: int = 2) -> str:
    """Dollar amount with a scale suffix: ``5.576e6`` → ``'$5.58M'``; ``unit`` in auto/K/M/B/T."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    scales = {"T": 1e12, "B": 1e9, "M": 1e6, "K": 1e3, "": 1.0}
    if unit == "auto":
        unit = next((u for u, s in scales.items() if abs(x) >= s), "")
    sign = "-" if x < 0 else ""
    return f"{sign}${abs(x) / scales[unit]:,.{digits}f}{unit}"


def count(x: float | None, digits: int = 0) -> str:
    """Thousands-separated number: ``2788000`` → ``'2,788,000'``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def sig(x: float | None, digits: int = 4) -> str:
    """Significant-figure rendering for ratios and statistics: ``3.14159`` → ``'3.142'``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}g}"


def style_table(frame: pd.DataFrame, formats: Mapping[str, object], caption: str | None = None):
    """A pandas Styler with per-column formatters and an optional caption.

    ``formats`` maps column → format string or callable (e.g. :func:`pct`). Cell text is
    HTML-escaped: article snippets must never be interpreted as markup in the report.
    """
    styler = frame.style.format(formats, na_rep="n/a", escape="html")
    if caption:
        styler = styler.set_caption(caption)
    return styler


def show_table(styler) -> None:
    """Display a Styler so that committed notebook output is stable across runs.

    A bare Styler emits a random table id in its HTML and ``<Styler at 0x...>`` as text/plain,
    both of which nbval would flag. This displays the HTML with an id derived from the table's
    content and the formatted table as text/plain.
    """
    import hashlib

    from IPython.display import display

    text = styler.to_string()
    styler = styler.set_uuid(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8])
    display({"text/html": styler.to_html(), "text/plain": text}, raw=True)
