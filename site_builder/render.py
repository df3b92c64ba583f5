"""Stage 4, render: turn the checked, anchored site into output files (path and bytes).

Jinja runs with autoescape on and markdown without raw HTML, so text from contributors can
only ever be shown, never run. Links between pages are relative, so the site works from any
folder and any host; absolute URLs (canonical, feeds, structured data) use the base URL.
Nothing here reads the clock or the file system's order: the same input gives the same bytes.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import json
import multiprocessing
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)
from markupsafe import Markup, escape

from .anchor import SELECTOR_CONTEXT, Anchor, ResidueSpan, compare_wordings, residue_spans, text_fragment
from .markdown import render_inline, render_markdown
from .model import Appearance, Claim, Excerpt, Model, Source
from .resources import builtin
from .structured import cited_sources, claim_record, claim_review, data_feed, first_appearance, known, source_text_path

STANCES = [("supports", "Supports the claim"), ("refutes", "Refutes the claim"), ("context", "Context")]
MATRIX_MAX_SOURCES = 24
SEARCH_PAGE = "search/index.html"  # noindex, and left out of the sitemap
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'")


@dataclass(frozen=True)
class OutputFile:
    path: str  # relative to the output folder, forward slashes
    data: bytes


@dataclass(frozen=True)
class Theme:
    """Where templates and static files come from: the root's own first, then the built-in ones."""

    template_dirs: tuple[Path, ...]
    static_dirs: tuple[Path, ...]

    @classmethod
    def for_root(cls, root: Path) -> Theme:
        def dirs(name: str) -> tuple[Path, ...]:
            own, builtin_dir = Path(root).resolve() / name, builtin(name)
            return ((own,) if own.is_dir() and own != builtin_dir else ()) + (builtin_dir,)
        return cls(dirs("templates"), dirs("static"))


@dataclass(frozen=True)
class Cite:
    """One excerpt as the source page sees it."""

    claim: Claim
    excerpt: Excerpt
    anchor: Anchor

    def part_id(self, part: int) -> str:
        base = f"c-{self.claim.id}-{self.excerpt.number}"
        return base if part == 0 else f"{base}-p{part + 1}"


@dataclass
class Segment:
    text: str
    cites: list[Cite] = field(default_factory=list)  # the excerpts that cover this text
    ids: list[str] = field(default_factory=list)  # anchors that start here
    residue: str = ""  # the reason, when this text within the line is not part of the article
    parts: list[str] = field(default_factory=list)  # the anchors of every excerpt part covering this text


@dataclass
class Line:
    """A line of the source as the page shows it; a blank line has no segments."""

    number: int
    segments: list[Segment]
    residue: str = ""  # the reason, when the line is not part of the article


@dataclass
class Citation:
    """Beside the text: the fact-checks quoting passages that start on one line, each claim once."""

    line: int
    claims: list[tuple[Claim, int, list[str]]]  # (claim, its first excerpt's number here, its stances here)


def make_environment(theme: Theme) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in theme.template_dirs]),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a build's templates do not change under it: no stat of each file per page
    )
    env.filters["markdown"] = render_markdown
    env.filters["inline_markdown"] = render_inline
    env.filters["long_date"] = long_date
    env.filters["exact_text"] = exact_text
    return env


def long_date(iso: str) -> str:
    months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]
    if not iso:
        return "not known"
    year, month, day = iso[:10].split("-")
    return f"{int(day)} {months[int(month) - 1]} {year}"


def exact_text(text: str) -> Markup:
    """Text escaped so that the page's DOM holds it unchanged: an HTML parser reads a carriage
    return as a line feed, a character reference as itself."""
    return Markup(str(escape(text)).replace("\r", "&#13;"))


