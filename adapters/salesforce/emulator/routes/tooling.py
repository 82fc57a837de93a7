"""The Tooling API route: ``POST tooling/sobjects/CustomField`` (see :mod:`..tooling`).

An org without the Tooling API (``EmulatorOptions.tooling_api = False``) answers 404
``NOT_FOUND``, as for any unknown resource; a running user without "Customize Application"
(``EmulatorOptions.customizers``) answers 403 ``INSUFFICIENT_ACCESS`` (UNCONFIRMED code).
"""

from __future__ import annotations

from .. import tooling
from ..errors import SalesforceError, not_found
from ..http import Ctx, Reply
from .sobjects import save_result


def create_custom_field(ctx: Ctx) -> Reply:
    """``POST tooling/sobjects/CustomField`` → 201 SaveResult with the new field's ``00N`` id."""
    options = ctx.runtime.options
    if not options.tooling_api:
        raise not_found(ctx.org.behaviour.not_found_message)
    user = None if ctx.session is None else ctx.session.user_id
    if not tooling.may_customize(ctx.org, user, options.customizers):
        raise SalesforceError(
            403,
            "INSUFFICIENT_ACCESS",
            "You do not have the level of access necessary to perform the operation you "
            "requested: creating fields needs the Customize Application permission.",
        )
    field_id = tooling.create_field(ctx.org, ctx.json())
    location = f"/services/data/v{ctx.version}/tooling/sobjects/CustomField/{field_id}"
    return Reply(201, save_result(field_id), {"Location": location})
