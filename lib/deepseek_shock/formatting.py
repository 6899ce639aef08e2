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
    import html

    from IPython.display import display

    # Escaping is for the HTML page; the plain-text fallback shows the characters themselves.
    text = html.unescape(styler.to_string())
    styler = styler.set_uuid(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8])
    display({"text/html": styler.to_html(), "text/plain": text}, raw=True)


def _missing(x: float | None) -> bool:
    return x is None or bool(pd.isna(x))


def signed(x: float | None, digits: int = 2) -> str:
    """A statistic with its sign: ``-3.671`` → ``'-3.67'``, ``0.5`` → ``'+0.50'``; NaN → ``'n/a'``."""
    return "n/a" if _missing(x) else f"{x:+.{digits}f}"


def p_value(p: float | None, digits: int = 3) -> str:
    """A p-value to ``digits`` decimals, or ``'<0.001'`` below that: ``0.0737`` → ``'0.074'``."""
    if _missing(p):
        return "n/a"
    floor = 10.0**-digits
    return f"<{floor:.{digits}f}" if p < floor else f"{p:.{digits}f}"


def usd_bn(x: float | None, digits: int = 1) -> str:
    """An amount given in USD billions: ``-592.66`` → ``'-$592.7B'``; NaN → ``'n/a'``."""
    return "n/a" if _missing(x) else usd(x * 1e9, "B", digits)


def multiple(x: float | None, digits: int = 2) -> str:
    """A ratio as a multiple: ``4.081`` → ``'4.08×'``; NaN → ``'n/a'``."""
    return "n/a" if _missing(x) else f"{x:.{digits}f}×"


def moved(x: float | None, digits: int = 2, down: str = "fell", up: str = "rose") -> str:
    """A verb of direction and the magnitude: ``-0.1697`` → ``'fell 16.97%'``.

    Prose must not put a signed value after a verb of direction ("fell -16.97%"); this
    picks the verb from the sign and prints the magnitude. Zero → ``'was unchanged'``.
    """
    if _missing(x):
        return "has no value (n/a)"
    if round(x * 100, digits) == 0:
        return "was unchanged"
    return f"{down if x < 0 else up} {pct(abs(x), digits, signed=False)}"


def share(x: float | None, digits: int = 1) -> str:
    """An unsigned percentage for shares and utilisations: ``0.2033`` → ``'20.3%'``."""
    return pct(x, digits, signed=False)


def millions(x: float | None, digits: int = 3) -> str:
    """A quantity in millions with an ``M`` suffix and no unit: ``2743210`` → ``'2.743M'``."""
    return "n/a" if _missing(x) else f"{x / 1e6:,.{digits}f}M"


def figure(x: float | None) -> str:
    """A table figure of mixed magnitude: whole and comma-grouped from 100 up
    (``5576000`` → ``'5,576,000'``), two decimals below (``3.66`` → ``'3.66'``)."""
    if _missing(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.2f}"


def md(text: str):
    """Generated Markdown for a notebook's prose, with dollar signs escaped.

    Markdown renderers (JupyterLab, nbconvert) read a pair of ``$`` as inline maths, so
    "$6 million ... $5.6M" would swallow the text between them and break emphasis. Every
    unescaped ``$`` becomes ``\\$``. Use as ``display(md(f"..."))``.
    """
    import re

    from IPython.display import Markdown

    return Markdown(re.sub(r"(?<!\\)\$", r"\\$", text))
