"""Reading what a user typed into the search box.

The language is small and forgiving; nothing a user types makes it fail:

* words separated by spaces must all match (南宁 公交);
* ``OR`` between two words accepts either (公交 OR 地铁);
* ``-word`` or ``NOT word`` excludes datasets matching the word (``--word`` is text, as it is
  in titles such as 名称--变更信息);
* ``"..."`` keeps several words together as one required piece;
* ``AND``, brackets and other punctuation are ignored.

Each piece of text is cut into index words by an analyzer function (see
:func:`catalog.search.chinese.query_terms`) and into its runs of letters and digits
(:func:`catalog.search.chinese.character_runs`): a piece matches a dataset that holds all of
its words, or (a substring match) all of the character n-grams of its runs. Syntax that
cannot be honoured is dropped and reported with a notice code from :data:`base.NOTICES`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from catalog.search.base import MAX_QUERY_CHARS, MAX_QUERY_TERMS
from catalog.search.chinese import character_runs, run_grams

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "「": '"', "」": '"'})
_PIECE = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Alternative:
    """One piece of query text: its index words and its runs of letters and digits."""

    words: tuple[str, ...] = ()  # all present: a whole-word match
    runs: tuple[str, ...] = ()  # all present as substrings: at least a substring match

    @property
    def grams(self) -> tuple[str, ...]:
        """The character n-grams a substring match needs (see chinese.run_grams)."""
        return tuple(dict.fromkeys(gram for run in self.runs for gram in run_grams(run)))


@dataclass(frozen=True)
class TextQuery:
    """The searchable content of the text.

    A document matches when, for every group, it matches one of the group's alternatives
    (all terms of that alternative), and it matches none of the excluded alternatives.
    """

    groups: tuple[tuple[Alternative, ...], ...] = ()
    excluded: tuple[Alternative, ...] = ()
    notices: frozenset[str] = frozenset()
    unparsable: bool = False  # text was given but nothing searchable could be read from it

    @property
    def blank(self) -> bool:
        """True when the text asks for nothing: every document matches."""
        return not self.groups and not self.excluded and not self.unparsable

    def _positive(self) -> list[Alternative]:
        return [alternative for group in self.groups for alternative in group]

    @property
    def terms(self) -> tuple[str, ...]:
        """Every positive index word, for scoring."""
        return tuple(dict.fromkeys(w for a in self._positive() for w in a.words))

    @property
    def grams(self) -> tuple[str, ...]:
        """Every positive character n-gram, for scoring."""
        return tuple(dict.fromkeys(g for a in self._positive() for g in a.grams))

    @property
    def marks(self) -> tuple[str, ...]:
        """What to mark in the hits: the words and the runs typed."""
        return tuple(dict.fromkeys([*self.terms, *(r for a in self._positive() for r in a.runs)]))


class _Builder:
    """Accumulates groups while the pieces of the text are read left to right."""

    def __init__(self, analyze: Callable[[str], list[str]]) -> None:
        self.analyze = analyze
        self.groups: list[list[Alternative]] = []
        self.excluded: list[Alternative] = []
        self.notices: set[str] = set()
        self.term_count = 0
        self.pending_or = False
        self.pending_not = False

    def operator(self, word: str) -> bool:
        """Handle ``word`` if it is an operator; False when it is ordinary text."""
        if word in ("AND", "&&", "+"):
            return True
        if word in ("OR", "||", "|"):
            if not self.groups or self.pending_or or self.pending_not:
                self.notices.add("query-adjusted")
            else:
                self.pending_or = True
            return True
        if word in ("NOT", "-"):
            if self.pending_not:
                self.notices.add("query-adjusted")
            self.pending_not = True
            return True
        return False

    def piece(self, text: str, negated: bool = False) -> None:
        terms = tuple(self.analyze(text))
        runs = tuple(character_runs(text))
        if not runs:  # nothing but punctuation and spaces
            return
        count = max(len(terms), 1)  # a piece of stop words alone still costs a term
        if self.term_count + count > MAX_QUERY_TERMS:
            self.notices.add("query-adjusted")
            room = MAX_QUERY_TERMS - self.term_count
            if room <= 0:
                return
            terms, count = terms[:room], room
            runs = runs[:room]
        self.term_count += count
        alternative = Alternative(words=terms, runs=runs)
        if negated or self.pending_not:
            if self.pending_or:
                self.notices.add("query-adjusted")
            self.excluded.append(alternative)
        elif self.pending_or:
            self.groups[-1].append(alternative)
        else:
            self.groups.append([alternative])
        self.pending_or = self.pending_not = False

    def result(self, text: str) -> TextQuery:
        if self.pending_or or self.pending_not:
            self.notices.add("query-adjusted")
        unparsable = not self.groups and not self.excluded and bool(text.strip())
        if unparsable:
            self.notices.add("query-unparsable")
        return TextQuery(
            groups=tuple(tuple(group) for group in self.groups),
            excluded=tuple(self.excluded),
            notices=frozenset(self.notices),
            unparsable=unparsable,
        )


def parse_text(text: str, analyze: Callable[[str], list[str]]) -> TextQuery:
    """Read the search-box text into a :class:`TextQuery`; never raises."""
    notices: set[str] = set()
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notices.add("query-too-long")
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    if text.count('"') % 2:
        cut = text.rfind('"')
        text = text[:cut] + " " + text[cut + 1 :]
        notices.add("query-adjusted")
    builder = _Builder(analyze)
    builder.notices |= notices
    for match in _PIECE.finditer(text):
        quoted, word = match.group(1), match.group(2)
        if quoted is not None:
            builder.piece(quoted)
        elif not builder.operator(word):
            negated = word.startswith("-") and word[1:2].isalnum()  # not "--" or "-）"
            builder.piece(word[1:] if negated else word, negated=negated)
    return builder.result(text)
