"""`add source FILE|PAGE.html|URL`: turn a text, a saved web page, a PDF or a web address into a pinned seed.

The article's text is extracted without navigation, ads, newsletter boxes and scripts by
trafilatura (which reads the date with htmldate), PDFs by pypdf. The text becomes
seeds/<id>.txt, the original is kept beside it (seeds/<id>.html or .pdf) so that the
extraction can be checked and redone, and seeds/sources.yaml gets the entry: what was read
off the page (listed under `extracted:`), the retrieval date and the SHA-256.

Fetching is bounded (a timeout, a size limit, five redirects) and never lets a server steer
us to this machine or a private network: every redirect is resolved and refused when any of
its addresses is loopback, private, link-local or reserved, and the connection goes to the
address that was checked. Only the address the user typed may be such an address (an
intranet, or a test server on this machine): they chose it.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import ipaddress
import json
import re
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .errors import Problems, visible
from .load import MAX_SEED_BYTES, parse_yaml
from .whole import replace_file

MAX_DOWNLOAD_BYTES = 20_000_000  # a page, or a PDF, as fetched or read
MAX_REDIRECTS = 5
MIN_ARTICLE_CHARS = 300  # less than this after boilerplate is removed is a stub, not an article
TIMEOUT_SECONDS = 20.0
HTML_TYPES = {"text/html", "application/xhtml+xml"}
USER_AGENT = "factcheck-site-builder (a fact-checker archiving a source)"
SEED_ID = re.compile(r"^[A-Za-z0-9_-]+\Z")  # \Z, not $: a name ending in a newline is not an id

Command = Callable[[str], str]


class Refused(Exception):
    """What we cannot use, said for a person: what is wrong and what to do."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass
