"""The claim ledger (``seeds/claims.yaml``) and the verdict engine.

Every checkable claim in the five articles is one ledger entry: the exact quote, the claimed
value with its unit and comparator, the basis the article implies, and the *function* that
computes the actual value (one of the ``verify_*`` functions the analysis notebooks use,
returning a :class:`~deepseek_shock.evidence.Measurement`). No actual value is typed into the
ledger; the engine calls the function.

Verdict scale
-------------
``accurate``
    The actual value satisfies the claim at the claim's own stated precision ("17%" means
    16.5–17.5 %; "over 4%" means a fall larger than 4 %; "just over 2,000" means 2,000 < x ≤ 2,000·(1+tol)).
``approximately accurate``
    Not accurate at the stated precision, but within the entry's ``tolerance`` (relative); or, for a
    claim about an intraday move (``intraday: true``), inside the range from the previous close that the
    day's low and high allow — daily bars can bound such a figure but not confirm it.
``misleading``
    Numerically accurate or approximately accurate, but on a different basis than the article implies
    (the entry's ``basis_mismatch`` says how: intraday vs close, funding vs training cost, rental-equivalent
    vs money spent, one model vs another).
``wrong``
    Outside the tolerance (and outside the intraday range where one applies).
``unverifiable``
    The bundled data cannot give the actual value (``verify: null`` with a ``reason``, or the function
    reports the data as unavailable), or it can only compute a *proxy* the article did not name
    (``proxy:`` says what is missing; the proxy's value is shown as context, never judged).
"""

from __future__ import annotations

import importlib
import inspect
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import DataError
from .evidence import Measurement

VERDICTS = ("accurate", "approximately accurate", "misleading", "wrong", "unverifiable")
COMPARATORS = ("about", "exact", "over", "less than", "just over", "range", "direction")
REQUIRED_FIELDS = (
    "id",
    "article",
    "quote",
    "topic",
    "subject",
    "quantity",
    "claimed",
    "unit",
    "comparator",
    "basis",
)
TOPICS = ("market", "cost", "architecture", "other")


def default_ledger_path() -> Path:
    from .runner import repo_root

    return repo_root() / "seeds" / "claims.yaml"


@dataclass(frozen=True)
class Claim:
    """One ledger entry (see the module docstring and ``seeds/claims.yaml``)."""

    id: str
    article: str
    quote: str
    topic: str
    subject: str
    quantity: str
    claimed: float | list[float] | None
    unit: str
    comparator: str
    basis: str
    precision: float | None = None
    tolerance: float = 0.1
    basis_mismatch: str | None = None
    intraday: bool = False
    proxy: str | None = None
    verify: dict[str, Any] | None = None
    reason: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Verdict:
    """A claim with its computed actual value, verdict and evidence.

    ``actual_range`` is the (low, high) the data allows for an intraday claim, which is judged
    against that range rather than against ``actual`` (the close-to-close value).
    """

    claim: Claim
    actual: float | None
    actual_range: tuple[float, float] | None
    verdict: str
    basis: str
    evidence: str

    # The claim's identifying fields; "basis" is replaced by the basis the actual value was computed on.
    RECORD_FIELDS = tuple(f for f in REQUIRED_FIELDS if f != "basis")

    def to_record(self) -> dict[str, Any]:
        """Flat dict: the claim's identifying fields plus ``actual, actual_range, verdict, basis, evidence``."""
        record = {name: getattr(self.claim, name) for name in self.RECORD_FIELDS}
        record.update(
            actual=self.actual,
            actual_range=list(self.actual_range) if self.actual_range else None,
            intraday=self.claim.intraday,
            verdict=self.verdict,
            basis=self.basis,
            evidence=self.evidence,
        )
        return record


