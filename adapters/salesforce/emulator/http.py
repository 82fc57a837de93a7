"""The framework-neutral request cycle: runtime state, handler context, and the guard.

Order of checks for a REST call under ``/services/data/vXX.X/``, as a client sees them:
401 (session) → 403 (daily allocation) → injected fault → handler. Every such response carries
``Sforce-Limit-Info`` (§10, §18.6); ``/services/data/`` and the token endpoint are not metered.
Handlers are plain functions that run under ``org.lock`` and return a :class:`Reply`; the ASGI app
(:mod:`.asgi`) and the WSGI app (:mod:`.wsgi`) only translate to and from their protocols.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .auth import Auth, Session
from .cursors import Cursors
from .errors import OAuthError, SalesforceError, bad_request
from .faults import FaultInjector, Traits
from .limits import Limiter
from .options import EmulatorOptions, FaultKind
from .org import Org
from .writes import Actor

JSON_TYPE = "application/json;charset=UTF-8"


@dataclass(slots=True)
class Runtime:
    """The swappable state behind a running server (``SalesforceEmulator.reset`` replaces it)."""

    options: EmulatorOptions
    org: Org
    auth: Auth
    limiter: Limiter
    faults: FaultInjector
    cursors: Cursors
    log: deque[tuple[str, str, int]] = field(default_factory=lambda: deque(maxlen=10_000))

    @classmethod
    def build(cls, options: EmulatorOptions, org: Org | None = None) -> Runtime:
        """Fresh sessions, allocation, faults and cursors for ``options`` (on ``org`` if given)."""
        org = org or Org(options.now, options.behaviour)
        behaviour = org.behaviour
        return cls(
            options=options,
            org=org,
            auth=Auth(options, org),
            limiter=Limiter(options.limits, options.now),
            faults=FaultInjector(options.faults, behaviour.lock_row_status),
            cursors=Cursors(behaviour.query_locator_ttl_seconds),
        )


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP request as the handlers see it (header names lower-cased)."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    base_url: str

    def param(self, name: str) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass(slots=True)
class Reply:
    """A response: status, JSON body (``None`` for no body), headers, and transport effects.

    Attributes:
        delay: Seconds the transport waits (on the injected sleep) before answering.
        drop: Close the connection instead of answering.
    """

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False

    def encode(self) -> bytes:
        """The body bytes: compact JSON, or nothing."""
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(slots=True)
class Ctx:
    """What a handler gets."""

    runtime: Runtime
    request: Request
    params: dict[str, str]
    session: Session | None = None
    fault: FaultKind | None = None
    body_override: Any = None

    @property
    def org(self) -> Org:
        """The org being served."""
        return self.runtime.org

    @property
    def version(self) -> str:
        """The API version of the path (``59.0``)."""
        return self.params.get("version", "v59.0")[1:]

    def json(self) -> Any:
        """The parsed JSON body (composite subrequests pass theirs in ``body_override``).

        Raises:
            SalesforceError: 400 ``JSON_PARSER_ERROR``.
        """
        if self.body_override is not None:
            return self.body_override
        if not self.request.body.strip():
            return None
        try:
            return json.loads(self.request.body)
        except ValueError as exc:
            raise bad_request(
                "JSON_PARSER_ERROR", f"Unexpected character in JSON body: {exc}"
            ) from exc

    def actor(self) -> Actor:
        """The running user, and a late commit when that fault was drawn."""
        late = (
            self.runtime.options.faults.late_seconds
            if self.fault is FaultKind.LATE_COMMIT
            else None
        )
        return Actor(user=None if self.session is None else self.session.user_id, late_seconds=late)


Handler = Callable[[Ctx], Reply]


@dataclass(frozen=True, slots=True)
class Access:
    """How a route is guarded: authenticated and metered, and what faults fit it."""

    metered: bool = True
    traits: Traits = field(default_factory=Traits)


def error_reply(exc: SalesforceError | OAuthError) -> Reply:
    """The response of an error."""
    headers = exc.headers if isinstance(exc, SalesforceError) else {}
    return Reply(exc.status, exc.to_json(), dict(headers))


def guarded(
    runtime: Runtime, request: Request, params: dict[str, str], handler: Handler, access: Access
) -> Reply:
    """Run ``handler`` behind session, allocation and fault checks."""
    org = runtime.org
    if not access.metered:
        try:
            with org.lock:
                return handler(Ctx(runtime, request, params))
        except (SalesforceError, OAuthError) as exc:
            return error_reply(exc)
    try:
        with org.lock:
            session = runtime.auth.authenticate(request.headers.get("authorization"))
            runtime.limiter.admit()
            fault = runtime.faults.draw(access.traits)
    except SalesforceError as exc:
        return error_reply(exc)
    return _run(runtime, Ctx(runtime, request, params, session, fault), handler)


def _run(runtime: Runtime, ctx: Ctx, handler: Handler) -> Reply:
    fault = ctx.fault
    if fault is FaultKind.DROP:
        return Reply(0, drop=True)
    if fault is FaultKind.SESSION_EXPIRED and ctx.session is not None:
        ctx.session.revoked = True
        return error_reply(SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid"))
    error = None if fault is None else runtime.faults.error(fault)
    if error is not None:
        return error_reply(error)
    try:
        with runtime.org.lock:
            reply = handler(ctx)
    except SalesforceError as exc:
        reply = error_reply(exc)
    if fault is FaultKind.LOST_RESPONSE:
        return Reply(0, drop=True)
    if fault is FaultKind.SLOW:
        reply.delay = runtime.options.faults.slow_seconds
    return reply
