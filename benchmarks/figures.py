"""The one way benchmarks print a figure: value, reference, ratio, target and verdict."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One printed line: a measurement, its reference, and whether it meets the target."""

    name: str
    value: float
    reference: float
    unit: str
    target: str
    ok: bool

    def line(self) -> str:
        ratio = f"{self.value / self.reference:6.3f}x" if self.reference else "     -"
        verdict = "ok" if self.ok else "MISSED"
        return (
            f"{self.name:<52} {self.value:>10,.1f} {self.unit:<6} vs {self.reference:>9,.1f}"
            f"  = {ratio}  target {self.target:<9} {verdict}"
        )
