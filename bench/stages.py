#!/usr/bin/env python3
"""Time each stage of the pipeline in one process: python bench/stages.py ROOT OUT [--json]

The stages are called the way site_builder.pipeline calls them: load.load_site,
validate.validate, anchor.anchor_claims, render.render_site (with render.Theme.for_root)
and write.write_site. bench/run.py runs this in a fresh process per measurement;
bench/profile.py calls run_stages() under cProfile.
"""
from __future__ import annotations

import json
import resource
import sys
import time

_T_START = time.perf_counter()

from pathlib import Path  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from site_builder import anchor, load, render, validate, write  # noqa: E402
from site_builder import pipeline  # noqa: E402,F401  (imported as the CLI does, for a fair import time)

IMPORT_SECONDS = time.perf_counter() - _T_START
STAGES = ("load", "validate", "anchor", "render", "write")


def run_stages(root: Path, out: Path) -> dict:
    """Run the pipeline stage by stage; return seconds per stage and a few counts."""
    root = Path(root).resolve()
    times = {}
    t = time.perf_counter()
    loaded, problems = load.load_site(root)
    times["load"] = time.perf_counter() - t

    t = time.perf_counter()
    model, found = validate.validate(loaded)
    times["validate"] = time.perf_counter() - t
    problems.extend(found)
    if model is None or problems.errors:
        raise SystemExit(f"validation failed:\n{problems.render('text')}")

    t = time.perf_counter()
    anchors, found = anchor.anchor_claims(model)
    times["anchor"] = time.perf_counter() - t
    problems.extend(found)
    if problems.errors:
        raise SystemExit(f"anchoring failed:\n{problems.render('text')}")

    t = time.perf_counter()
    files = render.render_site(model, anchors, render.Theme.for_root(root))
    times["render"] = time.perf_counter() - t

    t = time.perf_counter()
    write.write_site(files, Path(out))
    times["write"] = time.perf_counter() - t

    return {"seconds": times, "claims": len(model.claims), "sources": len(model.sources),
            "excerpts": len(anchors), "files": len(files), "bytes": sum(len(f.data) for f in files)}


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 2:
        print("usage: python bench/stages.py ROOT OUT [--json]", file=sys.stderr)
        return 2
    result = run_stages(Path(args[0]), Path(args[1]))
    result["import_seconds"] = IMPORT_SECONDS
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if "--json" in argv:
        print(json.dumps(result))
    else:
        total = sum(result["seconds"].values())
        print(f"import {IMPORT_SECONDS:.3f}s")
        for stage in STAGES:
            s = result["seconds"][stage]
            print(f"{stage:9} {s:8.3f}s {100 * s / total:5.1f}%")
        print(f"{'total':9} {total:8.3f}s  ({result['files']} files, {result['bytes']:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
