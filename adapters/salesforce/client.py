"""The one door to Salesforce: session, budget, retries, timeouts, error mapping, call counting.

Every call of the adapter goes through :class:`SalesforceClient`, which

1. acquires the org's rate budget (lane ``"api"``: the daily allocation, §10) *inside* the retried
   function, so retries count like any other call (``adapters.base.retry``);
2. uses a session from :class:`~adapters.salesforce.auth.TokenSource` (OAuth client credentials
   or JWT bearer) and, on a 401 ``INVALID_SESSION_ID``, logs in again **once** and repeats the call
   (§11, §13: simple-salesforce would recurse without bound, so it runs in direct mode);
3. passes ``timeout=`` on every request, and the session adds it to any request that lacks one
   (§13: simple-salesforce has no default timeout);
4. feeds every response's ``Sforce-Limit-Info`` to the budget through a session hook, error
   responses and continuation pages included (§10);
5. maps failures to our error tree with :func:`~adapters.salesforce.errors.map_error` (§11);
6. counts each attempt by ``(label, HTTP status)``, 0 when no response arrived.

No simple-salesforce type leaves this package: callers get decoded JSON and our errors.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError as SdkError

from adapters.base.budget import LaneSettings, RateBudget
from adapters.base.errors import AuthError, ServerError, SmarketingError
from adapters.base.retry import RetryAttemptInfo, retrying
from adapters.salesforce.auth import Token, TokenSource
from adapters.salesforce.errors import API, QueryLocatorExpired, first_error, map_error
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.soql import Soql

T = TypeVar("T")
JsonDict = dict[str, Any]
SdkCall = Callable[[Salesforce], T]
"""One simple-salesforce call, given the ``Salesforce`` object of the current session."""

QUERY_OPTIONS: Final = "Sforce-Query-Options"


class TimeoutSession(requests.Session):
    """A ``requests.Session`` that gives every request ``timeout`` unless it brings its own."""

    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        """Send as ``requests`` does, with the default timeout filled in."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(*args, **kwargs)


def build_session(settings: SalesforceSettings) -> requests.Session:
    """The HTTP session of one org: timeouts always, the CA bundle when configured.

    With ``ca_bundle`` the environment is ignored: requests lets ``REQUESTS_CA_BUNDLE`` override
    ``verify`` (requests#3829) and proxy variables must not capture a local emulator.
    """
    session = TimeoutSession(settings.timeout)
    if settings.ca_bundle is not None:
        session.verify = settings.ca_bundle
        session.trust_env = False
    return session


def default_budget(settings: SalesforceSettings) -> RateBudget:
    """The org's budget: one lane for the daily allocation, fed by ``Sforce-Limit-Info``."""
    lane = LaneSettings(
        limit=None,
        pause_writes_at=settings.stop_writes_at,
        stop_at=settings.stop_at,
        reset_hint="Salesforce counts a rolling 24 hours (salesforce-api.md §10)",
    )
    return RateBudget({API: lane}, clock=settings.monotonic, sleep=settings.sleep)


class _Expired(Exception):
    """A 401 ``INVALID_SESSION_ID``: log in again once."""

    def __init__(self, cause: SdkError) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass(frozen=True, slots=True)
class _Final:
    """An error that ends the retry policy without being retried (returned, then raised)."""

    error: SmarketingError


