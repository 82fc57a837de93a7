"""The manual clock shared by both emulators (see :mod:`adapters.emulation.clock`)."""

from adapters.emulation.clock import ManualClock

__all__ = ["ManualClock"]
