"""Composite (``/composite``) and Composite Batch (``/composite/batch``) (fact sheet §6).

Composite runs up to 25 subrequests in order; a later one may use ``@{ref.id}`` or any path into an
earlier result (``@{q.records[0].Id}``). With ``allOrNone`` the first failure rolls everything back
and the other subrequests report 400 ``PROCESSING_HALTED``; without it only subrequests that
reference a failed one are halted. The top level always answers 200 and counts as one API call.
Batch runs independent subrequests, never rolls back, and each counts as one call (§18.6).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..errors import SalesforceError, bad_request
from ..http import Ctx, Reply, error_reply

if TYPE_CHECKING:
    from collections.abc import Callable

_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_REFERENCE_ID = re.compile(r"[A-Za-z0-9_]+")
HALTED = "The transaction was rolled back since another operation in the same transaction failed."


class _Unresolved(Exception):
    """A reference to a result that does not exist or failed."""


def composite(ctx: Ctx, dispatch: Callable[[Ctx, str, str, Any], Reply]) -> Reply:
    """``POST /composite``."""
    body = ctx.json()
    if not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
        raise bad_request("JSON_PARSER_ERROR", "The request body needs a 'compositeRequest' array")
    subrequests: list[Any] = body["compositeRequest"]
    _validate(ctx, subrequests)
    all_or_none = bool(body.get("allOrNone", False))
    results: dict[str, Any] = {}
    responses: list[dict[str, Any]] = []
    with ctx.org.transaction() as rollback:
        for sub in subrequests:
            reference = sub["referenceId"]
            try:
                url = _resolve(sub["url"], results)
                payload = _resolve(sub.get("body"), results)
            except _Unresolved as exc:
                responses.append(_halted(reference, str(exc)))
                if all_or_none:
                    rollback()
                    return Reply(200, {"compositeResponse": _halt_others(subrequests, responses)})
                continue
            reply = dispatch(ctx, str(sub["method"]).upper(), url, payload)
            responses.append(_response(reference, reply))
            if reply.status < 400:
                results[reference] = reply.body if reply.body is not None else {}
            elif all_or_none:
                rollback()
                return Reply(200, {"compositeResponse": _halt_others(subrequests, responses)})
    return Reply(200, {"compositeResponse": responses})


def batch(ctx: Ctx, dispatch: Callable[[Ctx, str, str, Any], Reply]) -> Reply:
    """``POST /composite/batch``: independent subrequests, each metered (§18.6)."""
    body = ctx.json()
    if not isinstance(body, dict) or not isinstance(body.get("batchRequests"), list):
        raise bad_request("JSON_PARSER_ERROR", "The request body needs a 'batchRequests' array")
    requests: list[Any] = body["batchRequests"]
    if len(requests) > ctx.org.behaviour.composite_limit:
        raise bad_request(
            "LIMIT_EXCEEDED",
            f"A batch may hold at most {ctx.org.behaviour.composite_limit} subrequests",
        )
    halt = bool(body.get("haltOnError", False))
    out: list[dict[str, Any]] = []
    has_errors = False
    for sub in requests:
        if halt and has_errors:
            out.append(
                {
                    "statusCode": 412,
                    "result": [
                        {
                            "errorCode": "BATCH_PROCESSING_HALTED",
                            "message": "Batch processing halted per request",
                        }
                    ],
                }
            )
            continue
        try:
            ctx.runtime.limiter.admit()
            reply = dispatch(
                ctx,
                str(sub.get("method", "GET")).upper(),
                "/services/data/"
                + str(sub.get("url", "")).lstrip("/").removeprefix("services/data/"),
                sub.get("richInput"),
            )
        except SalesforceError as exc:
            reply = error_reply(exc)
        has_errors = has_errors or reply.status >= 400
        out.append({"statusCode": reply.status, "result": reply.body})
    return Reply(200, {"hasErrors": has_errors, "results": out})


def _validate(ctx: Ctx, subrequests: list[Any]) -> None:
    limit = ctx.org.behaviour.composite_limit
    if not subrequests or len(subrequests) > limit:
        raise bad_request("LIMIT_EXCEEDED", f"A composite request holds 1 to {limit} subrequests")
    seen: set[str] = set()
    for sub in subrequests:
        if not isinstance(sub, dict) or not {"method", "url", "referenceId"} <= sub.keys():
            raise bad_request("INVALID_INPUT", "Each subrequest needs method, url and referenceId")
        reference = str(sub["referenceId"])
        if not _REFERENCE_ID.fullmatch(reference) or reference in seen:
            raise bad_request("INVALID_INPUT", f"Invalid or duplicate referenceId: {reference}")
        seen.add(reference)


def _resolve(value: Any, results: dict[str, Any]) -> Any:
    """``value`` with every ``@{ref.path}`` replaced by the earlier result it names."""
    if isinstance(value, str):
        return _REFERENCE.sub(lambda m: str(_lookup(m.group(1), m.group(2), results)), value)
    if isinstance(value, list):
        return [_resolve(item, results) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, results) for key, item in value.items()}
    return value


def _lookup(reference: str, path: str, results: dict[str, Any]) -> Any:
    if reference not in results:
        raise _Unresolved(
            f"Invalid reference specified. No value for {reference}{path} found in {reference}."
        )
    current = results[reference]
    for name, index in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", path):
        try:
            current = current[name] if name else current[int(index)]
        except (KeyError, IndexError, TypeError) as exc:
            raise _Unresolved(
                f"Invalid reference specified. No value for {reference}{path} found in {reference}."
            ) from exc
    return current


def _response(reference: str, reply: Reply) -> dict[str, Any]:
    headers = {k: v for k, v in reply.headers.items() if k == "Location"}
    return {
        "body": reply.body,
        "httpHeaders": headers,
        "httpStatusCode": reply.status,
        "referenceId": reference,
    }


def _halted(reference: str, message: str) -> dict[str, Any]:
    body = [{"errorCode": "PROCESSING_HALTED", "message": message}]
    return {"body": body, "httpHeaders": {}, "httpStatusCode": 400, "referenceId": reference}


def _halt_others(subrequests: list[Any], responses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    failed = responses[-1]
    out = [_halted(r["referenceId"], HALTED) for r in responses[:-1]]
    out.append(failed)
    out += [_halted(sub["referenceId"], HALTED) for sub in subrequests[len(responses) :]]
    return out