class Extracted:
    """A source's text and what was read off it; `extracted` names the fields a program read."""

    text: str
    original: bytes | None  # the page or PDF as it came, kept beside the text
    original_suffix: str  # ".html", ".pdf" or ""
    meta: dict[str, str] = field(default_factory=dict)  # title, outlet, author, published, language, url
    extracted: set[str] = field(default_factory=set)


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", metavar="FILE|PAGE.html|URL",
                        help="a UTF-8 text file, a saved web page (.html), a PDF, or an http(s) address")
    parser.add_argument("--id", help="the seed's id (default: the next number and the text's digest, e.g. 005_3f2a9c0d1e7b4a66)")
    parser.add_argument("--label", help="our short description of the source (default: its outlet and title)")
    parser.add_argument("--url", help="where a saved page or file was published (default: read off the page)")
    parser.add_argument("--language", help="the text's language, such as en or fr (default: read off the page)")
    parser.add_argument("--published", metavar="YYYY-MM-DD", help="the publication date (default: read off the page)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help="seconds to wait for a web server")
    parser.add_argument("--max-bytes", type=int, default=MAX_DOWNLOAD_BYTES, help="the largest page or file accepted")


def add_source(root: Path, args: argparse.Namespace, command: Command) -> int:
    try:
        return _add(root, args, command)
    except Refused as exc:
        hint = f" ({visible(exc.hint)})" if exc.hint else ""
        print(f"error: {visible(exc.message)}{hint}", file=sys.stderr)
        return 1


def _add(root: Path, args: argparse.Namespace, command: Command) -> int:
    seeds = root / "seeds"
    index = seeds / "sources.yaml"
    problems = Problems()
    doc = parse_yaml("seeds/sources.yaml", index.read_text(encoding="utf-8"), problems) if index.is_file() else None
    if doc is None or not isinstance(doc.data, dict) or not isinstance(doc.data.get("sources") or {}, dict):
        raise Refused("seeds/sources.yaml is missing or unreadable",
                      f"run {command('check')} to see what is wrong with it, and fix it first")
    known = doc.data.get("sources") or {}
    what = args.what
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", what) and not Path(what).exists():
        found = from_url(what, timeout=args.timeout, limit=args.max_bytes)
    else:
        found = from_file(Path(what), limit=args.max_bytes, adopt=seeds)
    given = {"url": args.url, "language": args.language, "published": args.published}
    for key, value in given.items():
        if value:
            found.meta[key] = value
            found.extracted.discard(key)
    _check_given(found.meta)
    if "language" not in found.meta:
        raise Refused("the text's language could not be read off it", "give it, such as: --language en")
    data = found.text.encode("utf-8")
    if len(data) > MAX_SEED_BYTES:
        raise Refused(f"the text is {len(data):,} bytes, over the limit of {MAX_SEED_BYTES:,} for a seed",
                      "split the document, or add the part that matters as a text file")
    digest = hashlib.sha256(data).hexdigest()
    for seed_id, entry in known.items():
        if isinstance(entry, dict) and entry.get("sha256") == digest:
            raise Refused(f"this text is already a source: seeds/{seed_id}.txt",
                          "cite it by that id; nothing was added")
    adopted = found.original is None and Path(what).parent.resolve() == seeds.resolve() and what.endswith(".txt")
    seed_id = Path(what).stem if adopted else args.id or _next_id(seeds, known, digest)
    if not SEED_ID.match(seed_id):
        raise Refused(f"'{seed_id}' cannot be a seed id", "use letters, digits, _ and -")
    if seed_id in known or ((seeds / f"{seed_id}.txt").exists() and not adopted):
        raise Refused(f"the seed id '{seed_id}' is taken", "choose another with --id")
    meta = found.meta
    titled = f"{meta['outlet']}: {meta['title']}" if meta.get("outlet") and meta.get("title") else meta.get("title")
    label = args.label or titled or (found.meta.get("url") or Path(what).name)
    entry = _entry(found, seed_id, digest, label)
    written = []
    try:
        if not adopted:
            written.append(_write_new(seeds / f"{seed_id}.txt", data))
        if found.original is not None:
            written.append(_write_new(seeds / f"{seed_id}{found.original_suffix}", found.original))
        _append_entry(index, seed_id, entry)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise Refused(f"could not write into seeds/: {exc.strerror or exc}", "check the folder's permissions") from None
    _say_what_was_added(seed_id, found, entry, data, command)
    return 0


# --- reading what the user gave ---------------------------------------------------------------

def from_file(path: Path, *, limit: int, adopt: Path) -> Extracted:
    if not path.is_file():
        raise Refused(f"{path} is not a file", "give a text file, a saved page (.html), a PDF, or an http(s) address")
    size = path.stat().st_size
    if size > limit:
        raise Refused(f"{path} is {size:,} bytes, over the limit of {limit:,}", "give --max-bytes to accept it")
    data = path.read_bytes()
    content_type = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html",
                    ".xhtml": "application/xhtml+xml"}.get(path.suffix.lower(), "")
    if path.suffix == ".txt" and path.parent.resolve() == adopt.resolve():
        found = _from_text(data)  # a seed that is already there: its bytes are the evidence, as they are
        found.text = data.decode("utf-8")
        return found
    return extract(data, content_type, url="")


def from_url(url: str, *, timeout: float, limit: int,
             resolve: Callable[[str, int], list[str]] | None = None) -> Extracted:
    final, content_type, data = fetch(url, timeout=timeout, limit=limit, resolve=resolve or _resolve)
    found = extract(data, content_type, url=final)
    found.meta["url"] = final
    found.extracted.discard("url")  # where we fetched it, not a guess
    return found


def extract(data: bytes, content_type: str, *, url: str) -> Extracted:
    """The text of a page, a PDF or a text file, with what could be read off it."""
    head = data[:2048].lstrip().lower()
    if content_type == "application/pdf" or data.startswith(b"%PDF-"):
        return _from_pdf(data)
    if content_type in HTML_TYPES or head.startswith(b"<!doctype html") or b"<html" in head:
        return _from_html(data, url)
    if content_type and not content_type.startswith("text/"):
        raise Refused(f"not text: the server sent {content_type}",
                      "give a web page, a PDF or a text file")
    return _from_text(data)


