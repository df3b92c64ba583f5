"""Hostile pull requests: whatever a claim file holds, the build errs clearly or publishes it inert.

Text in a claim's fields is published escaped, never refused; everything else (unsafe YAML,
strange seeds, paths that try to leave the site) gets an error that names the file. No case
prints a traceback, writes outside the output folder, or publishes a script.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import PROJECT, copy_site, run_cli, run_process

from site_builder import inputs, load
from site_builder.errors import Problems

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
JSON_BREAKOUT = '</script><script>alert(1)</script><!--'

BASE = """\
claim: "{claim}"
claimant:
  name: "{claimant}"
  kind: person
  role: "{claimant}"
  affiliation: "{claimant}"
claim_date: 2024-12-02
verdict: conflicting
summary: "{summary}"
analysis: "{analysis}"
evidence:
  - source: 002_a4831d323f0df05e
    quote: "around 200 Iraqi fighters entered Syria"
    stance: supports
    note: "{note}"
  - source: 004_52b421b4bac7923a
    quote: "unanimously decided not to send fighters to Syria"
    stance: refutes
tags: [iraq]
published: 2024-12-08
updated: 2024-12-09
corrections:
  - date: 2024-12-09
    text: "{correction}"
"""


def claim_text(**fields: str) -> str:
    defaults = {k: "An ordinary value for this field." for k in
                ("claim", "claimant", "summary", "analysis", "note", "correction")}
    defaults.update({k: v.replace("\\", "\\\\").replace('"', '\\"') for k, v in fields.items()})
    return BASE.format(**defaults)


class _Audit(HTMLParser):
    """Finds anything in a page that could run: scripts, handlers, dangerous URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[str] = []
        self.in_data_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if not attrs.get("src") and attrs.get("type") != "application/ld+json":
                self.findings.append(f"inline script {attrs}")
            self.in_data_script = attrs.get("type") == "application/ld+json"
        for name, value in attrs.items():
            if name.startswith("on"):
                self.findings.append(f"event handler {name}")
            if name in ("href", "src", "action", "formaction") and value:
                squashed = re.sub(r"[\x00-\x20]", "", value).lower()
                if squashed.startswith(("javascript:", "data:", "vbscript:")):
                    self.findings.append(f"{name}={value}")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_data_script = False

    def handle_data(self, data):
        if self.in_data_script and "</" in data:
            self.findings.append("JSON-LD could close its script element")


def findings(html: str) -> list[str]:
    audit = _Audit()
    audit.feed(html)
    return audit.findings


def assert_inert(site: Path) -> None:
    for page in site.rglob("*.html"):
        assert not findings(page.read_text(encoding="utf-8")), page


def build(root: Path):
    return run_cli("build", "--root", str(root), "--no-search")


