"""Markdown from contributors, made safe: no raw HTML, no images, links only to web and mail."""
from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt
from markupsafe import Markup

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_ALLOWED_SCHEMES = {"http", "https", "mailto"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060\ufeff]")


def is_safe_link(url: str) -> bool:
    """True for relative links and http(s)/mailto ones; everything else (javascript:, data:...) is refused.

    Browsers ignore white space and control characters inside a scheme and read it in any
    case, so the check looks at the link the way a browser will.
    """
    squashed = _INVISIBLE.sub("", url).lower()
    match = _SCHEME.match(squashed)
    return match is None or match.group(1) in _ALLOWED_SCHEMES


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.disable("image")  # a remote image would be a request to another host on every view
    md.validateLink = is_safe_link  # type: ignore[method-assign]  # markdown-it-py's documented hook
    return md


_MD = _parser()


# Characters and line starts that can make markdown; text without them is plain paragraphs.
_MARKUP_CHARACTER = re.compile(r"[\\`*_\[\]<>&!#|~\x00-\x1f\x7f]")  # \n excepted: lines are split first
_BLOCK_START = re.compile(r"[-+=]|\d+[.)]")


def _plain_paragraphs(text: str) -> str | None:
    """The HTML markdown-it makes of `text` when it is only plain paragraphs, else None.

    Most summaries are a sentence or two with no markup at all; a full markdown parse of
    them is most of the time spent on a claim page. Anything with a character or line
    start that markdown could read as markup goes to the parser.
    """
    paragraphs = text.rstrip("\n").split("\n\n")
    for line in (line for paragraph in paragraphs for line in paragraph.split("\n")):
        if not line or line != line.strip() or _MARKUP_CHARACTER.search(line) or _BLOCK_START.match(line):
            return None
    return "".join("<p>" + p.replace('"', "&quot;") + "</p>\n" for p in paragraphs)


@functools.lru_cache(maxsize=65536)
def render_markdown(text: str) -> Markup:
    # Cached: a claim's summary is shown on its page, in its meta description and in the feed,
    # so the cache holds a whole site's summaries.
    return Markup(_plain_paragraphs(text) or _MD.render(text or ""))


@functools.lru_cache(maxsize=4096)
def render_inline(text: str) -> Markup:
    """Markdown for a single line (no paragraph around it)."""
    return Markup(_MD.renderInline(text or ""))
