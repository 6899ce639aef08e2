"""The house style for every figure, and the few helpers each figure needs.

Call :func:`use_house_style` once at the top of a notebook. Each figure then gets a
title, labelled axes with units, and a source line via :func:`add_source`; event dates
are marked with :func:`mark_event`. Keeping this in one place makes the HTML report look
like one document.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

PALETTE = "colorblind"
FIGSIZE = (9.0, 4.8)
EVENT_COLOR = "#b2182b"


def use_house_style() -> None:
    """Apply the shared seaborn/matplotlib style (white grid, colour-blind palette, readable fonts).

    It also makes every pandas Styler HTML-escape cell text, so article text or a ticker name
    shown in a table is never interpreted as markup in the report (plain DataFrames already
    escape).
    """
    pd.set_option("styler.format.escape", "html")
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    mpl.rcParams.update(
        {
            "figure.figsize": FIGSIZE,
            "figure.dpi": 100,
            "savefig.dpi": 110,
            "savefig.bbox": "tight",
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelsize": 11,
            "legend.frameon": False,
            "figure.constrained_layout.use": True,
            # Deterministic SVG/PDF output if anyone saves figures.
            "svg.hashsalt": "deepseek-shock",
        }
    )


def add_source(fig_or_ax: Figure | Axes, source: str) -> None:
    """Write ``Source: ...`` under the figure, bottom left, in small grey type."""
    fig = fig_or_ax if isinstance(fig_or_ax, Figure) else fig_or_ax.figure
    fig.text(0.0, -0.02, f"Source: {source}", ha="left", va="top", fontsize=8.5, color="#555555")


def mark_event(
    ax: Axes, when: pd.Timestamp | str | float, label: str = "2025-01-27", zorder: float = 0
) -> None:
    """Draw a dashed vertical line at the event (a date, or a position on a numeric axis).

    ``zorder`` 0 keeps the line behind the data; raise it (e.g. 3) where bars would hide it.
    """
    x = pd.Timestamp(when) if isinstance(when, str) else when
    ax.axvline(x, color=EVENT_COLOR, linestyle="--", linewidth=1.2, zorder=zorder)
    ax.annotate(
        label,
        xy=(x, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -3),
        textcoords="offset points",
        color=EVENT_COLOR,
        fontsize=9,
        va="top",
    )


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs) -> tuple[Figure, Axes]:
    """``plt.subplots`` with the house figure size unless overridden."""
    kwargs.setdefault("figsize", FIGSIZE)
    return plt.subplots(nrows, ncols, **kwargs)


def show(fig: Figure) -> None:
    """Display a figure and close it, so the cell emits the image and no ``<Figure ...>`` repr."""
    from IPython.display import display

    display(fig)
    plt.close(fig)
