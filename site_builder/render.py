"""Stage 4, render: turn the checked, anchored site into output files (path and bytes).

Jinja runs with autoescape on and markdown without raw HTML, so text from contributors can
only ever be shown, never run. Links between pages are relative, so the site works from any
folder and any host; absolute URLs (canonical, feeds, structured data) use the base URL.
Nothing here reads the clock or the file system's order: the same input gives the same bytes.
"""
from __future__ import annotations

import contextlib
import datetime
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
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from . import page_store, search, urls
from .anchor import SELECTOR_CONTEXT, Anchor, ResidueSpan, compare_wordings, residue_spans, text_fragment
from .errors import Problems
from .inputs import EVENTS_FILE, Theme
from .markdown import render_inline, render_markdown
from .memo import NO_MEMO, Hashed, NoMemo, Same
from .model import Appearance, Claim, Claimant, ContentPage, Event, Excerpt, Model, Source, Verdict
from .page_store import PageStore, Ref
from .plan import Page, site_plan
from .share import cached, claim_image, claimant_line, site_image
from .structured import cited_sources, claim_record, claim_review, data_feed, first_appearance, known

STANCES = [("supports", "Supports the claim"), ("refutes", "Refutes the claim"), ("context", "Context")]
MATRIX_MAX_SOURCES = 24
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'")


@dataclass(frozen=True)
class OutputFile:
    path: str  # relative to the output folder, forward slashes
    data: bytes
    # or, in place of `data`, a file named by the digest of its bytes (page_store.py) that holds them: of the
    # build cache's page store, or of the build's spool folder (`rendering`)
    stored: str = ""


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


class MemoBytecode(BytecodeCache):
    """Jinja's compiled templates kept in the memo, by template and the digest of its text: a build from
    the build cache does not compile the templates again (a quarter of a second for the built-in ones)."""

    def __init__(self, memo: NoMemo):
        self.memo = memo

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.memo.kept("template code", (bucket.key, bucket.checksum))
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        code = bucket.bytecode_to_string()
        self.memo.get("template code", (bucket.key, bucket.checksum), lambda _: code)


def make_environment(theme: Theme, memo: NoMemo = NO_MEMO) -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in theme.template_dirs]),
        bytecode_cache=MemoBytecode(memo) if memo is not NO_MEMO else None,
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
    env.filters["unbroken_words"] = unbroken_words
    env.filters["exact_text"] = exact_text
    return env


