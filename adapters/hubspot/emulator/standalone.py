"""``serve``: a standalone emulator for ``smarketing emulator hubspot --port --seed --records``."""

from __future__ import annotations

import sys

import uvicorn

from .app import build_app
from .http import Runtime
from .options import EmulatorOptions
from .seed import seeded_portal


def serve(
    port: int = 8080,
    seed: int = 42,
    records: int = 1000,
    options: EmulatorOptions | None = None,
    host: str = "127.0.0.1",
) -> None:
    """Seed a portal with ``records`` people and serve it until interrupted (blocking).

    Args:
        port: TCP port to listen on.
        seed: Scenario seed; the same seed and size give the same data.
        records: Number of people (contacts) to generate.
        options: Limits, faults, tokens; defaults to :class:`EmulatorOptions`.
        host: Interface to bind; keep the loopback default unless you know why not.
    """
    options = options or EmulatorOptions()
    runtime = Runtime.build(options, seeded_portal(seed, records, options.now(), options))
    sys.stdout.write(f"HubSpot emulator on http://{host}:{port} token={options.tokens[0].token}\n")
    sys.stdout.flush()
    uvicorn.run(
        build_app(lambda: runtime), host=host, port=port, log_level="warning", lifespan="off"
    )
