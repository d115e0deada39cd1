"""The configuration engines and the model they share.

``compile_model`` turns a catalog into finite-domain variables and constraints tagged with
their rule's id and source; engines answer questions on that model.
"""

from __future__ import annotations

from .csp import CspEngine
from .model import Assignment, Constraint, Model, Variable, compile_model, fixed_values
from .sat import SatEngine

__all__ = [
    "Assignment",
    "Constraint",
    "CspEngine",
    "Model",
    "SatEngine",
    "Variable",
    "compile_model",
    "fixed_values",
]
