"""The route table: every path HubSpot serves that the emulator implements (fact sheet §19.1).

Object routes are served under ``/crm/v3/objects`` and ``/crm/objects/2026-03`` from the same
handlers (§1); owners with and without the trailing slash (§6); v4 labels under both spellings (§9).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .auth import Resource
from .errors import Category, HubSpotError
from .http import Access, Handler, Runtime, dropping, endpoint, json_response
from .routes import associations as assoc
from .routes import batch, meta, objects, schema, search

OBJ_READ = Access(Resource.OBJECTS)
OBJ_WRITE = Access(Resource.OBJECTS, write=True)
BATCH_WRITE = Access(Resource.OBJECTS, write=True, batch=True)
SEARCH = Access(Resource.OBJECTS, search=True)
SCHEMA_READ = Access(Resource.SCHEMAS)
SCHEMA_WRITE = Access(Resource.SCHEMAS, write=True)
OWNERS = Access(Resource.OWNERS, type_params=())
PIPELINES = Access(Resource.PIPELINES)
PAIR = ("objectType", "toObjectType")
FROM_TO = ("fromObjectType", "toObjectType")
V4_READ = Access(Resource.OBJECTS, type_params=PAIR)
V4_WRITE = Access(Resource.OBJECTS, write=True, type_params=PAIR)
V4_BATCH_READ = Access(Resource.OBJECTS, type_params=FROM_TO)
V4_BATCH_WRITE = Access(Resource.OBJECTS, write=True, type_params=FROM_TO)

RouteSpec = tuple[str, str, Handler, Access]


def _object_routes(prefix: str) -> list[RouteSpec]:
    base = f"{prefix}/{{objectType}}"
    return [
        ("POST", f"{base}/search", search.search_objects, SEARCH),
        ("POST", f"{base}/batch/read", batch.batch_read, OBJ_READ),
        ("POST", f"{base}/batch/create", batch.batch_create, BATCH_WRITE),
        ("POST", f"{base}/batch/update", batch.batch_update, BATCH_WRITE),
        ("POST", f"{base}/batch/upsert", batch.batch_upsert, BATCH_WRITE),
        ("POST", f"{base}/batch/archive", batch.batch_archive, BATCH_WRITE),
        ("POST", f"{base}/merge", objects.merge_objects, OBJ_WRITE),
        ("POST", f"{base}/gdpr-delete", objects.gdpr_delete_object, OBJ_WRITE),
        ("GET", base, objects.list_objects, OBJ_READ),
        ("POST", base, objects.create_object, OBJ_WRITE),
        ("GET", f"{base}/{{objectId}}", objects.get_object, OBJ_READ),
        ("PATCH", f"{base}/{{objectId}}", objects.update_object, OBJ_WRITE),
        ("DELETE", f"{base}/{{objectId}}", objects.archive_object, OBJ_WRITE),
    ]


def _schema_routes() -> list[RouteSpec]:
    base = "/crm/v3/properties/{objectType}"
    return [
        ("GET", f"{base}/groups", schema.list_groups, SCHEMA_READ),
        ("POST", f"{base}/groups", schema.create_group, SCHEMA_WRITE),
        ("GET", f"{base}/groups/{{groupName}}", schema.get_group, SCHEMA_READ),
        ("PATCH", f"{base}/groups/{{groupName}}", schema.update_group, SCHEMA_WRITE),
        ("DELETE", f"{base}/groups/{{groupName}}", schema.archive_group, SCHEMA_WRITE),
        ("POST", f"{base}/batch/read", schema.batch_read_properties, SCHEMA_READ),
        ("POST", f"{base}/batch/create", schema.batch_create_properties, SCHEMA_WRITE),
        ("POST", f"{base}/batch/archive", schema.batch_archive_properties, SCHEMA_WRITE),
        ("GET", base, schema.list_properties, SCHEMA_READ),
        ("POST", base, schema.create_property, SCHEMA_WRITE),
        ("GET", f"{base}/{{propertyName}}", schema.get_property, SCHEMA_READ),
        ("PATCH", f"{base}/{{propertyName}}", schema.update_property, SCHEMA_WRITE),
        ("DELETE", f"{base}/{{propertyName}}", schema.archive_property, SCHEMA_WRITE),
    ]


def _meta_routes() -> list[RouteSpec]:
    pipes = "/crm/v3/pipelines/{objectType}"
    return [
        ("GET", "/crm/v3/owners", meta.list_owners, OWNERS),
        ("GET", "/crm/v3/owners/", meta.list_owners, OWNERS),
        ("GET", "/crm/v3/owners/{ownerId}", meta.get_owner, OWNERS),
        ("GET", pipes, meta.list_pipelines, PIPELINES),
        ("GET", f"{pipes}/{{pipelineId}}", meta.get_pipeline, PIPELINES),
        ("GET", f"{pipes}/{{pipelineId}}/stages", meta.list_stages, PIPELINES),
        ("GET", f"{pipes}/{{pipelineId}}/stages/{{stageId}}", meta.get_stage, PIPELINES),
    ]


def _association_routes() -> list[RouteSpec]:
    record = "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}"
    default = (
        "/crm/v4/objects/{fromObjectType}/{fromObjectId}"
        "/associations/default/{toObjectType}/{toObjectId}"
    )
    pair = "/crm/v4/associations/{fromObjectType}/{toObjectType}"
    return [
        ("PUT", default, assoc.put_default, V4_BATCH_WRITE),
        ("GET", record, assoc.read_record, V4_READ),
        ("PUT", f"{record}/{{toObjectId}}", assoc.put_labelled, V4_WRITE),
        ("DELETE", f"{record}/{{toObjectId}}", assoc.delete_record, V4_WRITE),
        ("POST", f"{pair}/batch/read", assoc.batch_read, V4_BATCH_READ),
        ("POST", f"{pair}/batch/create", assoc.batch_create, V4_BATCH_WRITE),
        ("POST", f"{pair}/batch/archive", assoc.batch_archive, V4_BATCH_WRITE),
        ("POST", f"{pair}/batch/associate/default", assoc.batch_default, V4_BATCH_WRITE),
        ("GET", f"{pair}/labels", assoc.labels, V4_BATCH_READ),
        (
            "GET",
            "/crm/associations/v4/{fromObjectType}/{toObjectType}/labels",
            assoc.labels,
            V4_BATCH_READ,
        ),
    ]


def route_specs() -> list[RouteSpec]:
    """Every (method, path, handler, access) the emulator serves."""
    return [
        *_object_routes("/crm/v3/objects"),
        *_object_routes("/crm/objects/2026-03"),
        *_schema_routes(),
        *_meta_routes(),
        *_association_routes(),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer in HubSpot's envelope rather than Starlette's text."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    error = HubSpotError(
        status,
        Category.OBJECT_NOT_FOUND if status == 404 else Category.VALIDATION_ERROR,
        f"No route for {request.method} {request.url.path}",
    )
    return json_response(status, error.to_json("00000000-0000-0000-0000-000000000000"), {})


def build_app(get_runtime: Callable[[], Runtime]) -> Any:
    """The ASGI app serving whatever runtime ``get_runtime`` returns at request time."""
    routes = [
        Route(path, endpoint(get_runtime, handler, access), methods=[method])
        for method, path, handler, access in route_specs()
    ]
    app = Starlette(routes=routes, exception_handlers={404: _http_error, 405: _http_error})
    return dropping(app)
