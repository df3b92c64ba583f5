"""`add source`: a web page, a saved page, a PDF or a text file becomes a pinned seed, or a clear refusal.

Pages are fetched from a local HTTP server serving fixture pages written for these tests
(tests/fixtures/pages/): an article with navigation, an advertisement, a newsletter box and
scripts around it, a paywall stub, redirects, a huge body, a binary file and a slow answer.
"""
from __future__ import annotations

import datetime
import hashlib
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from conftest import run_cli

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
ARTICLE = (PAGES / "article.html").read_bytes()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        routes = {
            "/article": lambda: self._send(200, ARTICLE),
            "/paywall": lambda: self._send(200, (PAGES / "paywall.html").read_bytes()),
            "/binary": lambda: self._send(200, PNG, "image/png"),
            "/huge": lambda: self._send(200, b"<html><body><p>" + b"word " * 400_000 + b"</p></body></html>",
                                        length=False),
            "/huge-declared": lambda: self._send(200, b"", headers={"Content-Length": "999999999"}, length=False),
            "/loop": lambda: self._send(302, headers={"Location": "/loop"}),
            "/to-this-machine": lambda: self._send(302, headers={"Location": f"http://localhost:{port}/article"}),
            "/to-same-address": lambda: self._send(302, headers={"Location": "/article"}),
            "/to-private": lambda: self._send(302, headers={"Location": "http://10.0.0.1/article"}),
            "/to-file": lambda: self._send(302, headers={"Location": "file:///etc/passwd"}),
            "/slow": self._slow,
            "/missing": lambda: self._send(404, b"<html><body>Not found</body></html>"),
        }
        routes.get(self.path, routes["/missing"])()

    def _slow(self) -> None:
        time.sleep(3)
        self._send(200, ARTICLE)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (the timeout test) makes the answer fail; that is expected


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def new_site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    assert run_cli("init", str(root), cwd=tmp_path).code == 0
    return root


def entries(root: Path) -> dict:
    return yaml.safe_load((root / "seeds" / "sources.yaml").read_text(encoding="utf-8"))["sources"] or {}


def only_seed(root: Path) -> tuple[str, dict]:
    (seed_id, entry), = entries(root).items()
    return seed_id, entry


def test_a_web_page_becomes_a_pinned_seed_with_its_metadata_and_original(server: str, new_site: Path) -> None:
    result = run_cli("add", "source", f"{server}/article", cwd=new_site)
    assert result.code == 0, result.err
    seed_id, entry = only_seed(new_site)
    text = (new_site / "seeds" / f"{seed_id}.txt").read_text(encoding="utf-8")
    # The article, paragraph by paragraph, without what surrounds it.
    assert "the promise could not be kept beyond the summer" in text
    assert '"Nobody who depends on the bus will pay more this year,"' in text
    for chrome in ("Sport", "ADVERTISEMENT", "Sign up for our newsletter", "analytics", "Most read",
                   "All rights reserved", "noopener"):
        assert chrome not in text
    assert entry["title"] == "Council says bus fares will not rise this year"
    assert entry["outlet"] == "The Riverside Courier"
    assert entry["author"] == "Amina Okafor"
    assert entry["published"] == "2025-03-04"
    assert entry["language"] == "en-GB"
    assert entry["url"] == f"{server}/article"  # where it was fetched, which is given, not extracted
    assert set(entry["extracted"]) == {"title", "outlet", "author", "published", "language"}
    assert entry["retrieved"] == datetime.date.today().isoformat()
    assert entry["sha256"] == hashlib.sha256((new_site / "seeds" / f"{seed_id}.txt").read_bytes()).hexdigest()
    assert (new_site / "seeds" / entry["original"]).read_bytes() == ARTICLE
    assert "read off the page" in result.out and "residue" in result.out
    # The site checks and builds with it, and its page says what was read off the page.
    assert run_cli("check", cwd=new_site).code == 0
    assert run_cli("build", "--no-search", cwd=new_site).code == 0
    page = (new_site / "_site" / "sources" / seed_id / "index.html").read_text(encoding="utf-8")
    assert "The Riverside Courier" in page and "(read off the web page)" in page


