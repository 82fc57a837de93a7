"""The request guard every endpoint runs through, and request parsing helpers.

Order of checks, as a client sees them: 401 (token) → 400 (unknown object type) → 403 (scopes) →
429 (rate buckets) → injected fault → handler. Every response carries a fresh correlation id; errors
use the envelope of :mod:`.errors`. Handlers are plain functions run under the portal lock.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .auth import Auth, Resource, required_scopes
from .errors import HubSpotError, JsonDict, validation
from .faults import FaultInjector
from .limits import Limiter
from .objects import ObjectType, resolve_object_type
from .options import EmulatorOptions, FaultKind
from .portal import Portal

DROP_KEY = "smarketing.emulator.drop"
_STATUS_FAULTS = frozenset(FaultKind) - {
    FaultKind.SLOW,
    FaultKind.DROP,
    FaultKind.LOST_RESPONSE,
    FaultKind.PARTIAL_BATCH,
}


@dataclass(slots=True)
class Runtime:
    """The swappable state behind a running server (``HubSpotEmulator.reset`` replaces it whole)."""

    options: EmulatorOptions
    portal: Portal
    auth: Auth
    limiter: Limiter
    faults: FaultInjector
    log: deque[tuple[str, str, int]] = field(default_factory=lambda: deque(maxlen=10_000))

    @classmethod
    def build(cls, options: EmulatorOptions, portal: Portal | None = None) -> Runtime:
        """Fresh buckets, tokens and faults for ``options``, on ``portal`` or an empty one."""
        portal = portal or Portal(options.now, options.behaviour, options.portal_id, options.app_id)
        return cls(
            options=options,
            portal=portal,
            auth=Auth(options.tokens, options.now),
            limiter=Limiter(options.limits, options.monotonic, options.now, options.portal_id),
            faults=FaultInjector(options.faults),
        )


@dataclass(frozen=True, slots=True)
class Access:
    """How an endpoint is guarded: scope family, read/write, search bucket, batch faults."""

    resource: Resource
    write: bool = False
    search: bool = False
    batch: bool = False
    type_params: tuple[str, ...] = ("objectType",)


@dataclass(slots=True)
class Ctx:
    """What a handler gets: the portal, path and query parameters, the body, the drawn fault."""

    runtime: Runtime
    params: dict[str, str]
    query: QueryParams
    body: bytes
    base_url: str
    fault: FaultKind | None
    types: list[ObjectType]

    @property
    def portal(self) -> Portal:
        """The portal being served."""
        return self.runtime.portal

    def json(self) -> Any:
        """The parsed JSON body (lenient: an empty body is ``{}``)."""
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise validation(f"Invalid input JSON: {exc}") from exc

    def list_param(self, name: str) -> list[str] | None:
        """A list parameter sent as repeated keys and/or comma-joined values (§2)."""
        values = self.query.getlist(name)
        if not values:
            return None
        return [part.strip() for value in values for part in value.split(",") if part.strip()]

    def bool_param(self, name: str, default: bool = False) -> bool:
        """A boolean parameter, case-insensitive (§2: the SDK sends ``True``)."""
        raw = self.query.get(name)
        if raw is None:
            return default
        if raw.lower() not in ("true", "false"):
            raise validation(f"Invalid boolean {raw!r} for {name!r}.")
        return raw.lower() == "true"

    def int_param(self, name: str, default: int, high: int) -> int:
        """An integer parameter within ``0..high``, else 400."""
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        if not raw.isdigit() or int(raw) > high:
            raise validation(f"{name!r} must be an integer between 0 and {high}, got {raw!r}.")
        return int(raw)


@dataclass(frozen=True, slots=True)
class Reply:
    """A handler's result: a status and a JSON body (``None`` for an empty 204)."""

    status: int
    body: JsonDict | None = None


class DropResponse(Response):
    """Closes the connection without a response (a dropped connection, F20/F29)."""

    def __init__(self) -> None:
        super().__init__(status_code=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send nothing; :func:`dropping` closes the socket."""
        scope[DROP_KEY] = True


def dropping(app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> Any:
    """Wrap an ASGI app so a :class:`DropResponse` closes the socket without a byte sent.

    uvicorn closes the transport when an app returns something other than ``None``; this is the one
    way an ASGI app can drop a connection before the status line.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> object:
        await app(scope, receive, send)
        return DROP_KEY if scope.get(DROP_KEY) else None

    return wrapped


def json_response(status: int, body: JsonDict | None, headers: dict[str, str]) -> Response:
    """Compact JSON, as HubSpot sends it."""
    if body is None:
        return Response(status_code=status, headers=headers)
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status, headers, media_type="application/json;charset=utf-8")


Handler = Callable[[Ctx], Reply]


def endpoint(
    get_runtime: Callable[[], Runtime], handler: Handler, access: Access
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint running ``handler`` behind auth, scopes, rate limits and faults."""

    async def run(request: Request) -> Response:
        runtime = get_runtime()
        correlation = str(uuid.uuid4())
        headers = {"X-HubSpot-Correlation-Id": correlation}
        fault: FaultKind | None = None
        try:
            with runtime.portal.lock:
                token = runtime.auth.authenticate(request.headers.get("authorization"))
                types = _types(request.path_params, access.type_params)
                runtime.auth.authorize(token, required_scopes(access.resource, access.write, types))
                headers.update(runtime.limiter.admit(access.search, correlation))
                fault = runtime.faults.draw(access.write, access.batch)
            if fault is FaultKind.DROP:
                return DropResponse()
            if fault is FaultKind.SLOW:
                await runtime.options.sleep(runtime.options.faults.slow_seconds)
            elif fault in _STATUS_FAULTS:
                raise runtime.faults.error(fault, runtime.options.portal_id, correlation)
            ctx = Ctx(
                runtime,
                dict(request.path_params),
                request.query_params,
                await request.body(),
                str(request.base_url).rstrip("/"),
                fault,
                types,
            )
            with runtime.portal.lock:
                reply = handler(ctx)
            if fault is FaultKind.LOST_RESPONSE:
                return DropResponse()
            runtime.log.append((request.method, request.url.path, reply.status))
            return json_response(reply.status, reply.body, headers)
        except HubSpotError as exc:
            runtime.log.append((request.method, request.url.path, exc.status))
            return json_response(exc.status, exc.to_json(correlation), headers | exc.headers)

    return run


def _types(params: dict[str, Any], names: tuple[str, ...]) -> list[ObjectType]:
    types: list[ObjectType] = []
    for name in names:
        segment = str(params.get(name, ""))
        obj = resolve_object_type(segment)
        if obj is None:
            raise validation(f"Unable to infer object type from: {segment}")
        types.append(obj)
    return types
