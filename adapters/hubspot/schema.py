"""The HubSpot properties the connector writes: create them (``smarketing setup``) and check them.

Properties live in the group ``smarketing`` on contacts, deals and tasks (hubspot-api.md §5). The
task key property (``settings.task_key_property``) is always part of the set: tasks are found by
it (§8). Our types map to HubSpot's as ``string`` → string/text (textarea for long text),
``number`` → number/number, ``datetime`` → datetime/date.

Creating is idempotent: existing definitions are read first (one batch read per object type), a
409 from a concurrent setup counts as "exists", and an existing definition of another type is
reported as a problem, never overwritten. The task key property is created with
``hasUniqueValue`` so that HubSpot itself refuses a second task for a key; whether HubSpot accepts
unique values on tasks is UNCONFIRMED (§3), so a refusal falls back to a plain property and the
adapter never depends on it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Final

from adapters.base.errors import (
    AuthError,
    ConfigurationError,
    FatalError,
    MissingScopesError,
    NotFoundError,
    RetryLaterError,
    SmarketingError,
    ValidationError,
)
from adapters.base.protocol import CheckReport, PropertySpec, PropertyType
from adapters.hubspot.batches import TASKS, JsonDict
from adapters.hubspot.client import API, HubSpotClient
from adapters.hubspot.settings import HubSpotSettings

GROUP: Final[JsonDict] = {"name": "smarketing", "label": "Smarketing", "displayOrder": -1}
TEXTAREA: Final = frozenset({"smarketing_score_explanation"})
"""String properties holding long text, shown as a multi-line field."""
_HUBSPOT_TYPES: Final[Mapping[PropertyType, tuple[str, str]]] = {
    PropertyType.STRING: ("string", "text"),
    PropertyType.NUMBER: ("number", "number"),
    PropertyType.DATETIME: ("datetime", "date"),
}
_OBJECTS: Final[Mapping[str, str]] = {
    "contact": "contacts",
    "contacts": "contacts",
    "deal": "deals",
    "deals": "deals",
    "task": TASKS,
    "tasks": TASKS,
}
_SETUP: Final = "`smarketing setup` creates it"


def key_property(settings: HubSpotSettings) -> PropertySpec:
    """The task property holding our idempotency key (§8)."""
    return PropertySpec(
        object_type="task",
        name=settings.task_key_property,
        label="Smarketing task key",
        type=PropertyType.STRING,
        description="Idempotency key of a Smarketing follow-up task; do not edit.",
    )


def definition(spec: PropertySpec, textarea: Collection[str] = TEXTAREA) -> JsonDict:
    """The ``PropertyCreate`` body of a spec (§5)."""
    kind, field_type = _HUBSPOT_TYPES[spec.type]
    if spec.type is PropertyType.STRING and spec.name in textarea:
        field_type = "textarea"
    return {
        "name": spec.name,
        "label": spec.label,
        "type": kind,
        "fieldType": field_type,
        "groupName": GROUP["name"],
        "description": spec.description,
    }


def conflict(object_type: str, spec: PropertySpec, existing: Mapping[str, Any]) -> str | None:
    """A problem when an existing definition cannot hold the spec's values, else ``None``."""
    want, have = _HUBSPOT_TYPES[spec.type][0], str(existing.get("type"))
    if have == want:
        return None
    return (
        f"{object_type} property {spec.name} exists with type {have}, but the connector writes "
        f"{want} values: it was left as it is; change or delete it in HubSpot "
        "(Settings > Properties), then run `smarketing setup` again"
    )


def by_object(
    specs: Sequence[PropertySpec], problems: list[str]
) -> dict[str, dict[str, PropertySpec]]:
    """Specs by HubSpot object type and name; a spec for an object HubSpot lacks is a problem."""
    grouped: dict[str, dict[str, PropertySpec]] = {}
    for spec in specs:
        object_type = _OBJECTS.get(str(spec.object_type))
        if object_type is None:
            problems.append(f"property {spec.name}: HubSpot has no {spec.object_type} object")
            continue
        grouped.setdefault(object_type, {})[spec.name] = spec
    return grouped


