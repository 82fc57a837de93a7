"""The emulator in-process, without sockets or TLS (fact sheet §0.1, §13, §18.9).

- :func:`build_wsgi` is a WSGI callable for ``httpx.WSGITransport`` (our own httpx code).
- :class:`InProcessAdapter` is a ``requests`` transport adapter that answers from the emulator
  directly; :func:`in_process_session` mounts it for every ``https://`` URL, so simple-salesforce's
  login at ``https://{domain}.salesforce.com`` and its data calls both reach the emulator
  (``Salesforce(consumer_key=…, consumer_secret=…, domain="acme.my", session=session)``).

Both serve the same router as the TLS server. A dropped connection becomes
``requests.ConnectionError`` (adapter) or ``ConnectionResetError`` (WSGI); slow replies wait on
the injected sleep, run to completion with ``asyncio.run`` (callers are synchronous).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from .http import JSON_TYPE, Reply, Request, Runtime
from .router import dispatch

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _answer(runtime: Runtime, request: Request) -> Reply:
    reply = dispatch(runtime, request)
    if reply.delay:
        asyncio.run(_wait(runtime, reply.delay))
    return reply


async def _wait(runtime: Runtime, seconds: float) -> None:
    await runtime.options.sleep(seconds)


def _headers(reply: Reply, payload: bytes) -> dict[str, str]:
    headers = dict(reply.headers)
    if payload:
        headers["Content-Type"] = JSON_TYPE
    headers["Content-Length"] = str(len(payload))
    return headers


def build_wsgi(
    get_runtime: Callable[[], Runtime],
) -> Callable[[Mapping[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app serving whatever runtime ``get_runtime`` returns at request time."""

    def app(environ: Mapping[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            k[5:].replace("_", "-").lower(): str(v)
            for k, v in environ.items()
            if k.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        path = quote(str(environ.get("PATH_INFO", "")).encode("latin-1"), safe="/:@!$&'()*+,;=-._~")
        query = parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        base_url = f"{environ.get('wsgi.url_scheme', 'https')}://{headers.get('host', 'localhost')}"
        reply = _answer(
            get_runtime(),
            Request(str(environ["REQUEST_METHOD"]), path, query, headers, body, base_url),
        )
        if reply.drop:
            raise ConnectionResetError("the emulator dropped the connection (fault)")
        payload = reply.encode()
        status = f"{reply.status} {HTTPStatus(reply.status).phrase}"
        start_response(status, list(_headers(reply, payload).items()))
        return [payload]

    return app


class InProcessAdapter(BaseAdapter):
    """A ``requests`` adapter that answers from the emulator's router in this process."""

    def __init__(self, get_runtime: Callable[[], Runtime]) -> None:
        super().__init__()
        self._get_runtime = get_runtime

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Dispatch the prepared request and wrap the reply as a ``requests.Response``."""
        parts = urlsplit(request.url or "")
        body = request.body
        data = body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else b""
        headers = {
            k.lower(): v.decode("latin-1") if isinstance(v, bytes) else v
            for k, v in request.headers.items()
        }
        query = parse_qs(parts.query, keep_blank_values=True)
        base_url = f"{parts.scheme}://{parts.netloc}"
        reply = _answer(
            self._get_runtime(),
            Request(request.method or "GET", parts.path, query, headers, data, base_url),
        )
        if reply.drop:
            raise requests.ConnectionError(
                "the emulator dropped the connection (fault)", request=request
            )
        payload = reply.encode()
        response = requests.Response()
        response.status_code = reply.status
        response.reason = HTTPStatus(reply.status).phrase
        response.headers = CaseInsensitiveDict(_headers(reply, payload))
        response._content = payload  # how requests' own adapters fill one
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to release."""


def in_process_session(get_runtime: Callable[[], Runtime]) -> requests.Session:
    """A session whose every ``https://`` request is answered by the emulator in-process."""
    session = requests.Session()
    session.trust_env = False
    session.mount("https://", InProcessAdapter(get_runtime))
    return session
