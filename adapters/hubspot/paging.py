"""Page tokens, written once: a loop guard and the one list-paging loop (hubspot-api.md §2, §6).

HubSpot lists return ``paging.next.after`` until the last page, which has no ``paging`` (§2). A
token that comes back twice would page forever, so :class:`Pager` raises instead (STYLE: one small
pagination object per scheme that detects a repeated page token).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

from adapters.base.errors import ServerError
from adapters.hubspot.client import API, HubSpotClient, Timeout


class Pager:
    """Remembers the tokens of one paging run and refuses a repeated one.

    Args:
        label: The endpoint, for the error message.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self._seen: set[Hashable] = set()

    def check(self, token: Hashable) -> None:
        """Record ``token``.

        Raises:
            ServerError: ``token`` was seen before in this run (HubSpot would loop); the next
                cycle starts the pull again from the last committed cursor.
        """
        if token in self._seen:
            raise ServerError(f"{self.label}: HubSpot repeated the page token {token!r}; stopped")
        self._seen.add(token)


def next_after(body: dict[str, Any]) -> str | None:
    """The ``after`` token of the next page, or ``None`` on the last page."""
    after = ((body.get("paging") or {}).get("next") or {}).get("after")
    return None if after is None or after == "" else str(after)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its body and the token of the page after it (``None``: the last)."""

    body: dict[str, Any]
    after: str | None

    @property
    def results(self) -> list[dict[str, Any]]:
        """The page's records (or owners)."""
        results: list[dict[str, Any]] = self.body.get("results") or []
        return results


ListFetch = Callable[[str | None, Timeout], Any]
"""One SDK list call: ``(after, timeout)`` → raw response (``_preload_content=False``)."""


def list_pages(
    client: HubSpotClient, label: str, fetch: ListFetch, *, start: str | None = None
) -> Iterator[Page]:
    """Every page of a list endpoint, from ``start`` (``None``: the first page).

    Args:
        client: Makes the calls (budget, retries, error mapping).
        label: The endpoint label, for counting and errors.
        fetch: Performs one call for a given ``after``.
        start: The ``after`` token to resume from.

    Yields:
        Each page in order; the last has ``after=None``.

    Raises:
        ServerError: A page token repeated.
    """
    pager, after = Pager(label), start
    while True:
        body = client.call(API, functools.partial(fetch, after), label=label)
        token = next_after(body)
        if token is not None:
            pager.check(token)
        yield Page(body, token)
        if token is None:
            return
        after = token
