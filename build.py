#!/usr/bin/env python3
"""Build, check and preview the fact-check site: python build.py --help (the same as `factcheck`).

No need to activate the virtual environment: when the Python that runs this file lacks the
dependencies and `.venv/` beside it has them (`make` creates it), the command runs again
with `.venv/bin/python`.
"""
import os
import sys
from pathlib import Path

VENV = Path(__file__).resolve().parent / ".venv"

try:
    from site_builder.cli import main
except ModuleNotFoundError as exc:
    python = VENV / "bin" / "python"
    if python.exists() and Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(python, [str(python), *sys.argv])
    sys.exit(f"build.py: error: the dependency '{exc.name}' is not installed "
             f"(run `make build` once, which creates .venv/; or: python3 -m venv .venv && .venv/bin/pip install -e .)")

if __name__ == "__main__":
    sys.exit(main())
