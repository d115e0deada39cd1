from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
GOOD = DATA / "good"


@pytest.fixture(scope="session")
def mini_path() -> Path:
    return GOOD / "catalogs" / "mini.yaml"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    """Write a file below tmp_path (making folders) and return its path."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
