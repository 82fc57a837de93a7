"""Serve an ASGI app with uvicorn on 127.0.0.1 in a daemon thread, for tests, demos, benchmarks.

Both emulators run this way; the server starts on an ephemeral port (or a given one), reports
when it is up, and stops promptly, releasing the port.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable

import uvicorn

START_TIMEOUT_S = 10.0

_EXPECTED_NOTICES = (
    # An emulated dropped connection returns non-None from the ASGI callable on purpose.
    "ASGI callable should return None",
    # Idle keep-alive connections cancelled at shutdown.
    "Cancel %s running task(s)",
)


class QuietNotices(logging.Filter):
    """Hide uvicorn notices that the emulators cause on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(_EXPECTED_NOTICES)


def quiet_uvicorn() -> None:
    """Install :class:`QuietNotices` on uvicorn's error logger once."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, QuietNotices) for f in logger.filters):
        logger.addFilter(QuietNotices())


class LoopbackServer:
    """uvicorn in a daemon thread on a socket bound to 127.0.0.1.

    Args:
        config: Builds the uvicorn config for the port that was bound.
        name: The thread's name, and what start-up errors call the server.
        port: 0 for an ephemeral port.
    """

    def __init__(self, config: Callable[[int], uvicorn.Config], name: str, port: int = 0) -> None:
        self._make_config, self._name, self._wanted = config, name, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0

    def start(self) -> None:
        """Bind, serve in a thread and return once uvicorn is accepting connections.

        Raises:
            RuntimeError: The server did not come up within ``START_TIMEOUT_S``.
        """
        quiet_uvicorn()
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
        # says TCP, and without it every response waits ~40 ms for a delayed ACK (Nagle).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._wanted))
        self._socket, self.port = sock, sock.getsockname()[1]
        self._server = uvicorn.Server(self._make_config(self.port))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=self._name, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {self._name} did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        """Stop serving and release the port (safe to call twice)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=START_TIMEOUT_S)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
