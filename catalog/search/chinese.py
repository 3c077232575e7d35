"""Chinese text analysis for the search index: jieba word segmentation as a whoosh analyzer.

whoosh's own analyzers treat a run of Chinese characters as a single token, so a sentence
becomes one unsearchable word. Here jieba cuts the text into words:

* when indexing (``mode="index"``, the default) with ``cut_for_search``: every word plus the
  shorter dictionary words inside it (南宁市 -> 南宁, 南宁市), so a query for 公交 finds 公交车;
* when querying (``mode="query"``) with the precise cut, which yields fewer, longer words.

The same analyzer object serves both, so indexing and querying always agree on normalisation
(lowercase, punctuation and stop words removed).

The segmenter is rjieba, the Python binding of jieba-rs: jieba's dictionary, HMM and cuts in
Rust. Over the 7,763 texts of the demo catalog it yields the same words as the Python jieba
once runs of Latin letters, digits and punctuation are split as jieba splits them (done
here), except that two unit symbols (km2, m3) come apart. It needs about 35 MB where jieba's
Python dictionary takes 70, loads it at import (in 0.15 s), and segments about seven times
faster. (Python jieba is still used, in the worker only, for its TF-IDF keywords.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

import rjieba
from whoosh.analysis import (
    Composable,
    CompositeAnalyzer,
    Filter,
    LowercaseFilter,
    StopFilter,
    Token,
    Tokenizer,
)

# Function words that carry no meaning in a catalog search (Chinese and English).
STOP_WORDS = frozenset(
    "的 地 得 和 与 及 或 等 之 了 在 是 其 对 于 将 把 被 由 为 "
    "a an and are as at be by for from in is of on or the to with".split()
)
SEGMENTER = "jieba-rs"  # stored with the index's schema: another segmenter means a rebuild
GRAMS = "unigram+bigram/1"  # likewise for the character n-grams (see GramTokenizer)
MAX_QUERY_GRAMS = 32  # per piece of query text; a subset of the bigrams only widens the match

_HAN = re.compile("[\u3400-\u9fff]")
# jieba's pieces of a run without Chinese: letters and digits together, each other character.
_PIECE = re.compile(r"[A-Za-z0-9]+|\s+|[^A-Za-z0-9\s]")


def segment(text: str, cut_mode: str) -> Iterable[tuple[str, int, int]]:
    """jieba's (word, start, end) triples; ``cut_mode`` is "default" or "search"."""
    for word, start, end in rjieba.tokenize(text, cut_mode):
        if _HAN.search(word):
            yield word, start, end
        else:
            for piece in _PIECE.finditer(word):
                yield piece.group(), start + piece.start(), start + piece.end()


class JiebaTokenizer(Tokenizer):
    """A whoosh tokenizer that segments Chinese (and mixed) text with jieba.

    Positions count the emitted tokens; character offsets point into the original text, so
    overlapping search-mode words (公交, 公交车) each carry their own span.
    """

    def __init__(self) -> None:
        self.segmenter = SEGMENTER  # compared with the stored schema's (see whoosh_schema)

    def __eq__(self, other: object) -> bool:  # whoosh's Tokenizer compares classes only
        return type(other) is type(self) and getattr(other, "segmenter", None) == self.segmenter

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.segmenter))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            yield self._whole(token, value, positions, chars, keeporiginal, start_pos, start_char)
            return
        cut_mode = "default" if mode == "query" else "search"
        for index, (word, start, end) in enumerate(segment(value, cut_mode)):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + index
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token

    @staticmethod
    def _whole(
        token: Token,
        value: str,
        positions: bool,
        chars: bool,
        keeporiginal: bool,
        start_pos: int,
        start_char: int,
    ) -> Token:
        token.text = value
        token.boost = 1.0
        token.stopped = False
        if keeporiginal:
            token.original = value
        if positions:
            token.pos = start_pos
        if chars:
            token.startchar = start_char
            token.endchar = start_char + len(value)
        return token


class PunctuationFilter(Filter):
    """Drops tokens without a single letter or digit (spaces, punctuation, symbols)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if any(char.isalnum() for char in token.text):
                yield token


def chinese_analyzer() -> CompositeAnalyzer:
    """The analyzer used for every searchable text field, at index and at query time."""
    parts: list[Composable] = [
        JiebaTokenizer(),
        PunctuationFilter(),
        LowercaseFilter(),
        StopFilter(stoplist=STOP_WORDS, minsize=1, renumber=False),
    ]
    return CompositeAnalyzer(*parts)


_query_analyzer = chinese_analyzer()


def _is_cjk_char(word: str) -> bool:
    return len(word) == 1 and "\u3400" <= word <= "\u9fff"


def query_terms(text: str) -> list[str]:
    """The index terms a piece of query text must match, in order and without repeats.

    A lone Chinese character next to longer words (the 点 of 公交车站点) is dropped: the index
    rarely holds single characters on their own, so requiring it would lose good matches.
    """
    terms: list[str] = []
    for token in _query_analyzer(text, mode="query"):
        if token.text not in terms:
            terms.append(token.text)
    if any(not _is_cjk_char(term) for term in terms):
        terms = [term for term in terms if not _is_cjk_char(term)]
    return terms


# -- character n-grams ---------------------------------------------------------------------
#
# Beside jieba's words every text is indexed as the single characters and the pairs of
# adjacent characters of its runs of letters and digits (any script, NFKC-normalised and
# lowercased; punctuation and spaces end a run). Any substring of a text then finds it: a
# one-character query is a unigram; a longer run must contain all of its bigrams. Words still
# decide the ranking (see whoosh_engine); the n-grams make sure nothing typed is missed.

_RUN = re.compile(r"[^\W_]+")


def character_runs(text: str) -> list[str]:
    """The runs of letters and digits of ``text``, normalised as the n-gram index keeps them."""
    return _RUN.findall(unicodedata.normalize("NFKC", text).lower())


def text_grams(text: str) -> Iterator[str]:
    """Every unigram and bigram of the runs of ``text`` (what the index holds)."""
    for run in character_runs(text):
        yield from run
        for start in range(len(run) - 1):
            yield run[start : start + 2]


def run_grams(run: str) -> list[str]:
    """The index n-grams a document containing ``run`` must hold: the run itself when it is a
    single character, else its bigrams (without repeats, at most MAX_QUERY_GRAMS, the last
    one always kept)."""
    if len(run) <= 1:
        return [run] if run else []
    grams = list(dict.fromkeys(run[start : start + 2] for start in range(len(run) - 1)))
    if len(grams) > MAX_QUERY_GRAMS:
        grams = grams[: MAX_QUERY_GRAMS - 1] + grams[-1:]
    return grams


class GramTokenizer(Tokenizer):
    """A whoosh tokenizer yielding :func:`text_grams` (positions count the grams)."""

    def __init__(self) -> None:
        self.grams = GRAMS  # compared with the stored schema's (see whoosh_schema)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and getattr(other, "grams", None) == self.grams

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.grams))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for index, gram in enumerate(text_grams(value) if tokenize else [value]):
            token.text = gram
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = gram
            if positions:
                token.pos = start_pos + index
            if chars:  # NFKC may change lengths: no character offsets for n-grams
                token.startchar = token.endchar = start_char
            yield token


def gram_analyzer() -> CompositeAnalyzer:
    """The analyzer of the n-gram field (a composite, so whoosh stores and compares it)."""
    return CompositeAnalyzer(GramTokenizer())
