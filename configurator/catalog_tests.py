"""Running a catalog's own ``tests:`` section (``bto test``).

A ``valid`` test passes when its selection extends to a valid configuration. A ``rejected``
test passes when it does not, and each rule or table named in ``by`` is among the reasons: the
minimal conflict found when that rule is preferred (QuickXplain, the rule first) contains it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .catalog.model import Catalog, CatalogTest
from .choices import SelectionError, choices_of
from .engine.base import Engine
from .engine.explain import quickxplain
from .problems import Position
from .session import Session, Validation

__all__ = ["TestOutcome", "TestReport", "run_catalog_tests"]


@dataclass(frozen=True, slots=True)
class TestOutcome:
    """One catalog test: passed or not, and why."""

    name: str
    expect: str
    passed: bool
    detail: str
    source: Position | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "expect": self.expect, "passed": self.passed,
                "detail": self.detail, "source": str(self.source) if self.source else None}


@dataclass(frozen=True, slots=True)
class TestReport:
    catalog: str
    outcomes: tuple[TestOutcome, ...]

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        return {"catalog": self.catalog, "passed": self.passed,
                "tests": [o.to_dict() for o in self.outcomes]}


def run_catalog_tests(catalog: Catalog, engine: str | Engine = "sat") -> TestReport:
    """Run every test of ``catalog``'s ``tests:`` section."""
    session = Session(catalog, engine=engine)
    try:
        return TestReport(catalog.id, tuple(_run(session, t) for t in catalog.tests))
    finally:
        session.close()


def _run(session: Session, test: CatalogTest) -> TestOutcome:
    session.clear()
    try:
        session.select_all(choices_of(session.catalog.module_map, test.select))
    except SelectionError as exc:
        return TestOutcome(test.name, test.expect, False, str(exc), test.source)
    validation = session.validate()
    if test.expect == "valid":
        if validation.valid:
            return TestOutcome(test.name, test.expect, True, "valid", test.source)
        return TestOutcome(test.name, test.expect, False,
                           "rejected: " + _conflict_text(validation), test.source)
    if validation.valid:
        return TestOutcome(test.name, test.expect, False,
                           "expected rejected, but the selection can be completed", test.source)
    missing = [rule for rule in test.by if not _among_reasons(session, rule)]
    if missing:
        return TestOutcome(test.name, test.expect, False,
                           f"rejected, but not by {', '.join(missing)}: "
                           + _conflict_text(validation), test.source)
    return TestOutcome(test.name, test.expect, True,
                       "rejected by " + ", ".join(test.by), test.source)


def _among_reasons(session: Session, rule_id: str) -> bool:
    hard = list(session.model.hard_constraints)
    first = [c for c in hard if c.id == rule_id]
    rest = [c for c in hard if c.id != rule_id]
    found = quickxplain([], [*first, *rest, *reversed(session.choices)], session.fits)
    return found is not None and any(getattr(item, "id", None) == rule_id for item in found)


def _conflict_text(validation: Validation) -> str:
    parts: Sequence[str] = [*(str(c) for c in validation.choices),
                            *(str(r) for r in validation.rules)]
    return "; ".join(parts)
