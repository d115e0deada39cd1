"""Reading a bto YAML file through its reader, and writing files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._yaml import YNode, load_yaml_text, read_text

__all__ = ["read_yaml_document", "write_atomically"]


def read_yaml_document(path: str | os.PathLike[str],
                       read_node: Callable[[YNode, str, Path], tuple[Any, list[Any]]]
                       ) -> tuple[Any, list[Any]]:
    """A file read safely (positions kept) and built by ``read_node(root, name, path)``:
    the document (None when any problem is an error) and every problem."""
    name = os.fspath(path)
    text, problems = read_text(Path(path), name)
    document = None
    if text is not None:
        root, problems = load_yaml_text(text, name)
        if root is not None:
            document, more = read_node(root, name, Path(path))
            problems = problems + more
    if any(p.is_error for p in problems):
        document = None
    return document, problems


def write_atomically(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all: a temporary file in the same folder,
    then ``os.replace``. A reader never sees half a file, and a failure leaves the old one."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".bto-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
