"""The buffers a backtest learned, as a file live quotes can use: ``format: bto-calibration/1``.

::

    # written by bto simulate --calibration
    format: bto-calibration/1
    scenario: "ebike-085"
    created: 2026-11-25
    policy: "CTP + controller"
    target: 0.95
    seeds: 10
    buffer_days:            # working days added to the CTP promise, per segment
      standard: 2
      custom: 6

A buffer is a whole number of working days (a quote counts whole working days) and may be
negative when CTP proved pessimistic. :func:`load_calibration` reads it like every other bto
file (safe YAML with positions) and raises :class:`CalibrationError` with every problem as
``file:line:col: CODE message``; :func:`save_calibration` writes it whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._fields import Reader
from .._files import read_yaml_document, write_atomically
from .._yaml import YNode
from ..problems import LoadError

__all__ = ["FORMAT", "Calibration", "CalibrationError", "load_calibration",
           "mean_buffers", "save_calibration"]

FORMAT = "bto-calibration/1"
KEYS = ("format", "scenario", "created", "policy", "target", "seeds", "buffer_days")
#: A buffer beyond a working year is a mistake, not a calibration.
MAX_BUFFER_DAYS = 260


class CalibrationError(LoadError, ValueError):
    """A calibration file with problems; ``problems`` holds every one, with its position."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """Per-segment buffers in working days learned on ``scenario`` for ``target`` on time."""

    scenario: str
    created: dt.date
    buffer_days: Mapping[str, int] = field(default_factory=dict)
    policy: str = "CTP + controller"
    target: float = 0.95
    seeds: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.target < 1:
            raise ValueError(f"target must be between 0 and 1, not {self.target}")
        if self.seeds < 1:
            raise ValueError("seeds must be at least 1")
        for segment, days in self.buffer_days.items():
            if isinstance(days, bool) or not isinstance(days, int) \
                    or abs(days) > MAX_BUFFER_DAYS:
                raise ValueError(f"the buffer of segment {segment!r} must be a whole number "
                                 f"of working days within ±{MAX_BUFFER_DAYS}, not {days!r}")

    def buffer(self, segment: str) -> int:
        """The buffer of ``segment``; 0 for a segment the backtest did not see."""
        return self.buffer_days.get(segment, 0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"format": FORMAT, "scenario": self.scenario,
                "created": self.created.isoformat(), "policy": self.policy,
                "target": self.target, "seeds": self.seeds,
                "buffer_days": dict(sorted(self.buffer_days.items()))}

    def to_yaml(self) -> str:
        """The file's text."""
        lines = ["# written by bto simulate --calibration; buffers are working days added to",
                 "# the CTP promise of each segment", f"format: {FORMAT}",
                 f"scenario: {_quoted(self.scenario)}",
                 f"created: {self.created.isoformat()}",
                 f"policy: {_quoted(self.policy)}", f"target: {self.target!r}",
                 f"seeds: {self.seeds}", "buffer_days:" + ("" if self.buffer_days else " {}")]
        lines += [f"  {_quoted(s)}: {d}" for s, d in sorted(self.buffer_days.items())]
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


def mean_buffers(learned: Sequence[Mapping[str, float]]) -> dict[str, int]:
    """The buffers of several runs (one mapping per seed) as one calibration: per segment,
    the mean across the runs that saw it, rounded up to whole working days."""
    segments = sorted({s for found in learned for s in found})
    out = {}
    for segment in segments:
        values = [found[segment] for found in learned if segment in found]
        out[segment] = math.ceil(sum(values) / len(values) - 1e-9)
    return out


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
        if "buffer_days" in top:
            buffers = {}
            for segment, _, value in self.each_pair(top["buffer_days"], "buffer_days"):
                days = self.integer(value, f"buffer_days.{segment}", minimum=-MAX_BUFFER_DAYS,
                                    maximum=MAX_BUFFER_DAYS)
                if days is not None:
                    buffers[segment] = days
            values["buffer_days"] = buffers
        if self.failed:
            return None
        return Calibration(**{k: v for k, v in values.items() if v is not None})


def load_calibration(path: str | os.PathLike[str]) -> Calibration:
    """Read a ``bto-calibration/1`` file; raises :class:`CalibrationError` with every
    problem."""
    def read_node(root: YNode, name: str, file: Path) -> tuple[Calibration | None, list[Any]]:
        reader = _CalibrationReader(name, file)
        return reader.read(root), reader.problems

    calibration, problems = read_yaml_document(path, read_node)
    if calibration is None:
        raise CalibrationError(problems)
    return calibration  # type: ignore[no-any-return]