def _from_text(data: bytes) -> Extracted:
    if b"\x00" in data[:65536]:
        raise Refused("not text: the file holds binary data (NUL bytes)",
                      "give a web page, a PDF or a UTF-8 text file")
    try:
        text = data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise Refused(f"not text: the file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                      "save it as UTF-8 and add it again") from None
    text = _tidy(text)
    if not text.strip():
        raise Refused("the file holds no text", "give the article's text")
    return Extracted(text, None, "")


def _from_html(data: bytes, url: str) -> Extracted:
    import lxml.html
    import trafilatura
    from lxml.etree import ParserError
    from trafilatura.settings import Document

    try:
        tree = lxml.html.document_fromstring(data)
    except (ParserError, ValueError):
        raise Refused("not an article: the page could not be read as HTML", "save the page again, or give its text") from None
    doc = trafilatura.bare_extraction(tree, url=url or None, with_metadata=True, favor_precision=True,
                                      include_comments=False, include_tables=True, deduplicate=True)
    text = _tidy(doc.text if isinstance(doc, Document) and doc.text else "")
    if len(text) < MIN_ARTICLE_CHARS:
        raise Refused(f"not an article: only {len(text)} characters of text are left once navigation, ads and "
                      "boilerplate are removed (a paywall, a log-in page, or a page of links?)",
                      "open the page in a browser, save it once the article shows (File > Save page as), "
                      "and add the saved .html; or copy the article's text into a .txt file")
    assert isinstance(doc, Document)
    found = Extracted(text, data, ".html")
    meta = {"title": doc.title, "outlet": doc.sitename, "author": doc.author, "published": doc.date,
            "url": doc.url if doc.url != url else None, "language": _language(tree)}
    for key, value in meta.items():
        if isinstance(value, str) and value.strip():
            found.meta[key] = " ".join(value.split())
            found.extracted.add(key)
    return found


def _language(tree: object) -> str:
    lang = (getattr(tree, "get", lambda _k: None)("lang") or "").strip().replace("_", "-")
    if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", lang):
        return ""
    first, _, rest = lang.partition("-")
    return first.lower() + (f"-{rest}" if rest else "")


def _from_pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Refused("the PDF is encrypted", "save an unprotected copy (Print > Save as PDF) and add that")
        pages = [page.extract_text() or "" for page in reader.pages]
        images = sum(len(page.images) for page in reader.pages)
        info: dict = dict(reader.metadata or {})
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise Refused(f"not a readable PDF: {exc}", "save the PDF again, or give its text as a .txt file") from None
    text = _tidy("\n".join(pages))
    if len(text) < MIN_ARTICLE_CHARS:
        scanned = f"; it has {images} image(s): a scan" if images else ""
        raise Refused(f"the PDF has only {len(text)} characters of text{scanned}, which cannot be quoted word for word",
                      "run OCR on it (for example ocrmypdf), check the text by eye, and add it as a .txt file")
    found = Extracted(text, data, ".pdf")
    title, author = info.get("/Title"), info.get("/Author")
    created = getattr(reader.metadata, "creation_date", None) if reader.metadata else None
    for key, value in (("title", title), ("author", author),
                       ("published", created.date().isoformat() if created else None)):
        if isinstance(value, str) and value.strip():
            found.meta[key] = " ".join(value.split())
            found.extracted.add(key)
    return found


def _tidy(text: str) -> str:
    """One paragraph per line, no trailing spaces, one final newline: a seed as the anchor reads it."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line.strip()) + "\n"


# --- fetching ----------------------------------------------------------------------------------

def _resolve(host: str, port: int) -> list[str]:
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"the address {host} could not be found: {exc}", "check the address") from None


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _split(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise Refused(f"only http:// and https:// addresses can be fetched, not {parts.scheme or 'this'}: {url}",
                      "give a web address, or save the document and give the file")
    if not parts.hostname:
        raise Refused(f"the address {url} names no server", "give a full address, such as https://example.org/news/1")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise Refused(f"the address {url} has an invalid port", "check the address") from None
    return parts.scheme.lower(), parts.hostname, port


def fetch(url: str, *, timeout: float, limit: int,
          resolve: Callable[[str, int], list[str]] = _resolve) -> tuple[str, str, bytes]:
    """GET a page, following at most MAX_REDIRECTS redirects: (final URL, content type, body)."""
    import urllib3

    deadline = time.monotonic() + timeout
    seen = [url]
    typed = True
    while True:
        scheme, host, port = _split(url)
        addresses = resolve(host, port)
        if not typed and any(_forbidden(a) for a in addresses):
            raise Refused(f"a redirect led to {url}, an address on this machine or a private network",
                          "a page on the open web never needs that; if you trust the address, give it yourself")
        left = max(deadline - time.monotonic(), 0.1)
        timeouts = urllib3.Timeout(connect=min(left, 10.0), read=left)
        # The connection goes to the address checked above, not to a second look-up that could differ.
        pool: urllib3.HTTPConnectionPool = (
            urllib3.HTTPSConnectionPool(addresses[0], port, timeout=timeouts, retries=False, maxsize=1,
                                        server_hostname=host, assert_hostname=host) if scheme == "https"
            else urllib3.HTTPConnectionPool(addresses[0], port, timeout=timeouts, retries=False, maxsize=1))
        path = urlsplit(url)._replace(scheme="", netloc="", fragment="").geturl() or "/"
        try:
            response = pool.urlopen("GET", path, headers={"Host": urlsplit(url).netloc.rsplit("@", 1)[-1],
                                                          "User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
                                    redirect=False, preload_content=False, assert_same_host=False)
        except urllib3.exceptions.HTTPError as exc:
            raise Refused(f"could not fetch {url}: {_reason(exc)}", "check the address, or save the page and give the file") from None
        try:
            if response.status in (301, 302, 303, 307, 308):
                target = urljoin(url, response.headers.get("Location", ""))
                if target in seen:
                    raise Refused(f"a redirect loop: {' -> '.join([*seen[seen.index(target):], target])}",
                                  "open the address in a browser, save the page, and give the file")
                if len(seen) > MAX_REDIRECTS:
                    raise Refused(f"more than {MAX_REDIRECTS} redirects from {seen[0]}", "give the final address")
                seen.append(target)
                url, typed = target, False
                continue
            if response.status != 200:
                raise Refused(f"the server answered {response.status} {response.reason or ''} for {url}".rstrip(),
                              "check the address; for a page behind a log-in, save it from the browser and give the file")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise Refused(f"too large: {url} is {int(declared):,} bytes, over the limit of {limit:,}",
                              "give --max-bytes to accept it")
            body = _read_bounded(response, url, limit, deadline)
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            return url, content_type, body
        finally:
            response.release_conn()
            pool.close()


def _read_bounded(response: object, url: str, limit: int, deadline: float) -> bytes:
    import urllib3

    chunks, size = [], 0
    try:
        for chunk in response.stream(65536):  # type: ignore[attr-defined]
            size += len(chunk)
            if size > limit:
                raise Refused(f"too large: {url} sent more than {limit:,} bytes", "give --max-bytes to accept it")
            if time.monotonic() > deadline:
                raise Refused(f"{url} took longer than the timeout to send", "try again, or give --timeout")
            chunks.append(chunk)
    except urllib3.exceptions.HTTPError as exc:
        raise Refused(f"could not fetch {url}: {_reason(exc)}", "try again, or save the page and give the file") from None
    return b"".join(chunks)


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    if "timed out" in text.lower():
        return "no answer within the timeout"
    return text.split(": ", 1)[-1][:200]


# --- writing the seed and its entry --------------------------------------------------------------

def _check_given(meta: dict[str, str]) -> None:
    if meta.get("url") and not re.match(r"^https?://\S+$", meta["url"]):
        raise Refused(f"--url {meta['url']} is not an http(s) address", "give the address where it was published")
    published = meta.get("published", "")
    try:
        if published:
            datetime.date.fromisoformat(published[:10])
            meta["published"] = published[:10]
    except ValueError:
        raise Refused(f"'{published}' is not a date", "write it as YYYY-MM-DD") from None


def _next_id(seeds: Path, known: dict, digest: str) -> str:
    numbers = [int(m.group(1)) for name in [*known, *(p.stem for p in seeds.glob("*.txt"))]
               if (m := re.match(r"^(\d+)_", str(name)))]
    return f"{max(numbers, default=-1) + 1:03d}_{digest[:16]}"


def _entry(found: Extracted, seed_id: str, digest: str, label: str) -> dict[str, object]:
    meta = found.meta
    label = " ".join(label.split()) if len(label.strip()) >= 2 else f"Source {seed_id}"
    entry: dict[str, object] = {"label": label[:200]}
    limits = {"title": 300, "outlet": 200, "author": 200}
    for key in ("title", "outlet", "author", "url", "published"):
        if meta.get(key):
            entry[key] = meta[key][:limits.get(key, 2000)]
    entry["language"] = meta["language"]
    entry["sha256"] = digest
    entry["retrieved"] = datetime.date.today().isoformat()
    if found.original is not None:
        entry["original"] = f"{seed_id}{found.original_suffix}"
    extracted = sorted(k for k in found.extracted if k in entry)
    if extracted:
        entry["extracted"] = extracted
    return entry


def _yaml_entry(seed_id: str, entry: dict[str, object]) -> str:
    lines = [f"  {seed_id}:"]
    for key, value in entry.items():
        lines.append(f"    {key}: {json.dumps(value, ensure_ascii=False)}")  # JSON is YAML, quoted safely
    lines.append("    # residue:        # lines of the text that are not the article (a caption, a newsletter box)")
    lines.append('    #   - lines: "3"')
    lines.append('    #     reason: "Newsletter sign-up box"')
    return "\n".join(lines) + "\n"


def _append_entry(index: Path, seed_id: str, entry: dict[str, object]) -> None:
    text = index.read_text(encoding="utf-8")
    empty = re.search(r"^sources:[ \t]*(\{\s*\})?[ \t]*(#.*)?$", text, re.M)
    if empty and empty.group(1):  # `sources: {}`: the first entry replaces the empty mapping
        text = text[:empty.start()] + "sources:" + text[empty.end():]
    if not text.endswith("\n"):
        text += "\n"
    text += "\n" + _yaml_entry(seed_id, entry)
    replace_file(index, text.encode("utf-8"))


def _write_new(path: Path, data: bytes) -> Path:
    with open(path, "xb") as handle:  # never over a file that is there
        handle.write(data)
    return path


def _say_what_was_added(seed_id: str, found: Extracted, entry: dict[str, object], data: bytes, command: Command) -> None:
    lines = found.text.count("\n")
    print(f"added seeds/{seed_id}.txt: {lines} line(s), {len(data):,} bytes, sha256 {entry['sha256']}")
    if found.original is not None:
        print(f"kept the original as seeds/{entry['original']}, to check the extraction against")
    for key in ("title", "outlet", "author", "published", "url", "language"):
        if key in entry:
            how = "read off the page" if key in found.extracted else "given"
            print(f"  {key}: {visible(str(entry[key]))} ({how})")
    missing = [k for k in ("title", "outlet", "author", "published", "url") if k not in entry]
    if missing:
        print(f"  not known: {', '.join(missing)} (add them to its entry in seeds/sources.yaml if you know them)")
    print(f"read seeds/{seed_id}.txt; mark any line that is not the article under 'residue:' in seeds/sources.yaml")
    print(f"next: {command('new claim my-claim-id')}, quoting it with 'source: {seed_id}'")
