"""The buffers a backtest learned, as a file live quotes can use: ``format: bto-calibration/1``.

::

    # written by bto simulate --calibration
    format: bto-calibration/1
    scenario: "ebike-085"
    created: 2026-11-25
    policy: "CTP + buffer"
    target: 0.95
    seeds: 10
    bands: [4, 6, 8, 10, 13, 16, 20]   # CTP plan length (working days): 0-3, 4-5, ..., 20+
    buffer_days:            # working days added to the CTP promise, per segment and band
      standard: [1, 2, 2, 2, 3, 3, 3, 4]
      custom: 6             # one number: the same for every band

A buffer is a whole number of working days (a quote counts whole working days) and may be
negative when CTP proved pessimistic. ``bands`` is optional (no bands: one buffer per
segment). :func:`load_calibration` reads it like every other bto file (safe YAML with
positions) and raises :class:`CalibrationError` with every problem as ``file:line:col: CODE
message``; :func:`save_calibration` writes it whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._fields import Reader
from .._files import read_yaml_document, write_atomically
from .._yaml import YNode, YSeq
from ..problems import LoadError
from ..quoting.buffers import MAX_BUFFER_DAYS, BufferTable

__all__ = ["FORMAT", "Calibration", "CalibrationError", "load_calibration",
           "mean_buffers", "read_calibration_node", "save_calibration"]

FORMAT = "bto-calibration/1"
KEYS = ("format", "scenario", "created", "policy", "target", "seeds", "bands", "buffer_days")


class CalibrationError(LoadError, ValueError):
    """A calibration file with problems; ``problems`` holds every one, with its position."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """Buffers in working days per segment (and CTP plan length) learned on ``scenario`` for
    ``target`` on time."""

    scenario: str
    created: dt.date
    buffers: BufferTable = field(default_factory=BufferTable)
    policy: str = "CTP + buffer"
    target: float = 0.95
    seeds: int = 1

    def __post_init__(self) -> None:
        if not self.scenario.strip() or not self.policy.strip():
            raise ValueError("a calibration names its scenario and policy")
        if not 0 < self.target < 1:
            raise ValueError(f"target must be between 0 and 1, not {self.target}")
        if self.seeds < 1:
            raise ValueError("seeds must be at least 1")

    def buffer(self, segment: str, planned_days: int = 0) -> int:
        """The buffer of ``segment`` for a plan of ``planned_days`` working days; 0 for a
        segment the backtest did not see."""
        return self.buffers.buffer(segment, planned_days)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"format": FORMAT, "scenario": self.scenario,
                "created": self.created.isoformat(), "policy": self.policy,
                "target": self.target, "seeds": self.seeds, **self.buffers.to_dict()}

    def to_yaml(self) -> str:
        """The file's text."""
        table = self.buffers
        lines = ["# written by bto simulate --calibration; buffers are working days added to",
                 "# the CTP promise of each segment (and band of the CTP plan's length)",
                 f"format: {FORMAT}", f"scenario: {_quoted(self.scenario)}",
                 f"created: {self.created.isoformat()}",
                 f"policy: {_quoted(self.policy)}", f"target: {self.target!r}",
                 f"seeds: {self.seeds}"]
        if table.bands:
            lines.append(f"bands: [{', '.join(map(str, table.bands))}]   # "
                         + ", ".join(table.labels()))
        lines.append("buffer_days:" + ("" if table.days else " {}"))
        lines += [f"  {_quoted(s)}: " + (str(d[0]) if len(d) == 1 else
                                         f"[{', '.join(map(str, d))}]")
                  for s, d in sorted(table.days.items())]
        return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar that reads back as ``text``, whatever it holds."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def mean_buffers(learned: Sequence[BufferTable]) -> BufferTable:
    """The buffers of several runs (one table per seed, all with the same bands) as one
    calibration: per segment and band, the mean across the runs that saw the segment,
    rounded up to whole working days."""
    bands = {table.bands for table in learned}
    if len(bands) > 1:
        raise ValueError("the runs learned buffers on different bands")
    edges = (0, *next(iter(bands), ()))
    segments = sorted({s for table in learned for s in table.days})
    out = {}
    for segment in segments:
        seen = [table for table in learned if segment in table.days]
        means = tuple(math.ceil(sum(t.buffer(segment, e) for t in seen) / len(seen) - 1e-9)
                      for e in edges)
        out[segment] = means if len(set(means)) > 1 else means[:1]
    return BufferTable(edges[1:], out)