def json_for_script(data: Any) -> Markup:
    """JSON safe to place inside <script>: no sequence in it can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


class Renderer:
    """Renders each kind of page; `stream_site` asks it for all of them."""

    def __init__(self, model: Model, anchors: dict[tuple[str, int], Anchor], theme: Theme, *,
                 env: Environment | None = None, assets: Assets | None = None):
        # `serve` passes the environment (templates compiled once) and the static files it read.
        self.model = model
        self.anchors = anchors
        self.env = env if env is not None else make_environment(theme)
        self.assets = assets if assets is not None else static_files(theme, model)
        self.verdicts = {v.key: v for v in model.verdicts}
        self.nav_pages = [p for p in model.pages if p.nav]

    # What the whole-site pages read is worked out on first use: the preview renders one claim
    # page at a time, and at 10,000 claims these take a tenth of a second.

    @functools.cached_property
    def tags(self) -> list[str]:
        return sorted({t for c in self.model.claims for t in c.tags})

    @functools.cached_property
    def cites(self) -> dict[str, list[Cite]]:
        out: dict[str, list[Cite]] = {s: [] for s in self.model.sources}
        for claim in self.model.claims:
            for excerpt in claim.evidence:
                out[excerpt.source].append(Cite(claim, excerpt, self.anchors[(claim.id, excerpt.number)]))
        for cites in out.values():
            cites.sort(key=lambda c: (c.anchor.start, c.claim.id, c.excerpt.number))
        return out

    # --- shared --------------------------------------------------------------------------

    def page(self, path: str, template: str, title: str, root: str = "", canonical: str | None = None,
             **context: Any) -> OutputFile:
        """A page whose links are relative to its depth, unless it gives its own root."""
        root = root or "../" * path.count("/") or "./"
        url_path = path[: -len("index.html")] if path.endswith("index.html") else path
        context.setdefault("csp", CSP)
        html = self.env.get_template(template).render(
            site=self.model.site, root=root, title=title,
            canonical=self.model.site.base_url + url_path if canonical is None else canonical,
            asset=lambda name: root + self.assets.url(name), nav_pages=self.nav_pages,
            verdicts=self.model.verdicts, verdict_of=self.verdict_of, source_name=self.source_name,
            long_date=long_date, **context)
        return OutputFile(path, html.encode("utf-8"))

    def verdict_of(self, claim: Claim):
        return self.verdicts[claim.verdict]

    def source_name(self, source: Source) -> str:
        return source.outlet or source.label

    # --- pages ---------------------------------------------------------------------------

    def index(self) -> OutputFile:
        counts = {v.key: sum(1 for c in self.model.claims if c.verdict == v.key) for v in self.model.verdicts}
        return self.page("index.html", "index.html", self.model.site.title, claims=self.model.claims,
                         counts=counts, tags=self.tags, scripts=[self.assets.url("filter.js")])

    def search(self) -> OutputFile:
        # Pagefind runs its index as WebAssembly: the one page that needs 'wasm-unsafe-eval'.
        # A page of search results has nothing of its own to index: noindex, and out of the sitemap.
        return self.page(SEARCH_PAGE, "search.html", "Search", noindex=True,
                         csp=CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"),
                         scripts=["pagefind/pagefind-ui.js", self.assets.url("search.js")])

    def claim(self, claim: Claim) -> OutputFile:
        columns = []
        for stance, heading in STANCES:
            excerpts = [self.excerpt_view(claim, e) for e in claim.evidence if e.stance == stance]
            if excerpts:
                columns.append({"stance": stance, "heading": heading, "excerpts": excerpts})
        comparisons = [self.comparison_view(claim, c) for c in claim.comparisons]
        review = claim_review(self.model, claim)
        rated = sorted((v for v in self.model.verdicts if v.rating is not None), key=lambda v: v.rating or 0)
        scale = {"worst": rated[0], "best": rated[-1]} if self.verdict_of(claim).rating is not None else None
        return self.page(f"claims/{claim.id}/index.html", "claim.html", claim.claim, claim=claim,
                         verdict=self.verdict_of(claim), columns=columns, comparisons=comparisons,
                         appearances=[self.appearance_view(claim, a) for a in claim.appearances], scale=scale,
                         json_ld=json_for_script(review), sources=cited_sources(self.model, claim),
                         description=_plain(claim.summary))

    def appearance_view(self, claim: Claim, appearance: Appearance) -> dict[str, Any]:
        source = self.model.sources.get(appearance.source)
        date = appearance.date or (source.published if source else "")
        anchor = self.anchors.get((claim.id, appearance.number)) if appearance.quote else None
        return {"appearance": appearance, "source": source, "date": date,
                "name": (known(source, "title") or source.label) if source else appearance.title,
                "date_inferred": bool(source and not appearance.date and "published" in source.inferred),
                "first": first_appearance(self.model, claim) is appearance,
                "exact": " ".join(anchor.exact.split()) if anchor else appearance.quote}

    def excerpt_view(self, claim: Claim, excerpt: Excerpt) -> dict[str, Any]:
        anchor = self.anchors[(claim.id, excerpt.number)]
        source = self.model.sources[excerpt.source]
        text = source.text
        parts = [text[s:e] for s, e in anchor.spans]
        deep_link = ""
        if source.url:
            ambiguous = text.count(anchor.exact) > 1
            deep_link = text_fragment(source.url, anchor, ambiguous)
        return {"excerpt": excerpt, "source": source, "anchor": anchor, "parts": parts,
                "before": context_before(anchor.prefix), "after": context_after(anchor.suffix),
                "target": f"c-{claim.id}-{excerpt.number}", "deep_link": deep_link}

    def comparison_view(self, claim: Claim, comparison) -> dict[str, Any]:
        by_id = {e.id: e for e in claim.evidence}
        earlier, later = by_id[comparison.earlier], by_id[comparison.later]
        wordings = compare_wordings(self.anchors[(claim.id, earlier.number)].exact,
                                    self.anchors[(claim.id, later.number)].exact)
        return {"comparison": comparison, "earlier": self.excerpt_view(claim, earlier),
                "later": self.excerpt_view(claim, later), "diff": wordings.parts,
                "similarity": wordings.percent, "identical": wordings.identical}

    def source(self, source: Source) -> OutputFile:
        cites = self.cites[source.id]
        claims = sorted({c.claim.id: c.claim for c in cites}.values(), key=lambda c: c.id)
        return self.page(f"sources/{source.id}/index.html", "source.html", self.source_title(source),
                         source=source, lines=source_lines(source, cites), citations=citations(cites),
                         claims=claims)

    def source_text(self, source: Source) -> OutputFile:
        """The source's exact text: what the TextPositionSelectors of claims.json count in."""
        return OutputFile(source_text_path(source), source.text.encode("utf-8"))

    def source_title(self, source: Source) -> str:
        return source.title or source.label

    def sources_index(self) -> OutputFile:
        counts = {s: len({c.claim.id for c in cites}) for s, cites in self.cites.items()}
        return self.page("sources/index.html", "sources.html", "Sources",
                         sources=sorted(self.model.sources.values(), key=lambda s: s.id), counts=counts)

    def verdict_pages(self) -> Iterable[OutputFile]:
        yield self.page("verdicts/index.html", "verdicts.html", "The verdict scale",
                        counts={v.key: sum(1 for c in self.model.claims if c.verdict == v.key)
                                for v in self.model.verdicts})
        for verdict in self.model.verdicts:
            claims = [c for c in self.model.claims if c.verdict == verdict.key]
            yield self.page(f"verdicts/{verdict.key}/index.html", "verdict.html", f"Verdict: {verdict.label}",
                            verdict=verdict, claims=claims)

    def tag_pages(self) -> Iterable[OutputFile]:
        counts = {t: sum(1 for c in self.model.claims if t in c.tags) for t in self.tags}
        yield self.page("tags/index.html", "tags.html", "Tags", tags=self.tags, counts=counts)
        for tag in self.tags:
            claims = [c for c in self.model.claims if tag in c.tags]
            yield self.page(f"tags/{tag}/index.html", "tag.html", f"Tag: {tag}", tag=tag, claims=claims)

    def corrections(self) -> OutputFile:
        """Every correction on the site, newest first, each with its claim."""
        entries = sorted(((c, claim) for claim in self.model.claims for c in claim.corrections),
                         key=lambda pair: (pair[0].date, pair[1].id), reverse=True)
        return self.page("corrections/index.html", "corrections.html", "Corrections", entries=entries)

    def evidence_matrix(self) -> OutputFile:
        """Claims by sources: where each report supports, refutes or gives context to each claim.

        A story's handful of sources fit as columns; past MATRIX_MAX_SOURCES the table would be
        mostly empty cells, so each row lists the sources it cites under their stance instead.
        """
        sources = sorted(self.model.sources.values(), key=lambda s: (s.published or "9999", s.id))
        dense = len(sources) <= MATRIX_MAX_SOURCES
        rows = []
        for claim in self.model.claims:
            cited = {}
            for e in claim.evidence:
                cited.setdefault(e.source, []).append(e.stance)
            if dense:
                cells = [[(st, cited[s.id].count(st)) for st, _ in STANCES if st in cited.get(s.id, ())]
                         for s in sources]
            else:
                cells = [[self.model.sources[sid] for sid in sorted(cited) if st in cited[sid]] for st, _ in STANCES]
            rows.append((claim, cells))
        return self.page("evidence/index.html", "evidence.html", "The evidence at a glance",
                         sources=sources if dense else [], rows=rows, dense=dense, stances=STANCES)

    def content_pages(self) -> Iterable[OutputFile]:
        for page in self.model.pages:
            yield self.page(f"{page.slug}/index.html", "page.html", page.title, page=page)

    def not_found(self) -> OutputFile:
        # Served at any depth, so its links are absolute from the base URL's path.
        base_path = "/" + self.model.site.base_url.split("://", 1)[1].split("/", 1)[1]
        return self.page("404.html", "404.html", "Page not found", root=base_path, canonical="")

    def feeds(self) -> Iterable[OutputFile]:
        model = self.model
        updated = max((c.last_modified for c in model.claims), default="1970-01-01")
        feed = self.env.get_template("feed.xml").render(
            site=model.site, claims=model.claims, updated=updated, verdict_of=self.verdict_of,
            plain=_plain)
        yield OutputFile("feed.xml", feed.encode("utf-8"))
        records = {"claims": [claim_record(model, c, self.anchors) for c in model.claims]}
        yield OutputFile("claims.json", _json_bytes(records))
        yield OutputFile("claim-reviews.json", _json_bytes(data_feed(model, updated)))
        yield OutputFile("robots.txt", f"User-agent: *\nAllow: /\n\nSitemap: {model.site.base_url}sitemap.xml\n".encode())

    def sitemap(self, paths: Iterable[str]) -> OutputFile:
        modified = {f"claims/{c.id}/index.html": c.last_modified for c in self.model.claims}
        latest = max(modified.values(), default="")
        entries = []
        for page in sorted(paths):
            if page.endswith("index.html") and page != SEARCH_PAGE:
                path = page[: -len("index.html")]
                entries.append((self.model.site.base_url + path, modified.get(page, latest)))
        xml = self.env.get_template("sitemap.xml").render(entries=entries)
        return OutputFile("sitemap.xml", xml.encode("utf-8"))


