"""Recommended values: the most likely option of a module given a partial selection.

The method follows the value-recommendation studies on Renault's sales histories (Fargier,
Gimenez and Mengin, "Experimental evaluation of three value recommendation methods in
interactive configuration", J.UCS 2020): recommend what past buyers chose in the same
context, backed off to a Bayesian estimate where the context is rare. Concretely, a
*smoothed conditional frequency*:

``P(v) = (N(context, v) + prior * Q(v)) / (N(context) + prior)``

- ``N(context, v)``: the units of past sales that agree with every choice made so far and
  chose ``v``;
- ``Q``: a *tempered naive Bayes* back-off, ``Q(v) ~ P(v) * prod_e P(x_e | v) ** evidence``
  over the modules chosen so far, with Laplace smoothing ``alpha``. ``evidence`` below 1
  discounts the evidence of the many correlated choices that plain naive Bayes
  (``evidence = 1``) counts as independent, which makes it over-confident; 0 is the value
  sold most;
- ``prior`` (in units of sales) says how many exact matches it takes to outweigh ``Q``.

The two :class:`Weights` are chosen per use: one set when every sold value is a candidate,
one when a :class:`CandidateFilter` (e.g. :class:`SessionFilter` over a catalog) restricts
the answer to the values still possible (the constraints then do much of what the
conditional counts do, and less evidence is better). :func:`~configurator.demand.evaluate`
chooses both on the training folds by an inner split. Ties go to the value sold most
overall; a recommendation restricted to possible values is never a dead end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..choices import choices_of, exactly
from .sales import ChoiceValue, Sale

if TYPE_CHECKING:
    from ..catalog.model import Catalog

__all__ = ["CandidateFilter", "Context", "DemandModel", "Recommendation", "SessionFilter",
           "Weights", "value_key"]

#: The value of a sale that chose nothing in a module.
NONE = ""


def value_key(value: ChoiceValue | None) -> str:
    """A sale's value in a module as one category: the option id, the ids of a multi-select
    module joined by ``,``, or ``""`` for nothing chosen."""
    if value is None:
        return NONE
    return ",".join(value) if isinstance(value, tuple) else value


@dataclass(frozen=True, slots=True)
class Weights:
    """How much the recommendation trusts the choices made so far: ``evidence`` is the
    exponent of each choice's naive Bayes likelihood in the back-off (0: the value sold
    most; 1: plain naive Bayes), ``prior`` the weight of the back-off in units of sales
    against the exact matches of the context."""

    evidence: float = 0.3
    prior: float = 300.0

    def __post_init__(self) -> None:
        if not (0 <= self.evidence <= 10 and 0 < self.prior < float("inf")):
            raise ValueError(f"weights need 0 <= evidence <= 10 and 0 < prior, not "
                             f"{self.evidence} and {self.prior}")

    def to_dict(self) -> dict[str, float]:
        """JSON-ready."""
        return {"evidence": self.evidence, "prior": self.prior}


#: The weights when every sold value is a candidate, and when candidates are filtered (the
#: choices of the inner split on the Renault history most of the time; docs/demand.md).
UNFILTERED = Weights(0.3, 300.0)
FILTERED = Weights(0.2, 300.0)


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The recommended value of a module: its estimated probability, how it was found
    (``frequency``: nothing chosen yet, the share of units sold; ``smoothed``: the smoothed
    conditional frequency; ``possible``: no past sale's value is possible, so the first
    possible value), how many units of past sales matched the choices exactly, and the
    ranked alternatives."""

    module: str
    value: str
    probability: float
    method: str
    matched: float
    ranking: tuple[tuple[str, float], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; probabilities rounded to 4 decimals."""
        return {"module": self.module, "value": self.value,
                "probability": round(self.probability, 4), "method": self.method,
                "matched": self.matched,
                "ranking": [{"value": v, "probability": round(p, 4)} for v, p in self.ranking]}


class CandidateFilter(Protocol):
    """Which values of a module are still possible as choices are made, one by one."""

    def start(self) -> None:
        """Forget every choice."""

    def choose(self, module: str, value: str) -> None:
        """Add a choice (a value as the sales name it)."""

    def possible(self, module: str) -> frozenset[str] | None:
        """The values of ``module`` still possible (as the sales name them); None when the
        filter knows nothing about the module."""


class DemandModel:
    """What a sales history says about which values go together: counts per module and per
    pair of modules, learned once and queried through :class:`Context`; ``weights`` are used
    when every sold value is a candidate, ``filtered`` when candidates are restricted."""

    def __init__(self, sales: Sequence[Sale], modules: Sequence[str], *, alpha: float = 1.0,
                 weights: Weights = UNFILTERED, filtered: Weights = FILTERED) -> None:
        if alpha <= 0:
            raise ValueError("alpha must be more than 0")
        if not sales:
            raise ValueError("a demand model needs at least one sale to learn from")
        self.modules = tuple(modules)
        self.index = {m: i for i, m in enumerate(self.modules)}
        self.alpha = alpha
        self.unfiltered = weights
        self.filtered = filtered
        self.weights = np.array([s.quantity for s in sales], dtype=float)
        columns = [[value_key(s.configuration.get(m)) for s in sales] for m in self.modules]
        self.values: list[tuple[str, ...]] = []
        self.codes = np.zeros((len(sales), len(self.modules)), dtype=np.int32)
        self.counts: list[np.ndarray] = []
        for i, column in enumerate(columns):
            totals: dict[str, float] = {}
            for key, w in zip(column, self.weights, strict=True):
                totals[key] = totals.get(key, 0.0) + float(w)
            ranked = tuple(sorted(totals, key=lambda k: (-totals[k], k)))
            code = {k: j for j, k in enumerate(ranked)}
            self.values.append(ranked)
            self.codes[:, i] = [code[k] for k in column]
            self.counts.append(np.array([totals[k] for k in ranked]))
        self.total = float(self.weights.sum())
        self.log_prior = [np.log(c + alpha) for c in self.counts]
        self._log_cond: dict[tuple[int, int], np.ndarray] = {}

    def code(self, module: str, value: ChoiceValue | None) -> int:
        """The index of a value of ``module`` among the values sold, or -1 if never sold."""
        key = value_key(value)
        values = self.values[self.index[module]]
        return values.index(key) if key in values else -1

    def log_conditional(self, target: int, given: int) -> np.ndarray:
        """``log P(given = e | target = v)`` with Laplace smoothing, shape (|v|, |e|)."""
        table = self._log_cond.get((target, given))
        if table is None:
            nt, ne = len(self.values[target]), len(self.values[given])
            joint = np.bincount(self.codes[:, target] * ne + self.codes[:, given],
                                weights=self.weights, minlength=nt * ne).reshape(nt, ne)
            table = np.log(joint + self.alpha) - np.log(
                self.counts[target] + self.alpha * ne)[:, None]
            self._log_cond[(target, given)] = table
        return table

    def context(self, selection: Mapping[str, ChoiceValue] | None = None) -> Context:
        """A context with the choices of ``selection`` made (modules the sales never name are
        ignored)."""
        out = Context(self)
        for module, value in (selection or {}).items():
            if module in self.index:
                out.choose(module, value)
        return out

    def recommend(self, selection: Mapping[str, ChoiceValue], module: str,
                  possible: Iterable[str] | None = None) -> Recommendation:
        """The most likely value of ``module`` given ``selection`` (restricted to
        ``possible`` when given)."""
        return self.context(selection).recommend(module, possible)


class Context:
    """The choices made so far, with what they imply kept up to date: the sales that agree
    with every choice, and the naive Bayes log-scores of each module not chosen yet."""

    def __init__(self, model: DemandModel) -> None:
        self.model = model
        self.rows: np.ndarray | None = None  # the sales that agree with every choice
        self.chosen: set[int] = set()
        self.evidence: list[tuple[int, int]] = []  # (module, value) of the choices sold before

    def choose(self, module: str, value: ChoiceValue | None) -> None:
        """Make a choice (a module chosen twice keeps the first choice's evidence)."""
        model = self.model
        given = model.index[module]
        if given in self.chosen:
            raise ValueError(f"module '{module}' is chosen already")
        self.chosen.add(given)
        code = model.code(module, value)
        rows = np.arange(len(model.weights)) if self.rows is None else self.rows
        self.rows = rows[model.codes[rows, given] == code]
        if code >= 0:  # a value never sold is no evidence for naive Bayes
            self.evidence.append((given, code))

    def log_likelihood(self, module: str) -> np.ndarray:
        """``sum_e log P(x_e | v)`` over the choices made, per value ``v`` of the module
        sold (Laplace-smoothed)."""
        model = self.model
        target = model.index[module]
        score = np.zeros(len(model.values[target]))
        for given, code in self.evidence:
            if given != target:
                score += model.log_conditional(target, given)[:, code]
        return score

    def matches(self, module: str) -> np.ndarray:
        """Units of the past sales that agree with every choice, per value of the module."""
        model = self.model
        target = model.index[module]
        if self.rows is None:
            return model.counts[target]
        return np.bincount(model.codes[self.rows, target], weights=model.weights[self.rows],
                           minlength=len(model.values[target])).astype(float)

    def distribution(self, module: str, weights: Weights | None = None
                     ) -> tuple[np.ndarray, str, float]:
        """Probabilities of the module's values sold (with ``weights``, by default the
        model's unfiltered ones), the method that gave them, and the units of the sales that
        match the context exactly."""
        model = self.model
        counts = self.matches(module)
        matched = float(counts.sum())
        if self.rows is None:
            return counts / model.total, "frequency", matched
        weights = weights or model.unfiltered
        return smoothed(model.log_prior[model.index[module]], self.log_likelihood(module),
                        counts, weights.evidence, weights.prior), "smoothed", matched

    def recommend(self, module: str, possible: Iterable[str] | None = None,
                  keep: int = 5) -> Recommendation:
        """The most likely value of ``module`` (among ``possible`` when given, with the
        model's filtered weights) and up to ``keep`` ranked values."""
        model = self.model
        values = model.values[model.index[module]]
        allowed = None if possible is None else set(possible)
        probs, method, matched = self.distribution(
            module, model.unfiltered if allowed is None else model.filtered)
        ranked = [(v, float(probs[j])) for j, v in enumerate(values)
                  if allowed is None or v in allowed]
        if allowed is not None:
            mass = sum(p for _, p in ranked)
            ranked = [(v, p / mass if mass > 0 else 0.0) for v, p in ranked]
        ranked.sort(key=lambda vp: -vp[1])  # stable: ties stay in order of overall sales
        if not ranked:
            if not allowed:
                raise ValueError(f"no value of module '{module}' is possible")
            first = sorted(allowed)[0]
            return Recommendation(module, first, 0.0, "possible", matched, ((first, 0.0),))
        return Recommendation(module, ranked[0][0], ranked[0][1], method, matched,
                              tuple(ranked[:keep]))


def smoothed(log_prior: np.ndarray, log_likelihood: np.ndarray, counts: np.ndarray,
             evidence: float | np.ndarray, prior: float | np.ndarray) -> np.ndarray:
    """``(counts + prior * Q) / (sum(counts) + prior)`` over a module's values, ``Q`` the
    tempered naive Bayes ``softmax(log_prior + evidence * log_likelihood)``. ``evidence``
    and ``prior`` may be columns (one row of weights each): the result has a row per
    weight."""
    score = log_prior + evidence * log_likelihood
    q = np.exp(score - np.max(score, axis=-1, keepdims=True))
    q /= q.sum(axis=-1, keepdims=True)
    out: np.ndarray = (counts + prior * q) / (float(counts.sum()) + prior)
    return out


def _raw_values(module: Any) -> dict[str, Any]:
    """How the sales may name a catalog module's values: the option id itself, and for a
    catalog imported from XCSP (options ``v3``, ``vm1``) the number (``3``, ``-1``)."""
    if module.kind == "integer":
        return {str(v): v for v in range(module.min, module.max + 1, module.step or 1)}
    out: dict[str, Any] = {o.id: o.id for o in module.options}
    for option in module.options:
        text = option.id
        if text.startswith("vm") and text[2:].isdigit():
            out.setdefault(f"-{text[2:]}", text)
        elif text.startswith("v") and text[1:].isdigit():
            out.setdefault(text[1:], text)
    return out


class SessionFilter:
    """A :class:`CandidateFilter` over a catalog: a :class:`~configurator.session.Session`
    says which values remain possible. A sales variable is the catalog module of the same
    id; a sales value is an option id, an integer module's value, or the number of an
    option imported from XCSP (``3`` for ``v3``, ``-1`` for ``vm1``). The empty value (nothing
    chosen) stands for an optional module's None."""

    def __init__(self, catalog: Catalog, *, engine: str = "sat") -> None:
        from ..session import Session

        self.catalog = catalog
        self.session = Session(catalog, engine=engine)
        self.names = {m.id: _raw_values(m) for m in catalog.modules}
        self.back: dict[str, dict[Any, list[str]]] = {}
        for module, names in self.names.items():
            back = self.back[module] = {}
            for raw, value in names.items():
                back.setdefault(value, []).append(raw)

    def close(self) -> None:
        """Release the solver."""
        self.session.close()

    def start(self) -> None:
        """Forget every choice."""
        self.session.clear()

    def unknown(self, module: str, value: str) -> str | None:
        """Why a sales value cannot be given to the catalog, or None when it can."""
        if module not in self.names:
            return f"the catalog has no module '{module}'"
        if value != NONE and any(v not in self.names[module] for v in value.split(",")):
            return f"module '{module}' of the catalog has no value '{value}'"
        return None

    def choose(self, module: str, value: str) -> None:
        """Add a choice; a value the catalog does not know is ignored. A multi-select value
        is exact: the options a sale lists, and none of the others."""
        if self.unknown(module, value) is not None:
            return
        found = self.catalog.module_map[module]
        if found.kind == "multi":
            items = [] if value == NONE else [str(self.names[module][item])
                                              for item in value.split(",")]
            self.session.select_all(choices_of(self.catalog.module_map,
                                               {module: exactly(found, items)}))
        elif value == NONE:
            self.session.select(module, None)
        else:
            self.session.select(module, self.names[module][value])

    def possible(self, module: str) -> frozenset[str] | None:
        """The module's still possible values, as the sales may name them (an imported option
        ``v3`` both as ``v3`` and ``3``; None for a multi-select
        module or one the catalog lacks: any combination is let through)."""
        found = self.catalog.get_module(module)
        if found is None or found.kind == "multi":
            return None
        available = self.session.valid_options().module(module).available
        back = self.back[module]
        return frozenset(NONE if v is None else raw for v in available
                         for raw in (back.get(v) or [str(v)]))