def test_a_saved_page_keeps_its_canonical_address_and_residue_can_be_marked(tmp_path: Path, new_site: Path) -> None:
    saved = tmp_path / "saved.html"
    saved.write_bytes(ARTICLE)
    result = run_cli("add", "source", str(saved), cwd=new_site)
    assert result.code == 0, result.err
    seed_id, entry = only_seed(new_site)
    assert entry["url"] == "https://courier.example/news/2025/03/04/bus-fares" and "url" in entry["extracted"]
    lines = (new_site / "seeds" / f"{seed_id}.txt").read_text(encoding="utf-8").split("\n")
    assert lines[0] == "Council says bus fares will not rise this year"  # the headline, kept as text
    index = new_site / "seeds" / "sources.yaml"
    index.write_text(index.read_text(encoding="utf-8").replace(
        '    # residue:', '    residue:\n      - lines: "1"\n        reason: "The headline, not the reporting"\n    #'),
        encoding="utf-8")
    claim = f"""claim: Bus fares will not rise this year.
claimant: Daniel Reyes
claim_date: 2025-03-04
verdict: unproven
summary: The council says so; the opposition says the money is committed elsewhere.
evidence:
  - source: {seed_id}
    quote: "Council says bus fares will not rise this year"
    stance: context
published: 2025-03-05
"""
    (new_site / "content" / "claims" / "fares.yaml").write_text(claim, encoding="utf-8")
    result = run_cli("check", cwd=new_site)
    assert result.code == 1 and "residue" in result.err, result.err


def test_a_paywall_stub_is_not_an_article(server: str, new_site: Path) -> None:
    result = run_cli("add", "source", f"{server}/paywall", cwd=new_site)
    assert result.code == 1 and "not an article" in result.err and "save" in result.err
    assert entries(new_site) == {} and not list((new_site / "seeds").glob("*.txt"))


@pytest.mark.parametrize(("path", "message"), [
    ("/binary", "not text: the server sent image/png"),
    ("/huge", "too large"),
    ("/huge-declared", "too large"),
    ("/loop", "a redirect loop"),
    ("/to-this-machine", "a redirect led to http://localhost:"),
    ("/to-same-address", "a redirect led to"),
    ("/to-private", "a redirect led to http://10.0.0.1/article"),
    ("/to-file", "only http:// and https:// addresses"),
    ("/missing", "the server answered 404"),
])
def test_what_cannot_be_used_is_refused_clearly(server: str, new_site: Path, path: str, message: str) -> None:
    result = run_cli("add", "source", f"{server}{path}", "--max-bytes", "1000000", cwd=new_site)
    assert result.code == 1 and message in result.err, result.err
    assert "Traceback" not in result.err and entries(new_site) == {}
    assert sorted(p.name for p in (new_site / "seeds").iterdir()) == ["sources.yaml"]


def test_fetching_has_a_timeout(server: str, new_site: Path) -> None:
    started = time.monotonic()
    result = run_cli("add", "source", f"{server}/slow", "--timeout", "1", cwd=new_site)
    assert result.code == 1 and "timeout" in result.err, result.err
    assert time.monotonic() - started < 2.9


@pytest.mark.parametrize("address", ["file:///etc/passwd", "ftp://example.org/a.txt", "javascript:alert(1)"])
def test_only_web_addresses_are_fetched(new_site: Path, address: str) -> None:
    result = run_cli("add", "source", address, cwd=new_site)
    assert result.code == 1 and "only http:// and https:// addresses" in result.err, result.err


