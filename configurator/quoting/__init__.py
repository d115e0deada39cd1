"""Quoting: calendar, supply, capacity, promise."""

from __future__ import annotations
