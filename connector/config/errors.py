"""Configuration problems and the one error that carries all of them.

Error tree (the root error of the daemon lives elsewhere; this one is *fatal*: fix the file)::

    ValueError
    └── ConfigError            every problem of one config file, each with key path and line
        └── ConfigFileMissing  no file at the path (says where it looked)

A :class:`Problem` renders as ``config.toml:42: sla[1].within: "4 hourz" is not a duration``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from connector.config.locate import Loc, line_of

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def format_loc(loc: Loc) -> str:
    """Render a key path the way TOML reads: ``sla[1].within``, ``stages.lead_status."A B"``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            text += f".{key}" if text else key
    return text


def show(value: object) -> str:
    """A value as it would appear in TOML, short enough for one error line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return str(value)


def wrong_type(message: str) -> ValueError:
    """The error for a value of the wrong type.

    A ``ValueError`` on purpose: pydantic reports a ``ValueError`` raised by a validator with its
    key path, while a ``TypeError`` would escape as a crash.
    """
    return ValueError(message)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the file: where (key path, line) and what to do about it."""

    loc: Loc
    message: str
    line: int | None = None

    def render(self, source: str) -> str:
        """``source:line: key.path: message``, leaving out the parts that are unknown."""
        where = source if self.line is None else f"{source}:{self.line}"
        if self.loc:
            where += f": {format_loc(self.loc)}"
        return f"{where}: {self.message}"


class ConfigError(ValueError):
    """The configuration cannot be used; ``problems`` lists every reason at once.

    ``str()`` is the full message: a count when there are several problems, then one line each.
    """

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__(self._message())

    def lines(self) -> list[str]:
        """One rendered line per problem, in file order."""
        return [problem.render(self.source) for problem in self.problems]

    def _message(self) -> str:
        lines = self.lines()
        if len(lines) > 1:
            lines.insert(0, f"{self.source}: {len(lines)} problems")
        return "\n".join(lines)


class ConfigFileMissing(ConfigError):
    """There is no configuration file at the path."""


@dataclass
class Problems:
    """Collects problems while a file is checked; locates them in the text when it is known."""

    lines: Mapping[Loc, int] = field(default_factory=dict)
    found: list[Problem] = field(default_factory=list)

    def add(self, loc: Loc, message: str) -> None:
        """Record a problem at ``loc`` (its line is looked up in the file)."""
        self.found.append(Problem(loc, message, line_of(self.lines, loc)))

    def extend(self, problems: Iterable[tuple[Loc, str]]) -> None:
        """Record several ``(loc, message)`` problems."""
        for loc, message in problems:
            self.add(loc, message)

    def __bool__(self) -> bool:
        return bool(self.found)

    def error(self, source: str) -> ConfigError:
        """The error to raise, problems sorted by line (stable, so file order is kept)."""
        ordered = sorted(self.found, key=lambda problem: problem.line or 0)
        return ConfigError(source, ordered)
