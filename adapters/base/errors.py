"""The one error tree of the product, grouped by what the caller does next.

Adapters convert every vendor exception into one of these at the boundary (``raise ... from exc``);
nothing above ``adapters/`` catches a vendor exception. Callers branch on the three groups only::

    SmarketingError                 root: anything the connector raises on purpose
    ├── FatalError                  stop the run; retrying within it cannot help
    │   ├── ConfigurationError      the config or the CRM setup is wrong; a human must fix it
    │   ├── AuthError               credentials refused or expired beyond refresh (CLI exit 3)
    │   │   └── MissingScopesError  the app lacks permissions; ``.scopes`` names them
    │   └── QuotaExhaustedError     the daily allocation (or our share of it) is used up;
    │                               the daemon resumes after ``.resume_after`` seconds
    ├── RetryLaterError             transient: retry with backoff; ``.retry_after`` when known
    │   ├── RateLimitedError        HTTP 429, a burst limit
    │   ├── ServerError             5xx
    │   ├── LockedError             HubSpot 423, Salesforce ``UNABLE_TO_LOCK_ROW``
    │   └── TransportError          timeouts, refused or dropped connections
    └── RecordError                 skip this record, keep going; ``.record_id .field .reason``
        ├── ValidationError         the CRM rejected the values (or the request)
        └── NotFoundError           the record is gone (archived, merged or deleted)

Every message names what failed (endpoint, record, field) and is passed through :func:`redact`
on construction, so a token pasted into a message by mistake never reaches a log or a report.
Extra attributes are keyword-only with defaults, which keeps the errors picklable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

_SECRET_PATTERNS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # Bearer tokens, whatever they look like; Basic only in a header, as "Basic auth" is prose.
    (re.compile(r"\b(Bearer)\s+[^\s\"',;]+", re.IGNORECASE), r"\1 ***"),
    (re.compile(r"(\bAuthorization[\"']?\s*[:=]\s*[\"']?Basic)\s+[^\s\"',;]+", re.I), r"\1 ***"),
    # HubSpot private-app tokens (pat-na1-…); the region is kept because it helps support.
    (re.compile(r"\bpat-([a-z]{2}\d)-[A-Za-z0-9-]+"), r"pat-\1-***"),
    # Salesforce session ids are "<org id>!<secret>"; the org id is not a secret.
    (re.compile(r"\b(00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)![A-Za-z0-9._]+"), r"\1!***"),
    # JWTs (the Salesforce JWT bearer assertion, OAuth id tokens).
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"), "***"),
    # Query strings, form bodies and JSON: access_token=…, "refresh_token": "…".
    (
        re.compile(
            r"""(["']?\b(?:access_token|refresh_token|client_secret|hapikey|password|assertion)"""
            r"""["']?\s*[:=]\s*["']?)[^\s"'&,;}]+""",
            re.IGNORECASE,
        ),
        r"\1***",
    ),
)


def redact(text: str) -> str:
    """Mask credentials in ``text`` so it is safe to log or show.

    Masks bearer/basic credentials, HubSpot ``pat-…`` tokens, Salesforce session ids
    (``00D…!…``), JWTs, and the values of ``access_token``, ``refresh_token``, ``client_secret``,
    ``hapikey``, ``password`` and ``assertion`` in query strings, form bodies and JSON.

    Args:
        text: Any text: a message, a URL, a response body.

    Returns:
        The text with every recognised secret replaced by ``***``.
    """
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class SmarketingError(Exception):
    """Root of every error the connector raises on purpose.

    Args:
        message: What failed and, where it helps, what to do; secrets are masked.
        status: The HTTP status that caused it, when there was one.
        code: The vendor's error code or category (``MISSING_SCOPES``, ``UNABLE_TO_LOCK_ROW``).
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        self.message = redact(message)
        super().__init__(self.message)
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return self.message


class FatalError(SmarketingError):
    """Stop the run: retrying within it cannot help."""


class ConfigurationError(FatalError):
    """The configuration or the CRM's setup is wrong; the message says which key or object."""


class AuthError(FatalError):
    """The CRM refused the credentials and a refresh did not help (CLI exit code 3)."""


