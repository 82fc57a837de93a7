"""Structured logging: one line per event, as ``key=value`` pairs or JSON, secrets masked.

:func:`configure_logging` installs one handler on the root logger, so the lines of libraries
(httpx, APScheduler, uvicorn) are formatted and masked like ours. Structured fields travel in
``extra={"fields": {...}}``; :func:`log_event` is the short way to write that::

    log_event(log, "cycle done", pulled=12, seconds=3.2)
    # ts=2026-03-09T11:00:00Z level=info logger=smarketing.daemon msg="cycle done" pulled=12 …

Every message, field and traceback passes through :func:`adapters.base.errors.redact` in a
handler filter before it is formatted, so a token pasted into an error never reaches the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TextIO

from adapters.base.errors import redact
from connector.config.runtime import LogFormat, LogLevel

FIELDS = "fields"
"""The ``extra`` key whose mapping holds an event's structured fields."""

_LEVELS = {
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.INFO: logging.INFO,
    LogLevel.WARNING: logging.WARNING,
    LogLevel.ERROR: logging.ERROR,
}
# Libraries that log every request or tick at INFO (httpx, APScheduler) or every byte at DEBUG
# (httpcore, urllib3): the least severe level each may write, by our own level.
_WIRE_FLOOR = {"httpcore": logging.INFO, "urllib3": logging.INFO}
_CHATTY_FLOOR = {"apscheduler": logging.WARNING, "httpx": logging.WARNING, **_WIRE_FLOOR}
_RESERVED = ("ts", "level", "logger", "msg", "exc")
_NEEDS_QUOTES = re.compile(r'[\s="\\]')
_KEY_UNSAFE = re.compile(r'[\s="\\]+')


def log_event(
    logger: logging.Logger, msg: str, /, level: int = logging.INFO, **fields: object
) -> None:
    """Log ``msg`` with structured ``fields`` (rendered ``key=value`` or as JSON members)."""
    logger.log(level, msg, extra={FIELDS: fields}, stacklevel=2)


def configure_logging(
    format: LogFormat | str = LogFormat.KEYVALUE,
    level: LogLevel | str = LogLevel.INFO,
    stream: TextIO | None = None,
) -> None:
    """Send every log line to ``stream`` in ``format``, masked, from ``level`` up.

    Calling it again replaces the handler it installed before (handlers installed by others,
    such as pytest's, are left alone).

    Args:
        format: ``"keyvalue"`` or ``"json"``.
        level: ``"debug"``, ``"info"``, ``"warning"`` or ``"error"``, in any letter case.
        stream: Where lines go; standard error when omitted.

    Raises:
        ValueError: ``format`` or ``level`` is not one of the above.
    """
    chosen = LogFormat(str(format).lower())
    threshold = _LEVELS[LogLevel(str(level).lower())]
    handler = _Handler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen is LogFormat.JSON else KeyValueFormatter())
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(threshold)
    floors = _WIRE_FLOOR if threshold <= logging.DEBUG else _CHATTY_FLOOR
    for name in _CHATTY_FLOOR:
        logging.getLogger(name).setLevel(max(threshold, floors.get(name, threshold)))


class _Handler(logging.StreamHandler[TextIO]):
    """The handler :func:`configure_logging` installs (and recognises to replace)."""


class RedactFilter(logging.Filter):
    """Masks credentials in the message, the fields and the traceback of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place with secrets masked; never drops a record."""
        record.msg = redact(_message(record))
        record.args = None
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, Mapping):
            setattr(record, FIELDS, {str(key): _masked(value) for key, value in fields.items()})
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):
        # A broken format string must not lose the event (nor raise into the caller).
        return f"{record.msg} (unformatted arguments: {record.args!r})"


def _masked(value: object) -> object:
    """``value`` with every text inside it redacted; numbers, booleans and None kept."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(item) for item in value]
    return redact(str(value))


class _StructuredFormatter(logging.Formatter):
    """The members of one line, in order: ts, level, logger, msg, the fields, exc."""

    def members(self, record: logging.LogRecord) -> list[tuple[str, object]]:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        members: list[tuple[str, object]] = [
            ("ts", stamp),
            ("level", record.levelname.lower()),
            ("logger", record.name),
            ("msg", record.getMessage()),
        ]
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, Mapping):
            for key, value in fields.items():
                name = str(key)
                members.append((f"{name}_" if name in _RESERVED else name, _masked(value)))
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        trace = "\n".join(part for part in (record.exc_text, record.stack_info) if part)
        if trace:
            members.append(("exc", trace))
        return members


class KeyValueFormatter(_StructuredFormatter):
    """``ts=… level=info logger=… msg="cycle done" pulled.contact=12``: one line per event.

    Values are quoted (JSON string escapes) when they hold blanks, ``=``, quotes or backslashes;
    nested mappings flatten to dotted keys and lists to comma-separated values.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of ``key=value`` pairs."""
        pairs: list[str] = []
        for key, value in self.members(record):
            pairs.extend(_pairs(key, value))
        return " ".join(pairs)


def _pairs(key: str, value: object) -> list[str]:
    key = _KEY_UNSAFE.sub("_", key) or "_"
    if isinstance(value, Mapping):
        return [pair for sub, item in value.items() for pair in _pairs(f"{key}.{sub}", item)]
    return [f"{key}={_scalar(value)}"]


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = ",".join("null" if item is None else str(item) for item in value)
    text = str(value)
    if not text or _NEEDS_QUOTES.search(text):
        return json.dumps(text, ensure_ascii=False)
    return text


class JsonFormatter(_StructuredFormatter):
    """One JSON object per line: ``{"ts": …, "level": …, "logger": …, "msg": …, <fields>}``."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        return json.dumps(dict(self.members(record)), ensure_ascii=False, default=str)
