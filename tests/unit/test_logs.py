"""Structured logging: exact key=value and JSON lines, levels, and secrets masked everywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from connector.logs import configure_logging, log_event

NOW = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
PAT = "pat-na1-0a1b2c3d-4e5f-6789-abcd-ef0123456789"
LIBRARIES = ("apscheduler", "httpx", "httpcore", "urllib3")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    libraries = {name: logging.getLogger(name).level for name in LIBRARIES}
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)
    for name, library_level in libraries.items():
        logging.getLogger(name).setLevel(library_level)


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def logged(fmt: str = "keyvalue", level: str = "INFO") -> tuple[io.StringIO, logging.Logger]:
    stream = io.StringIO()
    configure_logging(fmt, level, stream=stream)
    return stream, logging.getLogger("smarketing.sync")


@pytest.mark.usefixtures("frozen")
def test_key_value_line() -> None:
    stream, log = logged()

    log_event(log, "cycle done", pulled=12, seconds=3.25, ok=True, error=None)

    assert stream.getvalue() == (
        'ts=2026-03-09T11:00:00Z level=info logger=smarketing.sync msg="cycle done"'
        " pulled=12 seconds=3.25 ok=true error=null\n"
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"owner": "Olena Rep"}, 'owner="Olena Rep"'),
        ({"note": 'say "hi"'}, r'note="say \"hi\""'),
        ({"query": "a=b"}, 'query="a=b"'),
        ({"empty": ""}, 'empty=""'),
        ({"lines": "one\ntwo"}, r'lines="one\ntwo"'),
        ({"name": "Олена"}, "name=Олена"),
        ({"pulled": {"contact": 12, "deal": 3}}, "pulled.contact=12 pulled.deal=3"),
        ({"kinds": ["call", "email"]}, "kinds=call,email"),
        ({"at": NOW}, "at=2026-03-09T11:00:00+00:00"),
        ({"msg": "clash"}, "msg_=clash"),
    ],
    ids=[
        "blank",
        "quote",
        "equals",
        "empty",
        "newline",
        "unicode",
        "nested",
        "list",
        "datetime",
        "reserved",
    ],
)
def test_key_value_quoting(fields: dict[str, object], expected: str) -> None:
    stream, log = logged()

    log.info("x", extra={"fields": fields})

    assert stream.getvalue().rstrip("\n").split(" msg=x ", 1)[1] == expected


@pytest.mark.usefixtures("frozen")
def test_json_line() -> None:
    stream, log = logged("json")

    log_event(log, "cycle done", pulled={"contact": 12}, seconds=3.25, at=NOW)

    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {
        "ts": "2026-03-09T11:00:00Z",
        "level": "info",
        "logger": "smarketing.sync",
        "msg": "cycle done",
        "pulled": {"contact": 12},
        "seconds": 3.25,
        "at": "2026-03-09T11:00:00+00:00",
    }


def test_plain_logging_calls_and_extra_fields_work_too() -> None:
    stream, log = logged("json")

    log.warning("retrying %s in %d s", "contacts.search", 5, extra={"fields": {"attempt": 2}})

    line = json.loads(stream.getvalue())
    assert (line["level"], line["msg"], line["attempt"]) == (
        "warning",
        "retrying contacts.search in 5 s",
        2,
    )


@pytest.mark.parametrize(
    ("level", "written"),
    [
        ("DEBUG", ["debug", "info", "warning", "error"]),
        ("info", ["info", "warning", "error"]),
        ("WARNING", ["warning", "error"]),
        ("error", ["error"]),
    ],
)
def test_level_threshold(level: str, written: list[str]) -> None:
    stream, log = logged("json", level)

    for name in ("debug", "info", "warning", "error"):
        getattr(log, name)(name)

    assert [json.loads(line)["level"] for line in stream.getvalue().splitlines()] == written


def test_chatty_libraries_are_quiet_at_info() -> None:
    stream, _ = logged()

    logging.getLogger("apscheduler.scheduler").info("Running job")
    logging.getLogger("httpx").info("HTTP Request: GET https://api.hubapi.com")

    assert stream.getvalue() == ""


def test_configuring_again_replaces_the_handler() -> None:
    first, _ = logged()
    second, log = logged("json")

    log.info("once")

    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["keyvalue", "json"])
@pytest.mark.parametrize(
    ("msg", "args", "fields", "secret"),
    [
        ("GET /owners: Authorization: Bearer %s", ("abc.def-123",), {}, "abc.def-123"),
        ("token refused", (), {"token": PAT}, PAT.removeprefix("pat-na1-")),
        (
            "GET %s failed",
            ("https://api.example/x?access_token=s3cr3t&limit=10",),
            {},
            "s3cr3t",
        ),
        ("request", (), {"request": {"url": "https://x/?access_token=n3st3d"}}, "n3st3d"),
        ("retry", (), {"headers": ["Bearer l1st3d"]}, "l1st3d"),
    ],
    ids=["bearer-in-args", "pat-in-field", "access-token-query", "nested-field", "list-field"],
)
def test_secrets_never_reach_the_log(
    fmt: str, msg: str, args: tuple[object, ...], fields: dict[str, object], secret: str
) -> None:
    stream, log = logged(fmt)

    log.error(msg, *args, extra={"fields": fields})

    assert secret not in stream.getvalue()
    assert "***" in stream.getvalue()


def refuse() -> None:
    raise RuntimeError(f"refused {PAT}")


@pytest.mark.parametrize("fmt", ["keyvalue", "json"])
def test_secrets_in_tracebacks_are_masked(fmt: str) -> None:
    stream, log = logged(fmt)

    try:
        refuse()
    except RuntimeError:
        log.exception("cycle failed")

    text = stream.getvalue()
    assert PAT not in text
    assert "pat-na1-***" in text
    assert "RuntimeError" in text
    assert len(text.splitlines()) == 1


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="'xml' is not a valid LogFormat"):
        configure_logging("xml", "info", stream=io.StringIO())
