"""Deal pipelines and stages (fact sheet §7).

The default ``Sales Pipeline`` carries the default deal stages; metadata values are strings, as
HubSpot sends them. Pipelines are read-only in the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import JsonDict
from .timefmt import iso_ms


@dataclass(frozen=True, slots=True)
class DealStage:
    """A stage: ``probability`` in 0.0..1.0 by steps of 0.1; closed stages end the deal."""

    id: str
    label: str
    display_order: int
    probability: float
    is_closed: bool

    def to_json(self, created_ms: int) -> JsonDict:
        """The ``PipelineStage`` JSON (metadata values are strings, §7)."""
        stamp = iso_ms(created_ms)
        return {
            "id": self.id,
            "label": self.label,
            "displayOrder": self.display_order,
            "metadata": {
                "isClosed": "true" if self.is_closed else "false",
                "probability": f"{self.probability:.1f}",
            },
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
            "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
        }


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A deal pipeline with its ordered stages."""

    id: str
    label: str
    display_order: int
    stages: tuple[DealStage, ...]

    def stage(self, stage_id: str) -> DealStage | None:
        """The stage with that id, if the pipeline has it."""
        return next((stage for stage in self.stages if stage.id == stage_id), None)

    def to_json(self, created_ms: int) -> JsonDict:
        """The ``Pipeline`` JSON."""
        stamp = iso_ms(created_ms)
        return {
            "id": self.id,
            "label": self.label,
            "displayOrder": self.display_order,
            "stages": [stage.to_json(created_ms) for stage in self.stages],
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
        }


DEFAULT_PIPELINE = Pipeline(
    "default",
    "Sales Pipeline",
    0,
    (
        DealStage("appointmentscheduled", "Appointment Scheduled", 0, 0.2, False),
        DealStage("qualifiedtobuy", "Qualified To Buy", 1, 0.4, False),
        DealStage("presentationscheduled", "Presentation Scheduled", 2, 0.6, False),
        DealStage("decisionmakerboughtin", "Decision Maker Bought-In", 3, 0.8, False),
        DealStage("contractsent", "Contract Sent", 4, 0.9, False),
        DealStage("closedwon", "Closed Won", 5, 1.0, True),
        DealStage("closedlost", "Closed Lost", 6, 0.0, True),
    ),
)
"""HubSpot's default deal stages (§7); portals vary, so clients must read them."""
