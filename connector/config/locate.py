"""Line numbers of keys in a TOML text, so problems can say ``config.toml:42``.

``tomllib`` returns plain dicts without positions, so this module scans the (already valid) text
once and records the line where each key path first appears: table headers, ``[[array]]`` entries
(numbered like the parsed lists), dotted keys, inline tables and array items.
"""

from __future__ import annotations

from collections.abc import Mapping

Loc = tuple[str | int, ...]
"""A key path into the parsed document: ``("sla", 1, "within")``."""

_BARE_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def key_lines(text: str) -> dict[Loc, int]:
    """Map every key path of a valid TOML document to the 1-based line where it first appears.

    Args:
        text: The document; it must already have parsed with ``tomllib``.

    Returns:
        Line numbers by key path; paths of array items use their 0-based index.
    """
    return _Scanner(text).scan()


def line_of(lines: Mapping[Loc, int], loc: Loc) -> int | None:
    """The line of ``loc``, else of its nearest ancestor written in the file (a missing key is
    reported on the line of the table that lacks it)."""
    for end in range(len(loc), 0, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return None


class _Scanner:
    """A small recursive-descent reader of TOML structure that keeps positions, not values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.lines: dict[Loc, int] = {}
        self.array_tables: dict[Loc, int] = {}

    def scan(self) -> dict[Loc, int]:
        prefix: Loc = ()
        while self._skip(newlines=True):
            if self.text.startswith("[[", self.pos):
                prefix = self._array_table_header()
            elif self._peek() == "[":
                prefix = self._table_header()
            else:
                self._key_value(prefix)
        return self.lines

    def _peek(self, size: int = 1) -> str:
        return self.text[self.pos : self.pos + size]

    def _advance(self, count: int = 1) -> None:
        self.line += self.text.count("\n", self.pos, self.pos + count)
        self.pos += count

    def _skip(self, *, newlines: bool) -> bool:
        """Skip blanks (and newlines and comments if asked); return whether text remains."""
        while self.pos < len(self.text):
            char = self._peek()
            if char in " \t" or (newlines and char in "\r\n"):
                self._advance()
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self._advance((len(self.text) if end < 0 else end) - self.pos)
            else:
                return True
        return False

    def _record(self, loc: Loc) -> None:
        for end in range(1, len(loc) + 1):
            self.lines.setdefault(loc[:end], self.line)

    def _resolve(self, keys: tuple[str, ...]) -> Loc:
        """Turn header keys into a path, entering the latest entry of each array of tables."""
        loc: Loc = ()
        for key in keys:
            loc = (*loc, key)
            if loc in self.array_tables:
                loc = (*loc, self.array_tables[loc] - 1)
        return loc

    def _table_header(self) -> Loc:
        self._advance()
        loc = self._resolve(self._key())
        self._record(loc)
        self._advance()  # the closing "]"
        return loc

    def _array_table_header(self) -> Loc:
        self._advance(2)
        keys = self._key()
        array = (*self._resolve(keys[:-1]), keys[-1])
        index = self.array_tables.get(array, 0)
        self.array_tables[array] = index + 1
        loc = (*array, index)
        self._record(loc)
        self._advance(2)  # the closing "]]"
        return loc

    def _key(self) -> tuple[str, ...]:
        keys: list[str] = []
        while True:
            self._skip(newlines=False)
            char = self._peek()
            if char in {'"', "'"}:
                keys.append(self._string())
            else:
                start = self.pos
                while self._peek() and self._peek() in _BARE_KEY_CHARS:
                    self._advance()
                keys.append(self.text[start : self.pos])
            self._skip(newlines=False)
            if self._peek() != ".":
                return tuple(keys)
            self._advance()

    def _key_value(self, prefix: Loc) -> None:
        start_line = self.line
        loc = (*prefix, *self._key())
        for end in range(len(prefix) + 1, len(loc) + 1):
            self.lines.setdefault(loc[:end], start_line)
        self._skip(newlines=False)
        self._advance()  # the "="
        self._value(loc)

    def _value(self, loc: Loc) -> None:
        self._skip(newlines=False)
        char = self._peek()
        if char == "{":
            self._inline_table(loc)
        elif char == "[":
            self._array(loc)
        elif char in {'"', "'"}:
            self._string()
        else:
            while self._peek() and self._peek() not in ",]}\r\n#":
                self._advance()

    def _inline_table(self, loc: Loc) -> None:
        self._advance()
        while self._skip(newlines=True) and self._peek() != "}":
            if self._peek() == ",":
                self._advance()
                continue
            self._key_value(loc)
        self._advance()

    def _array(self, loc: Loc) -> None:
        self._advance()
        index = 0
        while self._skip(newlines=True) and self._peek() != "]":
            if self._peek() == ",":
                self._advance()
                continue
            start = self.pos
            self._record((*loc, index))
            self._value((*loc, index))
            if self.pos == start:  # a stray character: step over it rather than loop forever
                self._advance()
            index += 1
        self._advance()

    def _string(self) -> str:
        """Consume a string of any of the four kinds; return its raw text (escapes kept)."""
        quote = self._peek()
        delimiter = quote * 3 if self._peek(3) == quote * 3 else quote
        self._advance(len(delimiter))
        start = self.pos
        while self.pos < len(self.text) and not self.text.startswith(delimiter, self.pos):
            self._advance(2 if quote == '"' and self._peek() == "\\" else 1)
        value = self.text[start : self.pos]
        self._advance(len(delimiter))
        return value
