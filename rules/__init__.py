"""The domain layer: the model the rules judge, the rules, and what they conclude.

Pure: no I/O and no clock reads. :func:`evaluate` (or :class:`Evaluator`, to compile a ruleset
once for many chunks of records) is the entry point; the shapes it reads and returns are
re-exported here.
"""

from rules.decisions import (
    Decisions,
    LifecycleView,
    RecordDecision,
    RejectionResult,
    Score,
    SlaResult,
    SlaState,
    TaskPurpose,
    TaskSpec,
)
from rules.evaluate import Evaluator, evaluate
from rules.model import (
    Activity,
    ActivityKind,
    LeadStatus,
    ObjectType,
    Owner,
    Person,
    Stage,
    StageEntry,
)
from rules.ruleset import Ruleset

__all__ = [
    "Activity",
    "ActivityKind",
    "Decisions",
    "Evaluator",
    "LeadStatus",
    "LifecycleView",
    "ObjectType",
    "Owner",
    "Person",
    "RecordDecision",
    "RejectionResult",
    "Ruleset",
    "Score",
    "SlaResult",
    "SlaState",
    "Stage",
    "StageEntry",
    "TaskPurpose",
    "TaskSpec",
    "evaluate",
]
