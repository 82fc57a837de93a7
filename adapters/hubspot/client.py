"""The one door to HubSpot: budget, retries, timeouts, error mapping and call counting.

Every HubSpot call of the adapter goes through :meth:`HubSpotClient.call`, which

1. acquires the rate budget for the call's lane *inside* the retried function, so retries are
   paced like any other call (``adapters.base.retry``);
2. runs the SDK call with ``_preload_content=False`` and ``_request_timeout``: the SDK's model
   layer tops out near 8,400 records/s, a raw ``json.loads`` near 70,000, and urllib3 has no
   default timeout (hubspot-api.md §16);
3. feeds the response headers to the budget with the admission time (§13);
4. maps every failure to our error tree in one table-driven function, :func:`map_error` (§12,
   §16: every SDK sub-package has its own ``ApiException``, so they are duck-typed by
   ``.status/.body/.headers``);
5. counts the attempt by endpoint label and HTTP status (0 when no response arrived).

The SDK client is built with ``retry=Retry(0)``: urllib3's hidden default ``Retry(3)`` would retry
GETs that carry ``Retry-After`` behind our back (§16); the tenacity policy is the only retry layer.
No SDK type leaves this package: callers get decoded JSON and our errors.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, Never, overload

import hubspot
import urllib3
from urllib3.util.retry import Retry

from adapters.base.budget import LaneSettings, RateBudget
from adapters.base.errors import (
    ConfigurationError,
    QuotaExhaustedError,
    RateLimitedError,
    RetryLaterError,
    ServerError,
    SmarketingError,
    TransportError,
    error_for_status,
)
from adapters.base.retry import RetryAttemptInfo, parse_retry_after, retrying
from adapters.hubspot.settings import HubSpotSettings

logger = logging.getLogger("smarketing.hubspot")

Timeout = float | tuple[float, float]
"""What an SDK call takes as ``_request_timeout``: total seconds or ``(connect, read)``."""

SdkCall = Callable[[Timeout], Any]
"""One SDK call: given the timeout, it returns the raw response (``_preload_content=False``)."""

API: Final = "api"
SEARCH: Final = "search"

# A 429's policyName says which limit refused us (§12): only DAILY is not worth a hot retry.
_RATE_POLICIES: Final[Mapping[str, tuple[type[SmarketingError], str]]] = {
    "DAILY": (
        QuotaExhaustedError,
        "the account's daily API allocation is used up; it resets at midnight in the account's "
        "time zone",
    ),
    "TEN_SECONDLY_ROLLING": (RateLimitedError, "the 10-second burst limit; it will be retried"),
    "SECONDLY": (RateLimitedError, "the per-second (search) limit; it will be retried"),
}
# HubSpot statuses that the shared table (errors.error_for_status) does not know (§12).
_HUBSPOT_STATUS: Final[Mapping[int, tuple[type[SmarketingError], str]]] = {
    414: (ConfigurationError, "the request URI is too long: request fewer properties"),
    477: (RetryLaterError, "HubSpot is migrating the account; retry after Retry-After"),
}


class HubSpotClient:
    """The SDK client, the account's rate budget and the retry policy, behind one ``call``.

    Args:
        settings: Base URL, token, timeouts, limits, retry settings, injected sleep and clock.
        budget: A shared budget for this account; by default one with an ``"api"`` lane fed by
            the rate-limit headers (10-s window) and a ``"search"`` lane of
            ``settings.search_per_second`` per second without headers (§4, §13).

    Attributes:
        calls: Attempts by ``(endpoint label, HTTP status)``; status 0 means no response.
        retries: Retried failures by error class name.
    """

    def __init__(self, settings: HubSpotSettings, *, budget: RateBudget | None = None) -> None:
        self.settings = settings
        self._sdk = hubspot.Client.create(
            access_token=settings.token, host=settings.base_url.rstrip("/"), retry=Retry(0)
        )
        self.budget = budget if budget is not None else default_budget(settings)
        self.calls: Counter[tuple[str, int]] = Counter()
        self.retries: Counter[str] = Counter()
        self._apis: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def sdk(self) -> Any:
        """The ``hubspot.Client``; only code inside ``adapters/hubspot/`` may touch it."""
        return self._sdk

    def api(self, path: str) -> Any:
        """An SDK API object by dotted path, e.g. ``"crm.contacts.basic_api"``, built once.

        The SDK builds a new ``ApiClient`` (and connection pool) on every attribute access, so
        caching keeps connections alive across calls.
        """
        with self._lock:
            found = self._apis.get(path)
            if found is None:
                found = functools.reduce(getattr, path.split("."), self._sdk)
                self._apis[path] = found
            return found

    @overload
    def call(
        self, lane: str, fn: SdkCall, *, label: str = ..., want_status: Literal[False] = ...
    ) -> dict[str, Any]: ...

    @overload
    def call(
        self, lane: str, fn: SdkCall, *, label: str = ..., want_status: Literal[True]
    ) -> tuple[int, dict[str, Any]]: ...

    def call(
        self, lane: str, fn: SdkCall, *, label: str = "", want_status: bool = False
    ) -> dict[str, Any] | tuple[int, dict[str, Any]]:
        """Make one HubSpot call under the budget and the retry policy.

        Args:
            lane: The budget lane: ``"api"`` or ``"search"``.
            fn: Performs one SDK call with ``_preload_content=False`` and
                ``_request_timeout=<its argument>`` and returns the raw response.
            label: The endpoint, for counting and error messages (``"contacts.list"``); defaults
                to the lane.
            want_status: Also return the HTTP status, e.g. to tell a 207 multi-status batch
                (partial success, returned as data) from a 200.

        Returns:
            The decoded JSON body (``{}`` when empty, as for 204), or ``(status, body)``.

        Raises:
            SmarketingError: The mapped failure, once the retry policy gives up on it.
        """
        name = label or lane
        policy = retrying(
            self.settings.retry, sleep=self.settings.sleep, on_retry=self._count_retry
        )
        status, body = policy(self._attempt, lane, fn, name)
        return (status, body) if want_status else body

    def call_once(self, lane: str, fn: SdkCall, *, label: str = "") -> tuple[int, dict[str, Any]]:
        """Like ``call(..., want_status=True)`` but one attempt, without the retry policy.

        For a create that may have been applied although its answer was lost: the caller looks
        its key up before trying again (``adapters.base.retry``: never retry a create blindly).
        Budget, timeout, error mapping and counting are those of :meth:`call`.

        Raises:
            SmarketingError: The mapped failure of this one attempt.
        """
        return self._attempt(lane, fn, label or lane)

    def usage(self) -> Counter[tuple[str, int]]:
        """A copy of :attr:`calls`, taken under the lock (other threads may be counting)."""
        with self._lock:
            return Counter(self.calls)

    def close(self) -> None:
        """Release the pooled connections of every SDK API object built so far."""
        with self._lock:
            apis, self._apis = list(self._apis.values()), {}
        for api in apis:
            rest = getattr(getattr(api, "api_client", None), "rest_client", None)
            pool = getattr(rest, "pool_manager", None)
            if pool is not None:
                pool.clear()

    def _attempt(self, lane: str, fn: SdkCall, label: str) -> tuple[int, dict[str, Any]]:
        sent_at = self.budget.acquire(lane)
        try:
            response = fn(self.settings.timeout)
            status, headers = int(response.status), _headers(response.headers)
            data = response.data
        except Exception as exc:  # noqa: BLE001 - the boundary: every SDK/urllib3 failure is mapped
            self._fail(lane, label, exc, sent_at)
        self._count(label, status)
        self.budget.observe(lane, headers, sent_at=sent_at)
        if not 200 <= status <= 299:  # the SDK raises for these; a raw response might not
            raise _from_response(status, data, headers, label)
        return status, _decode(data, label)

    def _fail(self, lane: str, label: str, exc: Exception, sent_at: float) -> Never:
        status, _, headers = _parts(exc)
        self._count(label, status or 0)
        if headers:
            self.budget.observe(lane, headers, sent_at=sent_at)
        error = map_error(exc, label=label)
        if error is None:
            raise exc
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            self.budget.pause(lane, error.retry_after)  # every thread honours it (F24)
        raise error from exc

    def _count(self, label: str, status: int) -> None:
        with self._lock:
            self.calls[(label, status)] += 1

    def _count_retry(self, info: RetryAttemptInfo) -> None:
        with self._lock:
            self.retries[type(info.error).__name__] += 1


def default_budget(settings: HubSpotSettings) -> RateBudget:
    """The budget of one HubSpot account: the header-fed 10-s lane and the 5/s search lane."""
    lanes = {
        API: LaneSettings(limit=settings.api_limit, window=10.0),
        # Search answers carry no rate headers (§4): a fixed local limit; the guard absorbs
        # latency jitter, which a margin of 1 would do at the cost of 20 % of 5/s.
        SEARCH: LaneSettings(
            limit=settings.search_per_second,
            window=1.0,
            margin=0,
            guard=0.05,
            follow_headers=False,
        ),
    }
    return RateBudget(lanes, clock=settings.monotonic, sleep=settings.sleep)


def map_error(exc: BaseException, *, label: str) -> SmarketingError | None:
    """Map an SDK or urllib3 failure to our error tree; ``None`` for anything else (a bug).

    HTTP failures are recognised by their ``.status``/``.body``/``.headers`` attributes, whichever
    SDK sub-package raised them (§16). 429s are told apart by ``policyName`` (§12), 414 and 477
    are HubSpot specifics, and the rest follows :func:`adapters.base.errors.error_for_status`.

    Args:
        exc: What the SDK call raised.
        label: The endpoint, for the message.

    Returns:
        The error to raise ``from exc``, or ``None`` when ``exc`` is not a CRM or network failure.
    """
    if isinstance(exc, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError):
        return TransportError(f"{label}: no response from HubSpot ({type(exc).__name__}: {exc})")
    status, body, headers = _parts(exc)
    if status is None:
        return None
    if status == 0:  # the SDK wraps TLS failures as ApiException(status=0)
        reason = getattr(exc, "reason", "")
        return TransportError(f"{label}: the connection to HubSpot failed: {reason}")
    if 200 <= status <= 299:
        return None
    return _from_response(status, body, headers, label)


def _from_response(
    status: int, body: object, headers: Mapping[str, str], label: str
) -> SmarketingError:
    envelope = _envelope(body)
    category = _text(envelope.get("category")) or _text(envelope.get("errorType"))
    policy = _text(envelope.get("policyName")) if status == 429 else ""
    message = f"{label}: {_text(envelope.get('message')) or 'HubSpot refused the call'}"
    retry_after = parse_retry_after(headers.get("retry-after"))
    special = _RATE_POLICIES.get(policy) or _HUBSPOT_STATUS.get(status)
    if special is None:
        return error_for_status(
            status,
            message=message,
            retry_after=retry_after,
            code=category or None,
            scopes=_scopes(envelope),
        )
    kind, what_next = special
    text = f"{message} (HTTP {status}, {policy or category or 'no category'}): {what_next}"
    if kind is QuotaExhaustedError:
        return QuotaExhaustedError(text, lane=API, resume_after=retry_after, status=status)
    if issubclass(kind, RetryLaterError):
        return kind(text, retry_after=retry_after, status=status, code=policy or category or None)
    return kind(text, status=status, code=category or None)


def _parts(exc: BaseException) -> tuple[int | None, object, dict[str, str]]:
    status = getattr(exc, "status", None)
    if not isinstance(status, int):
        return None, None, {}
    return status, getattr(exc, "body", None), _headers(getattr(exc, "headers", None))


def _headers(raw: object) -> dict[str, str]:
    items = raw.items() if isinstance(raw, Mapping) else ()
    return {str(key).lower(): str(value) for key, value in items}


def _envelope(body: object) -> dict[str, Any]:
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip():
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {"message": body[:300]}
    return parsed if isinstance(parsed, dict) else {}


def _scopes(envelope: Mapping[str, Any]) -> tuple[str, ...]:
    # §12: a 403 lists missing scopes in errors[].context.requiredGranularScopes.
    found: list[str] = []
    for item in envelope.get("errors") or ():
        context = item.get("context") if isinstance(item, dict) else None
        scopes = context.get("requiredGranularScopes") if isinstance(context, dict) else None
        found.extend(str(scope) for scope in scopes or () if str(scope) not in found)
    return tuple(found)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _decode(data: object, label: str) -> dict[str, Any]:
    if not data:
        return {}
    if not isinstance(data, bytes | bytearray | str):
        raise TypeError(f"{label}: the SDK call returned {type(data).__name__}, not a raw body")
    try:
        parsed = json.loads(data)
    except ValueError as exc:
        raise ServerError(f"{label}: HubSpot sent an unreadable body; it will be retried") from exc
    if not isinstance(parsed, dict):
        raise ServerError(f"{label}: HubSpot sent a non-object JSON body; it will be retried")
    return parsed
