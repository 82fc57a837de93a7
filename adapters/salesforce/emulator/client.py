"""A ``requests.Session`` that reaches the emulator over TLS, login included (fact sheet §2, §13).

simple-salesforce sends its token request to ``https://{domain}.salesforce.com`` whatever the
instance is (§2), so :class:`LoginForwarder` rewrites requests for ``*.salesforce.com`` hosts to
the emulator's ``https://127.0.0.1:PORT``; every other request goes out unchanged. The session
trusts the emulator's CA. The token response names ``https://127.0.0.1:PORT`` as
``instance_url``, so data calls go straight there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter


class LoginForwarder(HTTPAdapter):
    """Sends requests for ``*.salesforce.com`` to the emulator instead."""

    def __init__(self, instance_url: str) -> None:
        super().__init__()
        self.instance_url = instance_url.rstrip("/")

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Rewrite the host of Salesforce URLs, then send as usual."""
        url = request.url or ""
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.endswith(".salesforce.com"):
            request.url = self.instance_url + url[len(f"{parts.scheme}://{parts.netloc}") :]
        return super().send(request, *args, **kwargs)


def emulator_session(
    instance_url: str, ca_path: str, headers: Mapping[str, str] | None = None
) -> requests.Session:
    """A session for ``Salesforce(..., session=session)`` against a running emulator."""
    session = requests.Session()
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify (requests#3829),
    # and proxy variables must not see 127.0.0.1: ignore the environment.
    session.trust_env = False
    session.verify = ca_path
    session.mount("https://", LoginForwarder(instance_url))
    if headers:
        session.headers.update(headers)
    return session
