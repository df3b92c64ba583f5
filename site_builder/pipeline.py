"""The stages in order: load, validate, anchor, render, write. Each takes plain data."""
from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from . import build_cache, editorial, inputs, page_store, share
from .anchor import Anchor, anchor_claims, anchor_events
from .errors import Problems, display_path, os_problem
from .inputs import Theme
from .load import YamlDoc, load_site
from .memo import NO_MEMO, Memo, NoMemo, Same, SavingMemo, load_memo
from .model import Claim, Model
from .page_store import PageStore
from .render import OutputFile, TemplateFailed, render_site, stream_site
from .search import SearchIndexFailed, ShardCache, index_site, is_searchable
from .structured import lint_claim_review
from .validate import base_url_problem, validate
from .write import OutputBusy, check_output, output_lock, remove_leftovers, spool_folder, write_site


@dataclass
class Checked:
    """The result of checking a root: the model and anchors when there were no errors."""

    problems: Problems
    model: Model | None = None
    anchors: dict[tuple[str, int], Anchor] = field(default_factory=dict)
    up_to_date: bool = False  # a build found nothing changed since the last one, and did nothing
    findings: list[editorial.Finding] = field(default_factory=list)  # the editorial review, also in `problems`

    @property
    def ok(self) -> bool:
        return (self.model is not None or self.up_to_date) and not self.problems.errors


def check(root: Path, base_url: str | None = None, memo: NoMemo = NO_MEMO) -> Checked:
    """Load, validate and anchor: everything short of producing pages.

    `memo` is what the stages may reuse from a previous check (see memo.py); by default nothing.
    """
    loaded, problems = load_site(Path(root), memo)
    model, found = validate(loaded, memo)
    problems.extend(found)
    if model is None:
        return Checked(problems)
    if base_url:
        base_url = base_url if base_url.endswith("/") else base_url + "/"
        wrong = base_url_problem(base_url)
        if wrong:
            problems.add("--base-url", 0, 0, f"'{base_url}' {wrong[0]}", wrong[1])
            return Checked(problems)
        model.site = replace(model.site, base_url=base_url)
    if not model.site.host_robots_txt:
        _check_robots_place(model.site.base_url, bool(base_url), loaded.site, problems)
    # Every claim that could be read is anchored, errors or not: every misquote in the same run.
    anchors, found = anchor_claims(model, memo)
    problems.extend(found)
    event_anchors, found = anchor_events(model, memo)
    anchors.update(event_anchors)
    problems.extend(found)
    if problems.errors:
        return Checked(problems)
    # What the lint reads besides the claim: the site, the verdict scale and the sources.
    site = (model.site, tuple(model.verdicts), tuple(sorted(model.sources.items())))
    context = Same(memo.get("lint context", site, lambda _: site))  # the same object while equal: cheap keys
    for claim in model.claims:
        lint = memo.get("lint", (Same(claim), context), functools.partial(_lint, model, claim))
        for _field, message, hint in lint:
            problems.add(claim.path, claim.line, 0, f"ClaimReview: {message}", hint, severity="warning")
        if not share.RTL_SHAPED and share.needs_rtl(f"{claim.reviewed} {share.claimant_line(claim)}"):
            problems.add(claim.path, claim.line, 0, "the share image cannot shape right-to-left text on this machine: "
                         "its Arabic letters will be drawn unjoined",
                         "install libfribidi0 (Debian) or fribidi, which Pillow's raqm layout needs", severity="warning")
    findings = editorial.review(model, anchors)
    for finding in findings:
        problems.add(finding.path, finding.line, finding.col, f"editorial: {finding.message}", finding.hint,
                     severity="warning")
    return Checked(problems, model, anchors, findings=findings)


def _check_robots_place(base_url: str, given: bool, site_doc: YamlDoc | None, problems: Problems) -> None:
    """Crawlers read robots.txt only at the root of a host: under a path, ours is never read."""
    parts = urlsplit(base_url)
    if parts.path in ("", "/"):
        return
    root = f"{parts.scheme}://{parts.netloc}/"
    line, col = site_doc.where(("base_url",)) if site_doc is not None and not given else (0, 0)
    problems.add("content/site.yaml", line, col,
                 f"the site is published under a path ({parts.path}), and crawlers read robots.txt only at the "
                 f"root of the host: {root}robots.txt, not the robots.txt this build writes",
                 f"add the line 'Sitemap: {base_url}sitemap.xml' to {root}robots.txt, so that search engines "
                 f"find the sitemap; then, or where that file is not yours (a GitHub Pages project site), "
                 f"set 'host_robots_txt: true' in content/site.yaml", severity="warning")


def _lint(model: Model, claim: Claim, _: Problems) -> list[tuple[str, str, str]]:
    return lint_claim_review(model, claim)


def render(root: Path, checked: Checked, workers: int = 1) -> list[OutputFile]:
    assert checked.model is not None
    return render_site(checked.model, checked.anchors, Theme.for_root(Path(root)), workers)


