#!/usr/bin/env python3
"""Time each stage of the pipeline in one process: python bench/stages.py ROOT OUT [--json]

The stages are called the way site_builder.pipeline calls them: load.load_site,
validate.validate, anchor.anchor_claims, render.render_site (with render.Theme.for_root)
and write.write_site. Two steps that pipeline.build also runs are timed separately when
the code has them: "lint" (structured.lint_claim_review on every claim, part of check()),
"editorial" (editorial.review of the whole site, part of check()) and "search" (search.index_site, the Pagefind index that write_site builds in the new
tree before the swap; here it is built in the written tree, which is the same work).
bench/run.py runs this in a fresh process per measurement; bench/profile.py calls
run_stages() under cProfile.
"""
from __future__ import annotations

import json
import resource
import sys
import time

_T_START = time.perf_counter()

import os  # noqa: E402
from pathlib import Path  # noqa: E402

# The code under test: the project itself, or a snapshot of it (bench/run.py sets BENCH_CODE_DIR
# so that every measurement of a run uses the same commit while others keep committing).
PROJECT_DIR = Path(os.environ.get("BENCH_CODE_DIR") or Path(__file__).resolve().parent.parent).resolve()
sys.path.insert(0, str(PROJECT_DIR))

from site_builder import (  # noqa: E402
    anchor,
    load,
    pipeline,  # noqa: F401  (imported as the CLI does, for a fair import time)
    render,
    validate,
    write,
)

try:
    from site_builder.structured import lint_claim_review
except ImportError:  # older code: no ClaimReview lint
    lint_claim_review = None
try:
    from site_builder.editorial import review as editorial_review
except ImportError:  # older code: no editorial review
    editorial_review = None
try:
    from site_builder.search import index_site
except ImportError:  # older code: no search index
    index_site = None

IMPORT_SECONDS = time.perf_counter() - _T_START
STAGES = ("load", "validate", "anchor", "render", "write")
EXTRA_STAGES = ("lint", "editorial", "search")  # present when the code has them
ALL_STAGES = ("load", "validate", "anchor", "lint", "editorial", "render", "write", "search")


def run_stages(root: Path, out: Path, search: bool = True) -> dict:
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

    if lint_claim_review is not None:
        t = time.perf_counter()
        for claim in model.claims:
            lint_claim_review(model, claim)
        times["lint"] = time.perf_counter() - t

    if editorial_review is not None:
        t = time.perf_counter()
        editorial_review(model, anchors)
        times["editorial"] = time.perf_counter() - t

    t = time.perf_counter()
    files = render.render_site(model, anchors, render.Theme.for_root(root))
    times["render"] = time.perf_counter() - t

    t = time.perf_counter()
    write.write_site(files, Path(out))
    times["write"] = time.perf_counter() - t

    if index_site is not None and search:
        t = time.perf_counter()
        index_site(Path(out), model.site.language)
        times["search"] = time.perf_counter() - t

    return {"seconds": times, "claims": len(model.claims), "sources": len(model.sources),
            "excerpts": len(anchors), "files": len(files), "bytes": sum(len(f.data) for f in files)}


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 2:
        print("usage: python bench/stages.py ROOT OUT [--json] [--no-search]", file=sys.stderr)
        return 2
    result = run_stages(Path(args[0]), Path(args[1]), search="--no-search" not in argv)
    result["import_seconds"] = IMPORT_SECONDS
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["code_dir"] = str(PROJECT_DIR)
    if "--json" in argv:
        print(json.dumps(result))
    else:
        total = sum(result["seconds"].values())
        print(f"import {IMPORT_SECONDS:.3f}s")
        for stage in (s for s in ALL_STAGES if s in result["seconds"]):
            s = result["seconds"][stage]
            print(f"{stage:9} {s:8.3f}s {100 * s / total:5.1f}%")
        print(f"{'total':9} {total:8.3f}s  ({result['files']} files, {result['bytes']:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
