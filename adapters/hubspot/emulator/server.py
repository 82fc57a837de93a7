"""Run the emulator in a background thread: a context manager for tests and benchmarks.

``HubSpotEmulator`` starts uvicorn on 127.0.0.1 with an ephemeral port in a daemon thread and
stops it on exit. ``reset`` swaps in a fresh portal, buckets, tokens and faults without
restarting, so a test suite can share one server.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import TracebackType

import uvicorn

from .app import build_app
from .faults import FaultInjector
from .http import Runtime
from .options import EmulatorOptions
from .portal import Portal

_START_TIMEOUT_S = 10.0


class _DropNotice(logging.Filter):
    """Hide uvicorn's complaint about the non-``None`` return that drops a connection on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("ASGI callable should return None")


class HubSpotEmulator:
    """A running emulator. Use as ``with HubSpotEmulator(options) as emu: emu.base_url``."""

    def __init__(
        self, options: EmulatorOptions | None = None, portal: Portal | None = None
    ) -> None:
        self._runtime = Runtime.build(options or EmulatorOptions(), portal)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: pass it as the SDK's ``host`` or our adapter's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        """The first configured bearer token."""
        return self._runtime.options.tokens[0].token

    @property
    def state(self) -> Portal:
        """The portal: read and change records from tests (hold ``state.lock`` across steps)."""
        return self._runtime.portal

    @property
    def runtime(self) -> Runtime:
        """Tokens, buckets, faults and the request log of the current run."""
        return self._runtime

    @property
    def faults(self) -> FaultInjector:
        """The fault injector (``emu.faults.script(FaultKind.UNAVAILABLE)``)."""
        return self._runtime.faults

    def reset(self, options: EmulatorOptions | None = None, portal: Portal | None = None) -> None:
        """Start over with fresh state, keeping the server and its port."""
        self._runtime = Runtime.build(options or self._runtime.options, portal)

    def start(self) -> HubSpotEmulator:
        """Bind 127.0.0.1 on an ephemeral port and serve in a daemon thread."""
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
        # says TCP, and without it every response waits ~40 ms for a delayed ACK (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._socket, self.port = sock, sock.getsockname()[1]
        self._server = uvicorn.Server(_config(build_app(lambda: self._runtime), self.port))
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name="hubspot-emulator",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the HubSpot emulator did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=_START_TIMEOUT_S)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> HubSpotEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _config(app: object, port: int) -> uvicorn.Config:
    logging.getLogger("uvicorn.error").addFilter(_DropNotice())
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
