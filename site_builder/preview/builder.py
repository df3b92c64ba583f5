"""The preview's builder: the pipeline again on every save, reusing what did not change.

A full build of 1,000 claims takes seconds; a preview has to answer a save in a blink. The
builder passes one `Memo` (memo.py) to the pipeline's stages from one build to the next, so
that load reads only files whose stat changed, validate checks only claims whose file
changed, and anchor looks only for quotes whose claim or seed changed. Rendering reuses
bytes by the plan (plan.py): a page whose key, and what every page shows (with the
templates' text), are those of the previous build keeps its bytes.

Pages are rendered lazily: a build returns a `Snapshot` that knows every output path, the
bytes it carried over, and how to render the rest, and renders a page the first time it is
asked for (`files()` renders all of them). A snapshot never changes what it renders from, so
the result equals a full build of the same input, whatever the order; the tests check that
byte for byte after a sequence of edits.

A save of claim files can show on their own pages before the build: `edited_claim_pages`
checks and anchors just those files against the last good build and renders their pages,
which are what the build will make (a claim page is made from its claim and the sources it
cites: plan.claim_page). At 10,000 claims that takes milliseconds, where the build looks at
every claim.

The one thing the memo cannot follow is a folder the loader reads (inputs.READ_FOLDERS)
swapped for another, e.g. for a link: the files in it keep their own stat. Then the builder
starts again from an empty memo, and says so (`Build.note`).
"""
from __future__ import annotations

import stat
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateError, TemplateSyntaxError

from .. import build_cache, inputs, pipeline
from ..anchor import Anchor, anchor_claim
from ..errors import Problems, display_path
from ..inputs import Theme
from ..load import load_yaml_file
from ..memo import Memo, load_memo
from ..model import Model
from ..pipeline import Checked
from ..plan import Page, claim_page, site_plan
from ..render import (
    Assets,
    OutputFile,
    Renderer,
    TemplateFailed,
    make_environment,
    render_page,
    static_files,
    templates_key,
)
from ..validate import claim_checker

__all__ = ["Build", "Builder", "Snapshot"]


@dataclass(frozen=True)
class Site:
    """What a snapshot renders from: the checked site and the theme, compiled."""

    model: Model
    anchors: dict[tuple[str, int], Anchor]
    theme: Theme
    env: Environment
    assets: Assets


class Snapshot:
    """The output of one good build: its pages, the bytes carried over, and what renders the rest.

    Safe to share between threads: each page is rendered once, under its own lock, so a slow
    page never holds up another.
    """

    def __init__(self, site: Site, pages: dict[str, Page], shared_key: Any, data: dict[str, bytes] | None = None):
        self.site = site
        self.pages = pages  # path -> the plan's page
        self.shared_key = shared_key  # what every page is made from
        self.paths = tuple(sorted(pages))
        self._data = data if data is not None else {}  # path -> bytes, for the files there so far
        self._locks: dict[str, threading.Lock] = {}
        self._renderer: Renderer | None = None
        self._renderer_lock = threading.Lock()

    def __contains__(self, path: str) -> bool:
        return path in self.pages

    def __len__(self) -> int:
        return len(self.pages)

    def key_of(self, path: str) -> Any:
        """What a file is made from: a file with the same key in two snapshots has the same bytes."""
        page = self.pages.get(path)
        return self.shared_key, None if page is None else page.key

    def rendered(self, path: str) -> bytes | None:
        """A file's bytes if they are there already; renders nothing."""
        return self._data.get(path)

    def get(self, path: str) -> bytes | None:
        """A file's bytes, rendering it if need be; None when there is no such file.

        A template failing at run time raises render.TemplateFailed, which says where.
        """
        page = self.pages.get(path)
        if page is None:
            return None
        data = self._data.get(path)
        if data is not None:
            return data
        with self._locks.setdefault(path, threading.Lock()):
            if path not in self._data:
                self._data[path] = render_page(self._get_renderer(), page).data
            return self._data[path]

    def _get_renderer(self) -> Renderer:
        with self._renderer_lock:
            if self._renderer is None:
                site = self.site
                self._renderer = Renderer(site.model, site.anchors, site.theme, env=site.env, assets=site.assets)
            return self._renderer

    def files(self) -> list[OutputFile]:
        """Every output file, sorted by path, as `pipeline.render` returns them."""
        return [OutputFile(p, self.get(p) or b"") for p in self.paths]

    def carry_over(self, previous: Snapshot | None) -> tuple[list[str], int]:
        """Take the bytes of every page made from the same as in `previous`; the paths that changed,
        and how many files were carried over."""
        same_shared = previous is not None and previous.shared_key == self.shared_key
        dirty, reused = [], 0
        for path, page in self.pages.items():
            old = previous.pages.get(path) if same_shared and previous is not None else None
            if old is None or old.key != page.key:
                dirty.append(path)
            elif path not in self._data:
                data = previous.rendered(path)  # type: ignore[union-attr]
                if data is not None:
                    self._data[path] = data
                    reused += 1
        return sorted(dirty), reused


@dataclass
class Build:
    """What one build found: the checked site, and its snapshot when it was good."""

    checked: Checked
    snapshot: Snapshot | None
    dirty: tuple[str, ...] = ()  # output paths new or changed since the previous good build
    removed: tuple[str, ...] = ()  # output paths gone since then
    reused: int = 0  # files whose bytes were carried over
    note: str = ""  # why nothing could be reused, when that is so

    @property
    def ok(self) -> bool:
        return self.snapshot is not None

    @property
    def changed(self) -> bool:
        return bool(self.dirty or self.removed)