def _json_bytes(data: Any) -> bytes:
    # Compact: json's C encoder does not indent, and claims.json grows with the site.
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


@functools.lru_cache(maxsize=65536)
def _plain(markdown_text: str) -> str:
    """Markdown as one line of plain text, for meta descriptions and feed summaries."""
    return " ".join(render_markdown(markdown_text).striptags().split())


def context_before(prefix: str) -> str:
    """The words before an excerpt in its paragraph; "…" where the context is cut short."""
    if "\n" in prefix or len(prefix) < SELECTOR_CONTEXT:
        return prefix.rsplit("\n", 1)[-1]
    return "…" + prefix.split(" ", 1)[1] if " " in prefix else ""


def context_after(suffix: str) -> str:
    """The words after an excerpt in its paragraph; "…" where the context is cut short."""
    if "\n" in suffix or len(suffix) < SELECTOR_CONTEXT:
        return suffix.split("\n", 1)[0]
    return suffix.rsplit(" ", 1)[0] + "…" if " " in suffix else ""


def source_lines(source: Source, cites: list[Cite]) -> list[Line]:
    """Every line of the source, cut into segments at every highlight and residue boundary.

    The page joins them with the line breaks of the text and nothing else, so that the text
    content of its article element is the source's text, character for character.
    """
    spans = [(start, end, cite, part) for cite in cites for part, (start, end) in enumerate(cite.anchor.spans)]
    residue = residue_spans(source)
    lines = []
    offset = 0
    for number, line in enumerate(source.text.split("\n"), start=1):
        line_end = offset + len(line)
        whole = next((r.reason for r in residue if r.whole_lines and r.start <= offset and line_end <= r.end), "")
        inline = [r for r in residue if not r.whole_lines and r.start >= offset and r.end <= line_end]
        lines.append(Line(number, _segments(line, offset, spans, inline) if line else [], whole))
        offset = line_end + 1
    return lines


