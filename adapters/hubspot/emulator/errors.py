"""HubSpot's error envelope and the errors the emulator raises (fact sheet §12).

Handlers raise :class:`HubSpotError`; the request guard turns it into the body HubSpot sends::

    {"status": "error", "message": ..., "correlationId": <fresh uuid>, "category": ...,
     "errors": [{"message": ..., "code": ..., "context": {"propertyName": [...]}}]}

429 bodies differ: they carry ``errorType`` and ``policyName`` instead of ``category`` (§12).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

JsonDict = dict[str, Any]


class Category(StrEnum):
    """Error categories (§12); ``CONFLICT`` and ``OBJECT_ALREADY_EXISTS`` are seen in the wild."""

    VALIDATION_ERROR = "VALIDATION_ERROR"
    OBJECT_NOT_FOUND = "OBJECT_NOT_FOUND"
    INVALID_AUTHENTICATION = "INVALID_AUTHENTICATION"
    MISSING_SCOPES = "MISSING_SCOPES"
    RATE_LIMITS = "RATE_LIMITS"
    CONFLICT = "CONFLICT"
    OBJECT_ALREADY_EXISTS = "OBJECT_ALREADY_EXISTS"
    LOCKED = "LOCKED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class RatePolicy(StrEnum):
    """``policyName`` values of 429 bodies (§12)."""

    TEN_SECONDLY_ROLLING = "TEN_SECONDLY_ROLLING"
    DAILY = "DAILY"
    SECONDLY = "SECONDLY"


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of ``errors[]``: what was wrong with which property or input."""

    message: str
    code: str | None = None
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def to_json(self) -> JsonDict:
        """The JSON object HubSpot puts in ``errors[]``."""
        body: JsonDict = {"message": self.message}
        if self.code is not None:
            body["code"] = self.code
        if self.context:
            body["context"] = {key: list(values) for key, values in self.context.items()}
        return body


class HubSpotError(Exception):
    """An error response: HTTP status plus the envelope fields.

    Attributes:
        status: HTTP status code.
        category: The envelope ``category``.
        message: The envelope ``message``.
        errors: The ``errors[]`` details.
        context: The top-level ``context``.
        headers: Extra response headers (``Retry-After``).
        body: A complete body that replaces the envelope (429s use their own shape).
    """

    def __init__(
        self,
        status: int,
        category: Category | str,
        message: str,
        errors: Sequence[ErrorDetail] = (),
        *,
        context: Mapping[str, Sequence[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        body: JsonDict | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = str(category)
        self.message = message
        self.errors = tuple(errors)
        self.context = dict(context or {})
        self.headers = dict(headers or {})
        self.body = body

    def to_json(self, correlation_id: str) -> JsonDict:
        """The response body, with this request's correlation id."""
        if self.body is not None:
            return {**self.body, "correlationId": correlation_id}
        body: JsonDict = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
            "category": self.category,
        }
        if self.errors:
            body["errors"] = [detail.to_json() for detail in self.errors]
        if self.context:
            body["context"] = {key: list(values) for key, values in self.context.items()}
        return body

    def batch_item(self, extra_context: Mapping[str, Sequence[str]] | None = None) -> JsonDict:
        """This error as one entry of a batch response's ``errors[]``.

        The SDK's ``StandardError`` model requires ``status, category, message, context,
        errors, links``, so every key is present even when empty.
        """
        context = {key: list(values) for key, values in self.context.items()}
        for key, values in (extra_context or {}).items():
            context[key] = list(values)
        return {
            "status": "error",
            "category": self.category,
            "message": self.message,
            "context": context,
            "errors": [detail.to_json() for detail in self.errors],
            "links": {},
        }


def validation(message: str, *details: ErrorDetail, status: int = 400) -> HubSpotError:
    """A 400 ``VALIDATION_ERROR``."""
    return HubSpotError(status, Category.VALIDATION_ERROR, message, details)


def not_found(message: str = "Object not found.") -> HubSpotError:
    """A 404 ``OBJECT_NOT_FOUND``."""
    return HubSpotError(404, Category.OBJECT_NOT_FOUND, message)


def unauthenticated(message: str | None = None) -> HubSpotError:
    """A 401 ``INVALID_AUTHENTICATION`` with the message HubSpot sends for a missing token (§12)."""
    return HubSpotError(
        401,
        Category.INVALID_AUTHENTICATION,
        message
        or (
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and "
            "you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
        ),
    )


def missing_scopes(required: Sequence[str]) -> HubSpotError:
    """A 403 ``MISSING_SCOPES`` naming them in ``errors[].context.requiredGranularScopes`` (§12)."""
    return HubSpotError(
        403,
        Category.MISSING_SCOPES,
        "This app hasn't been granted all required scopes to make this call. "
        "Read more about required scopes here: https://developers.hubspot.com/scopes.",
        (
            ErrorDetail(
                "One or more of the following scopes are required.",
                context={"requiredGranularScopes": list(required)},
            ),
        ),
    )


_RATE_MESSAGES = {
    RatePolicy.TEN_SECONDLY_ROLLING: "You have reached your ten_secondly_rolling limit.",
    RatePolicy.DAILY: "You have reached your daily limit.",
    RatePolicy.SECONDLY: "You have reached your secondly limit.",
}


def rate_limited(
    policy: RatePolicy,
    portal_id: int,
    request_id: str,
    headers: Mapping[str, str] | None = None,
) -> HubSpotError:
    """A 429 with HubSpot's own body shape: ``errorType``/``policyName``, no ``category`` (§12)."""
    body: JsonDict = {
        "status": "error",
        "message": _RATE_MESSAGES[policy],
        "errorType": "RATE_LIMIT",
        "policyName": policy.value,
    }
    if policy is RatePolicy.DAILY:
        body["requestId"] = request_id
    else:
        body["groupName"] = f"publicapi:private-app-api-calls-{policy.value.lower()}:{portal_id}"
    return HubSpotError(429, "RATE_LIMIT", body["message"], headers=headers, body=body)
