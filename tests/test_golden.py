"""The embedded site's output, file by file, against the copy kept in tests/golden/site/.

Any change to any published file shows here, and in review as a diff of that copy. When the
change is meant, `make golden` writes the new copy, to be committed with the change (see
tests/golden/README.md). The copy is built with --no-search: the search index is Pagefind's
output, not ours, and is tested on its own (test_pipeline.py, and in Chromium in
test_browser_site.py).
"""
from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from conftest import PROJECT, run_cli

GOLDEN = PROJECT / "tests" / "golden" / "site"
UPDATE = "make golden"  # the command tests/golden/README.md documents
DIFF_LINES = 12  # lines of diff shown for each changed file
FILES_SHOWN = 8  # changed files shown with their diff; the rest are named


def _files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}


def _short_diff(expected: Path, actual: Path) -> list[str]:
    old, new = expected.read_bytes(), actual.read_bytes()
    try:
        old_lines, new_lines = old.decode("utf-8").splitlines(), new.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return [f"    binary: {len(old):,} bytes -> {len(new):,} bytes"]
    diff = list(difflib.unified_diff(old_lines, new_lines, "golden", "built", n=1, lineterm=""))[2:]
    shown = ["    " + line[:200] for line in diff[:DIFF_LINES]]
    if len(diff) > DIFF_LINES:
        shown.append(f"    ... {len(diff) - DIFF_LINES} more diff lines")
    return shown


def differences(golden: Path, built: Path) -> list[str]:
    """One entry a differing file, for people: missing, extra, or changed with a short diff."""
    expected, actual = _files(golden), _files(built)
    found = [f"missing (in the golden copy, not built): {path}" for path in sorted(expected.keys() - actual.keys())]
    found += [f"extra (built, not in the golden copy): {path}" for path in sorted(actual.keys() - expected.keys())]
    changed = [path for path in sorted(expected.keys() & actual.keys())
               if expected[path].read_bytes() != actual[path].read_bytes()]
    for number, path in enumerate(changed):
        diff = _short_diff(expected[path], actual[path]) if number < FILES_SHOWN else []
        found.append("\n".join([f"changed: {path}", *diff]))
    return found


def test_the_embedded_site_is_built_exactly_as_the_golden_copy(tmp_path: Path) -> None:
    if len(_files(GOLDEN)) < 40:
        pytest.fail(f"{GOLDEN} is missing or nearly empty: run `{UPDATE}`", pytrace=False)
    built = tmp_path / "site"
    result = run_cli("build", "--no-search", "--out", str(built))
    assert result.code == 0, result.err
    found = differences(GOLDEN, built)
    if found:
        pytest.fail(f"{len(found)} file(s) differ from the golden copy tests/golden/site/; if every change is "
                    f"meant, run `{UPDATE}` and commit tests/golden/ with it.\n" + "\n".join(found), pytrace=False)


def test_a_changed_missing_or_extra_file_is_named(tmp_path: Path) -> None:
    golden, built = tmp_path / "golden", tmp_path / "built"
    for folder in (golden, built):
        (folder / "claims" / "a").mkdir(parents=True)
        (folder / "claims" / "a" / "index.html").write_text("<p>one</p>\n<p>two</p>\n", encoding="utf-8")
        (folder / "feed.xml").write_text("<feed/>\n", encoding="utf-8")
    (built / "claims" / "a" / "index.html").write_text("<p>one</p>\n<p>2</p>\n", encoding="utf-8")
    (golden / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    (built / "extra.html").write_text("", encoding="utf-8")
    assert differences(golden, built) == [
        "missing (in the golden copy, not built): robots.txt",
        "extra (built, not in the golden copy): extra.html",
        "changed: claims/a/index.html\n    @@ -1,2 +1,2 @@\n     <p>one</p>\n    -<p>two</p>\n    +<p>2</p>",
    ]
