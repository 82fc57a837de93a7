"""Versions, the resource list, limits, the token endpoint (fact sheet §1, §2, §10).

``GET /services/data/`` lists the supported versions (31.0-68.0, §1) and is not metered; the token
endpoint takes a form body and answers OAuth-shaped errors (§2).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from ..errors import OAuthError
from ..http import Ctx, Reply

OLDEST, NEWEST = 31, 68
_SEASONS = ("Winter", "Spring", "Summer")


def release(version: int) -> str:
    """The release name of an API version: 59 is Winter '24, three releases a year."""
    steps = version - 59
    year, season = 24 + steps // 3, steps % 3
    return f"{_SEASONS[season]} '{year:02d}"


def supported(version: str) -> bool:
    """True for ``v31.0`` … ``v68.0``."""
    number = version.removeprefix("v")
    major, _, minor = number.partition(".")
    return major.isdigit() and minor == "0" and OLDEST <= int(major) <= NEWEST


def versions(_: Ctx) -> Reply:
    """``GET /services/data/``."""
    return Reply(
        200,
        [
            {"label": release(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
            for v in range(OLDEST, NEWEST + 1)
        ],
    )


def resources(ctx: Ctx) -> Reply:
    """``GET /services/data/vXX.X/``."""
    base = f"/services/data/v{ctx.version}"
    names = ["sobjects", "query", "queryAll", "limits", "composite"]
    if ctx.runtime.options.tooling_api:
        names.append("tooling")
    return Reply(200, {name: f"{base}/{name}" for name in names})


def limits(ctx: Ctx) -> Reply:
    """``GET /limits`` (§10), consistent with ``Sforce-Limit-Info``."""
    return Reply(200, ctx.runtime.limiter.snapshot())


def token(ctx: Ctx) -> Reply:
    """``POST /services/oauth2/token``."""
    form = {k: v[0] for k, v in parse_qs(ctx.request.body.decode(errors="replace")).items()}
    runtime = ctx.runtime
    try:
        if runtime.options.limits.token_calls_count:
            runtime.limiter.admit()
        body = runtime.auth.grant(
            form, ctx.request.headers.get("authorization"), ctx.request.base_url
        )
    except OAuthError as exc:
        return Reply(exc.status, exc.to_json())
    return Reply(200, body)