def save_calibration(path: str | os.PathLike[str], calibration: Calibration) -> None:
    """Write ``calibration`` to ``path`` whole or not at all."""
    write_atomically(path, calibration.to_yaml())


class _CalibrationReader(Reader):
    def read(self, root: YNode) -> Calibration | None:
        top = self.mapping(root, "the calibration", KEYS,
                           required=("format", "scenario", "created", "buffer_days"))
        if top is None or not self.check_format(top, FORMAT):
            return None
        values: dict[str, Any] = {}
        for key in ("scenario", "policy"):
            if key in top:
                values[key] = self.string(top[key], key)
        if "created" in top:
            values["created"] = self.date(top["created"], "created")
        if "target" in top:
            number = self.number(top["target"], "target")
            if number is not None and not 0 < number < 1:
                self.report("S204", f"target must be between 0 and 1 (exclusive), not "
                            f"{number}", top["target"])
            elif number is not None:
                values["target"] = float(number)
        if "seeds" in top:
            values["seeds"] = self.integer(top["seeds"], "seeds", minimum=1)
        bands: tuple[int, ...] | None = ()  # None: unusable, so per-band lists are not checked
        if "bands" in top:
            items = self.seq(top["bands"], "bands")
            edges = [self.integer(item, "a band edge", minimum=1, maximum=MAX_BUFFER_DAYS)
                     for item in items or ()]
            bands = tuple(e for e in edges if e is not None) \
                if items is not None and None not in edges else None
            if bands and any(b <= a for a, b in zip(bands, bands[1:], strict=False)):
                self.report("S204", "bands must be ascending working days, e.g. [4, 8, 16]",
                            top["bands"])
                bands = None
        if "buffer_days" in top:
            buffers: dict[str, tuple[int, ...]] = {}
            for segment, _, value in self.each_pair(top["buffer_days"], "buffer_days"):
                where = f"buffer_days.{segment}"
                many = isinstance(value, YSeq)
                items = self.seq(value, where) or [] if many else [value]
                days = [self.integer(item, where, minimum=-MAX_BUFFER_DAYS,
                                     maximum=MAX_BUFFER_DAYS) for item in items]
                if many and bands is not None and len(days) not in (1, len(bands) + 1):
                    self.report("S204", f"{where} needs one buffer, or one per band "
                                f"({len(bands) + 1} for {len(bands)} band edges), not "
                                f"{len(days)}", value)
                elif all(d is not None for d in days):
                    buffers[segment] = tuple(d for d in days if d is not None)
            values["buffers"] = BufferTable(bands or (), buffers) if not self.failed else None
        if self.failed:
            return None
        return Calibration(**{k: v for k, v in values.items() if v is not None})


def read_calibration_node(root: YNode, filename: str, path: Path | None
                          ) -> tuple[Calibration | None, list[Any]]:
    """Build a calibration from composed nodes; returns it (None on errors) and the
    problems."""
    reader = _CalibrationReader(filename, path)
    return reader.read(root), reader.problems


def load_calibration(path: str | os.PathLike[str]) -> Calibration:
    """Read a ``bto-calibration/1`` file; raises :class:`CalibrationError` with every
    problem."""
    calibration, problems = read_yaml_document(path, read_calibration_node)
    if calibration is None:
        raise CalibrationError(problems)
    return calibration  # type: ignore[no-any-return]