def test_text_files_are_taken_as_they_are_or_refused(tmp_path: Path, new_site: Path) -> None:
    binary, latin1 = tmp_path / "photo.txt", tmp_path / "latin1.txt"
    binary.write_bytes(b"abc\x00def" * 100)
    latin1.write_bytes("Café au lait, said the minister on Monday. ".encode("latin-1") * 20)
    assert "not text" in run_cli("add", "source", str(binary), cwd=new_site).err
    assert "not UTF-8" in run_cli("add", "source", str(latin1), cwd=new_site).err
    plain = tmp_path / "statement.txt"
    plain.write_text("The minister said on Monday that prices fell.\nShe gave no figures.\n", encoding="utf-8")
    result = run_cli("add", "source", str(plain), "--language", "en", "--url", "https://gov.example/statement",
                     cwd=new_site)
    assert result.code == 0, result.err
    seed_id, entry = only_seed(new_site)
    assert (new_site / "seeds" / f"{seed_id}.txt").read_bytes() == plain.read_bytes()
    assert entry["label"] == "https://gov.example/statement" and "extracted" not in entry and "original" not in entry
    again = run_cli("add", "source", str(plain), "--language", "en", cwd=new_site)
    assert again.code == 1 and f"already a source: seeds/{seed_id}.txt" in again.err


def _pdf(content: bytes, resources: bytes, extra_objects: list[bytes] = (), info: bytes = b"") -> bytes:
    """A one-page PDF written by hand, with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources " + resources
               + b" /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               *extra_objects]
    if info:
        objects.append(info)
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    info_ref = b" /Info %d 0 R" % len(objects) if info else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info_ref, xref)
    return bytes(out)


STATEMENT = [b"The Ministry of Transport announces that the tunnel will reopen on 2 June 2025.",
             b"Repairs to the ventilation system have taken longer than planned because parts were delayed.",
             b"Lorries over 7.5 tonnes will be diverted through the ring road until further notice.",
             b"The ministry apologises to residents for the disruption of the past months."]


def test_a_pdf_statement_becomes_a_seed_and_a_scan_is_refused(tmp_path: Path, new_site: Path) -> None:
    lines = b" ".join(b"(%s) Tj 0 -16 Td" % line for line in STATEMENT)
    text_pdf = tmp_path / "statement.pdf"
    text_pdf.write_bytes(_pdf(b"BT /F1 11 Tf 40 740 Td " + lines + b" ET",
                              b"<< /Font << /F1 5 0 R >> >>",
                              [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"],
                              b"<< /Title (Tunnel to reopen in June) /Author (Ministry of Transport) >>"))
    result = run_cli("add", "source", str(text_pdf), "--language", "en", cwd=new_site)
    assert result.code == 0, result.err
    seed_id, entry = only_seed(new_site)
    text = (new_site / "seeds" / f"{seed_id}.txt").read_text(encoding="utf-8")
    assert "Lorries over 7.5 tonnes will be diverted through the ring road" in text
    assert entry["title"] == "Tunnel to reopen in June" and entry["author"] == "Ministry of Transport"
    assert set(entry["extracted"]) == {"title", "author"}
    assert (new_site / "seeds" / entry["original"]).read_bytes() == text_pdf.read_bytes()
    assert run_cli("check", cwd=new_site).code == 0

    pixels = zlib.compress(b"\x80" * 64 * 64)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(_pdf(b"q 500 0 0 700 50 50 cm /Im1 Do Q", b"<< /XObject << /Im1 5 0 R >> >>",
                          [b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                           b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % len(pixels)
                           + pixels + b"\nendstream"]))
    result = run_cli("add", "source", str(scan), "--language", "en", cwd=new_site)
    assert result.code == 1 and "a scan" in result.err and "OCR" in result.err, result.err


def test_pin_points_a_new_seed_to_add_source(new_site: Path) -> None:
    (new_site / "seeds" / "001_new.txt").write_text("A statement the ministry published on Monday.\n", encoding="utf-8")
    result = run_cli("pin", "001_new", cwd=new_site)
    assert result.code == 1 and "add source seeds/001_new.txt" in result.err
    hinted = result.err.split("from: ", 1)[1].rstrip(")\n")
    assert hinted.split()[-3:] == ["add", "source", "seeds/001_new.txt"]
    assert run_cli(*hinted.split()[2:], "--language", "en", cwd=new_site).code == 0
    assert only_seed(new_site)[0] == "001_new"
    assert run_cli("check", cwd=new_site).code == 0
