"""Claim ledger and verdict engine."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from deepseek_shock import claims
from deepseek_shock.errors import DataError
from deepseek_shock.evidence import Measurement
from deepseek_shock.framing import extract_corpus_numbers, load_corpus

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


def _occurrences(text: str, passage: str) -> list[tuple[int, int]]:
    """Character spans of every (possibly overlapping) occurrence of ``passage`` in ``text``."""
    spans, at = [], text.find(passage)
    while at != -1:
        spans.append((at, at + len(passage)))
        at = text.find(passage, at + 1)
    return spans


def _coverage_problems(ledger, exclusions, corpus) -> list[str]:
    """Why the ledger does not cover the corpus' numeric expressions (empty list: it does).

    An expression (framing.extract_corpus_numbers) is covered when its character span lies
    inside the single occurrence of a ledger quote in its article, or inside the single
    occurrence of an exclusion's ``text`` whose ``kind`` is the extractor's kind. An expression
    may not be both; every exclusion must cover some expression and give a reason.
    """
    texts = {article.name: article.text for article in corpus}
    problems = [f"exclusion {ex} lacks a field" for ex in exclusions
                if not ex.get("article") or not ex.get("text") or not ex.get("kind")
                or not ex.get("reason")]  # fmt: skip
    passages = [(c.id, Path(c.article).stem, c.quote, None) for c in ledger] + [
        (f"exclusion #{i} {ex['text']!r}", Path(ex["article"]).stem, ex["text"], ex)
        for i, ex in enumerate(exclusions)
        if ex.get("article") and ex.get("text")
    ]
    used = set()
    for number in extract_corpus_numbers(corpus).itertuples():
        where = f"{number.text!r} ({number.kind}) in {number.article}: {number.sentence!r}"
        covering = [
            (name, text, ex)
            for name, article, text, ex in passages
            if article == number.article
            and any(
                a <= number.start and number.end <= b for a, b in _occurrences(texts[article], text)
            )
        ]
        if not covering:
            problems.append(f"neither in a ledger quote nor excluded: {where}")
        if len({ex is None for _, _, ex in covering}) == 2:
            problems.append(f"both claimed and excluded: {where}")
        for name, text, ex in covering:
            if (n := len(_occurrences(texts[number.article], text))) != 1:
                problems.append(f"{name}: occurs {n} times, so {where} is ambiguous")
            if ex is not None:
                used.add(name)
                if ex["kind"] != number.kind:
                    problems.append(f"{name}: kind {ex['kind']!r}, but {where}")
    problems += [f"{name} covers no extracted expression" for name, _, _, ex in passages
                 if ex is not None and name not in used]  # fmt: skip
    return problems


def test_every_numeric_expression_is_a_ledger_claim_or_an_explained_exclusion():
    """Coverage (issue 7): see :func:`_coverage_problems` for the matching rule."""
    ledger, exclusions = claims.load_ledger()
    corpus = load_corpus(ROOT / "seeds")
    assert extract_corpus_numbers(corpus)["article"].nunique() == len(corpus) == 5
    assert _coverage_problems(ledger, exclusions, corpus) == []


def test_coverage_check_names_each_kind_of_gap():
    ledger, exclusions = claims.load_ledger()
    corpus = load_corpus(ROOT / "seeds")
    caption = "004_1f824fb0266c188b.txt"

    def report(ledger=ledger, extra=(), drop_captions=False) -> str:
        kept = [ex for ex in exclusions if not (drop_captions and ex["article"] == caption)]
        return "\n".join(_coverage_problems(ledger, [*kept, *extra], corpus))

    assert report() == ""
    # without the caption exclusions both caption dates are reported, nothing else
    problems = report(drop_captions=True).splitlines()
    assert len(problems) == 2 and all("'January 27, 2025' (date)" in p for p in problems)
    # a passage that occurs twice cannot say which of the two dates it excludes
    twice = {"article": caption, "text": "January 27, 2025", "kind": "date", "reason": "caption"}
    assert "occurs 2 times" in report(extra=[twice], drop_captions=True)
    stale = {"article": caption, "text": "Photo: Reuters", "kind": "date", "reason": "r"}
    assert "covers no extracted expression" in report(extra=[stale])
    wrong_kind = [dict(ex, kind="money") for ex in exclusions if ex["article"] == caption]
    assert "kind 'money'" in report(extra=wrong_kind, drop_captions=True)
    no_reason = [dict(ex, reason="") for ex in exclusions if ex["article"] == caption]
    assert "lacks a field" in report(extra=no_reason, drop_captions=True)
    # excluding a number that a ledger quote already covers is a contradiction
    both = {"article": caption, "text": "plunged 17%", "kind": "percent", "reason": "r"}
    assert "both claimed and excluded" in report(extra=[both])
    # dropping a claim leaves its number uncovered
    assert "'2,048' (count)" in report(ledger=[c for c in ledger if c.id != "c004-04"])


def test_precision_of_large_round_numbers_follows_their_stated_digits():
    assert claims._last_digit_exponent(37e9) == 9
    assert claims._last_digit_exponent(671e9) == 9
    assert claims._last_digit_exponent(1e12) == 12
    # "37 billion" means 36.5-37.5B without an explicit precision in the ledger
    assert claims.judge(claim(claimed=37.0e9, unit="params"), m(36.63e9))[0] == "accurate"
    assert (
        claims.judge(claim(claimed=37.0e9, unit="params"), m(36.4e9))[0] == "approximately accurate"
    )


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (-17.0, "accurate"),
        (-14.0, "approximately accurate"),
        (-21.0, "approximately accurate"),
        (-25.0, "wrong"),
    ],
)
def test_tolerance_widens_negative_ranges_outward(actual, expected):
    ranged = claim(comparator="range", claimed=[-20, -15])
    assert claims.judge(ranged, m(actual))[0] == expected


def test_intraday_verdicts_carry_the_days_range_and_stay_out_of_the_ratio_plot():
    card = claims.scorecard(topics=["market"])
    intraday = card[card["intraday"]]
    assert len(intraday) >= 3
    assert all(isinstance(r, list) and r[0] < r[1] for r in intraday["actual_range"])
    assert card.loc[~card["intraday"], "actual_range"].isna().all()
    ratios = claims.actual_to_claimed(card)
    assert not set(intraday["id"]) & set(ratios["id"])
    assert "range" in claims.shown_actual(intraday.iloc[0])


def test_a_proxy_is_context_not_a_verdict():
    proxied = claim(claimed=95, comparator="over", proxy="no figure for the firm named")
    verdict, evidence = claims.judge(proxied, m(92.85))
    assert verdict == "unverifiable"
    assert "no figure for the firm named" in evidence and "test evidence" in evidence
    card = claims.scorecard(topics=["cost"]).set_index("id")
    assert card.loc["c000-05", "verdict"] == "unverifiable"
    assert pd.isna(card.loc["c000-05", "actual"])


def test_direction_claims_read_as_words():
    card = claims.scorecard(topics=["market"])
    direction = card[card["comparator"] == "direction"].iloc[0]
    assert claims.shown_claimed(direction) == "decline"
    assert (
        claims.show_value(36.6256e9, "params") == "36.63B"
        and claims.show_value(-16.9682, "%") == "-16.97"
    )
