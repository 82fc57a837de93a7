"""Salesforce failures → the product's error tree, in one table (salesforce-api.md §11, §13).

simple-salesforce raises one class per HTTP status (``SalesforceMalformedRequest`` for every 400,
``SalesforceRefusedRequest`` for every 403, §13), so the class says little: :func:`map_error`
reads ``.status`` and ``.content[0]["errorCode"]`` and looks the code up in :data:`BY_CODE`;
codes the table does not know fall back to :func:`adapters.base.errors.error_for_status`.

Two codes need more than the table:

- ``REQUEST_LIMIT_EXCEEDED`` (403) is the daily allocation *or* the limit of concurrent long
  requests (§10). The daily one (``TotalRequests Limit exceeded``) stops the run
  (:class:`QuotaExhaustedError`, no hot retry, §11); the concurrent one frees up within seconds,
  so it is retried with backoff (:class:`RateLimitedError`).
- ``INVALID_TYPE`` (400) on a standard object means the running user may not read it: Salesforce
  hides objects a profile cannot see (§11), so it becomes :class:`MissingScopesError` naming the
  object permission. On a custom object it is a configuration error.

``INVALID_SESSION_ID`` never reaches the table on a first attempt: the client logs in again once
and retries (§11: "re-auth once, retry"); a second one maps to :class:`AuthError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import requests
from simple_salesforce.exceptions import SalesforceError as SdkError

from adapters.base.errors import (
    AuthError,
    ConfigurationError,
    LockedError,
    MissingScopesError,
    NotFoundError,
    QuotaExhaustedError,
    RateLimitedError,
    RecordError,
    RetryLaterError,
    ServerError,
    SmarketingError,
    TransportError,
    ValidationError,
    error_for_status,
)

API: Final = "api"
"""The one rate-budget lane of a Salesforce org: its daily allocation (§10)."""


class QueryLocatorExpired(RetryLaterError):
    """``INVALID_QUERY_LOCATOR``: a ``nextRecordsUrl`` expired or was dropped (§3, F38).

    Retrying the same URL cannot help; the pull restarts its window from the last record it
    delivered, and otherwise the next cycle restarts from the last committed cursor.
    """


_FIX_QUERY = "a bug or a field/object the org lacks: check crm.salesforce field settings"
_SKIP = "the record is skipped"
BY_CODE: Final[Mapping[str, tuple[type[SmarketingError], str]]] = {
    "INVALID_SESSION_ID": (AuthError, "a fresh session was refused too: check the app"),
    "UNABLE_TO_LOCK_ROW": (LockedError, "another update holds the record; it will be retried"),
    "QUERY_TIMEOUT": (RetryLaterError, "the query ran too long; it will be retried"),
    "TXN_SECURITY_METERING_ERROR": (RetryLaterError, "a transaction policy timed out"),
    "SERVER_UNAVAILABLE": (ServerError, "Salesforce is unavailable; it will be retried"),
    "UNKNOWN_EXCEPTION": (ServerError, "Salesforce failed; it will be retried"),
    "INVALID_QUERY_LOCATOR": (QueryLocatorExpired, "the query restarts from its last record"),
    "MALFORMED_QUERY": (ConfigurationError, _FIX_QUERY),
    "INVALID_FIELD": (ConfigurationError, _FIX_QUERY),
    "INVALID_FIELD_FOR_INSERT_UPDATE": (ConfigurationError, "the field is not writable"),
    "INVALID_OPERATION_WITH_EXPIRED_PASSWORD": (AuthError, "the run-as user's password expired"),
    "API_DISABLED_FOR_ORG": (MissingScopesError, "enable API access for the org"),
    "API_CURRENTLY_DISABLED": (MissingScopesError, "give the run-as user 'API Enabled'"),
    "INSUFFICIENT_ACCESS": (MissingScopesError, "give the run-as user access"),
    "INSUFFICIENT_ACCESS_OR_READONLY": (MissingScopesError, "give the run-as user edit access"),
    "ENTITY_IS_DELETED": (NotFoundError, "the record was deleted or merged; " + _SKIP),
    "NOT_FOUND": (NotFoundError, "the record was deleted or merged; " + _SKIP),
    "MALFORMED_ID": (NotFoundError, "no record has this id; " + _SKIP),
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": (ValidationError, "a validation rule refused; " + _SKIP),
    "REQUIRED_FIELD_MISSING": (ValidationError, "a required field is empty; " + _SKIP),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": (ValidationError, "not a picklist value; " + _SKIP),
    "DUPLICATES_DETECTED": (ValidationError, "a duplicate rule refused; " + _SKIP),
    "DUPLICATE_VALUE": (ValidationError, "a unique field repeats; " + _SKIP),
    "STRING_TOO_LONG": (ValidationError, "a value is too long; " + _SKIP),
    "FIELD_INTEGRITY_EXCEPTION": (ValidationError, "a value is inconsistent; " + _SKIP),
    "CANNOT_UPDATE_CONVERTED_LEAD": (ValidationError, "converted leads are read-only; " + _SKIP),
    "INVALID_CROSS_REFERENCE_KEY": (ValidationError, "a referenced id is wrong; " + _SKIP),
}
"""Salesforce ``errorCode`` → our error class and what happens next (§11)."""

_DAILY_LIMIT: Final = re.compile(r"TotalRequests", re.IGNORECASE)
_OBJECT: Final = re.compile(r"sObject type '([A-Za-z0-9_]+)'")


def map_error(exc: BaseException, *, label: str) -> SmarketingError | None:
    """Map a simple-salesforce or requests failure to our error tree.

    Args:
        exc: What the call raised.
        label: What was called (``"query Lead"``), for the message.

    Returns:
        The error to raise ``from exc``; ``None`` when ``exc`` is neither an HTTP nor a transport
        failure (a bug, which must surface as it is).
    """
    if isinstance(exc, requests.Timeout | requests.ConnectionError | TimeoutError):
        return TransportError(f"{label}: no answer from Salesforce ({type(exc).__name__}: {exc})")
    if isinstance(exc, requests.exceptions.InvalidJSONError):
        return ServerError(f"{label}: Salesforce sent an unreadable answer; it will be retried")
    if not isinstance(exc, SdkError):
        return None
    if exc.status == 300:  # §4: several records match an external id; nothing was written
        return ValidationError(
            f"{label}: several records match (HTTP 300): nothing was written; the record is "
            "skipped",
            reason="MULTIPLE_CHOICES",
            status=300,
            code="MULTIPLE_CHOICES",
        )
    code, message = first_error(exc.content)
    return from_response(exc.status, code, message, label=label)


def first_error(content: Any) -> tuple[str, str]:
    """``(errorCode, message)`` of a REST error body: ``[{"errorCode", "message"}]`` (§11), or
    an OAuth body ``{"error", "error_description"}``; ``("", text)`` for anything else."""
    item = content[0] if isinstance(content, list) and content else content
    if isinstance(item, Mapping):
        code = item.get("errorCode") or item.get("statusCode") or item.get("error") or ""
        message = item.get("message") or item.get("error_description") or ""
        return str(code), str(message)
    return "", str(content or "")[:300]


def from_response(status: int, code: str, message: str, *, label: str) -> SmarketingError:
    """Our error for an HTTP ``status`` with Salesforce's ``code`` and ``message``.

    Raises:
        ValueError: ``status`` is not an error status and ``code`` is unknown.
    """
    text = f"{label}: {message.strip() or 'Salesforce refused the call'} (HTTP {status}"
    text += f", {code})" if code else ")"
    if code == "REQUEST_LIMIT_EXCEEDED":
        return _limit(text, status, message)
    if code == "INVALID_TYPE":
        return _invalid_type(text, status, message)
    known = BY_CODE.get(code)
    if known is None:
        if status < 400:
            raise ValueError(f"{text}: not an error status")
        return error_for_status(status, message=f"{label}: {message.strip()}", code=code or None)
    kind, what_next = known
    text = f"{text}: {what_next}"
    if issubclass(kind, RetryLaterError):
        return kind(text, status=status, code=code)
    if issubclass(kind, RecordError):
        return kind(text, reason=code, status=status, code=code)
    return kind(text, status=status, code=code)


def _limit(text: str, status: int, message: str) -> SmarketingError:
    code = "REQUEST_LIMIT_EXCEEDED"
    if _DAILY_LIMIT.search(message):
        return QuotaExhaustedError(
            f"{text}: the org's daily API allocation is used up; Salesforce counts a rolling "
            "24 hours, so calls resume as older ones age out",
            lane=API,
            status=status,
            code=code,
        )
    return RateLimitedError(
        f"{text}: too many concurrent long requests; it will be retried", status=status, code=code
    )


def _invalid_type(text: str, status: int, message: str) -> SmarketingError:
    found = _OBJECT.search(message)
    name = found.group(1) if found else ""
    if not name or name.endswith("__c"):
        return ConfigurationError(f"{text}: the object does not exist in this org", status=status)
    scope = f"Read on {name}"
    return MissingScopesError(
        f"{text}: the run-as user cannot see {name}; grant {scope!r} in its permission set",
        scopes=(scope,),
        status=status,
        code="INVALID_TYPE",
    )
