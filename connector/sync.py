"""One sync cycle: pull -> store -> judge -> plan -> write back -> record outcomes.

The order matters for "exactly once" (ARCHITECTURE.md, failure-modes R1/R2):

1. **Pull** each object type since its cursor; every page and its cursor commit in one transaction.
2. **Judge** what changed plus what the clock moved on (records whose ``next_check_at`` passed), so
   a cycle's cost grows with changes and running clocks, not with the size of the store. Records
   whose verdict depends on history (a running SLA clock, a rejection without a reason) are
   enriched with status history and activities and judged again.
3. **Plan** only differences against what was last written; record the plan in the outbox
   *before* anything is sent, together with earlier actions still pending (retries, and ``sent``
   ones from a crash: the adapter finds those again by key instead of creating them twice).
4. **Write back** through the adapter and record one outcome per action.

A dry run stops after planning and writes nothing anywhere, not even cursors.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from adapters.base.protocol import Action, CrmAdapter, PullBatch
from connector.failpoints import failpoint
from connector.logs import log_event
from connector.plan import OWNED_PROPERTIES, Breach, OpenTask, breaches, format_instant, plan
from connector.rechecks import next_check
from connector.refusals import held_back, still_held
from connector.store import Store
from connector.store.values import OutboxEntry, RunStatus
from connector.versions import new_versions
from rules.decisions import RecordDecision, SlaState
from rules.evaluate import Evaluator
from rules.model import ObjectType, Owner, Person
from rules.ruleset import Ruleset

log = logging.getLogger("smarketing.sync")

Ref = tuple[ObjectType, str]

RECHECK_LIMIT = 5_000
"""Records re-judged per cycle because their clock moved on; the rest wait for the next cycle."""


@dataclass(frozen=True, slots=True)
class CycleOptions:
    """What one cycle does beyond the rules: which objects, and how often scores are refreshed."""

    people: tuple[ObjectType, ...] = (ObjectType.CONTACT,)
    others: tuple[ObjectType, ...] = (ObjectType.DEAL,)
    score_refresh: timedelta = timedelta(days=1)  # decaying scores are re-judged this often
    owners_every: timedelta = timedelta(hours=12)  # owners are re-read this often (or when new)
    apply_batch: int = 500  # actions handed to the adapter at once (it batches them further)
    max_actions: int = 50_000  # pending actions sent per cycle; the rest go next cycle


@dataclass(frozen=True, slots=True)
class CycleReport:
    """What one cycle did; the daemon turns it into metrics and the run log."""

    started_at: datetime
    finished_at: datetime
    as_of: datetime
    ok: bool
    error: str | None = None
    dry_run: bool = False
    pulled: Mapping[str, int] = field(default_factory=dict)
    judged: int = 0
    enriched: int = 0
    plan: tuple[Action, ...] = ()
    breaches: tuple[Breach, ...] = ()
    actions: Mapping[str, int] = field(default_factory=dict)
    outcomes: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    api_calls: Mapping[tuple[str, int], int] = field(default_factory=dict)
    rate_limited: int = 0
    open_breaches: Mapping[str, int] = field(default_factory=dict)
    cursor_lag_seconds: Mapping[str, float] = field(default_factory=dict)
    unknown_values: Mapping[str, int] = field(default_factory=dict)
    decisions: tuple[RecordDecision, ...] = ()
    held_back: int = 0  # refused writes not sent again yet (connector.refusals)


class CycleStopped(Exception):
    """The daemon asked the cycle to stop; what was committed so far stays committed."""


@dataclass
class _Work:
    """State of one running cycle (kept off the long-lived SyncCycle)."""

    as_of: datetime
    dry_run: bool
    stop: threading.Event
    pulled: Counter[str] = field(default_factory=Counter)
    people: dict[Ref, Person] = field(default_factory=dict)


class SyncCycle:
    """Runs cycles for one CRM account against one store."""

    def __init__(
        self,
        *,
        crm: str,
        ruleset: Ruleset,
        adapter: CrmAdapter,
        store: Store,
        clock: Callable[[], datetime],
        owners_hook: Callable[[list[Owner]], list[Owner]] = lambda owners: owners,
        options: CycleOptions | None = None,
    ) -> None:
        self.crm = crm
        self._ruleset = ruleset
        self._adapter = adapter
        self._store = store
        self._clock = clock
        self._owners_hook = owners_hook
        self._options = options or CycleOptions()

    def run(
        self,
        stop: threading.Event | None = None,
        *,
        now: datetime | None = None,
        dry_run: bool = False,
    ) -> CycleReport:
        """Run one cycle as of ``now`` (default: the clock) and report what it did.

        Errors propagate (the caller logs and counts them) after the run log records them.
        """
        started = self._clock()
        work = _Work(as_of=now or started, dry_run=dry_run, stop=stop or threading.Event())
        calls_before = Counter(self._adapter.usage())
        run_id = None if dry_run else self._store.start_run(started)
        try:
            report = self._run(work, started)
        except BaseException as exc:
            if run_id is not None:
                self._store.finish_run(
                    run_id, self._clock(), RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"
                )
            raise
        calls = Counter(self._adapter.usage())
        calls.subtract(calls_before)
        api_calls = {k: v for k, v in calls.items() if v > 0}
        report = replace(
            report,
            api_calls=api_calls,
            rate_limited=sum(v for (_, status), v in api_calls.items() if status == 429),
        )
        if run_id is not None:
            self._store.finish_run(
                run_id,
                report.finished_at,
                RunStatus.OK,
                counts={
                    **report.pulled,
                    "judged": report.judged,
                    "held_back": report.held_back,
                    **report.actions,
                },
                api_calls=sum(api_calls.values()),
            )
        return report

    # -- the steps -------------------------------------------------------------------------

    def _run(self, work: _Work, started: datetime) -> CycleReport:
        for object_type in (*self._options.people, *self._options.others):
            self._pull(work, object_type, started)
        owners = self._owners(work)
        evaluator = Evaluator(self._ruleset, owners)
        people = self._to_judge(work)
        decisions, enriched, unknown = self._judge(work, evaluator, people)
        wanted, held = self._plan(work, decisions, {(p.object_type, p.id): p for p in people})
        if held:
            log_event(log, "refused writes held back", held_back=held)
        found = breaches(decisions)
        outcomes: dict[str, Counter[str]] = {}
        if work.dry_run:
            actions = self._store.preview_plan(wanted)
        else:
            # Recorded before anything is sent (R1): a crash from here on is replayed by key.
            actions = self._store.plan(wanted, self._clock())
            failpoint("planned")
            self._schedule_rechecks(work, decisions)
            outcomes = self._write_back(work)
        return CycleReport(
            started_at=started,
            finished_at=self._clock(),
            as_of=work.as_of,
            ok=True,
            dry_run=work.dry_run,
            pulled=dict(work.pulled),
            judged=len(decisions),
            enriched=enriched,
            plan=tuple(actions),
            breaches=tuple(found),
            actions=dict(Counter(str(a.kind) for a in actions)),
            outcomes={kind: dict(counts) for kind, counts in outcomes.items()},
            open_breaches=(
                dict(Counter(b.rule for b in found))
                if work.dry_run
                else self._store.open_task_counts()
            ),
            cursor_lag_seconds=self._cursor_lag(work),
            unknown_values=unknown,
            decisions=tuple(decisions),
            held_back=held,
        )

    def _owners(self, work: _Work) -> dict[str, Owner]:
        """Owners as the CRM lists them, re-read when due (first cycle, every ``owners_every``, or
        a record names an owner we do not know), with ``[owners]`` managers applied every cycle
        so a config change takes effect at once. A quiet cycle costs no owner calls."""
        crm_owners = self._store.owners()
        unknown = {p.owner_id for p in work.people.values() if p.owner_id} - crm_owners.keys()
        refreshed = self._store.owners_refreshed_at()
        due = refreshed is None or self._clock() - refreshed >= self._options.owners_every
        if due or unknown:
            listed = self._adapter.owners()
            if not work.dry_run:
                self._store.replace_owners(listed)
            crm_owners = {owner.id: owner for owner in listed}
        return {owner.id: owner for owner in self._owners_hook(list(crm_owners.values()))}

    def _pull(self, work: _Work, object_type: ObjectType, started: datetime) -> None:
        cursor = self._store.cursor(object_type)
        for page in self._adapter.pull(object_type, cursor, started_at=started):
            if work.stop.is_set():
                raise CycleStopped(f"stopped while pulling {object_type}")
            work.pulled[str(object_type)] += len(page.people) + len(page.deals)
            batch, changed = self._versions(page)
            self._keep(work, batch, changed)
            if not work.dry_run:
                self._store.apply_pull(batch, to_judge=changed)
                failpoint("pulled")

    def _versions(self, batch: PullBatch) -> tuple[PullBatch, set[str]]:
        """The batch with known history carried over, and the ids that really changed."""
        if not batch.people:
            return batch, set()
        stored = self._store.get_records(batch.object_type, [p.id for p in batch.people])
        return new_versions(batch, stored)

    def _keep(self, work: _Work, batch: PullBatch, changed: set[str]) -> None:
        for person in batch.people:
            if person.id in changed:
                ref = (person.object_type, person.id)
                work.people[ref] = person
        for gone in (*batch.deleted_ids, *(m.loser_id for m in batch.merges)):
            work.people.pop((batch.object_type, gone), None)

    def _to_judge(self, work: _Work) -> list[Person]:
        """Changed people plus stored ones whose clock moved on, each once."""
        chosen = dict(work.people)
        for record in self._store.records_to_recheck(work.as_of, RECHECK_LIMIT):
            if isinstance(record, Person):
                chosen.setdefault((record.object_type, record.id), record)
        return [chosen[ref] for ref in sorted(chosen)]

    def _judge(
        self, work: _Work, evaluator: Evaluator, people: list[Person]
    ) -> tuple[list[RecordDecision], int, Mapping[str, int]]:
        """Judge ``people``; those whose verdict needs history they lack are enriched (history
        is kept across re-reads of the same version, so this costs calls only for new versions
        and for records never enriched) and judged again."""
        judged = evaluator.evaluate(people, work.as_of)
        needy = [
            p
            for p, d in zip(people, judged.records, strict=True)
            if _needs_history(d) and not (p.status_history or p.activities)
        ]
        if not needy:
            return list(judged.records), 0, judged.unknown_values
        fuller = {(p.object_type, p.id): p for p in self._enrich(work, needy)}
        people = [fuller.get((p.object_type, p.id), p) for p in people]
        judged = evaluator.evaluate(people, work.as_of)
        return list(judged.records), len(fuller), judged.unknown_values

    def _enrich(self, work: _Work, people: Sequence[Person]) -> list[Person]:
        enriched: list[Person] = []
        for object_type in sorted({p.object_type for p in people}):
            group = [p for p in people if p.object_type is object_type]
            fuller = self._adapter.enrich(object_type, group)
            enriched.extend(fuller)
            if not work.dry_run:
                self._store.apply_pull(PullBatch(object_type=object_type, people=tuple(fuller)))
        return enriched

    def _plan(
        self, work: _Work, decisions: Sequence[RecordDecision], people: Mapping[Ref, Person]
    ) -> tuple[list[Action], int]:
        """The actions ``decisions`` need, and how many refused writes were held back."""
        written: dict[tuple[Ref, str], str] = {}
        held: dict[tuple[Ref, str], str] = {}
        open_tasks: list[OpenTask] = []
        for object_type in sorted({d.record_type for d in decisions}):
            ids = [d.record_id for d in decisions if d.record_type is object_type]
            values, refused = self._previous_values(work, people, object_type, ids)
            written.update(values)
            held.update(refused)
            open_tasks.extend(_open_task(e) for e in self._store.open_tasks(object_type, ids))
        actions = plan(decisions, written=written, open_tasks=open_tasks, as_of=work.as_of)
        return actions, held_back(decisions, held)

    def _previous_values(
        self, work: _Work, people: Mapping[Ref, Person], object_type: ObjectType, ids: list[str]
    ) -> tuple[dict[tuple[Ref, str], str], dict[tuple[Ref, str], str]]:
        """Our properties' current values, and the refused ones among them.

        The current value is what is waiting to be sent, else a refused value still held back
        (:func:`connector.refusals.still_held`), else what we last wrote, else what the CRM
        showed. Falling back to the CRM's values means a lost local store does not rewrite every
        score.
        """
        values: dict[tuple[Ref, str], str] = {}
        for rid in ids:
            person = people.get((object_type, rid))
            if person is None:
                continue
            for prop in OWNED_PROPERTIES:
                shown = person.fields.get(prop)
                if shown is not None:
                    values[((object_type, rid), prop)] = _as_text(shown)
        pending = self._store.pending_values(object_type, ids)
        modified = {rid: p.updated_at for (t, rid), p in people.items() if t is object_type}
        held = still_held(self._store.refused_values(object_type, ids), modified, work.as_of)
        refused = {key: value for key, value in held.items() if key not in pending}
        stored = {**self._store.written_values(object_type, ids), **refused, **pending}
        for (rid, prop), value in stored.items():
            values[((object_type, rid), prop)] = value
        return values, {((object_type, rid), prop): v for (rid, prop), v in refused.items()}

    def _schedule_rechecks(self, work: _Work, decisions: Iterable[RecordDecision]) -> None:
        checks: dict[ObjectType, dict[str, datetime | None]] = {}
        for decision in decisions:
            at = next_check(decision, work.as_of, self._options.score_refresh)
            checks.setdefault(decision.record_type, {})[decision.record_id] = at
        for object_type, by_id in checks.items():
            self._store.set_next_check(object_type, by_id)

    def _write_back(self, work: _Work) -> dict[str, Counter[str]]:
        """Send every pending action once, in batches.

        Pending includes earlier retries and ``sent`` actions from a crashed cycle; each is sent
        at most once per cycle, so a refusing CRM costs one attempt per cycle, not a hot loop.
        """
        pending = self._store.pending_actions(self._options.max_actions)
        outcomes: dict[str, Counter[str]] = {}
        size = self._options.apply_batch
        for start in range(0, len(pending), size):
            if work.stop.is_set():
                raise CycleStopped("stopped while writing back")
            batch = [entry.action for entry in pending[start : start + size]]
            self._store.mark_sent([a.key for a in batch], self._clock())
            failpoint("sent")
            results = self._adapter.apply(batch)
            failpoint("applied")
            self._store.record_outcomes(results, self._clock())
            failpoint("recorded")
            kinds = {a.key: str(a.kind) for a in batch}
            for result in results:
                counts = outcomes.setdefault(kinds.get(result.key, "unknown"), Counter())
                counts[str(result.status)] += 1
        return outcomes

    def _cursor_lag(self, work: _Work) -> dict[str, float]:
        lags: dict[str, float] = {}
        for object_type in (*self._options.people, *self._options.others):
            cursor = self._store.cursor(object_type)
            if cursor is not None:
                lags[str(object_type)] = max(0.0, (work.as_of - cursor.modified_at).total_seconds())
        return lags


def _needs_history(decision: RecordDecision) -> bool:
    """Does this verdict depend on status history or activities the pull did not bring?"""
    running = any(r.state not in (SlaState.MET, SlaState.MET_LATE) for r in decision.sla)
    return running or bool(decision.rejection)


def _open_task(entry: OutboxEntry) -> OpenTask:
    action = entry.action
    return OpenTask(
        key=action.key,
        record_type=action.record_type,
        record_id=action.record_id,
        rule=getattr(action, "rule", ""),
        crm_id=entry.crm_id,
    )


def _as_text(value: object) -> str:
    """A CRM value spelled as the planner spells ours (Salesforce returns 72.0 for 72)."""
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