def citations(cites: list[Cite]) -> list[Citation]:
    """For each line where cited passages start, the claims quoting them: a claim that quotes
    the line twice is listed once, with its stances."""
    by_line: dict[int, dict[str, tuple[Claim, int, list[str]]]] = {}
    for cite in cites:
        claims = by_line.setdefault(cite.anchor.line, {})
        stances = claims.setdefault(cite.claim.id, (cite.claim, cite.excerpt.number, []))[2]
        if cite.excerpt.stance not in stances:
            stances.append(cite.excerpt.stance)
    return [Citation(line, list(claims.values())) for line, claims in sorted(by_line.items())]


def _segments(line: str, offset: int, spans, inline_residue: list[ResidueSpan]) -> list[Segment]:
    end = offset + len(line)
    cuts = {offset, end}
    for s, e, _cite, _part in spans:
        if s < end and e > offset:
            cuts.update({max(s, offset), min(e, end)})
    for r in inline_residue:
        cuts.update({r.start, r.end})
    points = sorted(cuts)
    segments = []
    for a, b in itertools.pairwise(points):
        covering = [(c, p) for s, e, c, p in spans if s <= a and e >= b]
        starting = [c.part_id(p) for s, _e, c, p in spans if s == a]
        reason = next((r.reason for r in inline_residue if r.start <= a and b <= r.end), "")
        segments.append(Segment(line[a - offset:b - offset], list(dict.fromkeys(c for c, _p in covering)), starting,
                                reason, [c.part_id(p) for c, p in covering]))
    return segments


