"""Refuse federated queries before they are evaluated: pyoxigraph answers ``SERVICE`` by
fetching the named URL, which would let anyone make the portal request any address.

The check reads the query as SPARQL's lexer does and looks for the word ``service`` in what
is left once the terminals that cannot hold a keyword are set aside: comments, IRIs, strings,
variables, the local part of prefixed names and blank nodes (after the colon) and language
tags. It looks for the word as a *substring*, in any case, because pyoxigraph matches keywords
without a word boundary: ``SERVICE:x`` (the empty prefix), ``SERVICEex:a`` and
``SERVICESILENT<...>`` all call the service. What the check refuses and pyoxigraph would not
call (a prefix named ``service:``) is a price paid for not guessing; ``?service``,
``dcat:DataService``, ``<...#DataService>`` and ``"service"`` stay allowed.

Where the lexer and pyoxigraph could read a text differently, the difference only matters for
a text pyoxigraph accepts, and a keyword cannot live inside what is set aside:

- a ``<...>`` that pyoxigraph reads as less-than and greater-than holds no space, ``{`` or
  ``<``, so it cannot hold a ``SERVICE`` clause, which needs a ``{`` after its name;
- a prefixed name's ``\\#`` or ``\\'`` (valid escapes) is consumed with the name, so it starts
  neither a comment nor a string;
- variables, local names and language tags are matched greedily by both.

What is left is also read with its ``\\uXXXX`` escapes decoded, in case an escape could spell
a keyword (pyoxigraph 0.5 decodes them in IRIs and strings only). No SPARQL update reaches
the store: :meth:`pyoxigraph.Store.query` parses queries only, so ``LOAD`` is a syntax error
there. ``FROM <url>`` and ``FROM NAMED <url>`` name graphs of the store and fetch nothing.

A quote that opens no string is refused as malformed. The scan is linear in the query's
length and does not recurse (unlike rdflib's parser, which also has its own grammar to
disagree with).
"""

from __future__ import annotations

import re

from exports.sparql_protocol import QueryFailed

# PN_CHARS beyond \w (the middle dot, combining marks, ties)
_NAME_EXTRA = "\u00b7\u0300-\u036f\u203f\u2040"
_SET_ASIDE = re.compile(
    rf"""
      \#[^\n\r]*                                   # a comment
    | <(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*>  # an IRI
    | '''(?:(?:'|'')?(?:[^'\\]|\\.))*'''           # long strings
    | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
    | '(?:[^'\\\n\r]|\\.)*'                        # short strings
    | "(?:[^"\\\n\r]|\\.)*"
    | [?$][\w{_NAME_EXTRA}]+                       # a variable
    | :(?:[\w{_NAME_EXTRA}.:-]|%[0-9A-Fa-f]{{2}}|\\.)*   # a local name (after prefix: or _:)
    | @[A-Za-z]+(?:-[A-Za-z0-9]+)*                 # a language tag
    | (?P<open>["'])                               # a quote that opens no string
    """,
    re.VERBOSE | re.DOTALL,
)
_KEYWORD = re.compile("service", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def refuse_federation(text: str) -> None:
    """Raise :class:`QueryFailed` (400, ``federated-query``) if ``text`` may call a service."""
    if _calls_service(text):
        raise QueryFailed(
            "federated-query",
            "this endpoint answers from its own store only: SERVICE is not allowed",
        )


def _calls_service(text: str) -> bool:
    code = _SET_ASIDE.sub(_set_aside, text)
    return any(_KEYWORD.search(c) for c in (code, _ESCAPE.sub(_decode, code)))


def _set_aside(match: re.Match[str]) -> str:
    if match.group("open"):
        # Never valid SPARQL, and stopping here keeps the scan linear (a string that is
        # not closed would otherwise be scanned again from each quote that follows).
        raise QueryFailed("malformed-query", "the query has a string that is not closed")
    return " "


def _decode(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    return chr(code) if code <= 0x10FFFF else match.group(0)
