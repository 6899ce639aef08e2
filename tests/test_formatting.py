"""Tests for the display helpers in deepseek_shock.formatting added for the notebooks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepseek_shock.formatting import moved, multiple, p_value, signed, usd_bn


@pytest.mark.parametrize(
    ("p", "digits", "expected"),
    [(0.0737, 3, "0.074"), (0.0004, 3, "<0.001"), (0.001, 3, "0.001"), (0.04, 1, "<0.1")],
)
def test_p_value_rounds_and_floors(p, digits, expected):
    assert p_value(p, digits) == expected


def test_signed_usd_bn_and_multiple():
    assert signed(-3.671) == "-3.67" and signed(0.5) == "+0.50" and signed(2.0, 1) == "+2.0"
    assert usd_bn(-592.658) == "-$592.7B" and usd_bn(6.04, 2) == "$6.04B"
    assert multiple(4.081) == "4.08×"


@pytest.mark.parametrize("formatter", [signed, p_value, usd_bn, multiple])
def test_missing_values_are_said_not_printed_as_nan(formatter):
    assert formatter(float("nan")) == "n/a" and formatter(None) == "n/a"


def test_moved_puts_the_verb_before_the_magnitude():
    assert moved(-0.169682) == "fell 16.97%"
    assert moved(0.0318) == "rose 3.18%"
    assert moved(-0.00001) == "was unchanged"
    assert moved(-0.2, 1, down="lost", up="gained") == "lost 20.0%"


@given(st.floats(-5, 5, allow_nan=False).filter(lambda x: abs(x) >= 1e-4))
def test_moved_never_prints_a_sign_after_the_verb(x):
    text = moved(x)
    verb, number = text.split(" ")
    assert verb == ("fell" if x < 0 else "rose")
    assert not number.startswith(("+", "-"))
    assert float(number.rstrip("%")) == pytest.approx(abs(x) * 100, abs=0.006)
    assert not math.isnan(float(number.rstrip("%")))


def test_show_table_is_stable_escaped_html_with_readable_text(monkeypatch):
    import IPython.display
    import pandas as pd

    from deepseek_shock.formatting import show_table, style_table

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    frame = pd.DataFrame({"quote": ["Nvidia's <b>17%</b> dive"], "n": [0.5]})
    show_table(style_table(frame, {"n": "{:.2f}"}))
    show_table(style_table(frame, {"n": "{:.2f}"}))
    first, second = shown
    assert first["text/html"] == second["text/html"], "table ids must not be random"
    assert "&lt;b&gt;" in first["text/html"] and "<b>17%" not in first["text/html"]
    assert "Nvidia's <b>17%</b> dive" in first["text/plain"]


def test_md_escapes_dollars_so_they_are_not_read_as_maths():
    from deepseek_shock.formatting import md

    assert md("cost $5.6M vs $6M, already \\$2").data == "cost \\$5.6M vs \\$6M, already \\$2"
