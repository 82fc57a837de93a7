"""Run the emulator in a background thread: a context manager for tests and benchmarks.

``HubSpotEmulator`` starts uvicorn on 127.0.0.1 with an ephemeral port in a daemon thread and
stops it on exit. ``reset`` swaps in a fresh portal, buckets, tokens and faults without
restarting, so a test suite can share one server.
"""

from __future__ import annotations

from types import TracebackType

import uvicorn

from adapters.emulation.serving import LoopbackServer

from .app import build_app
from .faults import FaultInjector
from .http import Runtime
from .options import EmulatorOptions
from .portal import Portal


class HubSpotEmulator:
    """A running emulator. Use as ``with HubSpotEmulator(options) as emu: emu.base_url``."""

    def __init__(
        self, options: EmulatorOptions | None = None, portal: Portal | None = None
    ) -> None:
        self._runtime = Runtime.build(options or EmulatorOptions(), portal)
        self._server = LoopbackServer(
            lambda port: _config(build_app(lambda: self._runtime), port), "HubSpot emulator"
        )
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
        self._server.start()
        self.port = self._server.port
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.stop()

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
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
