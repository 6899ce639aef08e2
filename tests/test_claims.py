"""Claim ledger and verdict engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from deepseek_shock import claims
from deepseek_shock.errors import DataError
from deepseek_shock.evidence import Measurement

ROOT = Path(__file__).resolve().parents[1]


def claim(**overrides) -> claims.Claim:
    base = dict(
        id="t-01", article="x.txt", quote="q", topic="market", subject="NVDA", quantity="return",
        claimed=-17, unit="%", comparator="about", basis="close-to-close", verify=None, reason="test",
    )  # fmt: skip
    base.update(overrides)
    return claims.Claim(**base)


def m(value, bounds=None, available=True) -> Measurement:
    return Measurement(
        value, "%", "test basis", "test evidence", bounds=bounds, available=available
    )


@pytest.mark.parametrize(
    ("overrides", "actual", "expected"),
    [
        ({}, -16.97, "accurate"),  # "17%" means 16.5-17.5
        ({}, -16.4, "approximately accurate"),  # outside precision, within 10%
        ({}, -11.0, "wrong"),
        ({"comparator": "over", "claimed": -4}, -4.196, "accurate"),
        ({"comparator": "over", "claimed": -2}, -1.95, "approximately accurate"),
        ({"comparator": "over", "claimed": -2}, 2.5, "wrong"),  # right size, wrong direction
        ({"comparator": "just over", "claimed": 2000, "unit": "GPUs"}, 2048, "accurate"),
        ({"comparator": "just over", "claimed": 2000, "unit": "GPUs"}, 3000, "wrong"),
        ({"comparator": "less than", "claimed": 59, "unit": "days"}, 54.2, "accurate"),
        ({"comparator": "range", "claimed": [20, 40], "unit": "x"}, 27.4, "accurate"),
        ({"comparator": "range", "claimed": [20, 40], "unit": "x"}, 55.0, "wrong"),
        ({"comparator": "direction", "claimed": -1}, -5.7, "accurate"),
        ({"comparator": "direction", "claimed": -1}, 1.9, "wrong"),
        (
            {
                "claimed": 5600000,
                "unit": "USD",
                "precision": 50000,
                "basis_mismatch": "rental, not spend",
            },
            5576000,
            "misleading",
        ),
        ({"claimed": 6000000, "unit": "USD", "precision": 500000}, 5576000, "accurate"),
    ],
)
def test_verdict_rules(overrides, actual, expected):
    verdict, _ = claims.judge(claim(**overrides), m(actual))
    assert verdict == expected


def test_default_precision_is_half_the_last_stated_digit():
    assert claims._last_digit_exponent(17) == 0
    assert claims._last_digit_exponent(5.6) == -1
    assert claims._last_digit_exponent(600) == 2
    assert claims._last_digit_exponent(118.58) == -2
    # "600 billion" stated as 600e9: accurate within +/-50e9
    assert claims.judge(claim(claimed=-600, unit="USD billion"), m(-592.7))[0] == "accurate"


def test_intraday_claims_are_judged_against_the_days_range():
    nvda_day = m(-16.97, bounds=(-18.17, -9.97))
    verdict, evidence = claims.judge(claim(claimed=-11, intraday=True), nvda_day)
    assert verdict == "approximately accurate" and "inside" in evidence
    verdict, evidence = claims.judge(claim(claimed=-25, intraday=True), nvda_day)
    assert verdict == "wrong" and "outside" in evidence


def test_unavailable_data_is_unverifiable():
    assert claims.judge(claim(), m(None, available=False))[0] == "unverifiable"


def test_ledger_loads_and_every_quote_is_in_its_article():
    ledger, exclusions = claims.load_ledger()
    assert len(ledger) >= 30
    for c in ledger:
        text = (ROOT / "seeds" / c.article).read_text(encoding="utf-8")
        assert c.quote in text, f"{c.id}: quote not found in {c.article}"
    for ex in exclusions:
        text = (ROOT / "seeds" / ex["article"]).read_text(encoding="utf-8")
        assert ex["text"] in text, f"exclusion {ex['text']!r} not in {ex['article']}"
        assert ex.get("reason"), ex


def test_ledger_verify_functions_exist_and_are_verify_functions():
    ledger, _ = claims.load_ledger()
    for c in ledger:
        if c.verify is not None:
            assert callable(claims._resolve(c.verify)), c.id


def test_malformed_ledger_entries_are_named(tmp_path):
    bad = tmp_path / "claims.yaml"
    bad.write_text("claims:\n  - id: x1\n    article: a.txt\n")
    with pytest.raises(DataError, match=r"Claim x1 .* lacks field"):
        claims.load_ledger(bad)
    bad.write_text(
        "claims:\n  - {id: x1, article: a, quote: q, topic: market, subject: s, quantity: q, claimed: 1,"
        " unit: u, comparator: roughly, basis: b, verify: null, reason: r}\n"
    )
    with pytest.raises(DataError, match="comparator 'roughly' is not one of"):
        claims.load_ledger(bad)


def test_only_verify_functions_of_the_package_can_be_called():
    with pytest.raises(DataError, match="must be a deepseek_shock verify_"):
        claims._resolve({"function": "runner:run_collection"})
