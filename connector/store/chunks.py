"""Long id lists, cut for ``IN (…)`` queries."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

CHUNK = 500
"""Ids per ``IN (…)`` list: far below the parameter limits of SQLite and PostgreSQL."""


def chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    """``ids`` without repeats, sorted, in lists of at most :data:`CHUNK` (one ``IN`` each)."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        yield wanted[start : start + CHUNK]
