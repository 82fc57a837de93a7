"""Tasks the rules ask for: who gets them, which clocks their times run on, what they say.

Subjects and bodies are :class:`~rules.ruleset.TaskTemplate` strings with ``{name}``
placeholders, filled from the record (``{id}``, ``{email}``, ``{company}``, ``{source}``,
``{lifecycle}``, ``{lead_status}``, any ``fields`` key) and from what the rule adds: ``{rule}``,
``{due}`` (the rule's due time), ``{owner_name}``, ``{stage}`` (canonical), and for rejection
rules ``{status}``; the rule's values win over record fields of the same name. Rendering never
raises, because a typo in ``config.toml`` must not stop a sync:

* an unknown placeholder, or one whose value is unset, renders as an empty string;
* the whole ``{...}`` text is the name: ``{email.__class__}`` and ``{fields[x]}`` look up a
  field of that literal name (so empty), templates cannot reach into Python objects;
* a format spec that does not fit the value (``{email:>d}``) is ignored;
* a malformed template (an unbalanced ``{``) is used verbatim.

Datetimes read as local time of the owner's calendar zone: ``"Mon 2024-01-15 12:30 EET"``.
A subject is one line of at most :data:`SUBJECT_LIMIT` characters (the CRM's limit).
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from rules.calendar import Clock
from rules.decisions import TaskPurpose, TaskSpec
from rules.model import Person
from rules.ruleset import ClockKind, TaskTemplate

SUBJECT_LIMIT = 255
"""HubSpot's task subject and Salesforce's ``Task.Subject`` both stop at 255 characters."""


@dataclass(frozen=True, slots=True)
class OwnerContext:
    """What tasks for one owner's records need: the assignee, the escalation target, time.

    ``escalate_to`` is the owner's manager, or the owner again when there is none; then
    ``escalation_note`` says so in the escalation task's body (else it is empty). ``clocks`` holds
    the clocks of the kinds the ruleset uses, in the zone that applies to this owner.
    """

    owner_id: str | None
    owner_name: str
    escalate_to: str | None
    escalation_note: str
    zone: tzinfo
    clocks: Mapping[ClockKind, Clock]


def readable(when: datetime, zone: tzinfo) -> str:
    """``when`` as a person reads it in ``zone``: ``"Mon 2024-01-15 12:30 EET"``."""
    return when.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def render(template: str, values: Mapping[str, object]) -> str:
    """``template`` with its placeholders filled from ``values`` (see the module doc)."""
    if "{" not in template and "}" not in template:
        return template
    try:
        return _FORMATTER.vformat(template, (), values)
    except ValueError:
        # Only the parser raises here (unbalanced braces, nesting too deep): keep the text.
        return template


def render_subject(template: str, values: Mapping[str, object]) -> str:
    """:func:`render`, then one line, capped at :data:`SUBJECT_LIMIT` with an ellipsis."""
    subject = " ".join(render(template, values).split())
    if len(subject) > SUBJECT_LIMIT:
        return subject[: SUBJECT_LIMIT - 1] + "…"
    return subject


class RecordValues(Mapping[str, object]):
    """Placeholder values: ``extras`` first, then :meth:`Person.get`; unset reads as ``""``."""

    __slots__ = ("_extras", "_person", "_zone")

    def __init__(self, person: Person, extras: Mapping[str, str], zone: tzinfo) -> None:
        self._person = person
        self._extras = extras
        self._zone = zone

    def __getitem__(self, name: str) -> object:
        extra = self._extras.get(name)
        if extra is not None:
            return extra
        value = self._person.get(name)
        if value is None:
            return ""
        return readable(value, self._zone) if isinstance(value, datetime) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._extras)

    def __len__(self) -> int:
        return len(self._extras)


def make_task(
    *,
    rule: str,
    purpose: TaskPurpose,
    template: TaskTemplate,
    person: Person,
    assignee: str | None,
    due: datetime,
    episode_start: datetime,
    values: Mapping[str, object],
    note: str = "",
) -> TaskSpec:
    """A task on ``person`` for ``assignee`` with ``template`` rendered from ``values``.

    ``note`` (when not empty) is appended to the body as its own paragraph.
    """
    body = render(template.body, values)
    if note:
        body = f"{body}\n\n{note}" if body else note
    return TaskSpec(
        rule=rule,
        purpose=purpose,
        record_type=person.object_type,
        record_id=person.id,
        owner_id=assignee,
        due=due,
        subject=render_subject(template.subject, values),
        body=body,
        priority=template.priority,
        episode_start=episode_start,
    )


class _SafeFormatter(string.Formatter):
    """``str.format`` semantics minus every way to raise or to reach into objects."""

    def get_field(
        self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> tuple[Any, str]:
        return kwargs.get(field_name, ""), field_name

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        try:
            return super().convert_field(value, conversion)
        except ValueError:  # an unknown conversion such as "!x"
            return value

    def format_field(self, value: Any, format_spec: str) -> str:
        try:
            return format(value, format_spec)
        except (TypeError, ValueError):
            return str(value)


_FORMATTER = _SafeFormatter()
