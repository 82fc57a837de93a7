"""The error tree, the status mapper and redaction (adapters/base/errors.py)."""

from __future__ import annotations

import pickle

import pytest

from adapters.base.errors import (
    AuthError,
    ConfigurationError,
    FatalError,
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
    redact,
)

GROUPS = (FatalError, RetryLaterError, RecordError)


@pytest.mark.parametrize(
    ("kind", "group"),
    [
        (ConfigurationError, FatalError),
        (AuthError, FatalError),
        (MissingScopesError, FatalError),
        (QuotaExhaustedError, FatalError),
        (RateLimitedError, RetryLaterError),
        (ServerError, RetryLaterError),
        (LockedError, RetryLaterError),
        (TransportError, RetryLaterError),
        (ValidationError, RecordError),
        (NotFoundError, RecordError),
    ],
)
def test_every_error_is_in_exactly_one_group(kind: type[SmarketingError], group: type) -> None:
    assert [g for g in GROUPS if issubclass(kind, g)] == [group]
    assert issubclass(kind, SmarketingError)


def test_missing_scopes_is_an_auth_error_so_the_cli_exits_3() -> None:
    assert issubclass(MissingScopesError, AuthError)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, None, ValidationError),
        (401, "INVALID_AUTHENTICATION", AuthError),
        (403, "MISSING_SCOPES", MissingScopesError),
        (403, "insufficient_scope", MissingScopesError),
        (403, None, AuthError),
        (403, "INSUFFICIENT_ACCESS", AuthError),
        (404, "OBJECT_NOT_FOUND", NotFoundError),
        (408, None, TransportError),
        (409, "CONFLICT", ValidationError),
        (414, None, ValidationError),
        (422, None, ValidationError),
        (423, None, LockedError),
        (429, "RATE_LIMIT", RateLimitedError),
        (500, None, ServerError),
        (502, None, ServerError),
        (503, None, ServerError),
        (504, None, ServerError),
        (524, None, ServerError),
        (525, None, ConfigurationError),
        (526, None, ConfigurationError),
    ],
)
def test_error_for_status_maps_generic_http_cases(
    status: int, code: str | None, expected: type[SmarketingError]
) -> None:
    error = error_for_status(status, message="GET /crm/v3/objects/contacts/1", code=code)
    assert type(error) is expected
    assert error.status == status
    assert error.code == code
    assert str(error).startswith(f"GET /crm/v3/objects/contacts/1 (HTTP {status}")


@pytest.mark.parametrize("status", [429, 503, 423])
def test_retriable_errors_keep_retry_after(status: int) -> None:
    error = error_for_status(status, message="POST /search", retry_after=2.5)
    assert isinstance(error, RetryLaterError)
    assert error.retry_after == 2.5


@pytest.mark.parametrize("retry_after", [-1.0, float("nan"), float("inf")])
def test_garbled_retry_after_is_ignored(retry_after: float) -> None:
    assert RateLimitedError("x", retry_after=retry_after).retry_after is None


def test_missing_scopes_lists_what_to_grant() -> None:
    error = error_for_status(
        403,
        message="GET /crm/v3/owners",
        code="MISSING_SCOPES",
        scopes=["crm.objects.owners.read", "crm.objects.contacts.write"],
    )
    assert isinstance(error, MissingScopesError)
    assert error.scopes == ("crm.objects.owners.read", "crm.objects.contacts.write")
    assert "grant the app these scopes: crm.objects.owners.read" in str(error)


def test_record_errors_name_the_record_and_keep_the_code_as_reason() -> None:
    error = error_for_status(
        400, message="PATCH contacts/101", code="INVALID_EMAIL", record_id="101"
    )
    assert isinstance(error, ValidationError)
    assert (error.record_id, error.reason) == ("101", "INVALID_EMAIL")


def test_record_error_reason_defaults_to_the_message() -> None:
    error = NotFoundError("contact 7 was merged into 9", record_id="7")
    assert error.reason == "contact 7 was merged into 9"
    assert error.field is None


@pytest.mark.parametrize("status", [200, 204, 302, 399, 600])
def test_error_for_status_refuses_non_error_statuses(status: int) -> None:
    with pytest.raises(ValueError, match=f"HTTP {status} is not an error status"):
        error_for_status(status, message="GET /")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer pat-na1-1234abcd-ab12", "Authorization: Bearer ***"),
        ("authorization: bearer abc.def", "authorization: bearer ***"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ***"),
        ("Basic auth is not enabled for this app", "Basic auth is not enabled for this app"),
        ("token pat-eu1-0f3a-11ee-be56-0242ac120002 refused", "token pat-eu1-*** refused"),
        ("GET /x?access_token=s3cr3t&limit=10", "GET /x?access_token=***&limit=10"),
        (
            '{"access_token": "abc", "instance_url": "u"}',
            '{"access_token": "***", "instance_url": "u"}',
        ),
        ("refresh_token=r1&client_secret=c2", "refresh_token=***&client_secret=***"),
        ("GET /crm?hapikey=k-123", "GET /crm?hapikey=***"),
        (
            "sid 00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.39AsX.LVpxez expired",
            "sid 00Dxx0000001gPL!*** expired",
        ),
        ("assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln", "assertion=***"),
        ("jwt eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln here", "jwt *** here"),
        ("contact 101: email is not valid", "contact 101: email is not valid"),
        ("", ""),
    ],
)
def test_redact_masks_secrets_and_keeps_the_rest(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "error",
    [
        AuthError("token Bearer abc123 refused"),
        RateLimitedError("GET /x?access_token=abc123", retry_after=1.0),
        ValidationError("pat-na1-abc123 in body", record_id="1", reason="pat-na1-abc123"),
    ],
)
def test_messages_never_carry_secrets(error: SmarketingError) -> None:
    shown = f"{error} {error!r} {getattr(error, 'reason', '')}"
    assert "abc123" not in shown


@pytest.mark.parametrize(
    "error",
    [
        MissingScopesError("no", scopes=("a", "b"), status=403, code="MISSING_SCOPES"),
        QuotaExhaustedError("daily", lane="api", resume_after=60.0),
        RateLimitedError("slow down", retry_after=3.0, status=429),
        ValidationError("bad", record_id="1", field="email", reason="INVALID_EMAIL"),
    ],
)
def test_errors_survive_pickling_with_their_attributes(error: SmarketingError) -> None:
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is type(error)
    assert vars(copy) == vars(error)
