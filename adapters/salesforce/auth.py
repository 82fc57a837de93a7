"""Sessions for the Salesforce client: OAuth client credentials or JWT bearer, never passwords.

Why not simple-salesforce's own logins: they hard-code a ``*.salesforce.com`` token host, drop
per-call headers on their refresh retry and recurse without bound on a persistent 401 (§2, §13).
So the adapter logs in itself and hands simple-salesforce a session id in direct mode, which never
refreshes on its own.

- **Client credentials** (§2): ``POST {login}/services/oauth2/token`` with HTTP Basic
  ``client_id:client_secret`` and ``grant_type=client_credentials``; needs My Domain, so the login
  host defaults to the instance.
- **JWT bearer** (§2): an RS256 assertion ``{iss: client_id, sub: username, aud: login host,
  exp: now + 3 min}`` signed with PyJWT, ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``.

When to log in again (failure-modes R8, F26-F28):

- before expiry: token responses carry no ``expires_in`` (§2) and sessions die after the org's
  idle timeout (2 h by default), so a session idle for nearly that long is replaced before use;
  an ``expires_in``, when a server sends one, is honoured a minute early;
- once after a 401 ``INVALID_SESSION_ID`` (the client retries the call once, never in a loop);
- single-flight: concurrent callers that saw the same stale session wait for one login;
- a refused login is remembered for :data:`REFUSED_BACKOFF` seconds: callers get the same
  :class:`AuthError` instead of hammering the token endpoint (no hot loop on a revoked grant).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import jwt
import requests

from adapters.base.errors import AuthError, ConfigurationError, ServerError, TransportError
from adapters.salesforce.settings import SalesforceSettings

JWT_GRANT: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LABEL: Final = "oauth2/token"  # noqa: S105 - an endpoint label, not a secret
ASSERTION_LIFETIME: Final = timedelta(minutes=3)  # §2: exp = now + 3 min
EARLY: Final = timedelta(minutes=5)
REFUSED_BACKOFF: Final = timedelta(seconds=60)

Retry = Callable[[Callable[[], "Token"]], "Token"]
"""Runs a login under the client's retry policy (a 5xx or a timeout at login is transient)."""


@dataclass(frozen=True, slots=True)
class Token:
    """One session: the bearer token (never in ``repr``) and the instance it is valid on."""

    access_token: str = field(repr=False)
    instance_url: str
    issued_at: datetime
    expires_at: datetime | None = None


class TokenSource:
    """Logs in, and again when needed; thread-safe.

    Args:
        settings: Flow, credentials, login URL, clock and idle timeout.
        session: The HTTP session (its CA and timeout apply to logins too).
        retry: Wraps each login in the client's retry policy.
        on_response: Told ``(label, status)`` of every login attempt, for the call counts.
    """

    def __init__(
        self,
        settings: SalesforceSettings,
        session: requests.Session,
        *,
        retry: Retry,
        on_response: Callable[[str, int], None],
    ) -> None:
        self.settings, self.session = settings, session
        self._retry, self._on_response = retry, on_response
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._last_used: datetime | None = None
        self._refused: tuple[datetime, AuthError] | None = None
        self.logins = 0

    def current(self) -> Token:
        """The session to use now; logs in first when there is none or it is about to expire.

        Raises:
            AuthError: The login was refused (now or within the last minute).
            ConfigurationError: The private key cannot sign.
        """
        with self._lock:
            token = self._token
            if token is None or self._expiring(token):
                token = self._login()
            self._last_used = self.settings.clock()
            return token

    def refresh(self, stale: Token) -> Token:
        """A new session replacing ``stale``; if another caller already replaced it, that one.

        Raises:
            AuthError: The login was refused (now or within the last minute).
        """
        with self._lock:
            if self._token is not None and self._token is not stale:
                return self._token
            token = self._login()
            self._last_used = self.settings.clock()
            return token

    def _expiring(self, token: Token) -> bool:
        now = self.settings.clock()
        if token.expires_at is not None and now >= token.expires_at - timedelta(minutes=1):
            return True
        idle = now - (self._last_used or token.issued_at)
        return idle >= self.settings.session_idle_timeout - EARLY

    def _login(self) -> Token:
        now = self.settings.clock()
        if self._refused is not None and now - self._refused[0] < REFUSED_BACKOFF:
            raise self._refused[1]
        try:
            token = self._retry(self._request)
        except AuthError as refused:
            self._refused = (now, refused)
            raise
        self._refused, self._token = None, token
        self.logins += 1
        return token

    def _request(self) -> Token:
        settings = self.settings
        form = self._form()
        basic = (settings.client_id, settings.client_secret or "")
        try:
            response = self.session.post(
                settings.token_url,
                data=form,
                auth=basic if settings.auth == "client_credentials" else None,
                headers={"Accept": "application/json"},
                timeout=settings.timeout,
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            self._on_response(TOKEN_LABEL, 0)
            raise TransportError(f"{TOKEN_LABEL}: no answer from the login server: {exc}") from exc
        self._on_response(TOKEN_LABEL, response.status_code)
        return self._token_from(response)

    def _form(self) -> dict[str, str]:
        if self.settings.auth == "client_credentials":
            return {"grant_type": "client_credentials"}
        return {"grant_type": JWT_GRANT, "assertion": self._assertion()}

    def _assertion(self) -> str:
        settings = self.settings
        expires = settings.clock() + ASSERTION_LIFETIME
        claims = {
            "iss": settings.client_id,
            "sub": settings.username,
            "aud": settings.audience,
            "exp": int(expires.timestamp()),
        }
        try:
            return jwt.encode(claims, settings.private_key or "", algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise ConfigurationError(
                f"crm.salesforce.private_key cannot sign the JWT assertion: {exc}"
            ) from exc

    def _token_from(self, response: requests.Response) -> Token:
        flow = self.settings.auth.replace("_", " ")
        body = _json(response)
        status = response.status_code
        if status >= 500:
            failed = f"{TOKEN_LABEL}: the login server failed (HTTP {status})"
            raise ServerError(failed, status=status)
        token = body.get("access_token")
        if status >= 400 or not isinstance(token, str) or not token:
            error = str(body.get("error") or "no token")
            detail = str(body.get("error_description") or "")
            raise AuthError(
                f"{TOKEN_LABEL}: Salesforce refused the {flow} login (HTTP {status}, {error}: "
                f"{detail}); check the External Client App, its policies and the credentials",
                status=status,
                code=error,
            )
        now = self.settings.clock()
        expires_in = body.get("expires_in")
        return Token(
            access_token=token,
            instance_url=str(body.get("instance_url") or self.settings.instance_url).rstrip("/"),
            issued_at=now,
            expires_at=now + timedelta(seconds=float(expires_in)) if expires_in else None,
        )


def _json(response: requests.Response) -> Mapping[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, Mapping) else {}