def load_ledger(path: str | Path | None = None) -> tuple[list[Claim], list[dict[str, Any]]]:
    """Read and validate the ledger; return (claims, exclusions).

    Raises :class:`DataError` naming the entry and field for a malformed entry.
    """
    import yaml

    path = Path(path) if path else default_ledger_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"Claim ledger {path} cannot be read ({exc}).") from exc
    claims = []
    for n, entry in enumerate(data.get("claims", []), start=1):
        missing = [f for f in REQUIRED_FIELDS if f not in entry]
        where = entry.get("id", f"entry #{n}")
        if missing:
            raise DataError(f"Claim {where} in {path} lacks field(s): {', '.join(missing)}.")
        if entry["comparator"] not in COMPARATORS:
            raise DataError(
                f"Claim {where}: comparator {entry['comparator']!r} is not one of {', '.join(COMPARATORS)}."
            )
        if entry["topic"] not in TOPICS:
            raise DataError(
                f"Claim {where}: topic {entry['topic']!r} is not one of {', '.join(TOPICS)}."
            )
        for key in ("claimed", "precision", "tolerance"):
            values = entry.get(key) if isinstance(entry.get(key), list) else [entry.get(key)]
            if any(
                v is not None and (isinstance(v, bool) or not isinstance(v, int | float))
                for v in values
            ):
                raise DataError(
                    f"Claim {where}: {key}={entry[key]!r} is not a number (YAML needs e.g. 6.0e+9, not 6e9)."
                )
        if entry.get("verify") is None and not entry.get("reason"):
            raise DataError(
                f"Claim {where}: an entry without 'verify' needs a 'reason' it cannot be checked."
            )
        claims.append(Claim(**entry))
    ids = [c.id for c in claims]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DataError(f"Duplicate claim ids in {path}: {', '.join(duplicates)}.")
    return claims, list(data.get("exclusions", []))


def _resolve(spec: dict[str, Any]):
    """The verify function named ``module:function`` inside this package (only ``verify_*`` allowed)."""
    module_name, _, func_name = spec["function"].partition(":")
    if not func_name.startswith("verify_"):
        raise DataError(
            f"Ledger function {spec['function']!r} must be a deepseek_shock verify_* function."
        )
    module = importlib.import_module(f"deepseek_shock.{module_name}")
    return getattr(module, func_name)


def measure(claim: Claim, source: str | None = None) -> Measurement:
    """Compute the actual value for a claim by calling its verify function.

    ``source`` (``"snapshot"``/``"live"``/``"auto"``) is passed to functions that take a
    market-data ``source`` argument; the others ignore it.
    """
    if claim.verify is None:
        return Measurement(None, claim.unit, claim.basis, claim.reason or "", available=False)
    function = _resolve(claim.verify)
    args = dict(claim.verify.get("args", {}))
    if source is not None and "source" in inspect.signature(function).parameters:
        args.setdefault("source", source)
    return function(**args)


def _same_sign(claimed: float, actual: float) -> bool:
    return claimed == 0 or math.copysign(1, actual) == math.copysign(1, claimed)


def _within_precision(claim: Claim, actual: float) -> bool:
    """Does ``actual`` satisfy the claim at the claim's own stated precision?"""
    if claim.comparator == "range":
        low, high = sorted(float(x) for x in claim.claimed)
        return low <= actual <= high
    claimed = float(claim.claimed)
    magnitude, size = abs(actual), abs(claimed)
    same_sign = _same_sign(claimed, actual)
    precision = (
        claim.precision
        if claim.precision is not None
        else 0.5 * 10 ** _last_digit_exponent(claimed)
    )
    if claim.comparator in ("about", "exact"):
        return abs(actual - claimed) <= precision + 1e-12
    if claim.comparator == "over":
        return same_sign and magnitude > size
    if claim.comparator == "less than":
        return same_sign and magnitude < size
    if claim.comparator == "just over":
        return same_sign and size < magnitude <= size * (1 + claim.tolerance)
    if claim.comparator == "direction":
        return same_sign and actual != 0
    raise AssertionError(claim.comparator)


