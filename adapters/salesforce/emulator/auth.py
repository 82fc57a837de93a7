"""Sessions and the OAuth token endpoint (fact sheet §2, §11, §13).

- Static sessions from :class:`~.options.TokenSpec` serve simple-salesforce's direct mode.
- ``POST /services/oauth2/token`` grants ``client_credentials`` (HTTP Basic or form fields) and the
  JWT bearer grant (RS256 assertion ``{iss, sub, aud, exp}`` verified with the client's certificate
  through PyJWT). The answer has ``access_token``, ``instance_url``, ``id``, ``token_type``,
  ``issued_at`` and ``signature`` and **no** ``expires_in`` (§2).
- A session dies after ``Behaviour.session_idle_seconds`` without use (2 h, §2), after its request
  budget, or when a fault or a test expires it; then every call answers 401 ``INVALID_SESSION_ID``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.x509 import load_pem_x509_certificate

from .errors import OAuthError, invalid_session
from .options import ClientSpec, EmulatorOptions
from .org import Org

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(slots=True)
class Session:
    """One access token and its state."""

    token: str
    user_id: str
    last_used: datetime
    requests: int = 0
    max_requests: int | None = None
    revoked: bool = False


class Auth:
    """The sessions of one emulator run."""

    def __init__(self, options: EmulatorOptions, org: Org) -> None:
        self.options, self.org = options, org
        self.sessions: dict[str, Session] = {}
        self.logins = 0
        for spec in options.tokens:
            user = self._user_id(spec.user) if spec.user else org.integration_user_id
            if user is None:
                raise ValueError(f"token user {spec.user!r} does not exist in the org")
            self.sessions[spec.token] = Session(
                spec.token, user, options.now(), 0, spec.expires_after_requests
            )

    def authenticate(self, header: str | None) -> Session:
        """The live session of ``Authorization: Bearer <token>``, counted as used.

        Raises:
            SalesforceError: 401 ``INVALID_SESSION_ID``.
        """
        scheme, _, token = (header or "").partition(" ")
        session = (
            self.sessions.get(token.strip()) if scheme.lower() in ("bearer", "oauth") else None
        )
        now = self.options.now()
        idle = timedelta(seconds=self.org.behaviour.session_idle_seconds)
        if session is None or session.revoked or now - session.last_used > idle:
            raise invalid_session()
        if session.max_requests is not None and session.requests >= session.max_requests:
            session.revoked = True
            raise invalid_session()
        session.requests += 1
        session.last_used = now
        return session

    def expire_all(self) -> None:
        """Invalidate every session (a fault or an org-wide logout)."""
        for session in self.sessions.values():
            session.revoked = True

    def grant(
        self, form: Mapping[str, str], authorization: str | None, instance_url: str
    ) -> dict[str, Any]:
        """Answer a token request.

        Raises:
            OAuthError: 400 with ``invalid_client_id``, ``invalid_client``, ``invalid_grant`` or
                ``unsupported_grant_type``.
        """
        grant_type = form.get("grant_type", "")
        if grant_type == "client_credentials":
            client = self._client_credentials(form, authorization)
            user = self._user_id(client.run_as) if client.run_as else self.org.integration_user_id
        elif grant_type == JWT_GRANT:
            client, user = self._jwt(form.get("assertion", ""))
        else:
            raise OAuthError(400, "unsupported_grant_type", "grant type not supported")
        if user is None:
            raise OAuthError(400, "invalid_grant", "user hasn't approved this consumer")
        return self._issue(client, user, instance_url)

    def _client(self, key: str) -> ClientSpec:
        for client in self.options.clients:
            if hmac.compare_digest(client.consumer_key, key):
                return client
        raise OAuthError(400, "invalid_client_id", "client identifier invalid")

    def _client_credentials(self, form: Mapping[str, str], authorization: str | None) -> ClientSpec:
        key, secret = form.get("client_id", ""), form.get("client_secret", "")
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                key, _, secret = base64.b64decode(encoded).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise OAuthError(400, "invalid_client", "invalid client credentials") from exc
        client = self._client(key)
        if not hmac.compare_digest(client.consumer_secret, secret):
            raise OAuthError(400, "invalid_client", "invalid client credentials")
        return client

    def _jwt(self, assertion: str) -> tuple[ClientSpec, str | None]:
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise OAuthError(400, "invalid_grant", "invalid assertion") from exc
        client = self._client(str(claims.get("iss", "")))
        if client.certificate_pem is None:
            raise OAuthError(400, "invalid_grant", "invalid assertion")
        key: Any = client.certificate_pem
        if b"BEGIN CERTIFICATE" in key:
            key = load_pem_x509_certificate(key).public_key()
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise OAuthError(400, "invalid_grant", "invalid assertion") from exc
        audience = str(claims.get("aud", ""))
        if not (audience.startswith("https://") and audience.endswith(".salesforce.com")):
            raise OAuthError(400, "invalid_grant", "audience is invalid")
        expires = float(claims.get("exp", 0))
        if expires < self.options.now().timestamp():
            raise OAuthError(400, "invalid_grant", "expired authorization code")
        return client, self._user_id(str(claims.get("sub", "")))

    def _user_id(self, username: str) -> str | None:
        for row in self.org.tables["User"].rows.values():
            if (
                str(row["Username"]).lower() == username.lower()
                and row["IsActive"]
                and not row["IsDeleted"]
            ):
                return str(row["Id"])
        return None

    def _issue(self, client: ClientSpec, user: str, instance_url: str) -> dict[str, Any]:
        self.logins += 1
        digest40 = hashlib.sha256(f"{user}{self.logins}".encode()).hexdigest()[:40]
        token = f"{self.org.org_id[:15]}!AQ.emulator.{self.logins:08d}.{digest40}"
        now = self.options.now()
        self.sessions[token] = Session(token, user, now)
        identity = f"{instance_url}/id/{self.org.org_id}/{user}"
        issued = str(int(now.timestamp() * 1000))
        digest = hmac.new(
            client.consumer_secret.encode(), (identity + issued).encode(), hashlib.sha256
        )
        return {
            "access_token": token,
            "instance_url": instance_url,
            "id": identity,
            "token_type": "Bearer",
            "issued_at": issued,
            "signature": base64.b64encode(digest.digest()).decode(),
        }
