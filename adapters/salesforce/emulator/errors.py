"""Salesforce's error bodies and the errors the emulator raises (fact sheet §11, §18.5).

REST errors are a JSON **array**: ``[{"message": ..., "errorCode": ..., "fields": [...]}]``;
``fields`` is left out for errors that concern no field (query errors, ``INVALID_SESSION_ID``).
Per-record errors inside collections say ``statusCode`` instead of ``errorCode`` (§5): see
:meth:`SalesforceError.to_record_error`. OAuth errors use ``{"error", "error_description"}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

JsonDict = dict[str, Any]


class SalesforceError(Exception):
    """An error response.

    Attributes:
        status: HTTP status code.
        code: ``errorCode`` (``statusCode`` in collections).
        message: ``message``.
        fields: ``fields``, or ``None`` to leave the key out.
        headers: Extra response headers.
        body: A body that replaces the error array.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Sequence[str] | None = None,
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = None if fields is None else list(fields)
        self.headers = headers or {}
        self.body = body

    def to_json(self) -> Any:
        """The REST error body (``body`` when given, e.g. the URL list of a 300)."""
        if self.body is not None:
            return self.body
        body: JsonDict = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            body["fields"] = self.fields
        return [body]

    def to_record_error(self) -> JsonDict:
        """One entry of a SaveResult's ``errors[]`` (§5: ``statusCode``, always ``fields``)."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields or []}


class OAuthError(Exception):
    """A token-endpoint error: ``{"error": ..., "error_description": ...}`` (§2)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def to_json(self) -> JsonDict:
        """The OAuth error body."""
        return {"error": self.error, "error_description": self.description}


def unsupported_type(name: str) -> str:
    """The message of ``INVALID_TYPE`` for an unknown sObject (§11)."""
    return (
        f"sObject type '{name}' is not supported. If you are attempting to use a custom object, "
        "be sure to append the '__c' after the entity name. Please reference your WSDL or the "
        "describe call for the appropriate names."
    )


def malformed_query(message: str) -> SalesforceError:
    """400 ``MALFORMED_QUERY`` (§3)."""
    return SalesforceError(400, "MALFORMED_QUERY", message)


def invalid_type(message: str) -> SalesforceError:
    """400 ``INVALID_TYPE``: an unknown sObject (§11)."""
    return SalesforceError(400, "INVALID_TYPE", message)


def not_found(message: str) -> SalesforceError:
    """404 ``NOT_FOUND`` (§4; the exact wording is a switch)."""
    return SalesforceError(404, "NOT_FOUND", message)


def bad_request(code: str, message: str, fields: Sequence[str] | None = None) -> SalesforceError:
    """A 400 with any code; ``fields`` for errors about fields."""
    return SalesforceError(400, code, message, fields)


def invalid_session() -> SalesforceError:
    """401 ``INVALID_SESSION_ID`` (§11: re-auth once, then retry)."""
    return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def request_limit_exceeded(message: str = "TotalRequests Limit exceeded.") -> SalesforceError:
    """403 ``REQUEST_LIMIT_EXCEEDED`` (§10: the limit signal, not 429)."""
    return SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", message)