def _within_tolerance(claim: Claim, actual: float) -> bool:
    """Is ``actual`` within the entry's relative ``tolerance`` of what was claimed?

    ``about``/``exact``: |actual − claimed| ≤ tol·|claimed|. ``over``/``less than``: on the
    wrong side of the threshold by at most tol·|claimed|. ``just over``: within tol below the
    threshold or up to 2·tol above it. ``range``: within tol outside either end. A claim about
    direction has no tolerance, and the sign must always match.
    """
    if claim.comparator == "range":
        low, high = sorted(float(x) for x in claim.claimed)
        return low - claim.tolerance * abs(low) <= actual <= high + claim.tolerance * abs(high)
    claimed = float(claim.claimed)
    size, magnitude, tol = abs(claimed), abs(actual), claim.tolerance
    if not _same_sign(claimed, actual) or claim.comparator == "direction":
        return False
    if claim.comparator == "over":
        return magnitude >= size * (1 - tol)
    if claim.comparator == "less than":
        return magnitude <= size * (1 + tol)
    if claim.comparator == "just over":
        return size * (1 - tol) <= magnitude <= size * (1 + 2 * tol)
    return abs(actual - claimed) <= tol * size


def _last_digit_exponent(value: float) -> int:
    """Decimal exponent of a number's last stated digit: 17 -> 0, 5.6 -> -1, 600 -> 2, 2048 -> 0,
    37e9 -> 9, 6.71e11 -> 9. Works from the shortest decimal that round-trips the float."""
    digits = Decimal(repr(abs(float(value)))).normalize()
    return 0 if digits == 0 else digits.as_tuple().exponent


def judge(claim: Claim, measurement: Measurement) -> tuple[str, str]:
    """The verdict and the evidence line for one claim (rules in the module docstring)."""
    if not measurement.available or measurement.value is None:
        return "unverifiable", measurement.evidence or claim.reason or "not in the bundled data"
    if claim.proxy:
        return "unverifiable", (
            f"The bundled data has no figure for the claim itself ({claim.proxy}); for context, the "
            f"nearest bundled proxy gives: {measurement.evidence}"
        )
    actual = float(measurement.value)
    evidence = measurement.evidence
    if claim.intraday:
        if measurement.bounds is None:
            return "unverifiable", evidence + "; the data gives no intraday range for this claim"
        low, high = sorted(measurement.bounds)
        inside = low <= float(claim.claimed) <= high
        verdict = "approximately accurate" if inside else "wrong"
        evidence = evidence.rstrip(". ") + (
            ". Daily bars can only bound an intraday figure: the claimed move is "
            f"{'inside' if inside else 'outside'} the day's range from the previous close"
        )
    elif _within_precision(claim, actual):
        verdict = "accurate"
    elif _within_tolerance(claim, actual):
        verdict = "approximately accurate"
    else:
        verdict = "wrong"
    if claim.basis_mismatch:
        if verdict in ("accurate", "approximately accurate"):
            verdict = "misleading"
        evidence = evidence.rstrip(". ") + f". Basis: {claim.basis_mismatch}"
    return verdict, evidence


def evaluate(claims: list[Claim], source: str | None = None) -> list[Verdict]:
    """Verdicts for every claim, in ledger order (``source`` as in :func:`measure`)."""
    out = []
    for claim in claims:
        measurement = measure(claim, source)
        verdict, evidence = judge(claim, measurement)
        if claim.note:
            evidence = evidence.rstrip(". ") + f". Note: {claim.note}"
        # A proxy's value is context in the evidence, not the actual value of the claim.
        known = measurement.value is not None and not claim.proxy
        actual = float(f"{float(measurement.value):.6g}") if known else None
        day_range = None
        if claim.intraday and measurement.bounds is not None:
            day_range = tuple(float(f"{b:.6g}") for b in sorted(measurement.bounds))
        out.append(
            Verdict(claim, actual, day_range, verdict, measurement.basis or claim.basis, evidence)
        )
    return out


