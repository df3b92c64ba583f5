"""The published site measured with real checkers: the Nu Html Checker and axe-core in Chromium.

Goal: 0 HTML errors, 0 accessibility violations (WCAG 2.1 A and AA) in light and dark mode,
and no request to any other host. Internal links are checked in test_pipeline.py.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from browser import node_package_file, require_java, static_server

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.mark.slow
def test_html_and_css_are_valid_per_the_nu_html_checker(local_site: Path) -> None:
    java = require_java()
    vnu = node_package_file("vnu-jar/build/dist/vnu.jar")
    files = sorted(str(p) for p in local_site.rglob("*.html")) + sorted(
        str(p) for p in (local_site / "static").glob("*.css"))
    # A run of seconds: the JIT's first tier alone halves the checker's processor time (4.3 s -> 2.0 s),
    # with a deeper stack for its larger frames (the checker's schema recursion overflows 1 MB then).
    proc = subprocess.run([java, "-Xss4m", "-XX:TieredStopAtLevel=1", "-jar", str(vnu), "--format", "json", "--stdout",
                           "--exit-zero-always", "--also-check-css", *files],
                          capture_output=True, text=True, timeout=600)
    messages = json.loads(proc.stdout)["messages"]
    errors = [f"{m.get('url', '').rsplit('_site/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
              for m in messages if m["type"] == "error"]
    assert len(files) > 40
    assert errors == []


def _axe(page, rules: list[str] | None = None) -> list[dict]:
    """axe's WCAG 2.1 A and AA violations on the page (axe injected), or those of the rules named."""
    # Only violations are read: axe need not gather the nodes of every rule that passed.
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": AXE_TAGS}
    result = page.evaluate("only => axe.run(document, {runOnly: only, resultTypes: ['violations']})", only)
    return result["violations"]


# Dark mode changes the colours and nothing else (a prefers-color-scheme block of custom properties):
# there, the rules about colour.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def _pages_of(site: Path, part: str) -> list[str]:
    """The pages of one part of the axe test: those of one folder, or of none of PARTS' folders ("others")."""
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    if part == "others":
        return [p for p in pages if not p.startswith(tuple(f"{folder}/" for folder in FOLDERS))]
    return [p for p in pages if p.startswith(f"{part}/")]


FOLDERS = ["claims", "sources", "claimants", "tags"]
REFRESH = '<meta http-equiv="refresh"'


def _without_refresh(html: str):
    """A route handler that serves the page with its refresh (to another page, at once) left out."""
    kept = re.sub(r'<meta http-equiv="refresh"[^>]*>', "", html)
    return lambda route: route.fulfill(body=kept, content_type="text/html; charset=utf-8")


# Every page in light mode, the home page and the claim pages in dark mode too, switched in place
# (no transitions: the colours are final at once); in parts, so that `make test` can run them on
# several processors at once.
DARK = ("claims/", "index.html")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("part", [*FOLDERS, "others"])
def test_every_page_has_no_axe_violations_in_light_and_dark_mode(local_site: Path, browser, part: str) -> None:
    axe_source = node_package_file("axe-core/axe.min.js").read_text(encoding="utf-8")
    pages = _pages_of(local_site, part)
    assert pages
    found, outside = [], []
    with static_server(local_site) as url:
        # axe is injected by the test, so the page's own CSP (script-src 'self') is bypassed here.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light", bypass_csp=True)
        context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None)
        page = context.new_page()
        for path in pages:
            html = (local_site / path).read_text(encoding="utf-8")
            if REFRESH in html:  # claims/ sends the reader on at once: what it shows is checked without the refresh
                page.route(url + path, _without_refresh(html))
            page.goto(url + path)
            page.evaluate(axe_source)
            violations = [("light", v) for v in _axe(page)]
            if path.startswith(DARK):
                page.emulate_media(color_scheme="dark")
                violations += [("dark", v) for v in _axe(page, COLOUR_RULES)]
                page.emulate_media(color_scheme="light")
            found += [f"{scheme} {path}: {v['id']} ({len(v['nodes'])} nodes): {v['help']}" for scheme, v in violations]
    assert found == []
    assert outside == []
