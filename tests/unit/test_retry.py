"""The one retry policy (adapters/base/retry.py); every wait goes to a recording fake sleep."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import tenacity

from adapters.base.errors import (
    AuthError,
    ConfigurationError,
    LockedError,
    NotFoundError,
    QuotaExhaustedError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)
from adapters.base.retry import (
    RetryAttemptInfo,
    RetrySettings,
    call_with_retry,
    parse_retry_after,
    retrying,
)

NO_JITTER = RetrySettings(jitter=0.0)


class Flaky:
    """Fails with the given errors in turn, then returns ``"ok"``."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def run(
    fn: Callable[[], str],
    settings: RetrySettings = NO_JITTER,
    *,
    rng: random.Random | None = None,
    on_retry: Callable[[RetryAttemptInfo], None] | None = None,
) -> tuple[str, list[float]]:
    """Call ``fn`` under the policy; return its result and the waits the policy asked for."""
    waits: list[float] = []
    result = call_with_retry(fn, settings, sleep=waits.append, rng=rng, on_retry=on_retry)
    return result, waits


@pytest.mark.parametrize(
    "error",
    [
        RateLimitedError("429"),
        ServerError("503"),
        LockedError("423"),
        TransportError("read timed out"),
    ],
)
def test_transient_errors_are_retried_until_success(error: Exception) -> None:
    fn = Flaky(error, error)
    assert run(fn) == ("ok", [0.5, 1.0])
    assert fn.calls == 3


@pytest.mark.parametrize(
    "error",
    [
        ValidationError("bad email", record_id="1"),
        NotFoundError("gone", record_id="1"),
        AuthError("token refused"),
        ConfigurationError("no base_url"),
        QuotaExhaustedError("daily", lane="api"),
        ValueError("a bug in the adapter"),
        KeyError("id"),
    ],
)
def test_everything_else_surfaces_at_once(error: Exception) -> None:
    fn = Flaky(error)
    waits: list[float] = []
    with pytest.raises(type(error)):
        call_with_retry(fn, NO_JITTER, sleep=waits.append)
    assert (fn.calls, waits) == (1, [])


def test_gives_up_after_max_attempts_with_our_error_not_tenacitys() -> None:
    fn = Flaky(*[ServerError(f"503 #{i}") for i in range(10)])
    waits: list[float] = []
    with pytest.raises(ServerError, match="503 #5"):
        call_with_retry(fn, NO_JITTER, sleep=waits.append)
    assert fn.calls == 6
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_backoff_is_capped_at_max_wait() -> None:
    settings = RetrySettings(max_attempts=8, jitter=0.0, max_wait=3.0, max_total=1000)
    fn = Flaky(*[ServerError("503")] * 7)
    assert run(fn, settings)[1] == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0]


@pytest.mark.parametrize("jitter", [1.0, 0.5, 0.25])
def test_jitter_stays_within_its_share_of_the_ceiling(jitter: float) -> None:
    settings = RetrySettings(max_attempts=6, jitter=jitter)
    fn = Flaky(*[ServerError("503")] * 5)
    waits = run(fn, settings, rng=random.Random(7))[1]
    ceilings = [0.5, 1.0, 2.0, 4.0, 8.0]
    assert all((1 - jitter) * c <= w <= c for w, c in zip(waits, ceilings, strict=True))
    assert waits != ceilings


def test_a_seeded_rng_gives_reproducible_waits() -> None:
    first = run(Flaky(*[ServerError("503")] * 5), RetrySettings(), rng=random.Random(3))[1]
    again = run(Flaky(*[ServerError("503")] * 5), RetrySettings(), rng=random.Random(3))[1]
    assert first == again


def test_retry_after_is_honoured_exactly_without_jitter() -> None:
    fn = Flaky(RateLimitedError("429", retry_after=7.0), ServerError("502", retry_after=0.25))
    assert run(fn, RetrySettings(jitter=1.0))[1] == [7.0, 0.25]