def read_definitions(
    client: HubSpotClient, object_type: str, names: Collection[str]
) -> dict[str, JsonDict]:
    """The existing definitions among ``names`` (one batch read, §5); missing names are absent."""
    api = client.api("crm.properties.batch_api")
    body = {"inputs": [{"name": name} for name in names], "archived": False}

    def call(timeout: Any) -> Any:
        return api.read(object_type, body, _preload_content=False, _request_timeout=timeout)

    try:
        data = client.call(API, call, label=f"properties.{object_type}.batch_read")
    except NotFoundError:
        return {}
    results = [item for item in data.get("results") or () if isinstance(item, dict)]
    return {str(item.get("name")): item for item in results if item.get("name") in names}


def ensure_properties(
    client: HubSpotClient,
    settings: HubSpotSettings,
    specs: Sequence[PropertySpec],
    *,
    textarea: Collection[str] = TEXTAREA,
) -> tuple[str, ...]:
    """Create the group and the properties HubSpot lacks; return the names created.

    Calls: one batch read per object type; for an object type with something missing, one group
    create and one batch create (the task key property is created on its own).

    Raises:
        ConfigurationError: Listing every problem at once (a conflicting definition, an object
            HubSpot lacks, a refused create), after creating everything else.
    """
    problems: list[str] = []
    wanted = by_object([*specs, key_property(settings)], problems)
    created: list[str] = []
    for object_type, named in wanted.items():
        existing = read_definitions(client, object_type, list(named))
        missing = [spec for name, spec in named.items() if name not in existing]
        for name, found in existing.items():
            problem = conflict(object_type, named[name], found)
            if problem is not None:
                problems.append(problem)
        if missing:
            _create_group(client, object_type)
            plain = [s for s in missing if s.name != settings.task_key_property]
            created += _create_batch(client, object_type, plain, textarea, problems)
            if len(plain) < len(missing):
                created += _create_key(client, key_property(settings), problems)
    if problems:
        done = f" (created: {', '.join(created)})" if created else ""
        listing = "; ".join(problems)
        raise ConfigurationError(f"HubSpot properties need attention{done}: {listing}")
    return tuple(created)


def _create_group(client: HubSpotClient, object_type: str) -> None:
    api = client.api("crm.properties.groups_api")

    def call(timeout: Any) -> Any:
        return api.create(object_type, GROUP, _preload_content=False, _request_timeout=timeout)

    try:
        client.call(API, call, label=f"properties.{object_type}.create_group")
    except ValidationError as exc:
        if exc.status != 409:  # 409: the group exists, which is what we want
            raise


def _create_batch(
    client: HubSpotClient,
    object_type: str,
    specs: Sequence[PropertySpec],
    textarea: Collection[str],
    problems: list[str],
) -> list[str]:
    if not specs:
        return []
    api = client.api("crm.properties.batch_api")
    body = {"inputs": [definition(spec, textarea) for spec in specs]}

    def call(timeout: Any) -> Any:
        return api.create(object_type, body, _preload_content=False, _request_timeout=timeout)

    _, data = client.call(
        API, call, label=f"properties.{object_type}.batch_create", want_status=True
    )
    made = {str(item.get("name")) for item in data.get("results") or () if isinstance(item, dict)}
    errors = "; ".join(
        str(e.get("message")) for e in data.get("errors") or () if isinstance(e, dict)
    )
    for spec in specs:
        if spec.name not in made:  # a concurrent setup made it (409), or HubSpot refused it
            _recheck(client, object_type, spec, errors, problems)
    return [spec.name for spec in specs if spec.name in made]


def _create_key(client: HubSpotClient, spec: PropertySpec, problems: list[str]) -> list[str]:
    api = client.api("crm.properties.core_api")
    label = f"properties.{TASKS}.create"
    attempts = ({**definition(spec), "hasUniqueValue": True}, definition(spec))
    last = ""
    for body in attempts:

        def call(timeout: Any, body: JsonDict = body) -> Any:
            return api.create(TASKS, body, _preload_content=False, _request_timeout=timeout)

        try:
            client.call(API, call, label=label)
        except ValidationError as exc:
            if exc.status == 409:
                _recheck(client, TASKS, spec, str(exc), problems)
                return []
            last = str(exc)  # e.g. unique values refused on tasks: try a plain property
            continue
        return [spec.name]
    problems.append(f"{TASKS} property {spec.name} could not be created: {last}")
    return []


def _recheck(
    client: HubSpotClient, object_type: str, spec: PropertySpec, error: str, problems: list[str]
) -> None:
    found = read_definitions(client, object_type, [spec.name]).get(spec.name)
    if found is None:
        problems.append(f"{object_type} property {spec.name} could not be created: {error}")
        return
    problem = conflict(object_type, spec, found)
    if problem is not None:
        problems.append(problem)


def check_account(
    client: HubSpotClient,
    settings: HubSpotSettings,
    required: Sequence[PropertySpec],
    *,
    token_source: str = "$HUBSPOT_ACCESS_TOKEN",  # noqa: S107 - where the token is, not a token
) -> CheckReport:
    """Check the token, the read scopes and the properties we need, without writing anything.

    Calls: owners (limit 1), one record read per object type, one property batch read per object
    type. Write scopes cannot be seen without writing; ``smarketing setup`` and the first sync
    exercise them.

    Returns:
        A report whose ``problems`` name each missing scope and property; never raises for them.
    """
    problems: list[str] = []
    details = {"base_url": settings.base_url, "write_scopes": "not checked (needs a write)"}
    account = f"HubSpot at {settings.base_url}"
    probe = _Probe(client, problems, token_source)
    owners = client.api("crm.owners.owners_api")
    probe.run("owners", lambda t: owners.get_page(limit=1, **_raw(t)))
    for object_type in ("contacts", "deals", TASKS):
        if not probe.stopped:
            probe.run(object_type, _first_record(client, object_type))
    for object_type, named in by_object([*required, key_property(settings)], problems).items():
        existing = None if probe.stopped else probe.properties(object_type, list(named))
        if existing is not None:
            problems.extend(_property_problems(object_type, named, existing))
    return CheckReport(account, tuple(problems), details)


def _first_record(client: HubSpotClient, object_type: str) -> Callable[[Any], Any]:
    objects = client.api("crm.objects.basic_api")

    def call(timeout: Any) -> Any:
        return objects.get_page(object_type, limit=1, **_raw(timeout))

    return call


def _property_problems(
    object_type: str, named: Mapping[str, PropertySpec], existing: Mapping[str, JsonDict]
) -> list[str]:
    problems: list[str] = []
    for name, spec in named.items():
        found = existing.get(name)
        if found is None:
            problems.append(f"{object_type} property {name} is missing: {_SETUP}")
        elif (problem := conflict(object_type, spec, found)) is not None:
            problems.append(problem)
    return problems


def _raw(timeout: Any) -> dict[str, Any]:
    """The keyword arguments of every SDK call: a raw response and a timeout (§16)."""
    return {"_preload_content": False, "_request_timeout": timeout}


class _Probe:
    """Runs one read of ``check_account`` and turns an expected failure into a problem."""

    def __init__(self, client: HubSpotClient, problems: list[str], token_source: str) -> None:
        self.client = client
        self.problems = problems
        self.token_source = token_source
        self.stopped = False

    def run(self, what: str, call: Callable[[Any], Any]) -> None:
        self._guard(what, lambda: self.client.call(API, call, label=f"check.{what}"))

    def properties(self, object_type: str, names: Sequence[str]) -> dict[str, JsonDict] | None:
        found: dict[str, JsonDict] | None = self._guard(
            f"{object_type} properties", lambda: read_definitions(self.client, object_type, names)
        )
        return found

    def _guard(self, what: str, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except MissingScopesError as exc:
            scopes = ", ".join(exc.scopes) or "(HubSpot did not name them)"
            self.problems.append(
                f"reading {what} needs the scope(s) {scopes}: grant them to the private app"
            )
        except AuthError as exc:
            status = exc.status or 401
            self.problems.append(f"the token in {self.token_source} was refused ({status}): {exc}")
            self.stopped = True
        except (RetryLaterError, FatalError) as exc:
            self.problems.append(f"reading {what} failed: {exc}")
            self.stopped = True
        except SmarketingError as exc:
            self.problems.append(f"reading {what} failed: {exc}")
        return None
