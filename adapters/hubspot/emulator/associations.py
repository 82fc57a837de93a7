"""Associations between records: the HUBSPOT_DEFINED type table and a two-way store (fact sheet §9).

Every association is stored in both directions with its inverse type id, so reads from either side
agree. v3 output names the type (``contact_to_deal``); v4 output gives ``category``/``typeId``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .objects import ObjectType

C, CO, D, T = ObjectType.CONTACTS, ObjectType.COMPANIES, ObjectType.DEALS, ObjectType.TASKS


@dataclass(frozen=True, slots=True)
class AssociationType:
    """A HUBSPOT_DEFINED type: id, direction, v3 name, inverse id, and whether it is the default."""

    type_id: int
    source: ObjectType
    target: ObjectType
    name: str
    inverse_id: int
    default: bool = True


def _both(
    a: int, b: int, src: ObjectType, dst: ObjectType, name: str, *, default: bool
) -> tuple[AssociationType, AssociationType]:
    forward, backward = name.split("|")
    return (
        AssociationType(a, src, dst, forward, b, default),
        AssociationType(b, dst, src, backward, a, default),
    )


# §9 table. Pairs with a primary and an unlabeled type use the unlabeled one as the default.
TYPES: dict[int, AssociationType] = {
    kind.type_id: kind
    for kind in (
        *_both(1, 2, C, CO, "contact_to_company|company_to_contact", default=False),
        *_both(
            279,
            280,
            C,
            CO,
            "contact_to_company_unlabeled|company_to_contact_unlabeled",
            default=True,
        ),
        *_both(3, 4, D, C, "deal_to_contact|contact_to_deal", default=True),
        *_both(5, 6, D, CO, "deal_to_company|company_to_deal", default=False),
        *_both(
            341, 342, D, CO, "deal_to_company_unlabeled|company_to_deal_unlabeled", default=True
        ),
        *_both(204, 203, T, C, "task_to_contact|contact_to_task", default=True),
        *_both(192, 191, T, CO, "task_to_company|company_to_task", default=True),
        *_both(216, 215, T, D, "task_to_deal|deal_to_task", default=True),
    )
}


def default_type(source: ObjectType, target: ObjectType) -> AssociationType | None:
    """The type a ``…/associations/default/…`` call creates for this pair."""
    return next(
        (k for k in TYPES.values() if k.source == source and k.target == target and k.default),
        None,
    )


def types_between(source: ObjectType, target: ObjectType) -> list[AssociationType]:
    """Every HUBSPOT_DEFINED type from ``source`` to ``target`` (the v4 labels endpoint)."""
    return [k for k in TYPES.values() if k.source == source and k.target == target]


@dataclass(slots=True)
class AssociationStore:
    """``(source, target) → source id → target id → type ids``, kept symmetric."""

    links: dict[tuple[ObjectType, ObjectType], dict[int, dict[int, set[int]]]] = field(
        default_factory=dict
    )

    def add(self, kind: AssociationType, source_id: int, target_id: int) -> None:
        """Associate two records with ``kind`` and its inverse."""
        self._put(kind.source, kind.target, source_id, target_id, kind.type_id)
        self._put(kind.target, kind.source, target_id, source_id, kind.inverse_id)

    def remove(
        self, source: ObjectType, target: ObjectType, source_id: int, target_id: int
    ) -> None:
        """Remove every association between two records, both directions."""
        self.links.get((source, target), {}).get(source_id, {}).pop(target_id, None)
        self.links.get((target, source), {}).get(target_id, {}).pop(source_id, None)

    def targets(
        self, source: ObjectType, target: ObjectType, source_id: int
    ) -> dict[int, set[int]]:
        """Target ids of one record with their type ids, in insertion order."""
        return self.links.get((source, target), {}).get(source_id, {})

    def move(self, obj: ObjectType, old_id: int, new_id: int) -> None:
        """Re-point every association of ``old_id`` to ``new_id`` (the survivor of a merge)."""
        for (source, target), by_source in list(self.links.items()):
            if source == obj and old_id in by_source:
                for target_id, kinds in by_source.pop(old_id).items():
                    for type_id in kinds:
                        self.add(TYPES[type_id], new_id, target_id)
                    self.links[(target, source)].get(target_id, {}).pop(old_id, None)

    def bulk(self, kind: AssociationType, pairs: Iterable[tuple[int, int]]) -> None:
        """Add many associations of one type (seeding)."""
        for source_id, target_id in pairs:
            self.add(kind, source_id, target_id)

    def _put(self, source: ObjectType, target: ObjectType, a: int, b: int, type_id: int) -> None:
        by_source = self.links.setdefault((source, target), {})
        by_source.setdefault(a, {}).setdefault(b, set()).add(type_id)