def test_retry_after_is_ignored_when_switched_off() -> None:
    settings = RetrySettings(jitter=0.0, respect_retry_after=False)
    assert run(Flaky(RateLimitedError("429", retry_after=7.0)), settings)[1] == [0.5]


def test_a_retry_after_beyond_the_cap_ends_the_retries_instead_of_waiting_less() -> None:
    fn = Flaky(RateLimitedError("477 migration", retry_after=3600.0))
    waits: list[float] = []
    with pytest.raises(RateLimitedError) as caught:
        call_with_retry(fn, NO_JITTER, sleep=waits.append)
    assert (fn.calls, waits, caught.value.retry_after) == (1, [], 3600.0)


def test_stops_when_the_next_wait_would_pass_max_total() -> None:
    settings = RetrySettings(max_attempts=50, jitter=0.0, max_total=10.0)
    fn = Flaky(*[RateLimitedError("429", retry_after=4.0)] * 10)
    waits: list[float] = []
    with pytest.raises(RateLimitedError):
        call_with_retry(fn, settings, sleep=waits.append)
    assert waits == [4.0, 4.0]  # a third 4 s wait would end at 12 s
    assert fn.calls == 3


def test_each_retry_is_logged_at_warning_without_secrets(caplog: pytest.LogCaptureFixture) -> None:
    fn = Flaky(TransportError("POST /crm/v3/objects/tasks?access_token=abc123: timed out"))
    with caplog.at_level(logging.WARNING, logger="smarketing.retry"):
        run(fn)
    (record,) = caplog.records
    assert record.name == "smarketing.retry"
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert message.startswith("TransportError on attempt 1 of 6; retrying in 0.50 s: POST /crm")
    assert "abc123" not in message


def test_on_retry_reports_each_attempt() -> None:
    seen: list[RetryAttemptInfo] = []
    first, second = LockedError("423"), ServerError("500")
    run(Flaky(first, second), on_retry=seen.append)
    assert seen == [RetryAttemptInfo(1, first, 0.5), RetryAttemptInfo(2, second, 1.0)]


def test_retrying_returns_a_reusable_tenacity_policy() -> None:
    waits: list[float] = []
    policy = retrying(NO_JITTER, sleep=waits.append)
    assert isinstance(policy, tenacity.Retrying)
    assert policy(Flaky(ServerError("1"))) == "ok"
    assert policy(Flaky(ServerError("2"))) == "ok"
    assert waits == [0.5, 0.5]


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"max_attempts": 0}, ["max_attempts must be at least 1"]),
        ({"initial_wait": -1.0}, ["initial_wait must not be negative"]),
        ({"max_wait": 0.1}, ["max_wait must be at least initial_wait"]),
        ({"multiplier": 0.5}, ["multiplier must be at least 1"]),
        ({"jitter": 1.5}, ["jitter must be between 0 and 1"]),
        ({"max_total": 0.0}, ["max_total must be positive"]),
        ({"retry_after_cap": -1.0}, ["retry_after_cap must not be negative"]),
        (
            {"max_attempts": 0, "jitter": -0.1},
            ["max_attempts must be at least 1", "jitter must be between 0 and 1"],
        ),
    ],
)
def test_invalid_settings_list_every_problem(
    changes: dict[str, float], problems: list[str]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        RetrySettings(**changes)  # type: ignore[arg-type]
    assert all(problem in str(caught.value) for problem in problems)


NOW = datetime(2026, 3, 9, 11, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2.0),
        (" 0.5 ", 0.5),
        ("0", 0.0),
        ("Mon, 09 Mar 2026 11:00:30 GMT", 30.0),
        ("Mon, 09 Mar 2026 10:59:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("-3", None),
        ("inf", None),
        ("soon", None),
        ("Mon, 09 Mar 2026 11:00:30", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected
