"""The plant: time zone, working calendar, shifts, cut-offs, work centres, carriers, service levels.

This module defines the data and reads ``bto-plant/1`` files; the calendar arithmetic and the
promise built on it live in the quoting package.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from ._fields import WEEKDAYS, Reader
from ._yaml import YNode
from .problems import Position, did_you_mean
from .values import FrozenMap, Label

__all__ = [
    "Calendar",
    "Carrier",
    "Closure",
    "HolidaySpec",
    "Plant",
    "ServiceLevel",
    "Shift",
    "WorkCentre",
]

FORMAT = "bto-plant/1"
PLANT_KEYS = ("format", "id", "name", "timezone", "calendar", "shifts", "cutoffs",
              "work_centres", "carriers", "service_levels")
CALENDAR_KEYS = ("weekmask", "holidays", "closures", "extra_working_days")
HOLIDAY_KEYS = ("country", "subdivision", "categories")
CLOSURE_KEYS = ("from", "to", "reason")
SHIFT_KEYS = ("id", "days", "start", "end")
CUTOFF_KEYS = ("default", *WEEKDAYS)
CENTRE_KEYS = ("id", "name", "capacity", "spread")
CARRIER_KEYS = ("id", "name", "transit_days", "pickup", "days", "default")
LEVEL_KEYS = ("segment", "target_days", "confidence", "escalation")
ESCALATION_KEYS = ("after_days", "to")


@dataclass(frozen=True, slots=True)
class HolidaySpec:
    """Public holidays taken from the ``holidays`` package."""

    country: str
    subdivision: str | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Closure:
    """A plant shutdown, both ends inclusive."""

    start: dt.date
    end: dt.date
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Calendar:
    """Which days the plant works."""

    weekmask: tuple[bool, ...] = (True, True, True, True, True, False, False)
    holidays: HolidaySpec | None = None
    closures: tuple[Closure, ...] = ()
    extra_working_days: tuple[dt.date, ...] = ()


@dataclass(frozen=True, slots=True)
class Shift:
    """A working period on some weekdays; ``end`` before ``start`` runs past midnight."""

    id: str
    days: frozenset[int]
    start: dt.time
    end: dt.time
    source: Position | None = field(default=None, compare=False)

    @property
    def minutes(self) -> int:
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return (end - start) % (24 * 60) or 24 * 60


@dataclass(frozen=True, slots=True)
class WorkCentre:
    """Where operations run; ``capacity`` stations work in parallel during every shift."""

    id: str
    name: Label
    capacity: int = 1
    #: The standard deviation of an operation's actual time, as a fraction of its planned
    #: minutes (0.15: an hour's work takes 60 +- 9 minutes). Feeds the quote's confidence.
    spread: Decimal = Decimal(0)
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Carrier:
    """A shipping service: pick-up time and days, and transit time in working days."""

    id: str
    name: Label
    transit_days: int
    pickup: dt.time
    days: frozenset[int]
    default: bool = False
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    """The promise target for a segment, and when a slipping promise is escalated."""

    segment: str
    target_days: int
    confidence: Decimal = Decimal("0.9")
    escalation_after_days: int | None = None
    escalate_to: str | None = None
    source: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Plant:
    """A loaded plant file. Immutable."""

    id: str
    name: Label
    timezone: str
    calendar: Calendar
    shifts: tuple[Shift, ...]
    cutoffs: FrozenMap[int, dt.time]
    work_centres: FrozenMap[str, WorkCentre]
    carriers: tuple[Carrier, ...] = ()
    service_levels: FrozenMap[str, ServiceLevel] = field(default_factory=FrozenMap)
    source: Position | None = field(default=None, compare=False)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def default_carrier(self) -> Carrier | None:
        for carrier in self.carriers:
            if carrier.default:
                return carrier
        return self.carriers[0] if self.carriers else None


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def _countries() -> dict[str, list[str]]:
    import holidays

    countries: dict[str, list[str]] = holidays.list_supported_countries()
    return countries


def _country_hint(country: str, countries: dict[str, list[str]]) -> str:
    """Suggest the alpha-2 code for an alpha-3 code or an English name the package knows."""
    import holidays

    for candidate in (country.upper(), country.title().replace(" ", "")):
        alias = getattr(holidays, candidate, None)
        code = getattr(alias, "country", None)
        if isinstance(code, str) and code in countries:
            return f"write '{code}'"
    return did_you_mean(country.upper(), countries) or "use an ISO 3166-1 alpha-2 code like DE"


class _PlantReader(Reader):
    def read(self, root: YNode) -> Plant | None:
        top = self.mapping(root, "the plant", PLANT_KEYS,
                           required=("format", "id", "timezone", "calendar", "shifts",
                                     "work_centres"))
        if top is None or not self.check_format(top, FORMAT):
            return None
        plant_id = self.ident(top["id"], "plant id") if "id" in top else None
        name = self.name_label(top.get("name"), plant_id)
        zone = self.timezone(top["timezone"]) if "timezone" in top else None
        calendar = self.calendar(top["calendar"]) if "calendar" in top else None
        shifts = self.records(top["shifts"], "shifts", self.shift) if "shifts" in top else []
        self.unique(shifts, lambda s: s.id, lambda s: cast(Position, s.source), "shift id")
        cutoffs = self.cutoffs(top.get("cutoffs"))
        centres = self.records(top["work_centres"], "work centres", self.centre) \
            if "work_centres" in top else []
        self.unique(centres, lambda c: c.id, lambda c: cast(Position, c.source), "work centre")
        weekmask = calendar.weekmask if calendar else (True,) * 5 + (False,) * 2
        carriers = self.records(top["carriers"], "carriers", lambda n: self.carrier(n, weekmask)) \
            if "carriers" in top else []
        defaults = [c for c in carriers if c.default]
        if len(defaults) > 1:
            self.report("S204", f"carriers '{defaults[0].id}' and '{defaults[1].id}' are both "
                        "marked default", cast(Position, defaults[1].source),
                        "mark one carrier as default")
        levels = self.records(top["service_levels"], "service levels", self.level) \
            if "service_levels" in top else []
        self.unique(levels, lambda s: s.segment, lambda s: cast(Position, s.source),
                    "service level for segment")
        if self.failed or plant_id is None or zone is None or calendar is None:
            return None
        return Plant(
            id=plant_id, name=name, timezone=zone, calendar=calendar,
            shifts=tuple(shifts), cutoffs=cutoffs,
            work_centres=FrozenMap((c.id, c) for c in centres), carriers=tuple(carriers),
            service_levels=FrozenMap((s.segment, s) for s in levels), source=root.pos,
        )

    def name_label(self, node: YNode | None, fallback: str | None) -> Label:
        """A name: a string or texts per language; the id when absent."""
        label = self.label(node, "name") if node is not None else None
        return label or Label((("en", fallback or ""),))

    def timezone(self, node: YNode) -> str | None:
        text = self.string(node, "timezone")
        if text is None:
            return None
        if text not in _zones():
            self.report("S204", f"unknown time zone '{text}'", node,
                        did_you_mean(text, _zones()) or "use an IANA name like Europe/Berlin")
            return None
        return text

    def calendar(self, node: YNode) -> Calendar | None:
        fields = self.mapping(node, "calendar", CALENDAR_KEYS, required=("weekmask",))
        if fields is None or "weekmask" not in fields:
            return None
        days = self.weekdays(fields["weekmask"], "weekmask")
        holidays = self.holidays(fields["holidays"]) if "holidays" in fields else None
        closures = self.records(fields["closures"], "closures", self.closure) \
            if "closures" in fields else []
        extra = [self.date(n, "extra working day") for n in
                 (self.seq(fields["extra_working_days"], "extra working days") or [])] \
            if "extra_working_days" in fields else []
        if days is None:
            return None
        return Calendar(weekmask=tuple(d in days for d in range(7)), holidays=holidays,
                        closures=tuple(closures),
                        extra_working_days=tuple(sorted(d for d in extra if d is not None)))

    def holidays(self, node: YNode) -> HolidaySpec | None:
        fields = self.mapping(node, "holidays", HOLIDAY_KEYS, required=("country",))
        if fields is None or "country" not in fields:
            return None
        country = self.string(fields["country"], "country")
        if country is None:
            return None
        countries = _countries()
        if country not in countries:
            self.report("S204", f"the holidays package knows no country '{country}'",
                        fields["country"], _country_hint(country, countries))
            return None
        subdivision = None
        if "subdivision" in fields:
            node_sub = fields["subdivision"]
            subdivision = self.string(node_sub, "subdivision")
            if subdivision is not None and subdivision not in countries[country]:
                known = countries[country]
                self.report("S204", f"'{subdivision}' is not a subdivision of {country}",
                            node_sub, did_you_mean(subdivision, known)
                            or (f"one of {', '.join(known[:12])}" if known else
                                f"{country} has no subdivisions"))
                subdivision = None
        categories: list[str] = []
        if "categories" in fields:
            import holidays as _holidays

            supported = _holidays.country_holidays(country).supported_categories
            for item in self.seq(fields["categories"], "categories") or []:
                category = self.string(item, "category")
                if category is None:
                    continue
                if category not in supported:
                    self.report("S204", f"{country} has no holiday category '{category}'", item,
                                did_you_mean(category, supported)
                                or f"one of {', '.join(sorted(supported))}")
                    continue
                categories.append(category)
        return HolidaySpec(country, subdivision, tuple(categories))

    def closure(self, node: YNode) -> Closure | None:
        fields = self.mapping(node, "a closure", CLOSURE_KEYS, required=("from", "to"))
        if fields is None or "from" not in fields or "to" not in fields:
            return None
        start = self.date(fields["from"], "from")
        end = self.date(fields["to"], "to")
        reason = self.string(fields["reason"], "reason") if "reason" in fields else None
        if start is None or end is None:
            return None
        if end < start:
            self.report("S204", f"closure ends ({end}) before it starts ({start})", fields["to"])
            return None
        return Closure(start, end, reason)

    def shift(self, node: YNode) -> Shift | None:
        fields = self.mapping(node, "a shift", SHIFT_KEYS, required=SHIFT_KEYS)
        if fields is None or any(k not in fields for k in SHIFT_KEYS):
            return None
        sid = self.ident(fields["id"], "shift id")
        days = self.weekdays(fields["days"], "days")
        start = self.time(fields["start"], "start")
        end = self.time(fields["end"], "end")
        if sid is None or days is None or start is None or end is None:
            return None
        if start == end:
            self.report("S204", f"shift '{sid}' starts and ends at {start:%H:%M}", fields["end"])
            return None
        return Shift(sid, days, start, end, source=node.pos)

    def cutoffs(self, node: YNode | None) -> FrozenMap[int, dt.time]:
        default = dt.time(23, 59)
        if node is None:
            return FrozenMap((d, default) for d in range(7))
        fields = self.mapping(node, "cutoffs", CUTOFF_KEYS, required=("default",))
        if fields is None:
            return FrozenMap()
        if "default" in fields:
            default = self.time(fields["default"], "default cut-off") or default
        out = {}
        for day, name in enumerate(WEEKDAYS):
            out[day] = (self.time(fields[name], f"cut-off on {name}") or default) \
                if name in fields else default
        return FrozenMap(out)

    def centre(self, node: YNode) -> WorkCentre | None:
        fields = self.mapping(node, "a work centre", CENTRE_KEYS, required=("id",))
        if fields is None or "id" not in fields:
            return None
        cid = self.ident(fields["id"], "work centre id")
        name = self.name_label(fields.get("name"), cid)
        capacity = self.integer(fields["capacity"], "capacity", minimum=1, maximum=10_000) \
            if "capacity" in fields else 1
        spread = self.number(fields["spread"], "spread", minimum=0, maximum=2) \
            if "spread" in fields else Decimal(0)
        if cid is None or capacity is None or spread is None:
            return None
        return WorkCentre(cid, name, capacity, spread, source=node.pos)

    def carrier(self, node: YNode, weekmask: tuple[bool, ...]) -> Carrier | None:
        fields = self.mapping(node, "a carrier", CARRIER_KEYS,
                              required=("id", "transit_days", "pickup"))
        if fields is None or any(k not in fields for k in ("id", "transit_days", "pickup")):
            return None
        cid = self.ident(fields["id"], "carrier id")
        name = self.name_label(fields.get("name"), cid)
        transit = self.integer(fields["transit_days"], "transit days", minimum=0, maximum=365)
        pickup = self.time(fields["pickup"], "pick-up time")
        days = self.weekdays(fields["days"], "pick-up days") if "days" in fields \
            else frozenset(d for d in range(7) if weekmask[d])
        default = self.boolean(fields["default"], "default") if "default" in fields else False
        if cid is None or transit is None or pickup is None or days is None:
            return None
        return Carrier(cid, name, transit, pickup, days, bool(default), source=node.pos)

    def level(self, node: YNode) -> ServiceLevel | None:
        fields = self.mapping(node, "a service level", LEVEL_KEYS,
                              required=("segment", "target_days"))
        if fields is None or "segment" not in fields or "target_days" not in fields:
            return None
        segment = self.choice(fields["segment"], "segment", ("standard", "custom"))
        target = self.integer(fields["target_days"], "target days", minimum=0, maximum=3650)
        confidence = self.number(fields["confidence"], "confidence", minimum=Decimal("0.5"),
                                 maximum=Decimal("0.999")) if "confidence" in fields \
            else Decimal("0.9")
        after = to = None
        if "escalation" in fields:
            esc = self.mapping(fields["escalation"], "escalation", ESCALATION_KEYS,
                               required=("after_days",))
            if esc is not None and "after_days" in esc:
                after = self.integer(esc["after_days"], "after days", minimum=0)
                to = self.string(esc["to"], "escalate to") if "to" in esc else None
        if segment is None or target is None or confidence is None:
            return None
        return ServiceLevel(segment, target, confidence, after, to, source=node.pos)


def read_plant_node(root: YNode, filename: str) -> tuple[Plant | None, list[Any]]:
    """Build a plant from composed nodes; returns it (None on errors) and the problems."""
    reader = _PlantReader(filename)
    return reader.read(root), reader.problems
