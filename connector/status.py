"""The status server: ``GET /healthz`` and ``GET /metrics`` for admins and orchestrators.

``/healthz`` answers 200 while the daemon is doing its job and 503 with the reason otherwise:

* an **active** replica is healthy while its last successful cycle finished within
  ``healthy_within`` (default: 3 sync intervals, so one or two failed cycles in a row, say a CRM
  outage, do not make an orchestrator restart a daemon that will recover on its own);
* a **fatal** failure (credentials refused, CRM set up wrong) is unhealthy at once: only a human
  can fix it, and the daemon keeps retrying on schedule meanwhile;
* a **standby** replica (another one holds the lease) is healthy: waiting is its job. It is
  unhealthy only when it cannot even check the lease (the store is unreachable).

``/metrics`` is the Prometheus text format of :class:`connector.metrics.Metrics`.

uvicorn serves the Starlette app on a thread of its own, on a socket bound before the thread
starts: a port in use fails :meth:`StatusServer.start` at once, and port 0 gets a free port that
:attr:`StatusServer.port` tells.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import TracebackType

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from adapters.base.errors import redact
from connector.metrics import CONTENT_TYPE, Metrics
from connector.store import WallClock, utc_now

_NO_STORE = {"Cache-Control": "no-store"}
# uvicorn polls its exit flag every 0.1 s; in-flight requests get this long to finish.
_GRACEFUL_SHUTDOWN_S = 1
_BACKLOG = 64


class Role(StrEnum):
    """Whether this replica runs cycles (it holds the lease) or waits for its turn."""

    ACTIVE = "active"
    STANDBY = "standby"


@dataclass(frozen=True, slots=True)
class HealthState:
    """What /healthz judges: the replica's role, its last success, and what went wrong last.

    Attributes:
        role: Active or standby.
        last_success: When the last successful cycle finished (aware UTC), if any did.
        problem: Why the last attempt failed (redacted), until a cycle succeeds.
        fatal: Whether that failure needs a human (it is unhealthy however recent the success).
    """

    role: Role = Role.ACTIVE
    last_success: datetime | None = None
    problem: str | None = None
    fatal: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer of /healthz: healthy (200) or not (503), and the JSON body."""

    healthy: bool
    body: dict[str, object]

    @property
    def status_code(self) -> int:
        """200 or 503."""
        return 200 if self.healthy else 503


def judge(state: HealthState, now: datetime, healthy_within: timedelta) -> Verdict:
    """Decide whether ``state`` is healthy at ``now`` (see the module docstring for the rules)."""
    age = None if state.last_success is None else max(timedelta(), now - state.last_success)
    body: dict[str, object] = {
        "status": "ok",
        "role": state.role.value,
        "last_success": None if state.last_success is None else state.last_success.isoformat(),
        "age_seconds": None if age is None else round(age.total_seconds(), 1),
    }
    if state.problem is not None:
        body["last_error"] = state.problem
    reason = _unhealthy_reason(state, age, healthy_within)
    if reason is None:
        return Verdict(healthy=True, body=body)
    return Verdict(healthy=False, body={**body, "status": "unhealthy", "reason": reason})


def _unhealthy_reason(state: HealthState, age: timedelta | None, limit: timedelta) -> str | None:
    if state.problem is not None and (state.fatal or state.role is Role.STANDBY):
        return state.problem
    if state.role is Role.STANDBY:
        return None
    if age is None:
        return "no cycle has succeeded yet"
    if age > limit:
        return (
            f"last success {age.total_seconds():,.0f} s ago (limit {limit.total_seconds():,.0f} s)"
        )
    return None


class Health:
    """The daemon's health, written by the cycle thread and read by the status server."""

    def __init__(self, healthy_within: timedelta, clock: WallClock = utc_now) -> None:
        """Start active, with no success yet (so unhealthy until the first cycle succeeds)."""
        self._limit = healthy_within
        self._clock = clock
        self._lock = threading.Lock()
        self._state = HealthState()

    @property
    def state(self) -> HealthState:
        """A snapshot of the current state."""
        with self._lock:
            return self._state

    def active(self) -> None:
        """This replica holds the lease and runs cycles."""
        with self._lock:
            self._state = replace(self._state, role=Role.ACTIVE)

    def standby(self) -> None:
        """Another replica holds the lease; any earlier problem is no longer ours to report."""
        with self._lock:
            self._state = replace(self._state, role=Role.STANDBY, problem=None, fatal=False)

    def succeeded(self, finished_at: datetime) -> None:
        """A cycle succeeded; it clears the last problem."""
        with self._lock:
            self._state = replace(self._state, last_success=finished_at, problem=None, fatal=False)

    def failed(self, problem: str, *, fatal: bool = False) -> None:
        """An attempt failed; ``problem`` (redacted here) is shown until a cycle succeeds."""
        with self._lock:
            self._state = replace(self._state, problem=redact(problem), fatal=fatal)

    def verdict(self) -> Verdict:
        """Healthy or not, now."""
        return judge(self.state, self._clock(), self._limit)


def create_app(health: Health, metrics: Metrics) -> Starlette:
    """The Starlette app serving ``/healthz`` from ``health`` and ``/metrics`` from ``metrics``."""

    async def healthz(_: Request) -> Response:
        verdict = health.verdict()
        return JSONResponse(verdict.body, status_code=verdict.status_code, headers=_NO_STORE)

    async def prometheus(_: Request) -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE, headers=_NO_STORE)

    return Starlette(
        routes=[Route("/healthz", healthz, methods=["GET"]), Route("/metrics", prometheus)]
    )


class StatusServer:
    """Serves :func:`create_app` with uvicorn on a background thread.

    Usage::

        with StatusServer(health, metrics, bind="127.0.0.1", port=0) as server:
            print(server.url)
    """

    def __init__(self, health: Health, metrics: Metrics, *, bind: str, port: int) -> None:
        """Prepare the server; nothing is bound until :meth:`start`."""
        self._bind, self._wanted_port = bind, port
        config = uvicorn.Config(
            create_app(health, metrics),
            # None: leave logging alone, so uvicorn's lines go through our handler (and redaction).
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_S,
        )
        self._server = uvicorn.Server(config)
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port served on (the one the system picked when configured with 0)."""
        if self._socket is None:
            raise RuntimeError("the status server is not started")
        return int(self._socket.getsockname()[1])

    @property
    def url(self) -> str:
        """``http://host:port``, the base of ``/healthz`` and ``/metrics``."""
        host = f"[{self._bind}]" if ":" in self._bind else self._bind
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Bind and listen, then serve on a daemon thread.

        Raises:
            OSError: The address cannot be bound (port in use, address not on this machine).
        """
        self._socket = _listen(self._bind, self._wanted_port)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="smarketing-status",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and release the port (a no-op if not started)."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> StatusServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _listen(bind: str, port: int) -> socket.socket:
    """A listening socket: connections queue in its backlog until uvicorn's loop accepts them."""
    family = socket.AF_INET6 if ipaddress.ip_address(bind).version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((bind, port))
        sock.listen(_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock
