"""The route table and dispatch: every path the emulator serves (fact sheet §18.1, and the
Tooling API's CustomField create, :mod:`.tooling`).

Paths are matched without their trailing slash (simple-salesforce asks for ``query/`` and
``limits/``). Unknown paths answer 404 ``NOT_FOUND`` and wrong methods 405 in Salesforce's error
shape; unsupported API versions answer 404. Composite subrequests are dispatched through the same
table without the guard (the composite call itself was authenticated and metered).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import SalesforceError, not_found
from .faults import Traits
from .http import Access, Ctx, Handler, Reply, Request, Runtime, error_reply, guarded
from .routes import collections, composite, meta, query, replication, sobjects, tooling

READ = Access()
WRITE = Access(traits=Traits(write=True))
QUERY = Access(traits=Traits(query=True))
COLLECTION = Access(traits=Traits(write=True, collection=True))
OPEN = Access(metered=False)
DATA = "/services/data/{version}"
_VERSIONED = re.compile(r"/services/data/v\d")
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Route:
    """One method and path template."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    access: Access


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", template)
    return re.compile(regex + "$")


def _composite(ctx: Ctx) -> Reply:
    return composite.composite(ctx, subrequest)


def _batch(ctx: Ctx) -> Reply:
    return composite.batch(ctx, subrequest)


def _table() -> list[Route]:
    sob = f"{DATA}/sobjects/{{sobject}}"
    specs: list[tuple[str, str, Handler, Access]] = [
        ("POST", "/services/oauth2/token", meta.token, OPEN),
        ("GET", "/services/data", meta.versions, OPEN),
        ("GET", DATA, meta.resources, READ),
        ("GET", f"{DATA}/limits", meta.limits, READ),
        ("GET", f"{DATA}/query", query.query, QUERY),
        ("GET", f"{DATA}/queryAll", query.query_all, QUERY),
        ("GET", f"{DATA}/query/{{locator}}", query.more, READ),
        ("GET", f"{DATA}/queryAll/{{locator}}", query.more, READ),
        ("GET", f"{DATA}/sobjects", sobjects.global_sobjects, READ),
        ("GET", sob, sobjects.basic_info, READ),
        ("POST", sob, sobjects.create, WRITE),
        ("GET", f"{sob}/describe", sobjects.describe_object, READ),
        ("GET", f"{sob}/updated", replication.updated, READ),
        ("GET", f"{sob}/deleted", replication.deleted, READ),
        ("GET", f"{sob}/{{id}}", sobjects.get, READ),
        ("PATCH", f"{sob}/{{id}}", sobjects.update, WRITE),
        ("DELETE", f"{sob}/{{id}}", sobjects.delete, WRITE),
        ("GET", f"{sob}/{{field}}/{{value}}", sobjects.get_by_external_id, READ),
        ("PATCH", f"{sob}/{{field}}/{{value}}", sobjects.upsert, WRITE),
        ("DELETE", f"{sob}/{{field}}/{{value}}", sobjects.delete_by_external_id, WRITE),
        ("POST", f"{DATA}/composite/sobjects", collections.create, COLLECTION),
        ("PATCH", f"{DATA}/composite/sobjects", collections.update, COLLECTION),
        ("DELETE", f"{DATA}/composite/sobjects", collections.delete, COLLECTION),
        ("GET", f"{DATA}/composite/sobjects/{{sobject}}", collections.retrieve, READ),
        (
            "PATCH",
            f"{DATA}/composite/sobjects/{{sobject}}/{{field}}",
            collections.upsert,
            COLLECTION,
        ),
        ("POST", f"{DATA}/composite", _composite, WRITE),
        ("POST", f"{DATA}/composite/batch", _batch, WRITE),
        ("POST", f"{DATA}/tooling/sobjects/CustomField", tooling.create_custom_field, WRITE),
    ]
    return [Route(m, _compile(t), h, a) for m, t, h, a in specs]


ROUTES = _table()


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for ``method`` and a percent-encoded ``path``; parameters come back decoded.

    Raises:
        SalesforceError: 404 ``NOT_FOUND`` (also for unsupported versions) or 405.
    """
    path = path.rstrip("/") or "/"
    allowed: list[str] = []
    for route in ROUTES:
        found = route.pattern.match(path)
        if found is None:
            continue
        params = {key: unquote(value) for key, value in found.groupdict().items()}
        if "version" in params and not meta.supported(params["version"]):
            raise not_found("The requested resource does not exist")
        if route.method == method:
            return route, params
        allowed.append(route.method)
    if allowed:
        raise SalesforceError(
            405,
            "METHOD_NOT_ALLOWED",
            f"HTTP Method '{method}' not allowed. Allowed are {','.join(allowed)}",
        )
    raise not_found("The requested resource does not exist")


def dispatch(runtime: Runtime, request: Request) -> Reply:
    """Answer one HTTP request; a bug answers 500 in Salesforce's shape rather than a bare 500."""
    try:
        route, params = match(request.method, request.path)
        reply = guarded(runtime, request, params, route.handler, route.access)
    except SalesforceError as exc:
        reply = error_reply(exc)
    except Exception:  # noqa: BLE001 - the server boundary: log it, answer like Salesforce does
        _log.exception("emulator bug on %s %s", request.method, request.path)
        error = SalesforceError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred.")
        reply = error_reply(error)
    if _VERSIONED.match(request.path) and "Sforce-Limit-Info" not in reply.headers:
        # §10: on every REST response under a version (not on /services/data/ itself).
        reply.headers["Sforce-Limit-Info"] = runtime.limiter.header()
    runtime.log.append((request.method, request.path, reply.status))
    return reply


def subrequest(ctx: Ctx, method: str, url: str, body: Any) -> Reply:
    """Run a composite subrequest with the caller's session, without the guard."""
    parts = urlsplit(url)
    headers, base_url = ctx.request.headers, ctx.request.base_url
    request = Request(method, parts.path, parse_qs(parts.query), headers, b"", base_url)
    try:
        route, params = _subroute(method, parts.path)
        return route.handler(Ctx(ctx.runtime, request, params, ctx.session, None, body))
    except SalesforceError as exc:
        return error_reply(exc)


def _subroute(method: str, path: str) -> tuple[Route, dict[str, str]]:
    route, params = match(method, path)
    if route.handler in (_composite, _batch) or not route.access.metered:
        raise SalesforceError(400, "INVALID_INPUT", f"{path} is not allowed in a composite request")
    return route, params
