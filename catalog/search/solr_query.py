"""Solr's filter-query syntax as CKAN clients send it (``fq``), parsed into a filter tree.

A tokenizer and a recursive-descent parser, bounded in length (:data:`MAX_CHARS`), nesting
(:data:`MAX_DEPTH`) and clauses (:data:`MAX_CLAUSES`), so hostile input is refused with
:class:`SolrQueryError` rather than failing deep inside. What it reads::

    query   := or
    or      := and (("OR" | "||") and)*
    and     := unary (("AND" | "&&")? unary)*          -- clauses side by side must all hold
    unary   := ("NOT" | "-" | "!") unary | "+" unary | primary
    primary := "(" or ")" | "*:*" | field ":" value | value    -- a bare value is text:value
    value   := term | "quoted" | "(" or ")" over the field | range
    range   := ("[" | "{") bound "TO" bound ("]" | "}")           -- "*" is open

The tree knows nothing of datasets: :mod:`catalog.ckan_filters` checks the field names and
values and compiles it to SQL. Wildcards other than a lone ``*`` or a trailing ``*`` (prefix),
fuzzy ``~``, boosts ``^`` and local params ``{!…}`` are refused, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 4000  # one fq
MAX_DEPTH = 20  # nested brackets and negations
MAX_CLAUSES = 200  # field:value clauses in one fq

_FIELD = re.compile(r"[A-Za-z_][\w.\-]*\Z")
_SPECIAL = set('()[]{}"')
_UNSUPPORTED = set("~^?")


class SolrQueryError(ValueError):
    """An ``fq`` (or ``q`` clause, or ``sort``) the portal cannot honour (Search Query Error)."""


# -- the tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Everything:
    """``*:*``."""


@dataclass(frozen=True)
class Match:
    field: str
    value: str  # unescaped; "*" alone means "has any value"
    prefix: bool = False  # value* : starts with value


@dataclass(frozen=True)
class Range:
    field: str
    low: str | None  # None: open ("*")
    high: str | None
    low_inclusive: bool = True
    high_inclusive: bool = True


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Everything | Match | Range | Not | And | Or


# -- tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # ( ) [ ] { } - + all field term prefix quoted end
    text: str = ""


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_CHARS:
        raise SolrQueryError(f"the query is longer than {MAX_CHARS} characters")
    tokens: list[Token] = []
    i, n = 0, len(text)
    in_range = False
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(Token(char))
            i += 1
        elif char in "[{":
            if char == "{" and text.startswith("{!", i):
                raise SolrQueryError("local parameters ({!…}) are not supported")
            tokens.append(Token(char))
            in_range = True
            i += 1
        elif char in "]}":
            tokens.append(Token(char))
            in_range = False
            i += 1
        elif text.startswith("*:*", i) and not in_range:
            tokens.append(Token("all"))
            i += 3
        elif char == '"':
            value, i = _quoted(text, i)
            tokens.append(Token("quoted", value))
        elif char in "+-!" and not in_range and (i + 1 < n and not text[i + 1].isspace()):
            tokens.append(Token("+" if char == "+" else "-"))
            i += 1
        else:
            i = _term(text, i, in_range, tokens)
    tokens.append(Token("end"))
    return tokens


def _quoted(text: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    i += 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif char == '"':
            return "".join(out), i + 1
        else:
            out.append(char)
            i += 1
    raise SolrQueryError("a quoted value is not closed")


def _term(text: str, i: int, in_range: bool, tokens: list[Token]) -> int:
    """A bare term; ``name:`` at its start becomes a field token (not inside a range)."""
    out: list[str] = []
    escaped: list[bool] = []
    while i < len(text):
        char = text[i]
        if char.isspace() or char in _SPECIAL:
            break
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            escaped.append(True)
            i += 2
            continue
        if char == ":" and not in_range and not _no_field_yet(out, escaped):
            name = "".join(out)
            if not _FIELD.match(name):
                raise SolrQueryError(f"not a field name: {name!r}")
            tokens.append(Token("field", name))
            return i + 1
        if char in _UNSUPPORTED:
            raise SolrQueryError(f"{char!r} (fuzzy, boost or wildcard) is not supported")
        out.append(char)
        escaped.append(False)
        i += 1
    value = "".join(out)
    if "*" in value and value != "*" and ("*" in value[:-1] or escaped[-1]):
        raise SolrQueryError(f"only a trailing * (prefix) is supported: {value!r}")
    kind = "term" if not (value.endswith("*") and not escaped[-1]) else "prefix"
    tokens.append(Token(kind, value))
    return i


def _no_field_yet(out: list[str], escaped: list[bool]) -> bool:
    """Whether the colon just met cannot end a field name (nothing before it, or escaped)."""
    return not out or any(escaped)


# -- the parser ----------------------------------------------------------------------------

_OR_WORDS = ("OR", "||")
_AND_WORDS = ("AND", "&&")


class _Parser:
    def __init__(self, tokens: list[Token], default_field: str) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0
        self.clauses = 0
        self.default_field = default_field

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def word(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "term" and token.text in words

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SolrQueryError(f"the query is nested more than {MAX_DEPTH} levels deep")

    def parse(self) -> Node:
        node = self.or_(self.default_field)
        if self.peek().kind != "end":
            raise SolrQueryError(f"unexpected {self.peek().kind} {self.peek().text!r}".strip())
        return node

    def or_(self, field: str) -> Node:
        children = [self.and_(field)]
        while self.word(*_OR_WORDS):
            self.take()
            children.append(self.and_(field))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_(self, field: str) -> Node:
        children = [self.unary(field)]
        while self.peek().kind not in ("end", ")") and not self.word(*_OR_WORDS):
            if self.word(*_AND_WORDS):
                self.take()
            children.append(self.unary(field))
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self, field: str) -> Node:
        token = self.peek()
        if token.kind == "-" or (token.kind == "term" and token.text == "NOT"):
            self.take()
            self.enter()
            node: Node = Not(self.unary(field))
            self.depth -= 1
            return node
        if token.kind == "+":
            self.take()
            return self.unary(field)
        return self.primary(field)

    def primary(self, field: str) -> Node:
        token = self.take()
        if token.kind == "(":
            self.enter()
            node = self.or_(field)
            self.expect(")")
            self.depth -= 1
            return node
        if token.kind == "all":
            return Everything()
        if token.kind == "field":
            return self.value(token.text)
        if token.kind == "term" and token.text in _OR_WORDS + _AND_WORDS:
            raise SolrQueryError(f"{token.text} needs a clause on both sides")
        self.at -= 1
        return self.value(field)

    def value(self, field: str) -> Node:
        token = self.take()
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise SolrQueryError(f"the query has more than {MAX_CLAUSES} clauses")
        if token.kind == "(":
            self.enter()
            node = self.or_(field)
            self.expect(")")
            self.depth -= 1
            return node
        if token.kind in "[{":
            return self.range(field, token.kind == "[")
        if token.kind in ("term", "quoted"):
            return Match(field, token.text)
        if token.kind == "prefix":
            return Match(field, token.text[:-1], prefix=True)
        if token.kind == "field":
            raise SolrQueryError(f"a field ({token.text}:) cannot be a value")
        raise SolrQueryError(f"a value is missing after {field}:")

    def range(self, field: str, low_inclusive: bool) -> Range:
        low = self.bound()
        if not self.word("TO"):
            raise SolrQueryError(f"a range on {field} needs [low TO high]")
        self.take()
        high = self.bound()
        end = self.take()
        if end.kind not in ("]", "}"):
            raise SolrQueryError(f"a range on {field} is not closed with ] or }}")
        return Range(field, low, high, low_inclusive, end.kind == "]")

    def bound(self) -> str | None:
        token = self.take()  # inside a range a leading minus stays in the term: [-1 TO 5]
        if token.kind == "prefix" and token.text == "*":
            return None
        if token.kind in ("term", "quoted"):
            return token.text
        raise SolrQueryError("a range bound is missing")

    def expect(self, kind: str) -> None:
        if self.take().kind != kind:
            raise SolrQueryError(f"{kind!r} is missing")


def parse(text: str, default_field: str = "text") -> Node:
    """The filter tree of ``text``; an empty text is :class:`Everything`."""
    tokens = tokenize(text)
    if len(tokens) == 1:
        return Everything()
    return _Parser(tokens, default_field).parse()


def fields(node: Node) -> set[str]:
    """The fields a tree names."""
    if isinstance(node, Match | Range):
        return {node.field}
    if isinstance(node, Not):
        return fields(node.child)
    if isinstance(node, And | Or):
        return set().union(*(fields(child) for child in node.children))
    return set()