class Builder:
    """Builds one root again and again, reusing what did not change. One builder, one thread."""

    def __init__(self, root: Path, base_url: str | None = None, cache: Path | None = None):
        """`cache`: the build cache's folder (build_cache.py); the first build starts from what the
        last `build` there computed, read only: the preview keeps its pages in memory, not there."""
        self.root = Path(root).resolve()
        self.base_url = base_url
        self.memo = Memo() if cache is None else load_memo(cache / build_cache.MEMO, build_cache.tool_version())[0]
        self.last_good: Snapshot | None = None
        self._edit_base: Snapshot | None = None  # the last build's snapshot, when it was good
        self._tree = inputs.tree_signature(self.root)
        self._env: tuple[Any, Environment] | None = None  # (templates key, environment)

    def build(self) -> Build:
        """Check the root and plan its output; the snapshot renders pages when they are asked for."""
        self._edit_base = None
        note = ""
        tree = inputs.tree_signature(self.root)
        if tree != self._tree:
            self.memo, self._tree = Memo(), tree
            note = "a folder of the site was replaced: everything is read again"
        self.memo.new_build()
        checked = pipeline.check(self.root, self.base_url, self.memo)
        if not checked.ok:
            return Build(checked, None, note=note)
        assert checked.model is not None
        theme = Theme.for_root(self.root)
        templates, env, problems = self._templates(theme)
        if env is None:
            checked.problems.extend(problems)
            return Build(Checked(checked.problems), None, note=note)
        assets = static_files(theme, checked.model)
        plan = site_plan(checked.model, assets)
        site = Site(checked.model, checked.anchors, theme, env, assets)
        snapshot = Snapshot(site, {p.path: p for p in plan.pages}, (plan.shared, templates))
        dirty, reused = snapshot.carry_over(self.last_good)
        previous = self.last_good
        removed = () if previous is None else tuple(sorted(set(previous.pages) - set(snapshot.pages)))
        self.last_good = self._edit_base = snapshot
        return Build(checked, snapshot, tuple(dirty), removed, reused, note)

    def edited_claim_pages(self, changed: Iterable[str | Path]) -> Snapshot | None:
        """The last good site with the pages of the edited claims made again, ahead of the build.

        For the usual save only: claim files of the last build, written again, still valid, every
        quote found. Their pages are then what the build will make, since a claim page is made
        from its claim and the sources it cites (plan.claim_page); the build follows at once for
        the lists, feeds and source pages. None for any other change (a claim made, removed or
        broken, any other file), which the build alone handles.
        """
        base = self._edit_base
        if base is None:
            return None
        files = self._edited_claim_files(base, changed)
        if not files:
            return None
        model, problems = base.site.model, Problems()
        pages, data, anchors = dict(base.pages), dict(base._data), dict(base.site.anchors)
        edited = []
        for file in files:
            doc = load_yaml_file(self.root, file, problems, memo=self.memo)
            claim = None if doc is None else claim_checker(model.verdicts, model.sources, self.memo)(doc, problems)
            if claim is None:
                return None
            found = anchor_claim(claim, model.sources, problems, self.memo)
            if problems.errors:
                return None
            anchors.update(found)
            page = claim_page(claim, model)
            pages[page.path] = page
            data.pop(page.path, None)
            edited.append(page.path)
        site = Site(model, anchors, base.site.theme, base.site.env, base.site.assets)
        snapshot = Snapshot(site, pages, base.shared_key, data)
        try:
            for path in edited:
                snapshot.get(path)  # now, so that the page is there when the browser asks
        except TemplateFailed:
            return None  # the build reports it
        return snapshot

    def _edited_claim_files(self, base: Snapshot, changed: Iterable[str | Path]) -> list[Path] | None:
        """The claim files among `changed` when the change is only edits of claims of the last build."""
        claims_dir = self.root / inputs.CLAIMS_DIR
        known = {claim.path for claim in base.site.model.claims}
        files = []
        for path in sorted({Path(p) for p in changed}):
            planned = path.parent == claims_dir and f"{inputs.CLAIMS_DIR}/{path.name}" in known
            sig = inputs.signature(path)
            if planned and sig is not None and sig[0] == stat.S_IFREG:
                files.append(path)
            elif planned or sig is not None or path.parent != claims_dir:
                return None  # a claim removed or made, or another kind of file
            # else an editor's temporary file next to the claims, gone again
        return files

    def _templates(self, theme: Theme) -> tuple[Any, Environment | None, Problems]:
        """A key for the templates' text, and an environment with all of them compiled (None on errors).

        Compiling every template when one changes reports a syntax error at once, and freezes the
        environment, so that an older snapshot keeps rendering with the templates it was built with.
        """
        key = templates_key(theme)
        problems = Problems()
        if self._env is not None and self._env[0] == key:
            return key, self._env[1], problems
        env = make_environment(theme)
        env.cache = {}  # type: ignore[assignment]  # unbounded, so every template stays compiled
        for name in env.list_templates():
            try:
                env.get_template(name)
            except TemplateSyntaxError as exc:
                problems.add(display_path(self.root, exc.filename or name), exc.lineno or 0, 0,
                             f"template syntax error: {exc.message}",
                             "fix the Jinja syntax on this line; the last good site is shown meanwhile")
            except (TemplateError, UnicodeDecodeError) as exc:
                problems.add(display_path(self.root, name), 0, 0, f"the template cannot be read: {exc}",
                             "fix the template")
        if problems.errors:
            return key, None, problems
        self._env = (key, env)
        return key, env, problems