def build(root: Path, out: Path, base_url: str | None = None, search: bool = True,
          cache: Path | None = None, waiting: Callable[[], None] | None = None) -> Checked:
    """Check, render and write; on any error the output folder is left as it was.

    An output folder whose replacement would lose files raises `write.OutputRefused` before
    anything is read. While another build writes to the same folder this one waits, calling
    `waiting` once. When nothing that the build reads has changed since the last good build
    into `out`, and `out` is as that build left it, there is nothing to do.

    `cache` is the build cache's folder (build_cache.folder), None for a cold build that neither
    reads nor writes one. What the last build computed from the same input is taken from the
    cache's memo, and the search index's shards whose pages are the same from its folder; the
    output is the same, byte for byte.
    """
    root = Path(root)
    theme = Theme.for_root(root)
    check_output(root, Path(out), [*inputs.folders(root), build_cache.CODE_DIR])
    if cache is not None:
        build_cache.check_folder(root, cache, Path(out))
    try:
        with output_lock(Path(out), waiting), ExitStack() as locks:
            # Builds that share a cache folder (two output folders, or two roots with one --cache-dir) take
            # turns: each removes from the cache's page store what its own site does not use.
            if cache is not None:
                try:
                    locks.enter_context(output_lock(cache, waiting))
                    build_cache.tag(cache)
                except OSError:
                    cache = None  # a cache folder that cannot be locked cannot be written either: build cold
            remove_leftovers(Path(out))
            try:
                return _build_locked(root, Path(out), theme, base_url, search, cache)
            finally:
                gc.unfreeze()
    except OSError as exc:
        problems = Problems()
        path, what, fix = os_problem(exc, root)
        problems.add(path, 0, 0, what, f"{fix}; the site in {out} was left as it was")
        return Checked(problems)
    except OutputBusy as exc:
        problems = Problems()
        problems.add(display_path(root, str(out)), 0, 0, str(exc), "wait for it to finish, or build into another folder with --out")
        return Checked(problems)
    except MemoryError:
        problems = Problems()
        problems.add(display_path(root, str(out)), 0, 0, "the build ran out of memory",
                     f"give it more memory, or split the site; the site in {out} was left as it was")
        return Checked(problems)


def _build_locked(root: Path, out: Path, theme: Theme, base_url: str | None, search: bool,
                  cache: Path | None) -> Checked:
    # A cold build (no cache) neither reads nor writes the record and the memo: it needs no digests.
    digest: str | None = None
    version = ""
    memo: NoMemo = NO_MEMO
    if cache is not None:
        digest = build_cache.input_digest(root, {"base_url": base_url, "search": search})
        problems = build_cache.current_problems(cache, out, digest) if digest else None
        if problems is not None:
            return Checked(problems, up_to_date=True)
        version = build_cache.tool_version()
        memo = load_memo(cache / build_cache.MEMO, version)[0]
        memo.new_build()
        gc.freeze()  # see below
    checked = check(root, base_url, memo)
    if isinstance(memo, Memo):
        # A seed's index is large and quick to make again: kept, every build would read it, so it is not
        # saved; nor held while the pages render (at 10,000 claims, 60 MB of the 340 MB after checking).
        memo.drop("index")
    # The memo and the model live as long as the build. Out of the collector's sight (`build` gives them
    # back), each collection does not walk them again, in this process or in the forked workers, which
    # would also copy every page of memory it touched: at 10,000 claims, 4 s of an edit build and 10 s
    # of a cold one.
    gc.freeze()
    if checked.model is None or not checked.ok:
        return checked
    model = checked.model
    language = model.site.language
    store = None if cache is None else PageStore(cache / build_cache.PAGES)
    kept = None if cache is None or store is None else ShardCache(cache / build_cache.SHARDS, store, version)
    searchable: dict[str, bytes] = {}  # the searchable pages; with a cache, the digests that key the index's shards
    saving: SavingMemo | None = None

    def finish(tree: Path) -> None:
        nonlocal saving
        if cache is not None and isinstance(memo, Memo):
            # Every page is rendered: the memo is whole, and is written while Pagefind indexes.
            saving = SavingMemo(memo, cache / build_cache.MEMO, version)
        if search:
            index_site(tree, language, searchable, kept)

    good = False
    try:
        # A build is its own process, so it may fork workers; the threaded preview server renders in one.
        # Files are written as they come, while the workers render the next ones.
        with spool_folder(out) as spool:
            files = stream_site(model, checked.anchors, theme, workers=os.cpu_count() or 1,
                                image_cache=None if cache is None else cache / build_cache.SHARE_IMAGES, memo=memo,
                                store=store, spool=spool)
            write_site(_noting(files, searchable, keyed=cache is not None), out, finish=finish)
        good = True
    except TemplateFailed as exc:
        checked.problems.add(display_path(root, exc.filename), exc.line, 0, exc.message,
                             "fix the template; the site in the output folder was left as it was")
        checked.model = None
        return checked
    except SearchIndexFailed as exc:
        checked.problems.add(display_path(root, str(out)), 0, 0, f"the search index could not be built: {exc}",
                             "build with --no-search to publish without search, and report the problem; "
                             "the site in the output folder was left as it was")
        checked.model = None
        return checked
    finally:
        # The cache of a good build is kept; a cache that cannot be written only costs the next build time.
        if saving is not None and saving.finish(keep=good) and cache is not None and store is not None:
            store.keep(out)
            share.prune(cache / build_cache.SHARE_IMAGES, {claim.id for claim in model.claims})
            if digest:  # None: an input only a full build may judge (a link, a special file)
                build_cache.remember(cache, Path(out), digest, checked.problems)
    return checked


def _noting(files: Iterable[OutputFile], searchable: dict[str, bytes], keyed: bool) -> Iterator[OutputFile]:
    """The files, noting on the way the searchable pages, with the digests of their bytes when `keyed`."""
    for file in files:
        if is_searchable(file.path):
            searchable[file.path] = _digest(file) if keyed else b""
        yield file


def _digest(file: OutputFile) -> bytes:
    """The page store's digest of a file's bytes: from its name when it comes from the store."""
    return page_store.stored_digest(file.stored) if file.stored else page_store.digest(file.data)
