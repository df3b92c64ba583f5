"""What the browser is shown about errors: the overlay on every page, and the error page.

Both are templates in assets/ (with the reload script and its style sheet), escaped by Jinja;
the site's Content-Security-Policy allows scripts and styles from 'self' only, so nothing is
inline. Each error says where (file:line:col), what, how to fix it, and shows the line itself.
"""
from __future__ import annotations

import functools
import itertools
import traceback
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from ..errors import Problem, display_path
from ..render import CSP, TemplateFailed, template_frame

ASSETS = Path(__file__).resolve().parent / "assets"
MAX_OVERLAY_ERRORS = 50


@dataclass(frozen=True)
class ErrorEntry:
    """One error as the overlay and the console show it."""

    where: str  # file:line:col
    message: str
    hint: str = ""
    source: str = ""  # the offending line, with a caret under the column
    detail: str = ""


def source_excerpt(root: Path, path: str, line: int, col: int) -> str:
    """The line of the file a problem points at, numbered, with a caret under the column."""
    if line <= 0:
        return ""
    file = Path(path) if Path(path).is_absolute() else root / path
    try:
        with open(file, encoding="utf-8", errors="replace") as handle:
            text = next(itertools.islice(handle, line - 1, None), None)
    except OSError:
        return ""
    if text is None:
        return ""
    text = text.rstrip("\r\n").replace("\t", "\u2192")  # a tab shown as one visible character
    if len(text) > 400:
        text = text[:399] + "\u2026"
    gutter = f"{line} | "
    out = gutter + text
    if 0 < col <= len(text) + 1:
        out += "\n" + " " * (len(gutter) + col - 1) + "^"
    return out


def entries_for(root: Path, problems: list[Problem]) -> tuple[ErrorEntry, ...]:
    return tuple(ErrorEntry(p.location(), p.message, p.full_hint(), source_excerpt(root, p.path, p.line, p.col), p.detail)
                 for p in problems)


def entry_for_template(root: Path, failed: TemplateFailed, what: str) -> ErrorEntry:
    """A template that failed while rendering a page, at its file and line."""
    where = display_path(root, failed.filename) if failed.filename else "(a template)"
    if failed.line:
        where += f":{failed.line}"
    return ErrorEntry(where, f"{what}: {failed.message}", "fix the template; the last good page is shown meanwhile",
                      source_excerpt(root, failed.filename, failed.line, 0))


def entry_for_exception(root: Path, exc: BaseException, what: str) -> ErrorEntry:
    """An unexpected exception, with its traceback; at the template line when a template raised it."""
    template = template_frame(exc)
    where, source = "(internal error)", ""
    if template is not None:
        where = f"{display_path(root, template[0])}:{template[1]}"
        source = source_excerpt(root, template[0], template[1], 0)
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()
    return ErrorEntry(where, f"{what}: {type(exc).__name__}: {exc}",
                      "this is not a mistake in the content as far as the checks can tell; the traceback below says where",
                      source, detail)


@functools.cache
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(str(ASSETS)), autoescape=True, keep_trailing_newline=True)


def overlay_html(entries: tuple[ErrorEntry, ...], *, never_built: bool) -> str:
    """The error panel; empty when there are no errors."""
    if not entries:
        return ""
    count = f"{len(entries)} error{'s' if len(entries) != 1 else ''}"
    title = f"The site cannot be built: {count}" if never_built else f"{count}: this is the last good version of the page"
    return _templates().get_template("overlay.html").render(
        title=title, shown=entries[:MAX_OVERLAY_ERRORS], more=max(0, len(entries) - MAX_OVERLAY_ERRORS))


def inject(page: bytes, epoch: int, overlay: str) -> bytes:
    """The page with the overlay, the reload script and its style sheet; only while serving."""
    head = b'<link rel="stylesheet" href="/livereload.css">'
    body = (overlay + f'<script src="/livereload.js" data-epoch="{epoch}" defer></script>').encode("utf-8")
    lower = page.lower()
    at = lower.find(b"</head>")
    if at != -1:
        page, lower = page[:at] + head + page[at:], lower[:at] + head + lower[at:]
    else:
        body = head + body
    at = lower.rfind(b"</body>")
    return page[:at] + body + page[at:] if at != -1 else page + body


def error_page(epoch: int, overlay: str) -> bytes:
    """What every path shows while there has never been a good build."""
    page = _templates().get_template("error.html").render(csp=CSP)
    return inject(page.encode("utf-8"), epoch, overlay)
