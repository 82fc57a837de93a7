"""Full-pull sweeps: what a finished full pull proves gone (``adapters.base.protocol.Sweep``).

A full pull delivers every live record of its object type. Each of its batches marks the records
it delivered; the batch that ends it tombstones every stored live record left unmarked, exactly as
a delete would (unsent actions on them are cancelled). This is how deletes that the CRM forgot
before we saw them are caught: Salesforce purges its Recycle Bin after 15 days (failure-modes
F15), and a cursor reset re-reads everything. Runs inside the caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from adapters.base.protocol import PullBatch
from connector.store import outbox, records

logger = logging.getLogger("smarketing.store")


def delivered(batch: PullBatch) -> Iterable[str]:
    """Every id the batch speaks of: live, deleted and merged-away records."""
    yield from (person.id for person in batch.people)
    yield from (deal.id for deal in batch.deals)
    yield from batch.deleted_ids
    yield from (merge.loser_id for merge in batch.merges)


def apply(session: Session, batch: PullBatch, now: datetime) -> list[str]:
    """Mark the batch's records swept; if the sweep is done, tombstone the rest.

    Returns:
        The ids tombstoned because the finished sweep did not deliver them.
    """
    sweep = batch.sweep
    if sweep is None:
        return []
    kind = batch.object_type
    records.mark_swept(session, kind, delivered(batch), sweep.started)
    if not sweep.done:
        return []
    gone = records.unswept(session, kind, sweep.started)
    if gone:
        logger.warning(
            "%d stored %s records were not in the full pull begun %s: the CRM no longer has "
            "them (deleted and purged unseen), so they are removed here too",
            len(gone),
            kind,
            sweep.started.isoformat(),
        )
        records.tombstone(session, kind, gone, now)
        outbox.cancel(session, kind, gone, now)
    return gone