FIELDS = ["claim", "claimant", "summary", "analysis", "note", "correction"]
MARKDOWN = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x61;script:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](<java script:alert(1)>)",
    "[click]( javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "<javascript:alert(1)>",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    "![x](javascript:alert(1))",
    "![tracker](https://evil.example/pixel.png)",
]
SAFE_LINKS = "See [the methodology](../../methodology/) and [Reuters](https://www.reuters.com/)."


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded site (five of its claims) with one more claim for each hostile text below, built once."""
    root = copy_site(tmp_path_factory.mktemp("hostile"), claims=5)
    claims = root / "content" / "claims"
    for field in FIELDS:
        (claims / f"script-in-{field}.yaml").write_text(claim_text(**{field: SCRIPT}), encoding="utf-8")
    for number, markdown in enumerate(MARKDOWN):
        (claims / f"markdown-{number}.yaml").write_text(claim_text(analysis=markdown), encoding="utf-8")
    (claims / "json-breakout.yaml").write_text(claim_text(claim=JSON_BREAKOUT), encoding="utf-8")
    (claims / "safe-links.yaml").write_text(claim_text(analysis=SAFE_LINKS), encoding="utf-8")
    result = build(root)
    assert result.code == 0, result.err
    return root / "_site"


def claim_page(site: Path, claim_id: str) -> str:
    return (site / "claims" / claim_id / "index.html").read_text(encoding="utf-8")


def test_no_page_of_a_site_with_hostile_claims_can_run_anything(hostile_site: Path) -> None:
    assert_inert(hostile_site)


@pytest.mark.parametrize("field", FIELDS)
def test_script_in_a_text_field_is_published_escaped(hostile_site: Path, field: str) -> None:
    page = claim_page(hostile_site, f"script-in-{field}")
    assert "&lt;script&gt;" in page  # shown to the reader as text
    assert findings(page) == []


def test_claim_text_cannot_break_out_of_the_json_ld(hostile_site: Path) -> None:
    page = claim_page(hostile_site, "json-breakout")
    json_ld = page.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "\\u003c/script\\u003e" in json_ld
    assert findings(page) == []


def test_site_title_and_source_metadata_are_escaped(small_site_root: Path) -> None:
    site = small_site_root / "content" / "site.yaml"
    text = site.read_text(encoding="utf-8")
    site.write_text(re.sub(r"^title: .*$", 'title: "<script>alert(1)</script> Site"', text, count=1, flags=re.M),
                    encoding="utf-8")
    sources = small_site_root / "seeds" / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(re.sub(r"^(\s+)label: .*$", r'\1label: "<img src=x onerror=alert(1)>"', text, count=1,
                              flags=re.M), encoding="utf-8")
    assert build(small_site_root).code == 0
    home = (small_site_root / "_site" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Site" in home
    assert_inert(small_site_root / "_site")


@pytest.mark.parametrize("number", range(len(MARKDOWN)), ids=MARKDOWN)
def test_markdown_cannot_carry_html_or_dangerous_links(hostile_site: Path, number: int) -> None:
    page = claim_page(hostile_site, f"markdown-{number}")
    assert "<img" not in page.split("<main", 1)[1]
    assert findings(page) == []


def test_safe_links_still_work(hostile_site: Path) -> None:
    page = claim_page(hostile_site, "safe-links")
    assert '<a href="../../methodology/">the methodology</a>' in page
    assert '<a href="https://www.reuters.com/">Reuters</a>' in page


# --- inputs that are refused with an error naming the file -----------------------------------

def _check(root: Path):
    result = run_cli("check", "--root", str(root))
    assert "Traceback" not in result.err + result.out
    return result


def test_alias_bomb_is_refused(small_site_root: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (small_site_root / "content" / "claims" / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _check(small_site_root)
    assert result.code == 1 and "content/claims/bomb.yaml:" in result.err and "more than 50000 values" in result.err


@pytest.mark.parametrize("text", ["a: " + "[" * 200_000, "a: " + "{x: " * 50_000, "- " * 100_000 + "x"],
                         ids=["flow-sequences", "flow-mappings", "block-sequences"])
def test_deep_nesting_is_refused_without_crashing(small_site_root: Path, text: str) -> None:
    (small_site_root / "content" / "claims" / "deep.yaml").write_text(text + "\n", encoding="utf-8")
    result = _check(small_site_root)
    assert result.code == 1 and "content/claims/deep.yaml:1:" in result.err and "nested more than" in result.err


@pytest.mark.parametrize("path,limit,hint", [
    ("content/claims/big.yaml", "1,000,000", "shorten it: a claim or the site's settings take a few kilobytes"),
    ("seeds/sources.yaml", "40,000,000", "shorten the sources' entries: each needs its label, address and dates"),
    ("seeds/009_big.txt", "5,000,000", "keep only the article's own text: a seed is one article"),
    ("content/pages/big.md", "1,000,000", "split it into several pages")])
def test_sixty_megabyte_file_is_refused_before_reading_with_a_hint_for_its_kind(small_site_root: Path, path: str,
                                                                                 limit: str, hint: str) -> None:
    with (small_site_root / path).open("wb") as f:
        f.truncate(60 * 1024 * 1024)
    result = _check(small_site_root)
    assert result.code == 1
    assert f"{path}: error: is 62,914,560 bytes, over the limit of {limit}" in result.err
    assert hint in result.err


def test_seed_that_is_not_utf8_is_refused(small_site_root: Path) -> None:
    (small_site_root / "seeds" / "009_latin1.txt").write_bytes("Caf\xe9 r\xe9sum\xe9\n".encode("latin-1"))
    result = _check(small_site_root)
    assert "seeds/009_latin1.txt:1:4: error: is not UTF-8 (byte 0xe9" in result.err


def test_seed_with_nul_bytes_is_refused(small_site_root: Path) -> None:
    (small_site_root / "seeds" / "009_nul.txt").write_bytes(b"line one\nline\x00two\n")
    assert "seeds/009_nul.txt:2: error: contains a NUL byte" in _check(small_site_root).err


def _add_seed(root: Path, seed_id: str, data: bytes) -> None:
    import hashlib
    (root / "seeds" / f"{seed_id}.txt").write_bytes(data)
    with (root / "seeds" / "sources.yaml").open("a", encoding="utf-8") as f:
        f.write(f"  {seed_id}:\n    label: A test seed\n    language: en\n    sha256: {hashlib.sha256(data).hexdigest()}\n")


@pytest.mark.parametrize("data", [
    "\ufeffThe minister said the border was secure.\r\nHe added that “no fighters” would cross.\r\n".encode(),
    "The minister said the border was secure.\r\nHe added that “no fighters” would cross.\r\n".encode(),
])
def test_seed_with_bom_or_crlf_anchors_on_the_right_characters(small_site_root: Path, data: bytes) -> None:
    _add_seed(small_site_root, "009_odd", data)
    claim = claim_text().replace("002_a4831d323f0df05e", "009_odd").replace(
        "around 200 Iraqi fighters entered Syria", 'He added that \\"no fighters\\" would cross')
    (small_site_root / "content" / "claims" / "odd.yaml").write_text(claim, encoding="utf-8")
    result = build(small_site_root)
    assert result.code == 0, result.err
    page = (small_site_root / "_site" / "sources" / "009_odd" / "index.html").read_text(encoding="utf-8")
    assert "<mark id=\"c-odd-1\" data-excerpts=\"c-odd-1\">He added that “no fighters” would cross</mark>" in page


@pytest.mark.parametrize("name", ["%2e%2e%2fescape", "Iraq", "іraq", "C:x", "claim name", "ａ"])
def test_claim_ids_that_are_not_slugs_are_refused(small_site_root: Path, name: str) -> None:
    (small_site_root / "content" / "claims" / f"{name}.yaml").write_text(claim_text(), encoding="utf-8")
    result = _check(small_site_root)
    assert result.code == 1 and "is not a valid claim id" in result.err


@pytest.mark.parametrize("field, value", [
    ("tags: [iraq]", "tags: [../../etc]"), ("tags: [iraq]", "tags: [/etc/passwd]"),
    ("tags: [iraq]", "tags: ['C:\\\\Windows']"), ("tags: [iraq]", "tags: [іraq]"),
    ("source: 002_a4831d323f0df05e", "source: ../seeds/002_a4831d323f0df05e"),
    ("source: 002_a4831d323f0df05e", "source: /etc/passwd"),
])
def test_paths_that_try_to_leave_the_site_are_refused(small_site_root: Path, field: str, value: str) -> None:
    escape = small_site_root / "content" / "claims" / "escape.yaml"
    escape.write_text(claim_text().replace(field, value), encoding="utf-8")
    result = _check(small_site_root)
    assert result.code == 1 and "content/claims/escape.yaml:" in result.err


def test_symlinks_out_of_the_root_are_refused_not_followed(small_site_root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text(claim_text(claim="A secret that must never be published anywhere."), encoding="utf-8")
    os.symlink(secret, small_site_root / "content" / "claims" / "linked.yaml")
    outside = tmp_path / "outside-seed.txt"
    outside.write_text("private text\n", encoding="utf-8")
    os.symlink(outside, small_site_root / "seeds" / "009_linked.txt")
    result = build(small_site_root)
    assert result.code == 1
    assert "content/claims/linked.yaml: error: is a symbolic link to a place outside the site root" in result.err
    assert "seeds/009_linked.txt: error: is a symbolic link to a place outside the site root" in result.err
    assert not (small_site_root / "_site").exists()


def test_symlinked_folder_out_of_the_root_is_refused(small_site_root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (small_site_root / "content" / "pages").rename(elsewhere)
    os.symlink(elsewhere, small_site_root / "content" / "pages")
    result = _check(small_site_root)
    assert "content/pages: error: is a symbolic link to a place outside the site root" in result.err


def test_missing_cited_seed_is_an_error(small_site_root: Path) -> None:
    (small_site_root / "seeds" / "003_a0ba19a7bca5e600.txt").unlink()
    result = _check(small_site_root)
    assert result.code == 1
    assert "seeds/sources.yaml:" in result.err and "there is no seed file seeds/003_a0ba19a7bca5e600.txt" in result.err


def test_folder_where_a_file_should_be_is_an_error(small_site_root: Path) -> None:
    (small_site_root / "content" / "site.yaml").unlink()
    (small_site_root / "content" / "site.yaml").mkdir()
    (small_site_root / "content" / "claims" / "folder.yaml").mkdir()
    result = _check(small_site_root)
    assert "content/site.yaml: error: is a folder, where a file was expected" in result.err
    assert "content/claims/folder.yaml: error: is a folder, where a file was expected" in result.err


def test_build_writes_nothing_outside_its_output_folder(small_site_root: Path) -> None:
    workdir = small_site_root.parent
    before = sorted(p for p in workdir.rglob("*"))
    result = run_cli("build", "--root", str(small_site_root), cwd=workdir)  # with the search index
    assert result.code == 0, result.err
    assert (small_site_root / "_site" / "pagefind" / "0" / "pagefind-entry.json").is_file()
    # Besides the output, a build writes only its cache, under the root's .cache/.
    record = small_site_root / ".cache" / "site-builder"
    after = sorted(p for p in workdir.rglob("*") if "_site" not in p.relative_to(workdir).parts
                   and record not in p.parents and p not in (record, record.parent))
    assert after == before


# --- text that XML and terminals cannot carry -------------------------------------------------

@pytest.mark.parametrize(("written", "code_point"), [
    ("\\x01", "U+0001"), ("\\e]52;c;SGVsbG8=\\a", "U+001B"), ("\\uFFFE", "U+FFFE"), ("\\x7f", "U+007F"),
    ("\\x9b31m", "U+009B"), ("\\U0001FFFF", "U+1FFFF"), ("\\uFDD0", "U+FDD0"), ("\\x0c", "U+000C"),
])
def test_escaped_control_and_non_characters_are_refused_at_their_value(small_site_root: Path, written: str,
                                                                       code_point: str) -> None:
    claim = claim_text().replace('summary: "An ordinary value for this field."',
                                 f'summary: "An ordinary value {written} for this field."')
    (small_site_root / "content" / "claims" / "strange.yaml").write_text(claim, encoding="utf-8")
    result = _check(small_site_root)
    assert result.code == 1
    line = 1 + next(i for i, text in enumerate(claim.split("\n")) if text.startswith("summary:"))
    assert f"content/claims/strange.yaml:{line}:10: error: the text holds the invisible character {code_point}" in result.err


@pytest.mark.parametrize(("raw", "code_point"), [("\u0085", "U+0085"), ("\ufdd0", "U+FDD0"),
                                                 ("\U0010ffff", "U+10FFFF"), ("\x1b", "U+001B")])
def test_raw_control_and_non_characters_are_refused_at_their_column(small_site_root: Path, raw: str,
                                                                    code_point: str) -> None:
    claim = claim_text().replace('claim: "An ordinary value', f'claim: "An {raw}ordinary value', 1)
    assert raw in claim
    (small_site_root / "content" / "claims" / "strange.yaml").write_text(claim, encoding="utf-8")
    page = small_site_root / "content" / "pages" / "about.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\nA line with{raw} in it.\n", encoding="utf-8")
    lines = page.read_text(encoding="utf-8").split("\n")
    result = _check(small_site_root)
    assert result.code == 1
    assert f"content/claims/strange.yaml:1:12: error: holds the invisible character {code_point}" in result.err
    assert f"content/pages/about.md:{len(lines) - 1}:12: error: holds the invisible character {code_point}" in result.err


def test_a_seed_with_a_control_character_is_refused_at_its_line_and_column(small_site_root: Path) -> None:
    _add_seed(small_site_root, "009_ctrl", b"A first line.\nThe second \x1b[2J line.\n")
    result = _check(small_site_root)
    assert "seeds/009_ctrl.txt:2:12: error: holds the invisible character U+001B" in result.err


def test_strange_but_lawful_text_gives_well_formed_feeds_and_sitemaps(small_site_root: Path) -> None:
    from xml.etree import ElementTree
    strange = "Tab\there, a line\nbreak, \u202eright-to-left\u202c, \u0627\u0644\u0639\u0631\u0627\u0642, \U0001f600 & <b>"
    claim = claim_text(claim=strange, summary=strange * 2, claimant=strange)
    (small_site_root / "content" / "claims" / "strange.yaml").write_text(claim, encoding="utf-8")
    result = build(small_site_root)
    assert result.code == 0, result.err
    for name in ("feed.xml", "sitemap.xml"):
        ElementTree.parse(small_site_root / "_site" / name)  # raises if not well-formed


# --- patterns match the whole text ------------------------------------------------------------

@pytest.mark.parametrize(("old", "new"), [
    ("tags: [iraq]", 'tags: ["iraq\\n"]'),
    ("verdict: conflicting", 'verdict: "conflicting\\n"'),
    ("source: 002_a4831d323f0df05e", 'source: "002_a4831d323f0df05e\\n"'),
    ("    stance: supports", '    stance: supports\n    id: "first\\n"'),
])
def test_a_trailing_newline_does_not_pass_for_a_slug(small_site_root: Path, old: str, new: str) -> None:
    newline = small_site_root / "content" / "claims" / "newline.yaml"
    newline.write_text(claim_text().replace(old, new, 1), encoding="utf-8")
    result = _check(small_site_root)
    assert result.code == 1 and "content/claims/newline.yaml:" in result.err
    assert "\\n" in result.err  # the value is shown, its newline escaped


def test_a_claim_file_whose_name_ends_in_a_newline_is_refused(small_site_root: Path) -> None:
    (small_site_root / "content" / "claims" / "iraq\n.yaml").write_text(claim_text(), encoding="utf-8")
    result = build(small_site_root)
    assert result.code == 1 and "content/claims/iraq\\n.yaml: error: the file name 'iraq\\n' is not a valid claim id" in result.err
    assert not (small_site_root / "_site").exists()


# --- base_url ---------------------------------------------------------------------------------

BAD_BASE_URLS = ["https://example.org//evil.example/", "https://user@evil.example/", "https://example.org/?q=/",
                 "https://example.org/#top/", "https://example.org/a/../", "https://example.org/./",
                 "//evil.example/", "javascript:alert(1)//", "https://example.org", "https:///", "ftp://example.org/",
                 "https://example.org/a b/", "https://example.org/\\n", "https://exa\\u0000mple.org/",
                 "https://-evil.example/", "https://example.org/a\\\\b/"]


@pytest.mark.parametrize("url", BAD_BASE_URLS)
def test_a_base_url_that_is_not_a_plain_folder_address_is_refused(small_site_root: Path, url: str) -> None:
    site = small_site_root / "content" / "site.yaml"
    lines = site.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith("base_url:"))
    lines[number] = f'base_url: "{url}"'
    site.write_text("\n".join(lines), encoding="utf-8")
    result = build(small_site_root)
    assert result.code == 1 and f"content/site.yaml:{number + 1}:" in result.err, result.err
    assert not (small_site_root / "_site").exists()


@pytest.mark.parametrize("url", [u.encode().decode("unicode_escape") for u in BAD_BASE_URLS
                                 if "\\u0000" not in u and u != "https://example.org"])  # a missing final / is added
def test_a_base_url_given_on_the_command_line_is_checked_the_same(small_site_root: Path, url: str) -> None:
    result = run_cli("build", "--root", str(small_site_root), "--no-search", "--base-url", url)
    assert result.code == 1 and "--base-url: error: " in result.err and "is not a plain web address" in result.err
    assert not (small_site_root / "_site").exists()


@pytest.mark.parametrize("url", ["https://example.org/", "http://localhost:8000/fact-check/", "https://x.example/a/b~c/"])
def test_plain_base_urls_are_used(small_site_root: Path, url: str) -> None:
    result = run_cli("build", "--root", str(small_site_root), "--no-search", "--base-url", url)
    assert result.code == 0, result.err
    assert f"<loc>{url}claims/" in (small_site_root / "_site" / "sitemap.xml").read_text(encoding="utf-8")


# --- messages cannot drive a terminal or forge a CI annotation ---------------------------------

FORGERY = "x\n::error file=README.md,line=1::forged\u2028::warning::forged too"


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_messages_cannot_start_a_line_or_send_escape_sequences(small_site_root: Path, fmt: str) -> None:
    # A value shown in the message (an unknown verdict), and a file name with an OSC 52 clipboard write.
    (small_site_root / "content" / "claims" / "forge.yaml").write_text(
        claim_text().replace("verdict: conflicting", "verdict: " + json.dumps(FORGERY)), encoding="utf-8")
    (small_site_root / "content" / "claims" / "\x1b]52;c;SGVsbG8=\x07\n::error::x.yaml").write_text(
        claim_text(), encoding="utf-8")
    result = run_cli("check", "--root", str(small_site_root), "--format", fmt)
    output = result.out + result.err
    assert result.code == 1
    assert "\x1b" not in output and "\x07" not in output and "\u2028" not in output
    ours = [line for line in output.split("\n") if line.startswith("::")]
    assert all(line.startswith(("::error file=content/", "::warning file=content/")) for line in ours), ours
    assert "forged" in output  # shown, as text
    shown = "\\x1b]52;c;SGVsbG8=\\x07\\n::error::x.yaml"
    assert (shown if fmt == "text" else shown.replace(":", "%3A")) in output


# --- links, loops and special files, in every path (the up-to-date check included) ---------

def test_a_symbolic_link_loop_among_claims_is_a_message(small_site_root: Path) -> None:
    claims = small_site_root / "content" / "claims"
    os.symlink(claims / "b.yaml", claims / "a.yaml")
    os.symlink(claims / "a.yaml", claims / "b.yaml")
    result = build(small_site_root)
    assert result.code == 1 and "Traceback" not in result.err
    assert "content/claims/a.yaml: error: is a symbolic link that leads back to itself" in result.err
    assert "content/claims/b.yaml: error: is a symbolic link that leads back to itself" in result.err


def test_a_claims_folder_that_links_to_itself_is_a_message(small_site_root: Path) -> None:
    claims = small_site_root / "content" / "claims"
    shutil.rmtree(claims)
    os.symlink(claims, claims)
    result = build(small_site_root)
    assert result.code == 1 and "Traceback" not in result.err
    assert "content/claims: error: is a symbolic link that leads back to itself" in result.err


def test_special_files_are_refused_without_being_opened_for_long(small_site_root: Path, tmp_path: Path) -> None:
    # A read of a FIFO blocks until someone writes: a build that read one would never end.
    os.mkfifo(small_site_root / "content" / "claims" / "fifo.yaml")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "pipe")
    os.symlink(outside, small_site_root / "content" / "linked")  # a folder link, which no check may follow
    # run_process's time limit fails a build that blocks
    result = run_process("build", "--root", str(small_site_root), "--no-search")
    assert result.code == 1
    assert "content/claims/fifo.yaml: error: is not a regular file, where a file was expected" in result.err


def test_the_up_to_date_check_reads_no_huge_file(small_site_root: Path) -> None:
    out = small_site_root / "_site"
    assert build(small_site_root).code == 0
    huge = small_site_root / "content" / "huge.bin"  # not an input the site uses, but in a folder it reads
    with huge.open("wb") as f:
        f.truncate(1_500_000_000)
    # With 1 GB of address space, reading the file whole would fail with MemoryError.
    script = f"ulimit -v 1000000; {sys.executable} {PROJECT / 'build.py'} build --root {small_site_root} --no-search"
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (out / "index.html").is_file()


def test_the_list_of_seeds_grows_with_the_site_past_the_limits_of_other_yaml_files(tmp_path: Path) -> None:
    text = "sources: {}\n# " + "x" * 1_200_000 + "\n"  # over the bytes any other YAML file may have
    sources, claim = tmp_path / inputs.SOURCES_FILE, tmp_path / inputs.CLAIMS_DIR / "copied.yaml"
    for path in (sources, claim):
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    problems = Problems()
    doc = load.load_yaml_file(tmp_path, sources, problems)
    assert not problems.items and doc is not None and doc.data == {"sources": {}}
    assert load.load_yaml_file(tmp_path, claim, problems) is None  # a claim file has the general limits
    assert [p.message for p in problems.items] == [f"is {len(text):,} bytes, over the limit of 1,000,000"]
    dense = "sources: [" + "1, " * 60_000 + "]\n"  # over the values any other YAML file may have
    for path, refused in ((inputs.SOURCES_FILE, False), (inputs.CLAIMS_DIR + "/copied.yaml", True)):
        found = Problems()
        load.parse_yaml(path, dense, found)
        assert any("more than 50000 values" in p.message for p in found.items) == refused, path
