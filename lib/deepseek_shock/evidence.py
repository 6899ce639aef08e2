"""The common return type of every verification function the claims scorecard calls.

Each analysis module (market/eventstudy, cost, moe, framing) exposes ``verify_*``
functions that compute an *actual* value for a kind of claim from the bundled data and
return a :class:`Measurement`. The scorecard (``deepseek_shock.claims``) compares it with
the claimed value; nothing "actual" is typed into the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Measurement:
    """A computed value with the basis it was computed on and a one-line evidence string.

    Attributes
    ----------
    value : the computed number (``None`` when the bundled data cannot give it).
    unit : unit of ``value``, e.g. ``"%"``, ``"USD"``, ``"USD billion"``, ``"GPUs"``, ``"params"``.
    basis : what the number is, e.g. ``"close-to-close 2025-01-24 -> 2025-01-27"``.
    evidence : one sentence a reader can check, naming the data and the computation.
    bounds : optional (low, high) range the data allows where it can only bound a claim
        (e.g. an intraday move bounded by the day's open/low).
    available : ``False`` when the data needed is not bundled (the verdict is "unverifiable").
    """

    value: float | None
    unit: str
    basis: str
    evidence: str
    bounds: tuple[float, float] | None = None
    available: bool = True
    extra: dict[str, object] = field(default_factory=dict)