def scorecard(
    path: str | Path | None = None, topics: list[str] | None = None, source: str | None = None
) -> pd.DataFrame:
    """The scorecard as a DataFrame, one row per claim (optionally only some ``topics``)."""
    claims, _ = load_ledger(path)
    if topics is not None:
        unknown = sorted(set(topics) - set(TOPICS))
        if unknown:
            raise DataError(
                f"Unknown topic(s) {', '.join(unknown)}; choose from {', '.join(TOPICS)}."
            )
        claims = [c for c in claims if c.topic in topics]
    return pd.DataFrame([v.to_record() for v in evaluate(claims, source)])


def scorecard_records(card: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready list of claim objects (``id, article, quote, claimed, actual, unit, verdict, evidence, ...``)."""
    records = card.to_dict(orient="records")
    for record in records:
        for key, value in record.items():
            if isinstance(value, float) and math.isnan(value):
                record[key] = None
    return records


def verdict_counts(card: pd.DataFrame, by: str = "article") -> pd.DataFrame:
    """Number of claims per verdict for each article (or topic), verdict columns in scale order."""
    table = pd.crosstab(card[by], card["verdict"])
    return table.reindex(columns=[v for v in VERDICTS if v in table.columns], fill_value=0)


def show_value(value: Any, unit: str = "", digits: int = 6) -> str:
    """A claimed or actual value for display, rounded for its unit.

    ``%`` two decimals (``-16.97``), ``x`` and ``days`` one (``27.4``), ``params`` in billions
    (``36.63B``), ``USD billion`` one decimal, other numbers from 10,000 up comma-grouped
    (``5,576,000``), smaller ones to ``digits`` significant figures; lists as ``20 to 40``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, list | tuple):
        return " to ".join(show_value(v, unit, digits) for v in value)
    if not isinstance(value, int | float):
        return str(value)
    if unit == "%":
        return f"{value:.2f}"
    if unit in ("x", "days", "USD billion"):
        return f"{value:,.1f}"
    if unit == "params":
        return f"{value / 1e9:,.2f}B"
    return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:.{digits}g}"


def shown_claimed(row: Any) -> str:
    """The claimed value for display; a direction-only claim reads "decline" or "rise"."""
    if row["comparator"] == "direction":
        return "decline" if float(row["claimed"]) < 0 else "rise"
    return show_value(row["claimed"], row["unit"])


def shown_actual(row: Any) -> str:
    """What the data says for a scorecard row: the day's range for an intraday claim, else the value."""
    if isinstance(row["actual_range"], list | tuple):
        low_high = show_value(row["actual_range"], row["unit"])
        return f"range {low_high} (close {show_value(row['actual'], row['unit'])})"
    return show_value(row["actual"], row["unit"])


def format_scorecard(card: pd.DataFrame) -> str:
    """A readable fixed-width table for the terminal."""
    lines = [f"{'id':<9} {'claimed':>17} {'actual':>17} {'unit':<11} {'verdict':<23} quote"]
    for _, row in card.iterrows():
        quote = row["quote"] if len(row["quote"]) <= 60 else row["quote"][:57] + "..."
        lines.append(
            f"{row['id']:<9} {shown_claimed(row):>17} {shown_actual(row):>17} {row['unit']:<11} "
            f"{row['verdict']:<23} {quote}"
        )
    counts = card["verdict"].value_counts()
    lines.append("")
    lines.append("; ".join(f"{v}: {counts.get(v, 0)}" for v in VERDICTS))
    return "\n".join(lines)


VERDICT_COLORS = {
    "accurate": "#1b7837",
    "approximately accurate": "#7fbf7b",
    "misleading": "#e08214",
    "wrong": "#b2182b",
    "unverifiable": "#969696",
}