def unbroken_words(text: str) -> Markup:
    """Text whose hyphenated words ("fact-check") do not break at the hyphen; escaped."""
    return Markup(" ").join(Markup('<span class="nowrap">{}</span>').format(w) if "-" in w else w
                            for w in text.split(" "))


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def long_date(iso: str) -> str:
    if not iso:
        return "not known"
    year, month, day = iso[:10].split("-")
    return f"{int(day)} {MONTHS[int(month) - 1]} {year}"


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
                 env: Environment | None = None, assets: Assets | None = None, image_cache: Path | None = None):
        # `serve` passes the environment (templates compiled once) and the static files it read.
        self.model = model
        self.anchors = anchors
        self.env = env if env is not None else make_environment(theme)
        self.assets = assets if assets is not None else static_files(theme, model)
        self.image_cache = image_cache  # where share images are kept between builds, if anywhere
        self.verdicts = {v.key: v for v in model.verdicts}
        self.nav_pages = [p for p in model.pages if p.nav]
        # The rating scale, worst to best; the verdicts with no rating stand off it.
        self.scale = sorted((v for v in model.verdicts if v.rating is not None), key=lambda v: v.rating or 0)
        self.off_scale = [v for v in model.verdicts if v.rating is None]

    # What the whole-site pages read is worked out on first use: the preview renders one claim
    # page at a time, and at 10,000 claims these take a tenth of a second.

    @functools.cached_property
    def tags(self) -> list[str]:
        return sorted({t for c in self.model.claims for t in c.tags})

    @functools.cached_property
    def by_tag(self) -> dict[str, list[Claim]]:
        out: dict[str, list[Claim]] = {t: [] for t in self.tags}
        for claim in self.model.claims:
            for tag in dict.fromkeys(claim.tags):
                out[tag].append(claim)
        return out

    @functools.cached_property
    def claimants(self) -> dict[str, tuple[Claimant, list[Claim]]]:
        """Each claimant by slug, with the claims they made (newest first), in order of name."""
        found: dict[str, tuple[Claimant, list[Claim]]] = {}
        for claim in self.model.claims:
            for person in claim.claimants:
                found.setdefault(person.slug, (person, []))[1].append(claim)
        return dict(sorted(found.items(), key=lambda item: (item[1][0].name.casefold(), item[0])))

    @functools.cached_property
    def cites(self) -> dict[str, list[Cite]]:
        out: dict[str, list[Cite]] = {s: [] for s in self.model.sources}
        for claim in self.model.claims:
            for excerpt in claim.evidence:
                out[excerpt.source].append(Cite(claim, excerpt, self.anchors[(claim.id, excerpt.number)]))
        for cites in out.values():
            cites.sort(key=lambda c: (c.anchor.start, c.claim.id, c.excerpt.number))
        return out

    def prepare(self) -> None:
        """Work out now what the whole-site pages share, and compile the templates, before forking
        workers that render them: each would do it again."""
        for name in ("tags", "by_tag", "cites", "updated", "claimants"):
            getattr(self, name)
        for template in self.env.list_templates(extensions=("html", "xml")):
            try:
                self.env.get_template(template)
            except TemplateError:
                pass  # reported, at its file and line, by the page that uses it

    # --- shared --------------------------------------------------------------------------

    def page(self, address: str, template: str, title: str, root: str = "", canonical: str | None = None,
             **context: Any) -> OutputFile:
        """The page at a URL (urls.py), its links relative to its depth unless it gives its own root."""
        path = urls.output_path(address)
        root = root or "../" * path.count("/") or "./"
        context.setdefault("csp", CSP)
        context.setdefault("noindex", address in urls.UNLISTED)
        context.setdefault("og_image", urls.absolute(self.model.site.base_url, "site_image"))
        context.setdefault("og_title", title)
        html = self.env.get_template(template).render(
            site=self.model.site, root=root, title=title,
            canonical=self.model.site.base_url + address if canonical is None else canonical,
            url=lambda kind, *args: root + urls.url(kind, *args),
            asset=lambda name: root + self.assets.url(name), nav_pages=self.nav_pages,
            verdicts=self.model.verdicts, verdict_of=self.verdict_of, source_name=self.source_name,
            long_date=long_date, scale=self.scale, scale_text=self.scale_text, **context)
        return OutputFile(path, html.encode("utf-8"))

    def verdict_of(self, claim: Claim):
        return self.verdicts[claim.verdict]

    def source_name(self, source: Source) -> str:
        return source.outlet or source.label

    def scale_text(self, verdict: Verdict) -> str:
        """Where a verdict sits on the scale, in words: the text of its graphic."""
        if not self.scale:
            return verdict.label
        ends = f"from {self.scale[0].label} to {self.scale[-1].label}"
        if verdict in self.scale:
            return f"{verdict.label}: {self.scale.index(verdict) + 1} of {len(self.scale)} on our scale {ends}"
        return f"{verdict.label}: off our scale, which runs {ends}"

    # --- pages ---------------------------------------------------------------------------

    def index(self) -> OutputFile:
        counts = {v.key: sum(1 for c in self.model.claims if c.verdict == v.key) for v in self.model.verdicts}
        return self.page(urls.HOME, "index.html", self.model.site.title, claims=self.model.claims,
                         counts=counts, tags=self.tags, scripts=[self.assets.url("filter.js")])

    def search(self) -> OutputFile:
        # Pagefind runs its index as WebAssembly: the one page that needs 'wasm-unsafe-eval'.
        # The index's shards (search.py): search.js loads the first and merges the others into it.
        bundles = search.bundles(len(self.model.claims))
        return self.page(urls.SEARCH, "search.html", "Search", bundles=bundles,
                         csp=CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"),
                         scripts=[self.assets.url("search.js")])

    def claims_index(self) -> OutputFile:
        """claims/, the folder of the claim pages: it sends the reader on to the home page, which lists
        every claim (as Hugo's aliases do: a refresh at once, the home page as canonical, and a link)."""
        return self.page(urls.CLAIMS, "claims.html", "All claims", canonical=self.model.site.base_url + urls.HOME)

    def claim(self, claim: Claim) -> OutputFile:
        columns = []
        for stance, heading in STANCES:
            excerpts = [self.excerpt_view(claim, e) for e in claim.evidence if e.stance == stance]
            if excerpts:
                columns.append({"stance": stance, "heading": heading, "excerpts": excerpts})
        comparisons = [self.comparison_view(claim, c) for c in claim.comparisons]
        review = claim_review(self.model, claim)
        verdict = self.verdict_of(claim)
        inferred = any(self.model.sources[e.source].inferred & {"outlet", "published"} for e in claim.evidence)
        by = ", ".join(p.name for p in claim.claimants)
        return self.page(urls.claim(claim.id), "claim.html", claim.reviewed, claim=claim,
                         verdict=verdict, columns=columns, comparisons=comparisons, inferred=inferred,
                         appearances=[self.appearance_view(claim, a) for a in claim.appearances],
                         json_ld=json_for_script(review), sources=cited_sources(self.model, claim),
                         description=_plain(claim.summary), og_title=f"{verdict.label}: {claim.reviewed}",
                         og_image=urls.absolute(self.model.site.base_url, "share_image", claim.id),
                         og_image_alt=f"{claim.reviewed} (claimed by {by}). Our verdict: {self.scale_text(verdict)}.")

    def share_image(self, claim: Claim) -> OutputFile:
        """The claim's card for a shared link: the claim, who made it, the verdict and its place on the scale."""
        verdict = self.verdict_of(claim)
        inputs = (self.model.site.title, claim.reviewed, claimant_line(claim), verdict, self.scale, self.scale_text(verdict).split(": ", 1)[1])
        return OutputFile(urls.share_image(claim.id), cached(self.image_cache, claim.id, inputs,
                                                             lambda: claim_image(*inputs)))

    def site_share_image(self) -> OutputFile:
        site = self.model.site
        return OutputFile(urls.SITE_IMAGE, site_image(site.title, site.description, self.scale, self.off_scale))

    def timeline(self) -> OutputFile:
        """The story on a date axis: what the reports say happened (content/events.yaml), when each
        report came out, each claim was made and each was checked."""
        days: dict[str, list[tuple[str, Any]]] = {}
        for event in self.model.events:
            days.setdefault(event.date, []).append(("event", self.event_view(event)))
        for source in self.model.sources.values():
            if source.published:
                days.setdefault(source.published[:10], []).append(("report", source))
        for claim in self.model.claims:
            days.setdefault(claim.claim_date, []).append(("claim", claim))
            days.setdefault(claim.published, []).append(("check", claim))
        order = {kind: n for n, kind in enumerate(TIMELINE_LANES)}
        for entries in days.values():
            entries.sort(key=lambda e: (order[e[0]], e[1]["number"] if e[0] == "event" else e[1].id))
        dated = sorted(days.items())
        undated = sorted((s for s in self.model.sources.values() if not s.published), key=lambda s: s.id)
        # The chart shows the story; our checks, written long after it, would squeeze it to a sliver.
        story = [(day, kept) for day, entries in dated if (kept := [e for e in entries if e[0] != "check"])]
        return self.page(urls.TIMELINE, "timeline.html", "The story, day by day",
                         days=dated, chart=timeline_chart(story), undated=undated)

    def event_view(self, event: Event) -> dict[str, Any]:
        """An event with, for each quote that reports it, its seed and the fragment of the seed's page
        that shows the passage: its line, and its words for a browser that reads text directives."""
        witnesses = []
        for witness in event.evidence:
            source = self.model.sources[witness.source]
            anchor = self.anchors[(EVENTS_FILE, witness.number)]
            fragment = text_fragment("", anchor, source.text.count(anchor.exact) > 1, fragment=f"L{anchor.line}")
            witnesses.append({"source": source, "line": anchor.line, "fragment": fragment})
        return {"number": event.number, "event": event.event, "date_note": event.date_note, "witnesses": witnesses}

    def claimants_index(self) -> OutputFile:
        return self.page(urls.CLAIMANTS, "claimants.html", "Who said what", claimants=list(self.claimants.values()))

    def claimant(self, slug: str) -> OutputFile:
        """A claimant's record: what they claimed, and how each claim was rated."""
        person, claims = self.claimants[slug]
        counts = [(v, sum(1 for c in claims if c.verdict == v.key)) for v in self.model.verdicts]
        return self.page(urls.claimant(slug), "claimant.html", person.name, person=person, claims=claims,
                         counts=[(v, n) for v, n in counts if n])

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
        return self.page(urls.source(source.id), "source.html", self.source_title(source),
                         source=source, lines=source_lines(source, cites), citations=citations(cites),
                         claims=claims)

    def source_text(self, source: Source) -> OutputFile:
        """The source's exact text: what the TextPositionSelectors of claims.json count in."""
        return OutputFile(urls.source_text(source.id), source.text.encode("utf-8"))

    def source_title(self, source: Source) -> str:
        return source.title or source.label

    def sources_index(self) -> OutputFile:
        counts = {s: len({c.claim.id for c in cites}) for s, cites in self.cites.items()}
        return self.page(urls.SOURCES, "sources.html", "Sources",
                         sources=sorted(self.model.sources.values(), key=lambda s: s.id), counts=counts)

    def verdicts_index(self) -> OutputFile:
        return self.page(urls.VERDICTS, "verdicts.html", "The verdict scale",
                         counts={v.key: sum(1 for c in self.model.claims if c.verdict == v.key)
                                 for v in self.model.verdicts})

    def verdict(self, verdict: Verdict) -> OutputFile:
        claims = [c for c in self.model.claims if c.verdict == verdict.key]
        return self.page(urls.verdict(verdict.key), "verdict.html", f"Verdict: {verdict.label}",
                         verdict=verdict, claims=claims)

    def tags_index(self) -> OutputFile:
        counts = {t: len(claims) for t, claims in self.by_tag.items()}
        return self.page(urls.TAGS, "tags.html", "Tags", tags=self.tags, counts=counts)

    def tag(self, tag: str) -> OutputFile:
        return self.page(urls.tag(tag), "tag.html", f"Tag: {tag}", tag=tag, claims=self.by_tag[tag])

    def corrections(self) -> OutputFile:
        """Every correction on the site, newest first, each with its claim."""
        entries = sorted(((c, claim) for claim in self.model.claims for c in claim.corrections),
                         key=lambda pair: (pair[0].date, pair[1].id), reverse=True)
        return self.page(urls.CORRECTIONS, "corrections.html", "Corrections", entries=entries)

    def evidence_matrix(self) -> OutputFile:
        """Claims by sources: where each report supports, refutes or gives context to each claim.

        A story's handful of sources fit as columns; past MATRIX_MAX_SOURCES the table would be
        mostly empty cells, so each row lists the sources it cites under their stance instead.
        """
        sources = sorted(self.model.sources.values(), key=lambda s: (s.published or "9999", s.id))
        dense = len(sources) <= MATRIX_MAX_SOURCES
        rows = []
        for claim in self.model.claims:
            cited: dict[str, list[str]] = {}
            for e in claim.evidence:
                cited.setdefault(e.source, []).append(e.stance)
            cells: list[list[Any]]
            if dense:
                cells = [[(st, cited[s.id].count(st)) for st, _ in STANCES if st in cited.get(s.id, ())]
                         for s in sources]
            else:
                cells = [[self.model.sources[sid] for sid in sorted(cited) if st in cited[sid]] for st, _ in STANCES]
            rows.append((claim, cells))
        return self.page(urls.EVIDENCE, "evidence.html", "The evidence at a glance",
                         sources=sources if dense else [], rows=rows, dense=dense, stances=STANCES)

    def content_page(self, page: ContentPage) -> OutputFile:
        return self.page(urls.page(page.slug), "page.html", page.title, page=page)

    def not_found(self) -> OutputFile:
        # Served at any depth, so its links are absolute from the base URL's path.
        base_path = "/" + self.model.site.base_url.split("://", 1)[1].split("/", 1)[1]
        return self.page(urls.NOT_FOUND, "404.html", "Page not found", root=base_path, canonical="")

    @functools.cached_property
    def updated(self) -> str:
        return max((c.last_modified for c in self.model.claims), default="1970-01-01")

    def feed(self) -> OutputFile:
        """The Atom feed of the newest claims (site.feed_entries of them), updated when they last were."""
        base_url = self.model.site.base_url
        claims = self.model.claims[: self.model.site.feed_entries]
        updated = max((c.last_modified for c in claims), default="1970-01-01")
        feed = self.env.get_template("feed.xml").render(
            site=self.model.site, claims=claims, updated=updated, verdict_of=self.verdict_of,
            plain=_plain, absolute_url=lambda kind, *args: urls.absolute(base_url, kind, *args))
        return OutputFile(urls.FEED, feed.encode("utf-8"))

    def claims_json(self) -> OutputFile:
        """{"claims": [a record for each claim]}, made a claim at a time: the records of every claim
        held at once, then their JSON as text and as bytes, took 2.5 GB at 100,000 claims."""
        records = [_json_bytes(claim_record(self.model, c, self.anchors), end=b"") for c in self.model.claims]
        return OutputFile(urls.CLAIMS_JSON, b'{"claims":[' + b",".join(records) + b"]}\n")

    def claim_reviews(self) -> OutputFile:
        return OutputFile(urls.CLAIM_REVIEWS, _json_bytes(data_feed(self.model, self.updated)))

    def robots(self) -> OutputFile:
        sitemap = urls.absolute(self.model.site.base_url, "sitemap")
        return OutputFile(urls.ROBOTS, f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n".encode())

    def sitemap(self, paths: Iterable[str]) -> OutputFile:
        """The pages among `paths` (output paths), each with the date its content last changed."""
        modified = {urls.output_path(urls.claim(c.id)): c.last_modified for c in self.model.claims}
        latest = max(modified.values(), default="")
        entries = []
        for path in sorted(paths):
            address = urls.address_of(path)
            if address != path and address not in urls.UNLISTED:
                entries.append((self.model.site.base_url + address, modified.get(path, latest)))
        xml = self.env.get_template("sitemap.xml").render(entries=entries)
        return OutputFile(urls.SITEMAP, xml.encode("utf-8"))

    def asset(self, name: str) -> OutputFile:
        return self.assets.files[name]


TIMELINE_LANES = ("event", "report", "claim", "check")


def timeline_chart(days: list[tuple[str, list[tuple[str, Any]]]]) -> dict[str, Any]:
    """The timeline's picture: each item's place on a date axis 1000 units wide, in a lane for
    each kind that has items.

    Items of one lane on one day stack upwards; the axis is marked by day for a story of a few
    weeks, by month up to two years, by year beyond.
    """
    if not days:
        return {"marks": [], "ticks": [], "lanes": [], "height": 0, "first": "", "last": ""}
    dates = [datetime.date.fromisoformat(d) for d, _ in days]
    first, last = dates[0].toordinal(), dates[-1].toordinal()
    span = max(1, last - first)

    def x(day: datetime.date) -> int:
        return round(40 + 920 * (day.toordinal() - first) / span)

    stack = {lane: max((sum(1 for kind, _ in entries if kind == lane) for _, entries in days), default=0)
             for lane in TIMELINE_LANES}
    lanes: list[dict[str, Any]] = []
    top = 10
    for lane in TIMELINE_LANES:
        if not stack[lane]:
            continue
        height = max(1, stack[lane]) * 16 + 24
        lanes.append({"kind": lane, "top": top, "height": height})
        top += height
    base = {lane["kind"]: lane["top"] + lane["height"] - 14 for lane in lanes}
    marks = []
    for day, (_, entries) in zip(dates, days):
        seen = dict.fromkeys(TIMELINE_LANES, 0)
        for kind, item in entries:
            marks.append({"kind": kind, "item": item, "x": x(day), "y": base[kind] - 16 * seen[kind]})
            seen[kind] += 1
    ticks = []
    if span <= 45:
        every = -(-span // 12)
        for n in range(0, span + 1, every):
            day = datetime.date.fromordinal(first + n)
            ticks.append((x(day), f"{day.day} {MONTHS[day.month - 1][:3]}"))
    else:
        every = -(-span // 30 // 10) if span <= 730 else 12  # at most about ten labels, which never overlap
        year, month, n = dates[0].year, dates[0].month, 0
        while datetime.date(year, month, 1).toordinal() <= last:
            day = datetime.date(year, month, 1)
            if day.toordinal() >= first and (month == 1 if span > 730 else n % every == 0):
                ticks.append((x(day), f"{MONTHS[month - 1][:3]} {year}" if span <= 730 else str(year)))
            n += 1
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return {"marks": marks, "ticks": ticks, "lanes": lanes, "height": top + 40, "axis": top + 6,
            "first": days[0][0], "last": days[-1][0]}


def _json_bytes(data: Any, end: bytes = b"\n") -> bytes:
    # Compact: json's C encoder does not indent, and claims.json grows with the site.
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8") + end


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
# of each other (with 4 ranges a worker, one finished 2 s before the other at 10,000 claims), and of
# at most MAX_RANGE pages: a range's pages cross to the building process as one message, held there
# whole while it is read (at 100,000 claims, 16 ranges a worker were 200 MB each).
CHUNKS_PER_WORKER = 16
MAX_RANGE = 250
# A file at least this large that a worker renders, the worker writes into the spool folder it is given,
# and it crosses to the building process as the file's name: at 100,000 claims claims.json (383 MB)
# crossing as a message was held there twice at once, as it was read and as it was unpickled.
SPOOL_MIN = 1 << 20
# What forked workers render, and where they spool: set before the fork.
_job: tuple[Renderer, tuple[Page, ...], Path | None] | None = None


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


def render_page(renderer: Renderer, page: Page) -> OutputFile:
    """One page of the plan; a template that fails raises TemplateFailed, which says where."""
    try:
        return getattr(renderer, page.method)(*page.args)
    except TemplateError as exc:
        raise _template_failure(exc) from None


def _render_job(job: tuple[int, list[int]]) -> tuple[int, list[OutputFile] | TemplateFailed]:
    """The files of one job, or the failure that stopped it, with the job's number."""
    assert _job is not None
    renderer, pages, spool = _job
    number, numbers = job
    try:
        return number, [_spooled(render_page(renderer, pages[i]), spool) for i in numbers]
    except TemplateFailed as failed:
        return number, failed


def _spooled(file: OutputFile, spool: Path | None) -> OutputFile:
    """A large file written into the spool folder, named by its digest, and given as that file."""
    if spool is None or len(file.data) < SPOOL_MIN:
        return file
    return OutputFile(file.path, b"", stored=page_store.put(spool, file.data))


@contextlib.contextmanager
def rendering(renderer: Renderer, pages: tuple[Page, ...], workers: int,
              spool: Path | None = None) -> Iterator[Iterator[OutputFile]]:
    """Render pages of the plan, in forked workers when there are many: the files, as they come.

    Workers are forked, so they share the renderer as it is. Each whole-site page is a job of
    its own, given out first; the others go in small runs, in plan order. The workers start at
    once, so that the caller can write other files while they render; the files come out as
    each job is done, in the order the jobs finish, so that they can be written while the workers
    render the next ones, and none waits in memory behind a slower job (the JSON of every claim).
    A template that fails raises TemplateFailed after every job is done: the failure of the first
    job in the order above, whichever finished first. Given a `spool` folder (which the caller
    removes), the workers write the large files there (SPOOL_MIN).
    """
    global _job
    # A few pages are worth the workers when they are whole-site pages of a large site (after one claim is
    # edited, the timeline, the evidence matrix and the JSON of 10,000 claims take seconds each).
    enough = len(pages) >= PARALLEL_MIN_PAGES or (
        len(renderer.model.claims) >= PARALLEL_MIN_PAGES and sum(page.whole_site for page in pages) > 1)
    if workers <= 1 or not enough or "fork" not in multiprocessing.get_all_start_methods():
        yield (render_page(renderer, page) for page in pages)
        return
    rest = [i for i, page in enumerate(pages) if not page.whole_site]
    size = max(1, min(MAX_RANGE, -(-len(rest) // (workers * CHUNKS_PER_WORKER))))
    jobs = [[i] for i, page in enumerate(pages) if page.whole_site]
    jobs += [rest[i:i + size] for i in range(0, len(rest), size)]
    _job = (renderer, pages, spool)
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        yield _as_done(pool.imap_unordered(_render_job, enumerate(jobs)))
    finally:
        # Closed and joined, never terminated (as `with Pool` does): a worker killed while it holds
        # the pool's queue lock leaves the pool waiting for that lock forever, so a template error
        # would hang the build instead of being reported. The workers finish their jobs and exit.
        pool.close()
        pool.join()
        _job = None


def _as_done(results: Iterator[tuple[int, list[OutputFile] | TemplateFailed]]) -> Iterator[OutputFile]:
    failures: list[tuple[int, TemplateFailed]] = []
    for number, result in results:
        if isinstance(result, TemplateFailed):
            failures.append((number, result))
        elif not failures:
            yield from result
    if failures:
        raise min(failures, key=lambda failure: failure[0])[1]


def templates_key(theme: Theme) -> tuple:
    """What the theme's templates are: every file's name, folder and digest. With the plan's keys,
    it says when a page's bytes are the same as before."""
    files = []
    for folder in theme.template_dirs:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest = hashlib.blake2b(path.read_bytes(), digest_size=20).digest()
                files.append((path.relative_to(folder).as_posix(), str(folder), digest))
    return theme, tuple(files)


def stream_site(model: Model, anchors: dict[tuple[str, int], Anchor], theme: Theme, workers: int = 1,
                image_cache: Path | None = None, memo: NoMemo = NO_MEMO,
                store: PageStore | None = None, spool: Path | None = None) -> Iterator[OutputFile]:
    """Every file of the site's plan (plan.py): those the page store keeps from the last build first,
    then the others as they are rendered.

    With a store, the memo keeps each page's digest by its path and key in the plan, with what every
    page shows and the templates' text: a page whose key is the same as in the last build is taken
    from the store (as a file to link, `OutputFile.stored`) when the store has its bytes whole.
    Forked workers write the large files they render into `spool`, if given (`rendering`).
    """
    renderer = Renderer(model, anchors, theme, env=make_environment(theme, memo), image_cache=image_cache)
    plan = site_plan(model, renderer.assets)
    stored: dict[str, str] = {}  # output path -> the file of the store with its bytes
    keys: dict[str, Hashed] = {}
    if store is not None:
        shared = (plan.shared, templates_key(theme))
        same = Same(memo.get("page shared", shared, lambda _: shared))  # the same object while equal: cheap keys
        # The plan's keys tell a page from its last version; two pages can share one (two claimants of one claim).
        keys = {page.path: Hashed((same, page.path, page.key)) for page in plan.pages}
        for page in plan.pages:
            kept = memo.kept("page", keys[page.path])
            found = store.find(kept) if kept is not None else None
            if found is not None:
                stored[page.path] = found
    missing = tuple(page for page in plan.pages if page.path not in stored)
    if missing:
        renderer.prepare()  # before the workers fork
    with rendering(renderer, missing, workers, spool) as rendered:
        # The kept pages are linked into place while the workers render the others.
        for path, found in stored.items():
            yield OutputFile(path, b"", stored=found)
        for file in rendered:
            if store is not None:
                made = page_store.stored_ref(file.stored) if file.stored else page_store.ref(file.data)
                memo.get("page", keys[file.path], functools.partial(_given, made))
                store.add(made, file.path)
            yield file


def _given(value: Ref, _: Problems) -> Ref:
    return value


def render_site(model: Model, anchors: dict[tuple[str, int], Anchor], theme: Theme,
                workers: int = 1) -> list[OutputFile]:
    """Every file of the site, sorted by path."""
    return sorted(stream_site(model, anchors, theme, workers), key=lambda f: f.path)
