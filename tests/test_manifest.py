"""seeds/manifest.csv describes every article: word counts are the framing module's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deepseek_shock.framing import count_words

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _manifest() -> pd.DataFrame:
    return pd.read_csv(SEEDS / "manifest.csv", dtype=str, keep_default_na=False)


def test_manifest_has_the_documented_columns():
    assert list(_manifest().columns) == [
        "file",
        "headline",
        "outlet",
        "word_count",
        "quality_notes",
    ]


def test_every_article_is_listed_exactly_once():
    listed = _manifest()["file"].tolist()
    assert sorted(listed) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert len(listed) == len(set(listed))


def test_word_counts_match_count_words():
    for row in _manifest().itertuples():
        text = (SEEDS / row.file).read_text(encoding="utf-8")
        assert int(row.word_count) == count_words(text), row.file


def test_headlines_and_outlets_appear_in_the_text():
    for row in _manifest().itertuples():
        text = (SEEDS / row.file).read_text(encoding="utf-8")
        if row.headline:
            assert row.headline in text, row.file
        # An outlet is listed only where the text names it (full name or initials).
        if row.outlet:
            initials = "".join(w[0] for w in row.outlet.split("(")[0].split())
            assert row.outlet.split(" (")[0] in text or initials in text, row.file


def test_every_article_has_quality_notes():
    assert all(len(note) > 40 for note in _manifest()["quality_notes"])
