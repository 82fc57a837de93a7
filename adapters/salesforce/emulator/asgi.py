"""The emulator as a plain ASGI app for uvicorn (no framework: the router is ours).

A reply marked ``drop`` closes the connection without a byte: uvicorn closes the transport when an
app returns something other than ``None``, the one way an ASGI app can drop a connection before the
status line (failure-modes F20/F29). Slow replies wait on the injected async sleep.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from .http import JSON_TYPE, Request, Runtime
from .router import dispatch

DROPPED = "dropped"


def build_app(get_runtime: Callable[[], Runtime]) -> Callable[..., Any]:
    """The ASGI app serving whatever runtime ``get_runtime`` returns at request time."""

    async def app(
        scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> object:
        if scope["type"] != "http":
            return None
        body = bytearray()
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        runtime = get_runtime()
        reply = dispatch(runtime, _request(scope, bytes(body)))
        if reply.delay:
            await runtime.options.sleep(reply.delay)
        if reply.drop:
            return DROPPED
        payload = reply.encode()
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
        if payload:
            headers.append((b"content-type", JSON_TYPE.encode()))
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
        return None

    return app


def _request(scope: dict[str, Any], body: bytes) -> Request:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    host, port = scope.get("server") or ("127.0.0.1", 443)
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else scope["path"]
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    scheme = scope.get("scheme", "https")
    return Request(scope["method"], path, query, headers, body, f"{scheme}://{host}:{port}")
