"""Named random streams: common random numbers for the quote's Monte Carlo and the simulator."""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream"]


def stream(seed: int, name: str) -> np.random.Generator:
    """The random stream ``name`` of ``seed``: each source of uncertainty draws from its own,
    so leaving one source out does not shift the numbers the others draw."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])
