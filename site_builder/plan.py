"""The plan of the site: every output file, where it goes, what it is made from, how to make it.

`site_plan(model, assets)` is the one list of pages. The build renders every page of it
(render.stream_site); the preview (preview/builder.py) keeps the bytes of a page whose key is
the same as in the previous build, and renders the others when they are asked for. So a
page's key must hold everything its bytes depend on, beyond what every page shows
(`Plan.shared`: the site's settings, the verdict scale, the menu, the asset names; the
preview adds the templates' text): two pages with equal keys and equal shared parts have the
same bytes.

To add a kind of page:

1. give it a URL in urls.py;
2. write the Renderer method that makes it (render.py), returning `self.page(...)`;
3. add one `Page` here, with the method's name and arguments, and as key what the method
   reads: the objects it is made from (a claim, its cited sources...), or the counts and
   lists it derives from the site. Pages made from the whole site are `whole_site=True`;
   they are rendered first, each as a job of its own in the forked workers.

To show one more field on a page: if the page's key already holds the object the field comes
from (a claim page's key holds its claim), nothing else changes; if it comes from elsewhere
(the number of claims on a claim page), add that to the page's key, in the same `Page`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from . import urls
from .model import Claim, Excerpt, Model

if TYPE_CHECKING:
    from .render import Assets


class Page(NamedTuple):
    """One output file of the site."""

    path: str  # relative to the output folder, forward slashes
    key: Any  # what the file is made from, besides Plan.shared; compared with ==
    method: str  # the Renderer method that makes it...
    args: tuple = ()  # ...called with these
    whole_site: bool = False  # made from the whole site: a job of its own, rendered first


@dataclass(frozen=True)
class Plan:
    pages: tuple[Page, ...]  # in the order the build renders them
    shared: Any  # what every page shows

    def paths(self) -> list[str]:
        return sorted(page.path for page in self.pages)


def _page(address: str, key: Any, method: str, *args: Any, whole_site: bool = False) -> Page:
    return Page(urls.output_path(address), key, method, args, whole_site)


def site_plan(model: Model, assets: Assets) -> Plan:
    """Every file of the site. The slowest whole-site pages come first, then source pages (three
    times as slow as claim pages), so that the forked workers finish together."""
    claims = tuple(model.claims)
    sources = tuple(sorted(model.sources.items()))
    asset_names = tuple((name, f.path) for name, f in sorted(assets.files.items()))
    shared = (model.site, tuple(model.verdicts), tuple(model.pages), asset_names)

    cites: dict[str, list[tuple[Claim, Excerpt]]] = {s: [] for s in model.sources}
    by_verdict: dict[str, list[Claim]] = {v.key: [] for v in model.verdicts}
    by_tag: dict[str, list[Claim]] = {}
    for claim in claims:
        for excerpt in claim.evidence:
            cites[excerpt.source].append((claim, excerpt))
        by_verdict.setdefault(claim.verdict, []).append(claim)
        for tag in dict.fromkeys(claim.tags):
            by_tag.setdefault(tag, []).append(claim)
    tags = sorted(by_tag)
    source_counts = tuple((s, len({c.id for c, _ in cites[s]})) for s, _ in sources)

    pages = [
        _page(urls.CLAIMS_JSON, ("claims.json", claims, sources), "claims_json", whole_site=True),
        _page(urls.CLAIM_REVIEWS, ("claim-reviews", claims, sources), "claim_reviews", whole_site=True),
        _page(urls.FEED, ("feed", claims[: model.site.feed_entries]), "feed", whole_site=True),
        _page(urls.ROBOTS, ("robots",), "robots", whole_site=True),
        _page(urls.TAGS, ("tags", tuple((t, len(by_tag[t])) for t in tags)), "tags_index", whole_site=True),
        _page(urls.EVIDENCE, ("evidence", claims, sources), "evidence_matrix", whole_site=True),
        _page(urls.VERDICTS, ("verdicts", tuple((k, len(v)) for k, v in by_verdict.items())), "verdicts_index",
              whole_site=True),
        _page(urls.HOME, ("index", claims), "index", whole_site=True),
        _page(urls.CORRECTIONS, ("corrections", claims), "corrections", whole_site=True),
        _page(urls.SOURCES, ("sources", sources, source_counts), "sources_index", whole_site=True),
        _page(urls.SEARCH, ("search", len(claims)), "search", whole_site=True),
        _page(urls.NOT_FOUND, ("404",), "not_found", whole_site=True),
        _page(urls.TIMELINE, ("timeline", claims, sources, model.events), "timeline", whole_site=True),
        _page(urls.CLAIMANTS, ("claimants", claims), "claimants_index", whole_site=True),
        _page(urls.SITE_IMAGE, ("site-image",), "site_share_image", whole_site=True),
        _page(urls.CLAIMS, ("claims-index",), "claims_index"),
    ]
    pages += [_page(urls.source(sid), ("source", source, tuple(cites[sid])), "source", source)
              for sid, source in sources]
    pages += [_page(urls.source_text(sid), ("source-text", source.text), "source_text", source)
              for sid, source in sources]
    pages += [claim_page(claim, model) for claim in claims]
    pages += [_page(urls.share_image(claim.id), ("share", claim), "share_image", claim) for claim in claims]
    by_claimant: dict[str, list[Claim]] = {}
    for claim in claims:
        for person in claim.claimants:
            by_claimant.setdefault(person.slug, []).append(claim)
    pages += [_page(urls.claimant(slug), ("claimant", tuple(made)), "claimant", slug)
              for slug, made in sorted(by_claimant.items())]
    pages += [_page(urls.verdict(v.key), ("verdict", v, tuple(by_verdict[v.key])), "verdict", v)
              for v in model.verdicts]
    pages += [_page(urls.tag(t), ("tag", t, tuple(by_tag[t])), "tag", t) for t in tags]
    pages += [_page(urls.page(p.slug), ("page", p), "content_page", p) for p in model.pages]

    listed = tuple(sorted(p.path for p in pages))
    modified = tuple((c.id, c.last_modified) for c in claims)
    pages.append(_page(urls.SITEMAP, ("sitemap", listed, modified), "sitemap", listed, whole_site=True))
    pages += [Page(f.path, ("asset", hashlib.blake2b(f.data, digest_size=20).digest()), "asset", (name,))
              for name, f in sorted(assets.files.items())]
    return Plan(tuple(pages), shared)


def claim_page(claim: Claim, model: Model) -> Page:
    """A claim's page: made from the claim and the sources it cites or was made in (the preview
    makes it on its own, ahead of the build, when a claim file is saved)."""
    ids = {e.source for e in claim.evidence} | {a.source for a in claim.appearances if a.source}
    cited = tuple(model.sources[s] for s in sorted(ids))
    return _page(urls.claim(claim.id), ("claim", claim, cited), "claim", claim)
