"""The preview server on a real socket: edits are served, errors shown and cleared, and the
incremental build always equals a full one, byte for byte."""
from __future__ import annotations

import html
import http.client
import io
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import PROJECT

from site_builder import pipeline
from site_builder.preview import PreviewServer
from site_builder.preview.app import PreviewApp
from site_builder.preview.builder import Builder
from site_builder.preview.hub import ReloadHub, State

CLAIM = "iraqi-factions-sent-fighters"  # a claim of the embedded site
OTHER = "irgc-request-refused"
TIMEOUT = 30.0  # generous: a loaded two-core machine


@pytest.fixture
def server(site_root: Path) -> Iterator[PreviewServer]:
    running = PreviewServer(site_root, "127.0.0.1", 0, out=io.StringIO())
    running.start(timeout=120)
    try:
        yield running
    finally:
        running.stop()


def fetch(server: PreviewServer, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One request, sent as is (no redirect followed, no path cleaned up)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT + 10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def claim_file(root: Path, claim_id: str = CLAIM) -> Path:
    return root / "content" / "claims" / f"{claim_id}.yaml"


def change(server: PreviewServer, act: Callable[[], None]) -> int:
    """Do something to the files and wait until the server has a new build; its epoch."""
    before = server.epoch
    act()
    after = server.wait_for_epoch(before, TIMEOUT)
    assert after != before, "no new build after the change"
    while server.state.early:  # edited claim pages shown ahead of the build: wait for the build
        after = server.wait_for_epoch(after, TIMEOUT)
    return after


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def overlay(body: bytes) -> str:
    found = re.search(rb'<section id="livereload-overlay".*?</section>', body, re.S)
    return found.group().decode("utf-8") if found else ""


def without_preview(body: bytes) -> bytes:
    """The page as the site has it: without the overlay, the reload script and its style sheet."""
    body = re.sub(rb'<section id="livereload-overlay".*?</section>', b"", body, flags=re.S)
    body = re.sub(rb'<script src="/livereload.js" data-epoch="\d+" defer></script>', b"", body)
    return body.replace(b'<link rel="stylesheet" href="/livereload.css">', b"")


# --- serving ----------------------------------------------------------------------------------

def test_an_edited_claim_is_served_at_its_url(server: PreviewServer, site_root: Path) -> None:
    status, _, body = fetch(server, f"/claims/{CLAIM}/")
    assert status == 200 and b"Edited claimant" not in body
    epoch = server.epoch
    assert fetch(server, f"/livereload/{epoch - 1}")[2].strip() == str(epoch).encode()  # answers at once

    change(server, lambda: rewrite(claim_file(site_root), 'name: "', 'name: "Edited claimant, '))

    status, _, body = fetch(server, f"/claims/{CLAIM}/")
    assert status == 200
    assert b"Edited claimant" in body
    assert f'<script src="/livereload.js" data-epoch="{server.epoch}" defer></script>'.encode() in body


@pytest.mark.slow
def test_a_save_reloads_the_pages_it_changed_and_only_those(server: PreviewServer, site_root: Path) -> None:
    import threading

    server.app.poll_timeout = 3.0  # how long an unchanged page's request waits
    epoch = server.epoch
    polls = {"edited": f"/livereload/{epoch}?page=/claims/{CLAIM}/", "index": f"/livereload/{epoch}?page=/",
             "other": f"/livereload/{epoch}?page=/claims/{OTHER}/", "any": f"/livereload/{epoch}"}
    answers: dict[str, str] = {}
    waiting = [threading.Thread(target=lambda k=k, p=p: answers.__setitem__(k, fetch(server, p)[2].decode()))
               for k, p in polls.items()]
    for thread in waiting:
        thread.start()
    time.sleep(0.2)  # the requests are waiting (if not yet, they compare with the build they name anyway)
    change(server, lambda: rewrite(claim_file(site_root), "verdict: conflicting", "verdict: unproven"))
    for thread in waiting:
        thread.join(TIMEOUT)
    assert answers["edited"].startswith("reload ") and answers["index"].startswith("reload ")
    assert answers["other"].strip() == f"current {server.epoch}"  # the other claim's page is as it was
    assert int(answers["any"]) > epoch  # without a page: any newer build
    shown = int(answers["edited"].split()[1])
    assert fetch(server, f"/livereload/{epoch}?page=/claims/{CLAIM}/")[2].startswith(b"reload ")  # at once
    assert fetch(server, f"/livereload/{shown}?page=/claims/{CLAIM}/", "HEAD")[0] == 200


def test_a_saved_claim_page_is_made_ahead_of_the_build_and_equals_it(site_root: Path) -> None:
    builder = Builder(site_root, "http://127.0.0.1:9999/")
    assert builder.build().ok
    edited = claim_file(site_root)
    rewrite(edited, 'name: "', 'name: "Ahead of the build, ')
    early = builder.edited_claim_pages([str(edited)])
    assert early is not None
    page = f"claims/{CLAIM}/index.html"
    assert b"Ahead of the build, " in early.rendered(page)  # made already, before anyone asks
    expected = pipeline.check(site_root, "http://127.0.0.1:9999/")
    full = {f.path: f.data for f in pipeline.render(site_root, expected)}
    assert early.get(page) == full[page]
    assert early.get("index.html") != full["index.html"]  # the lists wait for the build
    result = builder.build()
    assert result.snapshot.key_of(page) == early.key_of(page)  # so the page does not reload twice
    assert [(f.path, f.data) for f in result.snapshot.files()] == sorted(full.items())

    # An editor that saves by writing a temporary file and renaming it over the claim.
    scratch = edited.with_name(f"{edited.name}.tmp-4242")
    scratch.write_text(edited.read_text(encoding="utf-8").replace("Ahead of the build, ", "Renamed over, "),
                       encoding="utf-8")
    os.replace(scratch, edited)
    early = builder.edited_claim_pages([str(scratch), str(edited)])
    assert early is not None and b"Renamed over, " in early.rendered(page)


@pytest.mark.parametrize("what", ["misquote", "broken YAML", "new claim", "deleted claim", "seed", "not a claim"])
def test_anything_but_a_valid_edit_of_claims_waits_for_the_build(site_root: Path, what: str) -> None:
    builder = Builder(site_root, "http://127.0.0.1:9999/")
    assert builder.build().ok
    claims = site_root / "content" / "claims"
    edited = claim_file(site_root)
    if what == "misquote":
        quote = re.search(r'quote: "([^"]{12,})"', edited.read_text(encoding="utf-8"))
        rewrite(edited, quote.group(1), quote.group(1)[:-3] + "xyz")
        changed = [edited]
    elif what == "broken YAML":
        rewrite(edited, "claim_date:", "claim_date: [")
        changed = [edited]
    elif what == "new claim":
        changed = [claims / "a-new-claim.yaml"]
        shutil.copy(edited, changed[0])
    elif what == "deleted claim":
        edited.unlink()
        changed = [edited]
    elif what == "seed":
        changed = [sorted((site_root / "seeds").glob("*.txt"))[0], edited]
    else:
        changed = [claims / "notes.txt", edited]
        changed[0].write_text("not a claim\n", encoding="utf-8")
    assert builder.edited_claim_pages([str(p) for p in changed]) is None


@pytest.fixture
def app(site_root: Path) -> PreviewApp:
    """The preview's HTTP answers over the first build of the site, without a socket or a watcher."""
    hub = ReloadHub()
    hub.publish(State(1, Builder(site_root, "http://127.0.0.1:9999/").build().snapshot))
    hub.ready.set()
    return PreviewApp(hub, site_root, print)


def test_pretty_urls_404_and_content_types(app: PreviewApp) -> None:
    moved = app.respond(f"/claims/{CLAIM}")
    assert moved.status == 302 and dict(moved.headers)["Location"] == f"/claims/{CLAIM}/"
    assert dict(app.respond(f"/claims/{CLAIM}?from=feed").headers)["Location"] == f"/claims/{CLAIM}/?from=feed"

    missing = app.respond("/no/such/page/")
    assert missing.status == 404 and missing.content_type == "text/html; charset=utf-8"
    assert b"Page not found" in missing.body and b"/livereload.js" in missing.body

    index = app.respond("/").body.decode("utf-8")
    assets = re.findall(r'(?:href|src)="\./(static/[^"]+)"', index)
    expected = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
    seen = set()
    for asset in assets:
        suffix = Path(asset).suffix
        answer = app.respond("/" + asset)
        assert (answer.status, answer.content_type) == (200, expected[suffix]), asset
        seen.add(suffix)
    assert {".css", ".js"} <= seen
    for path, content_type in [("/", "text/html; charset=utf-8"), ("/feed.xml", "application/xml; charset=utf-8"),
                               ("/sitemap.xml", "application/xml; charset=utf-8"), ("/claims.json", "application/json"),
                               ("/robots.txt", "text/plain; charset=utf-8"),
                               ("/livereload.js", "text/javascript; charset=utf-8"),
                               ("/livereload.css", "text/css; charset=utf-8")]:
        answer = app.respond(path)
        assert (answer.status, answer.content_type) == (200, content_type), path
    assert app.respond("/livereload/0", head=True).body == b"1\n"  # a newer build: answered at once


def test_every_answer_says_no_store_and_head_has_no_body(server: PreviewServer) -> None:
    for path in ["/", f"/claims/{CLAIM}", "/nope", "/feed.xml", "/livereload.js", f"/livereload/{server.epoch - 1}",
                 "/../x"]:
        status, headers, _ = fetch(server, path)
        assert headers.get("cache-control") == "no-store", (path, status)
    status, headers, body = fetch(server, "/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 1000


def test_path_traversal_is_refused(app: PreviewApp, site_root: Path) -> None:
    secret = (site_root / "content" / "site.yaml").read_bytes()[:40]
    for path in ["/../content/site.yaml", "/claims/../../content/site.yaml", "/%2e%2e/content/site.yaml",
                 "/static/..%2f..%2fcontent%2fsite.yaml", "/./index.html", "/claims%5c..%5c..%5csite.yaml",
                 "/%00", "/%ff%fe"]:
        answer = app.respond(path)
        assert answer.status == 400, path
        assert secret not in answer.body


def test_the_page_adds_only_files_from_self_for_the_csp(server: PreviewServer) -> None:
    body = fetch(server, f"/claims/{CLAIM}/")[2].decode("utf-8")
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', body).group(1))
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", body)
    assert inline_scripts == []
    assert " style=" not in body
    assert '<link rel="stylesheet" href="/livereload.css">' in body


# --- errors in the browser --------------------------------------------------------------------

def test_a_broken_file_shows_an_overlay_on_every_page_and_the_fix_clears_it(server: PreviewServer,
                                                                            site_root: Path) -> None:
    good = claim_file(site_root).read_text(encoding="utf-8")
    before = fetch(server, f"/claims/{OTHER}/")[2]
    change(server, lambda: rewrite(claim_file(site_root), "claim_date: 2024-12-02", "claim_date: 2024-12-02\n  bad: ["))
    expected = pipeline.check(site_root).problems.errors
    assert expected
    where = expected[0].location()
    assert re.fullmatch(rf"content/claims/{CLAIM}\.yaml:\d+:\d+", where)

    for path, status in [("/", 200), (f"/claims/{CLAIM}/", 200), (f"/claims/{OTHER}/", 200), ("/sources/", 200),
                         ("/no-such-page/", 404)]:
        got, _, body = fetch(server, path)
        assert got == status, path
        panel = overlay(body)
        assert where in panel, path
        assert "bad: [" in panel  # the offending line, read from the file
        assert "mapping values are not allowed" in panel or "YAML syntax error" in panel
    assert without_preview(fetch(server, f"/claims/{OTHER}/")[2]) == without_preview(before)  # the last good page
    assert fetch(server, "/feed.xml")[0] == 200  # other files are still served

    change(server, lambda: claim_file(site_root).write_text(good, encoding="utf-8"))
    for path in ["/", f"/claims/{CLAIM}/"]:
        status, _, body = fetch(server, path)
        assert status == 200 and overlay(body) == ""


def test_with_no_good_build_yet_every_page_is_a_500_error_page(site_root: Path) -> None:
    rewrite(claim_file(site_root), "verdict: conflicting", "verdict: conflictng")
    running = PreviewServer(site_root, "127.0.0.1", 0, out=io.StringIO())
    running.start(timeout=120)
    try:
        status, headers, body = fetch(running, f"/claims/{CLAIM}/")
        assert status == 500 and headers["content-type"] == "text/html; charset=utf-8"
        panel = overlay(body)
        assert f"content/claims/{CLAIM}.yaml:" in panel and "conflictng" in panel
        assert b"/livereload.js" in body
        change(running, lambda: rewrite(claim_file(site_root), "verdict: conflictng", "verdict: conflicting"))
        status, _, body = fetch(running, f"/claims/{CLAIM}/")
        assert status == 200 and overlay(body) == ""
    finally:
        running.stop()


def test_an_unexpected_exception_is_shown_and_the_server_carries_on(server: PreviewServer, site_root: Path) -> None:
    real_build = server.builder.build

    def crash():
        raise RuntimeError("simulated bug in the build")

    server.builder.build = crash  # type: ignore[method-assign]
    change(server, lambda: rewrite(claim_file(site_root), 'name: "', 'name: "X, '))
    status, _, body = fetch(server, "/")
    assert status == 200 and "simulated bug in the build" in overlay(body)
    server.builder.build = real_build  # type: ignore[method-assign]
    change(server, lambda: rewrite(claim_file(site_root), 'name: "X, ', 'name: "Y, '))
    assert overlay(fetch(server, "/")[2]) == ""
    assert b"Y, " in fetch(server, f"/claims/{CLAIM}/")[2]


@pytest.mark.slow
def test_a_burst_of_saves_makes_one_rebuild(site_root: Path) -> None:
    console = io.StringIO()
    running = PreviewServer(site_root, "127.0.0.1", 0, debounce=0.5, out=console)
    running.start(timeout=120)
    try:
        epoch = running.epoch
        for i, path in enumerate(sorted((site_root / "content" / "claims").glob("*.yaml"))[:6]):
            rewrite(path, 'name: "', f'name: "Burst {i}, ')
        after = running.wait_for_epoch(epoch, TIMEOUT)
        while running.wait_for_epoch(after, 1.5) != after:  # the edited pages first, then the build
            after = running.epoch
        builds = [line for line in console.getvalue().splitlines() if " built in " in line]
        assert len(builds) == 2, builds  # the first build, and one for the burst
        assert "edited claim page(s) shown in" in builds[1], builds[1]
    finally:
        running.stop()


def test_a_template_error_in_the_preview_is_shown_at_its_file_and_line(server: PreviewServer,
                                                                      site_root: Path) -> None:
    text = (PROJECT / "templates" / "claim.html").read_text(encoding="utf-8")
    line = text[: text.index("{{ claim.claim_date }}")].count("\n") + 1
    change(server, lambda: _override_template(site_root, "claim.html", "{{ claim.claim_date }}",
                                              "{{ claim.claim_date.nickname }}"))
    settle(server)
    status, _, body = fetch(server, f"/claims/{CLAIM}/")  # fails at run time: the last good page, and where
    panel = html.unescape(overlay(body))
    assert status == 200 and f"templates/claim.html:{line}</p>" in panel
    assert "has no attribute 'nickname'" in panel and f"{line} | " in panel  # the template's line itself
    assert "Traceback" not in panel

    change(server, lambda: _override_template(site_root, "claim.html", "{% if comparisons %}",
                                              "{% if comparisons %}{% endfor %}"))
    line = text[: text.index("{% if comparisons %}")].count("\n") + 1
    panel = html.unescape(overlay(fetch(server, "/")[2]))  # a syntax error: on every page
    assert f"templates/claim.html:{line}</p>" in panel and "template syntax error" in panel


def test_a_folder_swapped_for_a_link_is_read_again_and_said(site_root: Path, tmp_path_factory,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from site_builder import inputs

    monkeypatch.setattr(inputs, "RACY_NS", 0)  # files just written count as settled: their stat is trusted
    builder = Builder(site_root, "http://127.0.0.1:9999/")
    assert builder.build().ok and builder.build().note == ""
    outside = tmp_path_factory.mktemp("elsewhere") / "content"
    shutil.move(site_root / "content", outside)
    (site_root / "content").symlink_to(outside)  # the same files, by the same inodes, now outside the root
    result = builder.build()
    assert "replaced" in result.note
    expected = pipeline.check(site_root, "http://127.0.0.1:9999/")
    assert not result.ok and sorted(result.checked.problems.items) == sorted(expected.problems.items)
    assert any("outside the site root" in p.message for p in expected.problems.errors)


# --- incremental == full --------------------------------------------------------------------

def assert_same_as_full_build(root: Path, server: PreviewServer, after: str) -> None:
    served = server.state.snapshot.files()
    checked = pipeline.check(root, server.base_url)
    assert checked.ok, checked.problems.render()
    full = pipeline.render(root, checked)
    assert [f.path for f in served] == [f.path for f in full], after
    differ = [a.path for a, b in zip(served, full) if a.data != b.data]
    assert differ == [], after


@pytest.mark.slow
def test_incremental_rebuilds_equal_a_full_build_after_every_edit(server: PreviewServer, site_root: Path) -> None:
    claims = site_root / "content" / "claims"
    assert_same_as_full_build(site_root, server, "the first build")
    new_id = "iraqi-factions-sent-fighters-again"
    steps: list[tuple[str, Callable[[], None]]] = [
        ("add a claim", lambda: shutil.copy(claims / f"{CLAIM}.yaml", claims / f"{new_id}.yaml")),
        ("change a claim", lambda: rewrite(claims / f"{new_id}.yaml", "summary: >-\n", "summary: >-\n  Changed. ")),
        ("change a verdict", lambda: rewrite(claims / f"{new_id}.yaml", "verdict: conflicting\n", "verdict: unproven\n")),
        ("change the tags", lambda: rewrite(claims / f"{new_id}.yaml", "tags: [", "tags: [a-new-tag, ")),
        ("change a date", lambda: rewrite(claims / f"{new_id}.yaml", "claim_date: 2024-12-02", "claim_date: 2024-11-30")),
        ("rename a claim", lambda: (claims / f"{new_id}.yaml").rename(claims / f"{new_id}-renamed.yaml")),
        ("break a claim", lambda: rewrite(claims / f"{OTHER}.yaml", "claim_date:", "claim_date: [")),
        ("fix it", lambda: rewrite(claims / f"{OTHER}.yaml", "claim_date: [", "claim_date:")),
        ("delete a claim", lambda: (claims / f"{new_id}-renamed.yaml").unlink()),
        ("change a template", lambda: _override_template(site_root, "claim.html", "</article>",
                                                            "<p>Template changed.</p></article>")),
        ("change a seed's metadata", lambda: _retitle_a_seed(site_root)),
        ("change a seed's text, and pin it", lambda: _extend_a_seed(site_root)),
        ("change a static file", lambda: _override_static(site_root)),
        ("change the site's title", lambda: rewrite(site_root / "content" / "site.yaml", "title: \"",
                                                    "title: \"Preview: ")),
    ]
    for what, act in steps:
        change(server, act)
        if what == "break a claim":
            assert server.state.errors
            continue
        settle(server)
        assert_same_as_full_build(site_root, server, what)
    assert b"Template changed." in fetch(server, f"/claims/{CLAIM}/")[2]


def settle(server: PreviewServer) -> None:
    """Wait while the latest build has errors: a change written as two files may be seen half done."""
    deadline = time.monotonic() + TIMEOUT
    while server.state.errors and time.monotonic() < deadline:
        server.wait_for_epoch(server.epoch, 1.0)
    assert not server.state.errors, server.state.errors


def _extend_a_seed(root: Path) -> None:
    import hashlib

    seed = sorted((root / "seeds").glob("*.txt"))[-1]
    data = seed.read_bytes() + b"\nA paragraph added to the seed.\n"
    sources = root / "seeds" / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    at = text.index(f"{seed.stem}:")
    pinned = re.compile(r'sha256: "?([0-9a-f]{64})"?').search(text, at)
    assert pinned
    seed.write_bytes(data)
    sources.write_text(text[: pinned.start(1)] + hashlib.sha256(data).hexdigest() + text[pinned.end(1):],
                       encoding="utf-8")


def _override_template(root: Path, name: str, old: str, new: str) -> None:
    (root / "templates").mkdir(exist_ok=True)
    text = (PROJECT / "templates" / name).read_text(encoding="utf-8")
    assert old in text
    (root / "templates" / name).write_text(text.replace(old, new, 1), encoding="utf-8")


def _retitle_a_seed(root: Path) -> None:
    sources = root / "seeds" / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    title = re.search(r"^(\s+title: )(.+)$", text, re.M)
    assert title
    sources.write_text(text[: title.start(2)] + '"A retitled source"' + text[title.end(2):], encoding="utf-8")


def _override_static(root: Path) -> None:
    (root / "static").mkdir(exist_ok=True)
    css = (PROJECT / "static" / "style.css").read_text(encoding="utf-8")
    (root / "static" / "style.css").write_text(css + "\n/* changed */\n", encoding="utf-8")


@pytest.mark.slow  # several builds of the site
def test_the_builder_alone_matches_check_and_render_problems_included(site_root: Path) -> None:
    """Without the server: the same problems as pipeline.check, broken or not, and the same files."""
    builder = Builder(site_root, "http://127.0.0.1:9999/")
    claims = site_root / "content" / "claims"

    def same() -> None:
        result = builder.build()
        expected = pipeline.check(site_root, "http://127.0.0.1:9999/")
        assert sorted(result.checked.problems.items) == sorted(expected.problems.items)
        assert result.ok == expected.ok
        if result.ok:
            full = pipeline.render(site_root, expected)
            assert [(f.path, f.data) for f in result.snapshot.files()] == [(f.path, f.data) for f in full]

    same()
    rewrite(claims / f"{CLAIM}.yaml", "evidence:", "evidnce:")  # a typo in a key
    same()
    rewrite(claims / f"{CLAIM}.yaml", "evidnce:", "evidence:")
    text = (claims / f"{OTHER}.yaml").read_text(encoding="utf-8")
    quote = re.search(r'quote: "([^"]{12,})"', text)
    assert quote
    rewrite(claims / f"{OTHER}.yaml", quote.group(1), quote.group(1)[:-3] + "xyz")  # a misquote
    same()
    (claims / f"{OTHER}.yaml").write_text(text, encoding="utf-8")
    same()
    (claims / "notes.txt").write_text("not a claim\n", encoding="utf-8")  # a warning
    same()


# --- a real browser -------------------------------------------------------------------------

@pytest.mark.browser
def test_the_browser_reloads_by_itself_and_shows_errors(server: PreviewServer, site_root: Path, browser) -> None:
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type in ("error", "warning") else None)
    page.goto(server.base_url + f"claims/{CLAIM}/", wait_until="load")
    assert page.locator("#livereload-overlay").count() == 0

    with page.expect_navigation(wait_until="load", timeout=TIMEOUT * 1000):
        rewrite(claim_file(site_root), 'name: "', 'name: "Seen in the browser, ')
    page.get_by_text("Seen in the browser", exact=False).first.wait_for(timeout=TIMEOUT * 1000)

    with page.expect_navigation(wait_until="load", timeout=TIMEOUT * 1000):
        rewrite(claim_file(site_root), "claim_date: 2024-12-02", "claim_date: 2024-12-02\n  bad: [")
    panel = page.locator("#livereload-overlay")
    panel.wait_for(state="visible", timeout=TIMEOUT * 1000)
    assert f"content/claims/{CLAIM}.yaml:" in panel.inner_text()
    assert panel.evaluate("e => getComputedStyle(e).position") == "fixed"  # /livereload.css applied

    with page.expect_navigation(wait_until="load", timeout=TIMEOUT * 1000):
        rewrite(claim_file(site_root), "claim_date: 2024-12-02\n  bad: [", "claim_date: 2024-12-02")
    assert page.locator("#livereload-overlay").count() == 0
    assert not [m for m in messages if "Content Security Policy" in m or "Refused" in m]


@pytest.mark.browser
def test_a_page_the_save_did_not_change_stays_as_it_is(server: PreviewServer, site_root: Path, browser) -> None:
    edited, other = browser.new_page(), browser.new_page()
    edited.goto(server.base_url + f"claims/{CLAIM}/", wait_until="load")
    other.goto(server.base_url + f"claims/{OTHER}/", wait_until="load")
    other.evaluate("window.stillTheSamePage = true")  # gone if the page reloads
    with edited.expect_navigation(wait_until="load", timeout=TIMEOUT * 1000):
        rewrite(claim_file(site_root), 'name: "', 'name: "Only this page reloads, ')
    edited.get_by_text("Only this page reloads", exact=False).first.wait_for(timeout=TIMEOUT * 1000)
    while server.state.early:  # and the build after it is done too
        server.wait_for_epoch(server.epoch, TIMEOUT)
    time.sleep(0.5)  # time enough for a reload to start, were there one
    assert other.evaluate("window.stillTheSamePage === true")
