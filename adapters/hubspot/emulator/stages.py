"""Stage bookkeeping that HubSpot calculates on writes (fact sheet §7, §8, §10).

Each function takes the record's current values and the new value and returns the derived property
changes. Lifecycle stages move forward only; a backward move clears the stage (``""``) first, and
the later set of an earlier stage clears the legacy ``hs_lifecyclestage_*_date`` of every higher
stage, while the ``hs_v2_date_entered_*``/``exited_*`` dates are never cleared (§10).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import ErrorDetail, validation
from .pipelines import Pipeline


def lifecycle_changes(
    order: Sequence[str],
    current: Mapping[str, str],
    new: str,
    now_iso: str,
    *,
    forward_only: bool = True,
) -> dict[str, str]:
    """Derived changes when ``lifecyclestage`` is set to ``new``.

    Args:
        order: Stage values in funnel order (the property's options).
        current: The record's current values.
        new: The new stage, or ``""`` to clear it.
        now_iso: The server time of the write.
        forward_only: Reject a direct backward move (HubSpot's exact error is UNCONFIRMED, §18).

    Raises:
        HubSpotError: 400 on a direct backward move when ``forward_only``.
    """
    old = current.get("lifecyclestage", "")
    if new == old:
        return {}
    changes: dict[str, str] = {}
    if old:
        changes[f"hs_v2_date_exited_{old}"] = now_iso
    if new == "":
        return changes
    rank = {stage: index for index, stage in enumerate(order)}
    if old and forward_only and rank.get(new, 0) < rank.get(old, 0):
        raise validation(
            f"lifecyclestage cannot move backward from {old!r} to {new!r}: "
            'clear it with "" first, then set the earlier stage in a separate request.',
            ErrorDetail(
                "Backward lifecycle stage move",
                "INVALID_OPTION",
                {"propertyName": ["lifecyclestage"]},
            ),
        )
    changes[f"hs_v2_date_entered_{new}"] = now_iso
    legacy = f"hs_lifecyclestage_{new}_date"
    if not current.get(legacy):
        changes[legacy] = now_iso
    for stage in order[rank.get(new, 0) + 1 :]:
        if current.get(f"hs_lifecyclestage_{stage}_date"):
            changes[f"hs_lifecyclestage_{stage}_date"] = ""
    return changes


def dealstage_changes(
    pipeline: Pipeline, current: Mapping[str, str], new: str, now_iso: str
) -> dict[str, str]:
    """Derived changes when ``dealstage`` is set: entered/exited dates and the closed flags (§7)."""
    old = current.get("dealstage", "")
    if new == old:
        return {}
    changes: dict[str, str] = {}
    if old:
        changes[f"hs_v2_date_exited_{old}"] = now_iso
    stage = pipeline.stage(new)
    if stage is None:
        return changes
    changes[f"hs_v2_date_entered_{new}"] = now_iso
    changes[f"hs_date_entered_{new}"] = now_iso
    changes["hs_is_closed"] = "true" if stage.is_closed else "false"
    changes["hs_is_closed_won"] = (
        "true" if stage.is_closed and stage.probability >= 1.0 else "false"
    )
    return changes


def task_status_changes(current: Mapping[str, str], new: str, now_iso: str) -> dict[str, str]:
    """``hs_task_completion_date`` follows ``hs_task_status`` into and out of ``COMPLETED``."""
    old = current.get("hs_task_status", "")
    if new == old:
        return {}
    if new == "COMPLETED":
        return {"hs_task_completion_date": now_iso}
    if old == "COMPLETED":
        return {"hs_task_completion_date": ""}
    return {}