def styled_scorecard(card: pd.DataFrame):
    """The scorecard as a pandas Styler, each verdict cell coloured by :data:`VERDICT_COLORS`.

    Cell text is HTML-escaped (quotes are article text).
    """
    table = card[["id", "subject", "quote", "claimed", "unit", "verdict", "evidence"]].copy()
    table["claimed"] = [shown_claimed(row) for _, row in card.iterrows()]
    table.insert(4, "actual", [shown_actual(row) for _, row in card.iterrows()])
    return (
        table.style.format(escape="html")
        .hide(axis="index")
        .map(lambda v: f"background-color: {VERDICT_COLORS[v]}; color: white", subset=["verdict"])
        .set_properties(subset=["quote", "evidence"], **{"text-align": "left", "min-width": "16em"})
    )


def actual_to_claimed(card: pd.DataFrame) -> pd.DataFrame:
    """Point claims with both values and ``ratio = actual / claimed``.

    A ratio of 1 means the number is exactly right, whatever its unit. Only point claims
    ("about", "exact") are kept: a bound ("over", "less than", "just over"), a range or a
    direction is not a point to be near, and intraday claims are judged against the day's range.
    """
    keep = (
        card["actual"].notna()
        & card["claimed"].notna()
        & card["comparator"].isin(["about", "exact"])
        & ~card["intraday"].astype(bool)
    )
    numeric = card[keep].copy()
    midpoint = numeric["claimed"].map(
        lambda c: sum(c) / len(c) if isinstance(c, list) else float(c)
    )
    numeric["claimed"] = midpoint
    numeric["ratio"] = numeric["actual"].astype(float) / midpoint
    return numeric[["id", "subject", "quantity", "unit", "claimed", "actual", "ratio", "verdict"]]


def plot_verdicts(by_article: pd.DataFrame, by_topic: pd.DataFrame):
    """Stacked horizontal bars of verdict counts, by article and by topic; returns the figure."""
    from .plotting import add_source, new_figure

    fig, axes = new_figure(1, 2, figsize=(11, 4.2))
    for ax, table, label in ((axes[0], by_article, "article"), (axes[1], by_topic, "topic")):
        left = pd.Series(0, index=table.index)
        for verdict in table.columns:
            ax.barh(
                table.index, table[verdict], left=left, color=VERDICT_COLORS[verdict], label=verdict
            )
            left = left + table[verdict]
        ax.set_xlabel("number of claims")
        ax.set_title(f"Verdicts by {label}")
        ax.invert_yaxis()
    axes[1].legend(loc="lower right", fontsize=8)
    add_source(
        fig,
        "seeds/claims.yaml; actual values from deepseek_shock verify_* functions on the bundled data",
    )
    return fig


def plot_actual_to_claimed(ratios: pd.DataFrame):
    """Dot plot of actual ÷ claimed per numeric claim (log scale, 1 = exactly as claimed); returns the figure."""
    from matplotlib.ticker import FuncFormatter

    from .plotting import add_source, new_figure

    ordered = ratios.sort_values("ratio")
    fig, ax = new_figure(figsize=(9, 0.32 * len(ordered) + 1.5))
    labels = ordered["id"] + " " + ordered["subject"]
    ax.scatter(
        ordered["ratio"], labels, c=[VERDICT_COLORS[v] for v in ordered["verdict"]], s=45, zorder=3
    )
    ax.axvline(1.0, color="#333333", linewidth=1, linestyle=":")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.set_xlabel("actual ÷ claimed (log scale; 1 = exactly as claimed)")
    ax.set_title("How far each numeric claim is from the computed value")
    for verdict, colour in VERDICT_COLORS.items():
        if verdict in set(ordered["verdict"]):
            ax.scatter([], [], c=colour, label=verdict)
    ax.legend(loc="lower right", fontsize=8)
    add_source(
        fig, "seeds/claims.yaml; bundled market snapshot, reference tables and model configs"
    )
    return fig
