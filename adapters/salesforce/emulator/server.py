"""Run the emulator over TLS in a background thread: a context manager for tests and benchmarks.

``SalesforceEmulator`` makes a trustme CA and certificate, starts uvicorn on 127.0.0.1 with an
ephemeral port in a daemon thread, and stops it on exit. ``reset`` swaps in a fresh org, sessions,
allocation and faults without restarting, so a test suite can share one server.
"""

from __future__ import annotations

from types import TracebackType

import requests
import uvicorn

from adapters.emulation.serving import LoopbackServer, quiet_uvicorn

from .asgi import build_app
from .client import emulator_session
from .faults import FaultInjector
from .http import Runtime
from .options import EmulatorOptions
from .org import Org
from .tls import TlsFiles, make_tls


class SalesforceEmulator:
    """A running emulator: ``with SalesforceEmulator(options) as emu: emu.instance_url``."""

    def __init__(self, options: EmulatorOptions | None = None, org: Org | None = None) -> None:
        self._runtime = Runtime.build(options or EmulatorOptions(), org)
        self._server: LoopbackServer | None = None
        self._tls: TlsFiles | None = None
        self.port = 0

    @property
    def instance_url(self) -> str:
        """``https://127.0.0.1:<port>``: simple-salesforce's ``instance_url``."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_bundle_path(self) -> str:
        """The PEM file of the CA that signed the server certificate."""
        if self._tls is None:
            raise RuntimeError("the emulator is not running")
        return str(self._tls.ca_path)

    @property
    def token(self) -> str:
        """The first configured session id (direct mode, no login)."""
        return self._runtime.options.tokens[0].token

    @property
    def org(self) -> Org:
        """The org: read and change records from tests (hold ``org.lock`` across steps)."""
        return self._runtime.org

    @property
    def runtime(self) -> Runtime:
        """Sessions, allocation, faults, cursors and the request log of the current run."""
        return self._runtime

    @property
    def faults(self) -> FaultInjector:
        """The fault injector (``emu.faults.script(FaultKind.LOCK_ROW)``)."""
        return self._runtime.faults

    def session(self) -> requests.Session:
        """A ``requests.Session`` trusting the CA and sending ``*.salesforce.com`` logins here."""
        return emulator_session(self.instance_url, self.ca_bundle_path)

    def reset(self, options: EmulatorOptions | None = None, org: Org | None = None) -> None:
        """Start over with fresh state, keeping the server, its port and its certificate."""
        self._runtime = Runtime.build(options or self._runtime.options, org)

    def expire_sessions(self) -> None:
        """Invalidate every access token: the next call answers 401 ``INVALID_SESSION_ID``."""
        with self.org.lock:
            self._runtime.auth.expire_all()

    def expire_query_locators(self) -> None:
        """Forget every query cursor: ``nextRecordsUrl`` answers ``INVALID_QUERY_LOCATOR``."""
        with self.org.lock:
            self._runtime.cursors.expire_all()

    def start(self) -> SalesforceEmulator:
        """Make the certificates, bind 127.0.0.1 on an ephemeral port and serve in a thread."""
        tls = self._tls = make_tls()
        self._server = LoopbackServer(
            lambda port: uvicorn_config(lambda: self._runtime, port, tls), "Salesforce emulator"
        )
        self._server.start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        """Stop serving, release the port and delete the certificate files."""
        if self._server is not None:
            self._server.stop()
        if self._tls is not None:
            self._tls.remove()
        self._server = self._tls = None

    def __enter__(self) -> SalesforceEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def uvicorn_config(
    get_runtime: object, port: int, tls: TlsFiles, host: str = "127.0.0.1"
) -> uvicorn.Config:
    """uvicorn settings: TLS from ``tls``, quiet logs, no lifespan."""
    quiet_uvicorn()
    return uvicorn.Config(
        build_app(get_runtime),  # type: ignore[arg-type]
        host=host,
        port=port,
        ssl_keyfile=str(tls.key_path),
        ssl_certfile=str(tls.cert_path),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
