"""Calibrated buffers: working days added to a plan's promise, per segment and by the plan's
length.

A backtest (``bto simulate``) learns how late plans of each segment turn out, separately for
short and long plans: a plan that is long because the shop is busy is late by more than a short
one, so one buffer for all would be too long when the shop is quiet and too short when it is
busy. The bands are edges in working days: with ``bands = (4, 8)`` a plan of 0-3 working days
takes the first buffer, 4-7 the second and 8 or more the third. A segment with a single buffer
uses it for every plan.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MAX_BUFFER_DAYS", "BufferTable"]

#: A buffer beyond a working year is a mistake, not a calibration.
MAX_BUFFER_DAYS = 260


@dataclass(frozen=True, slots=True)
class BufferTable:
    """Per segment, the working days added to a plan of each band (see the module text)."""

    bands: tuple[int, ...] = ()
    days: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if any(b <= a for a, b in zip(self.bands, self.bands[1:], strict=False)) \
                or any(b < 1 for b in self.bands):
            raise ValueError(f"band edges must be positive and ascending, not {self.bands}")
        for segment, found in self.days.items():
            if len(found) not in (1, len(self.bands) + 1):
                raise ValueError(f"segment {segment!r} needs 1 or {len(self.bands) + 1} "
                                 f"buffers (one per band), not {len(found)}")
            for days in found:
                if isinstance(days, bool) or not isinstance(days, int) \
                        or abs(days) > MAX_BUFFER_DAYS:
                    raise ValueError(f"the buffers of segment {segment!r} must be whole "
                                     f"numbers of working days within ±{MAX_BUFFER_DAYS}, "
                                     f"not {days!r}")

    @classmethod
    def flat(cls, days: Mapping[str, int]) -> BufferTable:
        """One buffer per segment, whatever the plan's length."""
        return cls((), {segment: (d,) for segment, d in days.items()})

    def band(self, planned_days: int) -> int:
        """The index of the band a plan of ``planned_days`` working days falls in."""
        return bisect.bisect_right(self.bands, planned_days)

    def buffer(self, segment: str, planned_days: int) -> int:
        """The working days added to a plan of ``planned_days`` for ``segment``; 0 for a
        segment the backtest did not see."""
        found = self.days.get(segment)
        if not found:
            return 0
        return found[0] if len(found) == 1 else found[self.band(planned_days)]

    def labels(self) -> list[str]:
        """Each band as text: ``0-3 wd``, ``4-7 wd``, ``8+ wd``."""
        edges = (0, *self.bands)
        return [f"{a}-{b - 1} wd" for a, b in zip(edges, self.bands, strict=False)] + [
            f"{edges[-1]}+ wd"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"bands": list(self.bands),
                "buffer_days": {s: list(d) for s, d in sorted(self.days.items())}}
