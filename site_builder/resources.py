"""Where the built-in templates, static files and schemas are: the one place that knows.

In the repository they stand at the top (templates/, static/) beside the embedded site; a
wheel carries them inside the package (pyproject.toml maps them), so an installed
`factcheck` finds them there.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def builtin(name: str) -> Path:
    """The built-in folder `name` ("templates", "static" or "schemas")."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


def relative(target: Path, start: Path) -> str:
    """`target` as a path from the folder `start`, with forward slashes: how a file's schema link names it."""
    return Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()
