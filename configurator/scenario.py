"""A simulation scenario as a file: ``format: bto-scenario/1``.

A scenario names a catalog (and, when they differ from the catalog's, a plant and a supply
file) and sets the load, the length of the run, the seeds, the on-time target and the
randomness of the simulated plant. Paths are relative to the scenario file. See
docs/simulation.md for every key.

It is read like the other bto files (safe YAML with positions, the project's field reader):
:func:`load_scenario` raises :class:`ScenarioError` with every problem as
``file:line:col: CODE message``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._fields import Reader
from ._yaml import YNode, YScalar
from .problems import LoadError, Position

__all__ = ["DISPATCH_RULES", "DISRUPTION_KINDS", "FORMAT", "Disruption", "Scenario",
           "ScenarioError", "load_scenario", "read_scenario_node"]

FORMAT = "bto-scenario/1"
KEYS = ("format", "name", "catalog", "plant", "supply", "start", "rho", "years", "warmup_years",
        "seeds", "target", "pool", "option_weights", "fixed_lead_time_days",
        "lead_time_spread_days", "work_time_spread", "transit_delay_days", "carrier",
        "base_stock_service", "dispatch", "disruptions")
_YAML = (".yaml", ".yml")


class ScenarioError(LoadError, ValueError):
    """A scenario file with problems; ``problems`` holds every one, with its position."""


DISPATCH_RULES = ("fcfs", "edd")
DISRUPTION_KINDS = ("supplier_outage", "capacity_loss", "shutdown", "demand_surge")
#: each kind's own keys besides kind, start and days
_DISRUPTION_KEYS = {"supplier_outage": ("supplier",), "capacity_loss": ("work_centre", "stations"),
                    "shutdown": (), "demand_surge": ("factor",)}


@dataclass(frozen=True, slots=True)
class Disruption:
    """Something the plan does not know of, from ``start`` for ``days`` calendar days.

    - ``supplier_outage``: the ``supplier`` delivers nothing; what would arrive in the window
      arrives on the first working day after it;
    - ``capacity_loss``: the ``work_centre`` loses ``stations`` stations (None: all);
    - ``shutdown``: every work centre loses every station (operations under way finish);
    - ``demand_surge``: orders arrive ``factor`` times as often.
    """

    kind: str
    start: dt.date
    days: float
    supplier: str | None = None
    work_centre: str | None = None
    stations: int | None = None
    factor: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in DISRUPTION_KINDS:
            raise ValueError(f"unknown disruption {self.kind!r}; choose from "
                             f"{', '.join(DISRUPTION_KINDS)}")
        if self.days <= 0 or self.factor <= 0 or (self.stations is not None
                                                   and self.stations < 1):
            raise ValueError("a disruption needs days > 0, factor > 0 and stations >= 1")
        if self.kind == "supplier_outage" and not self.supplier:
            raise ValueError("a supplier outage names its supplier")
        if self.kind == "capacity_loss" and not self.work_centre:
            raise ValueError("a capacity loss names its work centre")

    @property
    def end(self) -> dt.date:
        """The first day after the window (a whole number of days is a whole-day window)."""
        return self.start + dt.timedelta(days=math.ceil(self.days))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        out: dict[str, Any] = {"kind": self.kind, "start": self.start.isoformat(),
                               "days": self.days}
        for key in _DISRUPTION_KEYS[self.kind]:
            out[key] = getattr(self, key)
        return out


@dataclass(frozen=True, slots=True)
class Scenario:
    """What to simulate. Days are working days unless a name says otherwise.

    ``years`` is the whole simulated span, the first ``warmup_years`` of which are not
    measured. ``option_weights`` maps a module to weights of its options (single-select:
    relative weights, ``none`` for choosing nothing; multi-select: the probability of taking
    each option; integer: relative weights of values). ``fixed_lead_time_days`` is the
    catalogue lead time per segment (None: the plant's service-level targets).
    ``lead_time_spread_days`` replaces every part's supplier spread and ``work_time_spread``
    every work centre's spread (a number, or a mapping of work centres; None: the files').
    ``transit_delay_days`` is the mean of a Poisson number of extra transit days.
    ``base_stock_service`` (None: the supply file's ``on_hand``) sets each stocked part's
    base-stock level to cover its demand over the replenishment lead time with this
    probability (normal approximation), never below ``on_hand``.
    """

    catalog: Path
    plant: Path | None = None
    supply: Path | None = None
    name: str = "scenario"
    start: dt.date = dt.date(2027, 1, 4)
    rho: float = 0.85
    years: float = 3.0
    warmup_years: float = 1.0
    seeds: int = 10
    target: float = 0.95
    pool: int = 200
    option_weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    fixed_lead_time_days: Mapping[str, int] | None = None
    lead_time_spread_days: float | None = None
    work_time_spread: float | Mapping[str, float] | None = None
    transit_delay_days: float = 0.0
    carrier: str | None = None
    base_stock_service: float | None = None
    dispatch: str = "fcfs"
    disruptions: tuple[Disruption, ...] = ()
    #: where names of other files' things were written, for lint's cross-checks:
    #: ``option_weights.MODULE``, ``option_weights.MODULE.OPTION``, ``carrier``,
    #: ``disruptions.N.supplier``, ``disruptions.N.work_centre``
    sources: Mapping[str, Position] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.dispatch not in DISPATCH_RULES:
            raise ValueError(f"dispatch must be one of {', '.join(DISPATCH_RULES)}, not "
                             f"{self.dispatch!r}")
        if not 0 < self.rho < 1:
            raise ValueError(f"rho must be between 0 and 1 (exclusive), not {self.rho}")
        if not 0 <= self.warmup_years < self.years:
            raise ValueError(f"warmup_years ({self.warmup_years}) must be at least 0 and "
                                f"shorter than years ({self.years})")
        if self.seeds < 1 or self.pool < 1:
            raise ValueError("seeds and pool must be at least 1")
        if not 0 < self.target < 1:
            raise ValueError(f"target must be between 0 and 1, not {self.target}")
        if self.base_stock_service is not None and not 0 < self.base_stock_service < 1:
            raise ValueError("base_stock_service must be between 0 and 1, not "
                                f"{self.base_stock_service}")
        if self.transit_delay_days < 0 or (self.lead_time_spread_days or 0) < 0:
            raise ValueError("spreads and delays cannot be negative")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"name": self.name, "catalog": str(self.catalog),
                "plant": None if self.plant is None else str(self.plant),
                "supply": None if self.supply is None else str(self.supply),
                "start": self.start.isoformat(), "rho": self.rho, "years": self.years,
                "warmup_years": self.warmup_years, "seeds": self.seeds, "target": self.target,
                "pool": self.pool,
                "option_weights": {m: dict(w) for m, w in self.option_weights.items()},
                "fixed_lead_time_days": None if self.fixed_lead_time_days is None
                else dict(self.fixed_lead_time_days),
                "lead_time_spread_days": self.lead_time_spread_days,
                "work_time_spread": dict(self.work_time_spread)
                if isinstance(self.work_time_spread, Mapping) else self.work_time_spread,
                "transit_delay_days": self.transit_delay_days, "carrier": self.carrier,
                "base_stock_service": self.base_stock_service, "dispatch": self.dispatch,
                "disruptions": [d.to_dict() for d in self.disruptions]}


class _ScenarioReader(Reader):
    def __init__(self, filename: str, path: Path | None = None) -> None:
        super().__init__(filename, path)
        self.sources: dict[str, Position] = {}
        self._disruptions: list[YNode] = []  # the disruptions read so far, in file order

    def read(self, root: YNode) -> Scenario | None:
        top = self.mapping(root, "the scenario", KEYS, required=("format", "catalog"))
        if top is None or not self.check_format(top, FORMAT):
            return None
        values: dict[str, Any] = {}
        for key in ("catalog", "plant", "supply"):
            if key in top:
                found = self.reference(top[key], f"{key} file", _YAML)
                if found is not None:
                    values[key] = Path(os.path.normpath(found[0]))
        if "name" in top:
            values["name"] = self.string(top["name"], "name")
        if "carrier" in top:
            values["carrier"] = self.ident(top["carrier"], "carrier")
            self.sources["carrier"] = top["carrier"].pos
        if "start" in top:
            values["start"] = self.date(top["start"], "start")
        for key, low, high in (("rho", 0, 1), ("target", 0, 1), ("base_stock_service", 0, 1)):
            if key in top:
                values[key] = self.fraction(top[key], key, low, high)
        for key in ("years", "warmup_years", "transit_delay_days", "lead_time_spread_days"):
            if key in top:
                number = self.number(top[key], key, minimum=0)
                values[key] = None if number is None else float(number)
        for key in ("seeds", "pool"):
            if key in top:
                values[key] = self.integer(top[key], key, minimum=1)
        if "option_weights" in top:
            values["option_weights"] = self.weights(top["option_weights"])
        if "fixed_lead_time_days" in top:
            values["fixed_lead_time_days"] = self.fixed(top["fixed_lead_time_days"])
        if "work_time_spread" in top:
            values["work_time_spread"] = self.spread(top["work_time_spread"])
        if "dispatch" in top:
            values["dispatch"] = self.choice(top["dispatch"], "dispatch", DISPATCH_RULES)
        if "disruptions" in top:
            windows = [self.disruption(item) for item in self.seq(top["disruptions"],
                                                                    "disruptions") or ()]
            values["disruptions"] = tuple(d for d in windows if d is not None)
        if not self.failed:
            values["sources"] = dict(self.sources)
        years = values.get("years", 3.0)
        warmup = values.get("warmup_years", 1.0)
        if "years" in top and years is not None and years <= 0:
            self.report("S204", "years must be more than 0", top["years"])
        elif years is not None and warmup is not None and warmup >= years:
            where = top["warmup_years"] if "warmup_years" in top else top["years"]
            self.report("S204", f"warmup_years ({warmup:g}"
                        + ("" if "warmup_years" in top else ", the default")
                        + f") must be shorter than years ({years:g})", where)
        if self.failed or "catalog" not in values:
            return None
        return Scenario(**{k: v for k, v in values.items() if v is not None})

    def disruption(self, node: YNode) -> Disruption | None:
        before = len(self.problems)
        head = self.mapping(node, "a disruption", ("kind", "start", "days", "supplier",
                                                   "work_centre", "stations", "factor"),
                            required=("kind", "start", "days"))
        if head is None or "kind" not in head:
            return None
        kind = self.choice(head["kind"], "disruption kind", DISRUPTION_KINDS)
        if kind is None:
            return None
        own = _DISRUPTION_KEYS[kind]
        for key in ("supplier", "work_centre", "stations", "factor"):
            if key in head and key not in own:
                self.report("S201", f"a {kind} has no '{key}'"
                            + (f"; it takes {', '.join(own)}" if own else ""), head[key])
        for key in {"supplier_outage": ("supplier",), "capacity_loss": ("work_centre",),
                    "demand_surge": ("factor",)}.get(kind, ()):
            if key not in head:
                self.report("S202", f"a {kind} needs '{key}'", node)
        values: dict[str, Any] = {"kind": kind}
        if "start" in head:
            values["start"] = self.date(head["start"], "disruption start")
        if "days" in head:
            days = self.number(head["days"], "disruption days", minimum=0)
            if days is not None and days <= 0:
                self.report("S204", "disruption days must be more than 0", head["days"])
            values["days"] = None if days is None or days <= 0 else float(days)
        index = len(self._disruptions)
        self._disruptions.append(node)
        if "supplier" in head and "supplier" in own:
            values["supplier"] = self.string(head["supplier"], "supplier")
            self.sources[f"disruptions.{index}.supplier"] = head["supplier"].pos
        if "work_centre" in head and "work_centre" in own:
            values["work_centre"] = self.ident(head["work_centre"], "work_centre")
            self.sources[f"disruptions.{index}.work_centre"] = head["work_centre"].pos
        if "stations" in head and "stations" in own:
            values["stations"] = self.integer(head["stations"], "stations", minimum=1)
        if "factor" in head and "factor" in own:
            factor = self.number(head["factor"], "factor", minimum=0)
            if factor is not None and factor <= 0:
                self.report("S204", "a demand surge's factor must be more than 0",
                            head["factor"])
            values["factor"] = None if factor is None or factor <= 0 else float(factor)
        if len(self.problems) > before:
            return None
        return Disruption(**values)

    def fraction(self, node: YNode, what: str, low: int, high: int) -> float | None:
        number = self.number(node, what)
        if number is None:
            return None
        if not low < number < high:
            self.report("S204", f"{what} must be between {low} and {high} (exclusive), not "
                        f"{number}", node)
            return None
        return float(number)

    def weights(self, node: YNode) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for module, key, options in self.each_pair(node, "option_weights"):
            out[module] = {}
            self.sources[f"option_weights.{module}"] = key.pos
            for option, name, weight in self.each_pair(options, f"option_weights.{module}"):
                self.sources[f"option_weights.{module}.{option}"] = name.pos
                number = self.number(weight, f"option_weights.{module}.{option}", minimum=0)
                if number is not None:
                    out[module][option] = float(number)
        return out

    def fixed(self, node: YNode) -> dict[str, int] | None:
        if isinstance(node, YScalar):
            days = self.integer(node, "fixed_lead_time_days", minimum=0)
            return None if days is None else {"standard": days, "custom": days}
        out = {}
        for segment, _, value in self.each_pair(node, "fixed_lead_time_days"):
            days = self.integer(value, f"fixed_lead_time_days.{segment}", minimum=0)
            if days is not None:
                out[segment] = days
        return out

    def spread(self, node: YNode) -> float | dict[str, float] | None:
        if isinstance(node, YScalar):
            number = self.number(node, "work_time_spread", minimum=0)
            return None if number is None else float(number)
        out = {}
        for wc, _, value in self.each_pair(node, "work_time_spread"):
            number = self.number(value, f"work_time_spread.{wc}", minimum=0)
            if number is not None:
                out[wc] = float(number)
        return out


def read_scenario_node(root: YNode, filename: str, path: Path | None
                       ) -> tuple[Scenario | None, list[Any]]:
    """Build a scenario from composed nodes; returns it (None on errors) and the problems."""
    reader = _ScenarioReader(filename, path)
    return reader.read(root), reader.problems


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a ``bto-scenario/1`` file; raises :class:`ScenarioError` with every problem."""
    from ._files import read_yaml_document

    scenario, problems = read_yaml_document(path, read_scenario_node)
    if scenario is None:
        raise ScenarioError(problems)
    return scenario  # type: ignore[no-any-return]