class SalesforceClient:
    """simple-salesforce, the org's session, rate budget and retry policy behind a few methods.

    Args:
        settings: Instance, credentials, timeouts, limits, injected sleep and clocks.
        budget: A shared budget for this org; by default :func:`default_budget`.
        session: The HTTP session; by default :func:`build_session`. A given session gets the
            budget hook, and a timeout on every call this client makes.

    Attributes:
        calls: Attempts by ``(label, HTTP status)``; status 0 means no response.
        retries: Retried failures by error class name.
    """

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        budget: RateBudget | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.session = session if session is not None else build_session(settings)
        self.session.hooks["response"].append(self._observe)
        self.budget = budget if budget is not None else default_budget(settings)
        self.calls: Counter[tuple[str, int]] = Counter()
        self.retries: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._seen = threading.local()
        self._sdk: tuple[Token, Salesforce] | None = None
        self.tokens = TokenSource(
            settings, self.session, retry=self._retried, on_response=self._count
        )

    def query(self, soql: Soql, *, include_deleted: bool = False) -> Iterator[list[JsonDict]]:
        """Every page of a query, following ``nextRecordsUrl`` (§3).

        Args:
            soql: The query.
            include_deleted: Use ``queryAll`` (deleted and merged rows too, §3, §14).

        Yields:
            Each page's records (with their ``attributes``), in order.

        Raises:
            QueryLocatorExpired: A continuation expired (§3); restart from the last record.
            SmarketingError: Any other mapped failure, once the retry policy gives up.
        """
        label = f"{'queryAll' if include_deleted else 'query'} {soql.sobject}"
        headers = {QUERY_OPTIONS: f"batchSize={self.settings.batch_size}"}
        timeout = self.settings.timeout

        def first(sf: Salesforce) -> Any:
            return sf.query(
                soql.text, include_deleted=include_deleted, headers=headers, timeout=timeout
            )

        body = self._body(self.call(label, first), label)
        seen: set[str] = set()
        while True:
            yield list(body.get("records") or [])
            url = body.get("nextRecordsUrl")
            if body.get("done", True) or not url:
                return
            if url in seen:  # STYLE: a pager refuses a repeated page token
                raise ServerError(f"{label}: Salesforce repeated the page {url!r}; stopped")
            seen.add(url)
            body = self._body(self._more(label, str(url), headers), label)

    def query_all(self, soql: Soql) -> Iterator[list[JsonDict]]:
        """Every page of ``queryAll``: live, deleted and merged rows (§3, §14)."""
        return self.query(soql, include_deleted=True)

    def rest(
        self,
        method: str,
        path: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
        *,
        label: str = "",
        retry: bool = True,
    ) -> Any:
        """One REST call under ``/services/data/vXX.X/`` (collections, describe, composite).

        Args:
            method: ``GET``, ``POST``, ``PATCH`` or ``DELETE``.
            path: Relative to the versioned base, e.g. ``"composite/sobjects"``.
            json: The JSON body.
            params: Query parameters.
            label: For counting and messages; defaults to ``"{method} {path}"``.
            retry: ``False`` makes one attempt (apart from the single re-login): for creates
                that may have been applied although their answer was lost (the caller looks the
                key up before trying again, ``adapters.base.retry``).

        Returns:
            The decoded JSON (``None`` for 204). A collection answers 200 with per-record
            errors inside, which are returned, never raised (§5).

        Raises:
            SmarketingError: The mapped failure.
        """
        timeout = self.settings.timeout

        def send(sf: Salesforce) -> Any:
            return sf.restful(path, params=params, method=method, json=json, timeout=timeout)

        return self.call(label or f"{method} {path}", send, retry=retry)

    def call(self, label: str, fn: SdkCall[T], *, retry: bool = True) -> T:
        """Run one simple-salesforce call under the budget, re-login and retry policy.

        Raises:
            SmarketingError: The mapped failure, once the retry policy gives up on it.
        """
        if not retry:
            return self._attempt(label, fn)
        return self._retried(lambda: self._attempt(label, fn))

    def usage(self) -> Counter[tuple[str, int]]:
        """A copy of :attr:`calls`, taken under the lock (other threads may be counting)."""
        with self._lock:
            return Counter(self.calls)

    @property
    def daily(self) -> tuple[int, int] | None:
        """``(used, allocation)`` of the daily API allocation, once a response reported it."""
        lane = self.budget.snapshot().lanes[API]
        if lane.daily_used is None or lane.daily_max is None:
            return None
        return lane.daily_used, lane.daily_max

    def should_pause_writes(self) -> bool:
        """Whether usage reached ``stop_writes_at`` of the daily allocation (defer writes)."""
        return self.budget.should_pause_writes(API)

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def _retried(self, fn: Callable[[], T]) -> T:
        policy = retrying(self.settings.retry, sleep=self.settings.sleep, on_retry=self._on_retry)
        return policy(fn)

    def _more(self, label: str, url: str, headers: dict[str, str]) -> Any:
        timeout = self.settings.timeout

        def page(sf: Salesforce) -> Any:
            return sf.query_more(url, identifier_is_url=True, headers=headers, timeout=timeout)

        def shielded() -> Any:
            try:
                return self._attempt(f"{label} more", page)
            except QueryLocatorExpired as exc:  # the same URL would fail again: don't retry
                return _Final(exc)

        result = self._retried(shielded)
        if isinstance(result, _Final):
            raise result.error
        return result

    def _attempt(self, label: str, fn: SdkCall[T]) -> T:
        token = self.tokens.current()
        try:
            return self._once(label, fn, token)
        except _Expired:
            pass
        try:
            fresh = self.tokens.refresh(token)
        except AuthError as exc:
            raise AuthError(
                f"{label}: the session expired (HTTP 401, INVALID_SESSION_ID) and logging in "
                f"again failed: {exc}",
                status=401,
                code="INVALID_SESSION_ID",
            ) from exc
        try:
            return self._once(label, fn, fresh)
        except _Expired as again:  # once, never in a loop (§13)
            error = map_error(again.cause, label=label)
            raise (error or AuthError(f"{label}: HTTP 401")) from again.cause

    def _once(self, label: str, fn: SdkCall[T], token: Token) -> T:
        self.budget.acquire(API)
        self._seen.status = 0
        try:
            result = fn(self._client(token))
        except SdkError as exc:
            self._count(label, exc.status)
            if exc.status == 401 and first_error(exc.content)[0] == "INVALID_SESSION_ID":
                raise _Expired(exc) from exc
            raise _mapped(exc, label) from exc
        except (requests.RequestException, TimeoutError) as exc:
            self._count(label, int(getattr(self._seen, "status", 0) or 0))
            raise _mapped(exc, label) from exc
        self._count(label, int(getattr(self._seen, "status", 0) or 200))
        return result

    def _client(self, token: Token) -> Salesforce:
        with self._lock:
            if self._sdk is None or self._sdk[0] is not token:
                sdk = Salesforce(
                    instance_url=token.instance_url,
                    session_id=token.access_token,
                    session=self.session,
                    version=self.settings.api_version,
                    object_pairs_hook=None,  # plain dicts: OrderedDict costs time (§13)
                )
                self._sdk = (token, sdk)
            return self._sdk[1]

    def _body(self, body: Any, label: str) -> JsonDict:
        if not isinstance(body, dict):
            raise ServerError(f"{label}: Salesforce sent a query answer that is not an object")
        return body

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Session hook: every response's status and ``Sforce-Limit-Info`` (§10)."""
        self._seen.status = response.status_code
        self.budget.observe(API, response.headers)

    def _count(self, label: str, status: int) -> None:
        with self._lock:
            self.calls[(label, status)] += 1

    def _on_retry(self, info: RetryAttemptInfo) -> None:
        with self._lock:
            self.retries[type(info.error).__name__] += 1


def _mapped(exc: BaseException, label: str) -> SmarketingError:
    error = map_error(exc, label=label)
    if error is None:  # map_error knows every SdkError and RequestException
        raise TypeError(f"{label}: unmapped failure {type(exc).__name__}") from exc
    return error
