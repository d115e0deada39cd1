"""Demand of the build-to-order model: configurations drawn from a catalog's option mix, and
the arrival rate that loads the bottleneck work centre to a target utilisation.

A configuration is drawn module by module in catalog order, each time among the values still
valid (:meth:`~configurator.session.Session.valid_options` has no dead ends, so the last
module always has a value), then completed with the catalog defaults.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..bom import Bom, explode
from ..catalog.model import Catalog
from ..quoting.quote import segment_of
from ..session import Configuration, Session

__all__ = ["Demand", "draw_configuration", "draw_pool", "work_content"]

Weights = Mapping[str, Mapping[str, float]]

#: Probability of taking each still-possible option of a multi-select module without weights.
MULTI_DEFAULT = 0.5


def _pick(rng: np.random.Generator, values: Sequence[Any], weights: Mapping[str, float]
          ) -> Any:
    if not weights:
        return values[int(rng.integers(len(values)))]
    w = np.array([weights.get("none" if v is None else str(v), 0.0) for v in values])
    if w.sum() <= 0:
        return values[int(rng.integers(len(values)))]
    return values[int(rng.choice(len(values), p=w / w.sum()))]


def draw_configuration(session: Session, rng: np.random.Generator, weights: Weights
                       ) -> Configuration:
    """One configuration: each module in catalog order gets a value among those still valid
    (uniformly, or by ``weights``), then the rest is completed with the defaults."""
    session.clear()
    for module in session.catalog.modules:
        given = weights.get(module.id, {})
        if module.kind == "multi":
            for option in module.option_ids:
                now = session.valid_options().module(module.id)
                # Forced and unavailable options are decided anyway: saying so leaves no
                # variable open, and completing a fully fixed selection needs no MaxSAT.
                if option in now.forced:
                    session.select(module.id, option)
                elif option not in now.available:
                    session.exclude(module.id, option)
                elif rng.random() < given.get(option, MULTI_DEFAULT):
                    session.select(module.id, option)
                else:
                    session.exclude(module.id, option)
            continue
        available = session.valid_options().module(module.id).available
        if available:
            session.select(module.id, _pick(rng, available, given))
    return session.complete()


def draw_pool(catalog: Catalog, n: int, rng: np.random.Generator, weights: Weights
              ) -> tuple[Configuration, ...]:
    """``n`` configurations drawn independently."""
    with Session(catalog) as session:
        return tuple(draw_configuration(session, rng, weights) for _ in range(n))


def work_content(boms: Sequence[Bom]) -> dict[str, float]:
    """Mean routing minutes per order on each work centre."""
    total: dict[str, float] = defaultdict(float)
    for bom in boms:
        for op in bom.operations_in_order():
            total[op.work_centre] += float(op.total_minutes)
    return {wc: minutes / len(boms) for wc, minutes in total.items()}


@dataclass(frozen=True, slots=True)
class Demand:
    """A drawn configuration with what the simulation needs of it."""

    configuration: Configuration
    bom: Bom
    segment: str

    @classmethod
    def of(cls, catalog: Catalog, configuration: Configuration) -> Demand:
        """The BOM and segment of ``configuration``."""
        return cls(configuration, explode(catalog, configuration),
                   segment_of(catalog, configuration.values))
