"""``serve``: the standalone emulator behind ``smarketing emulator salesforce``."""

from __future__ import annotations

import sys

import uvicorn

from .http import Runtime
from .options import EmulatorOptions
from .seed import seeded_org
from .server import uvicorn_config
from .tls import TlsFiles, make_tls


def prepare(
    port: int, seed: int, records: int, options: EmulatorOptions, host: str = "127.0.0.1"
) -> tuple[uvicorn.Config, TlsFiles]:
    """The uvicorn settings and certificate files of a seeded standalone emulator."""
    runtime = Runtime.build(options, seeded_org(seed, records, options.now(), options))
    tls = make_tls()
    return uvicorn_config(lambda: runtime, port, tls, host), tls


def serve(
    port: int = 8443,
    seed: int = 42,
    records: int = 1000,
    options: EmulatorOptions | None = None,
    host: str = "127.0.0.1",
) -> None:
    """Seed an org with ``records`` people and serve it over TLS until interrupted (blocking).

    Prints the instance URL, the CA file to trust and the session id to use.

    Args:
        port: TCP port to listen on.
        seed: Scenario seed; the same seed and size give the same data.
        records: Number of people (Leads) to generate.
        options: Limits, faults, credentials; defaults to :class:`EmulatorOptions`.
        host: Interface to bind; keep the loopback default unless you know why not.
    """
    options = options or EmulatorOptions()
    config, tls = prepare(port, seed, records, options, host)
    try:
        sys.stdout.write(
            f"Salesforce emulator on https://{host}:{port}\n"
            f"  CA bundle: {tls.ca_path}  (requests: session.verify=...; or REQUESTS_CA_BUNDLE)\n"
            f"  session id: {options.tokens[0].token}\n"
        )
        sys.stdout.flush()
        uvicorn.Server(config).run()
    finally:
        tls.remove()
