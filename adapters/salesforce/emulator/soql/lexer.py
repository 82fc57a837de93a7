"""The SOQL tokenizer: words, quoted strings, numbers, date and datetime literals, operators.

Keywords are not special here: the parser recognises them case-insensitively by position, since
SOQL reserves only a few words (§18.3: keywords and field names are case-insensitive). A date
(``2024-01-15``) and a datetime (``2024-01-15T10:00:00.000+02:00``, §1: unquoted) are single tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .errors import malformed


class Kind(StrEnum):
    """Token kinds."""

    WORD = "word"
    STRING = "string"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    OP = "operator"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    DOT = "."
    COLON = ":"
    END = "end of query"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, source text, value (strings unescaped) and offset in the query.

    ``literal`` holds the positions in ``value`` of ``%`` and ``_`` that were escaped (``\\%``),
    which LIKE must match literally rather than as wildcards.
    """

    kind: Kind
    text: str
    value: str
    offset: int
    literal: frozenset[int] = frozenset()


_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})", re.ASCII
)
_DATETIME_START = re.compile(r"\d{4}-\d{2}-\d{2}T", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\dT])", re.ASCII)
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?![\w])", re.ASCII)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_OPERATOR = re.compile(r"!=|<>|<=|>=|=|<|>")
_SINGLE = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA, ".": Kind.DOT, ":": Kind.COLON}
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
LIKE_ESCAPES = frozenset("%_")


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``, ending with an ``END`` token.

    Raises:
        SoqlError: ``MALFORMED_QUERY`` at an unexpected character or an unterminated string.
    """
    tokens: list[Token] = []
    position, size = 0, len(text)
    while position < size:
        char = text[position]
        if char.isspace():
            position += 1
            continue
        token = _token_at(text, position, char)
        tokens.append(token)
        position += len(token.text)
    tokens.append(Token(Kind.END, "", "", size))
    return tokens


def _token_at(text: str, position: int, char: str) -> Token:
    if char == "'":
        return _string(text, position)
    if char in _SINGLE:
        return Token(_SINGLE[char], char, char, position)
    for pattern, kind in ((_DATETIME, Kind.DATETIME), (_DATE, Kind.DATE)):
        match = pattern.match(text, position)
        if match:
            return Token(kind, match.group(), match.group(), position)
    if _DATETIME_START.match(text, position):
        detail = f"invalid datetime '{_word_at(text, position)}': use Z or an offset (+hh:mm)"
        raise malformed(text, position, detail)
    match = _NUMBER.match(text, position)
    if match:
        return Token(Kind.NUMBER, match.group(), match.group(), position)
    for pattern, kind in ((_WORD, Kind.WORD), (_OPERATOR, Kind.OP)):
        match = pattern.match(text, position)
        if match:
            return Token(kind, match.group(), match.group(), position)
    if text.startswith("\\", position) or char.isdigit():
        raise malformed(text, position, f"unexpected token: '{_word_at(text, position)}'")
    raise malformed(text, position, f"unexpected token: '{char}'")


def _string(text: str, start: int) -> Token:
    """A single-quoted literal with backslash escapes resolved (``literal``: escaped wildcards)."""
    out: list[str] = []
    literal: set[int] = set()
    position = start + 1
    while position < len(text):
        char = text[position]
        if char == "'":
            value = "".join(out)
            return Token(Kind.STRING, text[start : position + 1], value, start, frozenset(literal))
        if char == "\\":
            escaped = text[position + 1 : position + 2]
            if escaped in ESCAPES:
                out.append(ESCAPES[escaped])
            elif escaped in LIKE_ESCAPES:
                literal.add(len(out))
                out.append(escaped)
            else:
                raise malformed(
                    text,
                    position,
                    "Invalid string literal: Illegal escape sequence "
                    f"'\\{escaped}' in {text[start : position + 2]}",
                )
            position += 2
            continue
        out.append(char)
        position += 1
    raise malformed(
        text, start, f"unexpected token: '{text[start : start + 20]}': unterminated string"
    )


def _word_at(text: str, position: int) -> str:
    end = position
    while end < len(text) and not text[end].isspace() and text[end] not in "(),":
        end += 1
    return text[position:end]
