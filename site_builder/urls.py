"""Where every page of the site lives: the one place that spells out a URL.

A URL here is a path from the site's root, without a leading slash, ending in "/" for a page
(served as its index.html) or in a file name. Templates ask for links with `url(kind, ...)`,
which adds the relative root of the page they are on; feeds, the sitemap and structured data
use `absolute(base_url, kind, ...)`; the plan (plan.py) turns URLs into output paths with
`output_path`. To give a new kind of page its address, add a function here and a line to
`ROUTES`.
"""
from __future__ import annotations

from collections.abc import Callable

HOME = ""
CLAIMS = "claims/"  # the claim pages' folder: what a reader gets who shortens a claim's address (the home page lists them)
SEARCH = "search/"
SEARCH_INDEX = "pagefind/"  # the folder the search index is written to, one folder a shard (search.py)
SOURCES = "sources/"
VERDICTS = "verdicts/"
TAGS = "tags/"
CORRECTIONS = "corrections/"
EVIDENCE = "evidence/"
NOT_FOUND = "404.html"
FEED = "feed.xml"
CLAIMS_JSON = "claims.json"
CLAIM_REVIEWS = "claim-reviews.json"
ROBOTS = "robots.txt"
SITEMAP = "sitemap.xml"
TIMELINE = "timeline/"
CLAIMANTS = "claimants/"
SITE_IMAGE = "share.png"  # the site's card for a shared link
UNLISTED = (SEARCH, CLAIMS)  # pages with nothing of their own to index: noindex, and out of the sitemap


def claim(claim_id: str) -> str:
    return f"{CLAIMS}{claim_id}/"


def share_image(claim_id: str) -> str:
    """A claim's card for a shared link (Open Graph)."""
    return f"{CLAIMS}{claim_id}/share.png"


def source_text(source_id: str) -> str:
    """A source's exact text, which the W3C selectors of claims.json count in."""
    return f"{SOURCES}{source_id}/source.txt"


def claimant(slug: str) -> str:
    return f"{CLAIMANTS}{slug}/"


def source(source_id: str) -> str:
    return f"{SOURCES}{source_id}/"


def verdict(key: str) -> str:
    return f"{VERDICTS}{key}/"


def tag(name: str) -> str:
    return f"{TAGS}{name}/"


def search_shard(number: int) -> str:
    return f"{SEARCH_INDEX}{number}/"


def page(slug: str) -> str:
    """A page of content/pages: about/, methodology/..."""
    return f"{slug}/"


def _fixed(url: str) -> Callable[[], str]:
    return lambda: url


# The names templates use: url('claim', claim.id), url('sources'), url('feed')...
ROUTES: dict[str, Callable[..., str]] = {
    "home": _fixed(HOME), "claims": _fixed(CLAIMS), "search": _fixed(SEARCH),
    "sources": _fixed(SOURCES), "verdicts": _fixed(VERDICTS), "tags": _fixed(TAGS),
    "corrections": _fixed(CORRECTIONS), "evidence": _fixed(EVIDENCE), "not_found": _fixed(NOT_FOUND),
    "feed": _fixed(FEED), "claims_json": _fixed(CLAIMS_JSON), "claim_reviews": _fixed(CLAIM_REVIEWS),
    "robots": _fixed(ROBOTS), "sitemap": _fixed(SITEMAP), "timeline": _fixed(TIMELINE),
    "claimants": _fixed(CLAIMANTS), "site_image": _fixed(SITE_IMAGE),
    "claim": claim, "source": source, "verdict": verdict, "tag": tag, "page": page, "claimant": claimant,
    "share_image": share_image, "source_text": source_text,
}


def url(kind: str, *args: str) -> str:
    """The URL of a page by the name of its kind, e.g. url("claim", "some-id") == "claims/some-id/"."""
    return ROUTES[kind](*args)


def absolute(base_url: str, kind: str, *args: str) -> str:
    """The full URL of a page under the site's base URL (which ends in "/")."""
    return base_url + url(kind, *args)


def output_path(address: str) -> str:
    """The file a URL is served from: a page's index.html, or the file itself."""
    return address + "index.html" if address == "" or address.endswith("/") else address


def address_of(path: str) -> str:
    """The URL an output file is served at: the inverse of `output_path`."""
    return path[: -len("index.html")] if path == "index.html" or path.endswith("/index.html") else path