class MissingScopesError(AuthError):
    """The app is authenticated but lacks permissions.

    Args:
        message: What was refused.
        scopes: The scopes (HubSpot) or permissions (Salesforce) to grant, when the CRM names them.
        status: The HTTP status.
        code: The vendor's error code.
    """

    def __init__(
        self,
        message: str,
        *,
        scopes: Iterable[str] = (),
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.scopes: tuple[str, ...] = tuple(scopes)


class QuotaExhaustedError(FatalError):
    """The daily API allocation, or the share of it we allow ourselves, is used up.

    The run stops (no hot retry); the daemon tries again after ``resume_after`` seconds.

    Args:
        message: Which lane, how much is used, when it resets.
        lane: The rate-budget lane that ran out.
        resume_after: Seconds until it is worth trying again, when known.
        status: The HTTP status, if the CRM refused a call.
        code: The vendor's error code (``REQUEST_LIMIT_EXCEEDED``).
    """

    def __init__(
        self,
        message: str,
        *,
        lane: str = "",
        resume_after: float | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.lane = lane
        self.resume_after = resume_after


class RetryLaterError(SmarketingError):
    """Transient: the same call may succeed later. The one retry policy retries exactly these.

    Args:
        message: What failed.
        retry_after: Seconds the server asked us to wait (``Retry-After``); a negative or
            non-finite value is ignored, since it can only come from a garbled header.
        status: The HTTP status.
        code: The vendor's error code.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        valid = retry_after is not None and 0 <= retry_after < float("inf")
        self.retry_after = retry_after if valid else None


class RateLimitedError(RetryLaterError):
    """A burst limit refused the call (HTTP 429)."""


class ServerError(RetryLaterError):
    """The CRM failed (5xx)."""


class LockedError(RetryLaterError):
    """The record is locked by another update (HubSpot 423, Salesforce ``UNABLE_TO_LOCK_ROW``)."""


class TransportError(RetryLaterError):
    """The call did not complete: timeout, refused or dropped connection."""


class RecordError(SmarketingError):
    """This record cannot be processed; skip it, record the reason and keep going.

    Args:
        message: What was wrong, naming the record and field.
        record_id: The CRM id of the record, when known.
        field: The property or field at fault, when known.
        reason: A short reason for the rejected-rows table (often the vendor code);
            defaults to ``message``.
        status: The HTTP status.
        code: The vendor's error code.
    """

    def __init__(
        self,
        message: str,
        *,
        record_id: str | None = None,
        field: str | None = None,
        reason: str = "",
        status: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.record_id = record_id
        self.field = field
        self.reason = redact(reason) if reason else self.message


class ValidationError(RecordError):
    """The CRM rejected the values we sent for this record."""


class NotFoundError(RecordError):
    """The record is gone (archived, merged or deleted): tombstone it, never write to it again."""


# OAuth's standard code (RFC 6750) and HubSpot's category; adapters map other vendor codes.
MISSING_SCOPE_CODES: Final[frozenset[str]] = frozenset({"insufficient_scope", "missing_scopes"})

_BY_STATUS: Final[Mapping[int, tuple[type[SmarketingError], str]]] = {
    400: (ValidationError, "the CRM rejected the request; the record is skipped"),
    401: (AuthError, "the CRM refused the credentials: renew the token or re-authorise the app"),
    403: (AuthError, "the CRM refused access: check the app's permissions"),
    404: (NotFoundError, "not found: the record was archived, merged or deleted"),
    408: (TransportError, "the CRM timed out waiting for the request; it will be retried"),
    409: (ValidationError, "conflict with the record's current state; the record is skipped"),
    422: (ValidationError, "the CRM rejected the values; the record is skipped"),
    423: (LockedError, "the record is locked by another update; it will be retried"),
    429: (RateLimitedError, "rate limited; it will be retried after a pause"),
    # Cloudflare-fronted CRMs (HubSpot) report TLS failures as 525/526: retrying cannot help.
    525: (
        ConfigurationError,
        "TLS handshake with the CRM failed: check the base URL and CA bundle",
    ),
    526: (
        ConfigurationError,
        "the CRM's TLS certificate is invalid: check the base URL and CA bundle",
    ),
}
_CLIENT_FALLBACK: Final[tuple[type[SmarketingError], str]] = (
    ValidationError,
    "the CRM refused the request; the record is skipped",
)
_SERVER_FALLBACK: Final[tuple[type[SmarketingError], str]] = (
    ServerError,
    "the CRM failed; it will be retried",
)


def error_for_status(
    status: int,
    *,
    message: str,
    retry_after: float | None = None,
    code: str | None = None,
    record_id: str | None = None,
    scopes: Iterable[str] = (),
) -> SmarketingError:
    """Map an HTTP error status to our error, for the cases every CRM shares.

    Adapters check their vendor specifics first (Salesforce ``REQUEST_LIMIT_EXCEEDED``, HubSpot
    477) and fall back to this. A 401 here means "beyond refresh": the adapter refreshes the token
    once before it maps a 401.

    Args:
        status: The HTTP status, 400 or above.
        message: What was called and what the CRM said, e.g. ``"PATCH /crm/v3/objects/contacts/1:
            Property values were not valid"``.
        retry_after: The parsed ``Retry-After``, kept on retriable errors.
        code: The vendor's error code or category, kept on the error.
        record_id: The record concerned, kept on record errors.
        scopes: The missing scopes, when the CRM lists them.

    Returns:
        The error to raise; its message ends with the status, the code and what happens next.

    Raises:
        ValueError: If ``status`` is not an error status.
    """
    if not 400 <= status <= 599:
        raise ValueError(f"HTTP {status} is not an error status; map only 4xx and 5xx responses")
    if status == 403 and code is not None and code.lower() in MISSING_SCOPE_CODES:
        kind: type[SmarketingError] = MissingScopesError
        scopes = tuple(scopes)
        what_next = "grant the app these scopes: " + (", ".join(scopes) or "(not listed)")
    else:
        fallback = _CLIENT_FALLBACK if status < 500 else _SERVER_FALLBACK
        kind, what_next = _BY_STATUS.get(status, fallback)
    coded = f", {code}" if code else ""
    text = f"{message} (HTTP {status}{coded}): {what_next}"
    if issubclass(kind, RetryLaterError):
        return kind(text, retry_after=retry_after, status=status, code=code)
    if issubclass(kind, RecordError):
        return kind(text, record_id=record_id, reason=code or "", status=status, code=code)
    if kind is MissingScopesError:
        return MissingScopesError(text, scopes=scopes, status=status, code=code)
    return kind(text, status=status, code=code)