@dataclass
class Assets:
    """Static files with fingerprinted names, so they can be cached for ever."""

    files: dict[str, OutputFile]  # logical name -> output file

    def url(self, name: str) -> str:
        return self.files[name].path


def _fingerprinted(name: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, dot, ext = name.rpartition(".")
    return f"static/{stem}.{digest}.{ext}" if dot else f"static/{name}.{digest}"


def verdict_css(model: Model) -> bytes:
    rules = [f".verdict-{v.key} {{ background-color: {v.colour}; color: #fff; }}" for v in model.verdicts]
    return ("\n".join(rules) + "\n").encode()


def static_files(theme: Theme, model: Model) -> Assets:
    found: dict[str, bytes] = {}
    for folder in reversed(theme.static_dirs):  # the root's own files win
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                found[path.relative_to(folder).as_posix()] = path.read_bytes()
    found["verdicts.css"] = verdict_css(model)
    return Assets({name: OutputFile(_fingerprinted(name, data), data) for name, data in sorted(found.items())})


# Rendering is spread over processes only where there is enough of it to pay for them.
PARALLEL_MIN_PAGES = 400
# Pages go out in small ranges, so that the workers run out of work within a fraction of a second
# of each other (with 4 ranges a worker, one finished 2 s before the other at 10,000 claims).
CHUNKS_PER_WORKER = 16
# The pages made from the whole site, one call each (some calls give several pages). The
# slowest come first, so that they start first and the workers finish together.
SITE_PAGES = ("feeds", "tag_pages", "evidence_matrix", "verdict_pages", "index", "corrections",
              "sources_index", "content_pages", "search", "not_found")
_job: tuple[Renderer, list] | None = None  # what forked workers render: set before the fork


class TemplateFailed(Exception):
    """A template failed to compile or to render: where, and why, in words that survive a worker."""

    def __init__(self, filename: str, line: int, message: str):
        super().__init__(filename, line, message)
        self.filename, self.line, self.message = filename, line, message


def template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template line of an exception's traceback, when a template raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    frame = next((f for f in reversed(frames) if f.filename.endswith((".html", ".xml", ".txt"))), None)
    return (frame.filename, frame.lineno or 0) if frame else None


def _template_failure(exc: TemplateError) -> TemplateFailed:
    if isinstance(exc, TemplateSyntaxError):  # it carries its own place
        return TemplateFailed(exc.filename or exc.name or "", exc.lineno or 0, f"template syntax error: {exc.message}")
    filename, line = template_frame(exc) or ("", 0)
    return TemplateFailed(filename, line, f"the template failed: {type(exc).__name__}: {exc}")


def _call(renderer: Renderer, method: str, item: Any) -> list[OutputFile]:
    try:
        result = getattr(renderer, method)(*(() if item is None else (item,)))
        return [result] if isinstance(result, OutputFile) else list(result)
    except TemplateError as exc:
        raise _template_failure(exc) from None


def _render_all(renderer: Renderer, tasks: list[tuple[str, Any]]) -> list[OutputFile]:
    return [f for method, item in tasks for f in _call(renderer, method, item)]


def _render_range(bounds: tuple[int, int]) -> list[OutputFile]:
    renderer, tasks = _job
    return _render_all(renderer, tasks[bounds[0]:bounds[1]])


def render_pages(renderer: Renderer, tasks: list[tuple[str, Any]], workers: int) -> Iterator[OutputFile]:
    """Render (method, item) tasks, e.g. ("claim", claim) or ("feeds", None), in forked workers when there are many.

    Workers are forked, so they share the renderer as it is. A whole-site task is a job of its
    own; claim and source pages go in contiguous ranges. Files come out in task order as each
    range is done, so that they can be written while the workers render the next ones.
    """
    global _job
    if workers <= 1 or len(tasks) < PARALLEL_MIN_PAGES or "fork" not in multiprocessing.get_all_start_methods():
        yield from _render_all(renderer, tasks)
        return
    singles = [(i, i + 1) for i, (_method, item) in enumerate(tasks) if item is None]
    rest = [i for i, (_method, item) in enumerate(tasks) if item is not None]
    size = max(1, -(-len(rest) // (workers * CHUNKS_PER_WORKER)))
    ranges = singles + [(rest[i], rest[min(i + size, len(rest)) - 1] + 1) for i in range(0, len(rest), size)]
    _job = (renderer, tasks)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for chunk in pool.imap(_render_range, ranges):
                yield from chunk
    finally:
        _job = None


def stream_site(model: Model, anchors: dict[tuple[str, int], Anchor], theme: Theme,
                workers: int = 1) -> Iterator[OutputFile]:
    """Every file of the site, in the order they are rendered; the same files as render_site."""
    renderer = Renderer(model, anchors, theme)
    renderer.cites, renderer.tags  # worked out once, before the workers fork
    tasks: list[tuple[str, Any]] = [(method, None) for method in SITE_PAGES]
    # Source pages take three times as long as claim pages: they go first, so the last ranges are short.
    tasks += [("source", s) for _, s in sorted(model.sources.items())] + [("claim", c) for c in model.claims]
    tasks += [("source_text", s) for _, s in sorted(model.sources.items())]
    paths = []
    for f in render_pages(renderer, tasks, workers):
        paths.append(f.path)
        yield f
    yield renderer.sitemap(paths)
    yield from renderer.assets.files.values()


def render_site(model: Model, anchors: dict[tuple[str, int], Anchor], theme: Theme,
                workers: int = 1) -> list[OutputFile]:
    """Every file of the site, sorted by path."""
    return sorted(stream_site(model, anchors, theme, workers), key=lambda f: f.path)
