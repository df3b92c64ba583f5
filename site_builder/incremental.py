"""Incremental builds for `serve`: the same pipeline, redoing only what an edit touched.

A full build of 1,000 claims takes seconds; a preview has to answer a save in a blink. The
builder keeps, from one build to the next, whatever is a pure function of inputs it can
recognise again:

- load: a file whose stat (kind, inode, size, mtime, ctime) is what it was when it was
  last read is not read again; one read within 2 s of a change is read again next time and
  its bytes compared, as git does for "racily clean" files. A file that is read goes through
  a parse cache keyed by its text, so a save that changes nothing parses nothing;
- validate: each claim's result, reused while its parsed file, the verdicts and the set of
  source ids are the same; likewise the site, the verdicts, the sources, the tag spellings
  and the ClaimReview lint;
- anchor: each excerpt's anchor, reused for the same (seed text, residue lines, quote,
  prefix, occurrence); the normalised text of each seed, while the seed is the same. A
  seed's metadata can change without anything being re-anchored;
- render: each output file's bytes, reused while the objects it is rendered from are equal
  (a claim page: its claim and the sources it cites; a source page: the source and the
  excerpts citing it; the index, feeds and claims.json: every claim...), together with what
  every page shows (site, verdicts, menu pages, asset names, the templates' text). A change
  of template or static file therefore re-renders everything.

How the caches are put in without copying the pipeline: `check` runs the pipeline's own
functions (`pipeline.check`, `load.load_site`, `validate.validate`, `anchor.anchor_claims`),
each re-bound to a copy of its module's namespace in which a few per-item functions
(`parse_yaml`, `_check_claim`, `anchor_excerpt`...) are replaced by cached wrappers. So
whatever those top-level functions come to do, this does too. Only `stream_site`'s list of
pages is mirrored here, in `_plan`, because pages must be known before they are rendered.
If render.py asks its Renderer for a kind of page that `_plan` does not know, or a cache
cannot be put in, the builder says so and does full builds instead: slower, never wrong.

A save of claim files can show on their own pages before the build: `edited_claim_pages`
checks and anchors just those files against the last good build and renders their pages,
which are what the build will make (a claim page's key is its claim and cited sources). At
10,000 claims that takes milliseconds, where the build looks at every claim.

Pages are rendered lazily: a build returns a `Snapshot` that knows every output path, the
bytes it carried over, and how to render the rest, and renders a page the first time it is
asked for (`files()` renders all of them). A snapshot never changes what it renders from,
so the result equals a full build of the same input, whatever the order; the tests check
that byte for byte after a sequence of edits.
"""
from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateError, TemplateSyntaxError

from . import anchor as anchor_module
from . import load as load_module
from . import pipeline as pipeline_module
from . import validate as validate_module
from .anchor import Anchor
from .errors import Problem, Problems, display_path
from .model import Model
from .pipeline import Checked
from .plan import Page, claim_page, site_plan
from .render import Assets, OutputFile, Renderer, Theme, make_environment, render_page, static_files

__all__ = ["Build", "Builder", "Snapshot"]

# A file changed less than this before it was read may change again with the same time stamp
# (file systems keep coarse clocks, FAT's ticks in 2 s): it is read again next time, as git does.
RACY_NS = 2_000_000_000
TREE = (".", "content", "content/claims", "content/pages", "seeds")  # the folders whose files are read

class IncrementalUnavailable(Exception):
    """The pipeline has changed in a way this module does not follow; full builds are used."""


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()


def _replay(problems: Problems, items: list[Problem]) -> None:
    problems.items.extend(items)


def _shadow(module: types.ModuleType, overrides: dict[str, Any], required: set[str]) -> dict[str, Any]:
    """A copy of a module's namespace in which its functions see `overrides` instead of its own names."""
    names = vars(module)
    missing = sorted(required - set(names))
    if missing:
        raise IncrementalUnavailable(f"{module.__name__} no longer has {', '.join(missing)}")
    namespace = dict(names)
    namespace.update({k: v for k, v in overrides.items() if k in names})
    for name, value in names.items():
        if (isinstance(value, types.FunctionType) and value.__module__ == module.__name__
                and name not in overrides):
            copy = types.FunctionType(value.__code__, namespace, value.__name__, value.__defaults__,
                                      value.__closure__)
            copy.__kwdefaults__ = value.__kwdefaults__
            copy.__qualname__ = value.__qualname__
            namespace[name] = copy
    return namespace


# --- the snapshot: every output path, rendered now or on first use ----------------------------

class Snapshot:
    """The output of one good build: its paths, the bytes carried over, and what renders the rest.

    Safe to share between threads: each page is rendered once, under its own lock, so a slow page
    never holds up another.
    """

    def __init__(self, model: Model | None, anchors: dict[tuple[str, int], Anchor], theme: Theme,
                 env: Environment | None, assets: Assets | None, keys: dict[str, Any], pages: dict[str, Page],
                 data: dict[str, bytes], shared_key: Any):
        self.model = model
        self.anchors = anchors
        self.theme = theme
        self.env = env
        self.assets = assets
        self.keys = keys  # path -> what the file is made from
        self.shared_key = shared_key  # what every page is made from
        self.paths = tuple(sorted(keys))
        self._pages = pages
        self._locks: dict[str, threading.Lock] = {}
        self._data = data  # path -> bytes, for the files there so far
        self._renderer: Renderer | None = None
        self._renderer_lock = threading.Lock()

    def __contains__(self, path: str) -> bool:
        return path in self.keys

    def __len__(self) -> int:
        return len(self.keys)

    def _get_renderer(self) -> Renderer:
        with self._renderer_lock:
            if self._renderer is None:
                assert self.model is not None
                self._renderer = Renderer(self.model, self.anchors, self.theme, env=self.env, assets=self.assets)
            return self._renderer

    def key_of(self, path: str) -> Any:
        """What a file is made from: a file with the same key in two snapshots has the same bytes."""
        return self.shared_key, self.keys.get(path)

    def rendered(self, path: str) -> bytes | None:
        """A file's bytes if they are there already; renders nothing."""
        return self._data.get(path)

    def get(self, path: str) -> bytes | None:
        """A file's bytes, rendering it (and its group) if need be; None when there is no such file.

        What the renderer raises (a template failing at run time) goes to the caller.
        """
        if path not in self.keys:
            return None
        data = self._data.get(path)
        if data is not None:
            return data
        with self._locks.setdefault(path, threading.Lock()):
            if path not in self._data:
                self._data[path] = render_page(self._get_renderer(), self._pages[path]).data
            return self._data[path]

    def pending(self) -> list[str]:
        """Paths not rendered yet."""
        return [p for p in self.paths if p not in self._data]

    def files(self) -> list[OutputFile]:
        """Every output file, sorted by path, as `pipeline.render` returns them."""
        return [OutputFile(p, self.get(p)) for p in self.paths]  # type: ignore[arg-type]


@dataclass
class Build:
    """What one build found: the checked site, and its snapshot when it was good."""

    checked: Checked
    snapshot: Snapshot | None
    dirty: tuple[str, ...] = ()  # output paths new or changed since the previous good build
    removed: tuple[str, ...] = ()  # output paths gone since then
    reused: int = 0  # files whose bytes were carried over

    @property
    def ok(self) -> bool:
        return self.snapshot is not None

    @property
    def changed(self) -> bool:
        return bool(self.dirty or self.removed)


# --- the builder -------------------------------------------------------------------------------

class Builder:
    """Builds one root again and again, reusing what did not change. One builder, one thread.

    `full_reason` is None while builds are incremental, else why they are full.
    """

    def __init__(self, root: Path, base_url: str | None = None):
        self.root = Path(root).resolve()
        self.base_url = base_url
        self.last_good: Snapshot | None = None
        self.full_reason: str | None = None
        self._edit_base: Snapshot | None = None  # the snapshot of the last build, when it was good and incremental
        self._failures = 0
        self._env: tuple[Any, Environment] | None = None  # (templates key, environment)
        self._reset_caches()
        try:
            self._check = self._make_check()
        except (IncrementalUnavailable, OSError, TypeError) as exc:
            self._check = pipeline_module.check
            self.full_reason = str(exc)

    def _reset_caches(self) -> None:
        self._parsed: dict[str, tuple[str, Any, list[Problem]]] = {}  # path -> (text, doc, problems)
        self._parsed_seen: set[str] = set()
        self._seeds: dict[str, Any] = {}  # path -> Seed
        self._small: dict[str, tuple[tuple, Any, list[Problem]]] = {}  # check name -> (inputs, result, problems)
        self._claims: dict[str, tuple[Any, Any, Any, list[Problem]]] = {}  # path -> (doc, context, claim, problems)
        self._claims_seen: set[str] = set()
        self._context: tuple = (None, None, None)  # (verdicts, sources, what a claim is checked against)
        self._lint_model: Any = None
        self._lint_context: Any = None
        self._indexes: dict[tuple, Any] = {}  # (source id, path, residue) -> SourceIndex
        self._anchors: dict[tuple, Anchor] = {}
        self._anchors_next: dict[tuple, Anchor] = {}
        self._stats: dict[tuple, tuple] = {}  # (what, path, ...) -> (stat signature, result)
        self._reads: dict[tuple, tuple] = {}  # ("read", path, limit) -> (stat signature, bytes, racy)
        self._tree: tuple = ()
        self._stats_seen: set[tuple] = set()
        self._linted: dict[str, tuple] = {}
        self._linted_next: dict[str, tuple] = {}

    # -- check: the pipeline's own functions, with caches slipped in ------------------------------

    def _make_check(self) -> Callable[[Path, str | None], Checked]:
        load_ns = _shadow(load_module, {"parse_yaml": self._parse_yaml, "_read": self._read,
                                        "_listing": self._listing},
                          {"parse_yaml", "load_yaml_file", "load_seed", "load_site"})
        # Whole files whose stat is unchanged are not even read; the others go through the parse cache.
        load_ns["load_yaml_file"] = self._stat_cached_loader("yaml", load_ns["load_yaml_file"])
        self._load_yaml_file = load_ns["load_yaml_file"]
        load_ns["load_seed"] = self._stat_cached_loader("seed", self._identical_seeds(load_ns["load_seed"]))
        validate_ns = _shadow(validate_module, {
            "_check_claim": self._check_claim,
            "_check_site": self._small_check("site", validate_module._check_site, lambda doc: (doc,)),
            "_check_verdicts": self._small_check("verdicts", validate_module._check_verdicts, lambda doc: (doc,)),
            "_check_sources": self._small_check(
                "sources", validate_module._check_sources,
                lambda loaded: (loaded.sources, *(s for _, s in sorted(loaded.seeds.items())))),
            "_check_tag_spellings": self._small_check(
                "tags", validate_module._check_tag_spellings,
                lambda claims, loaded: (*claims, *loaded.claims)),
        }, {"_check_claim", "validate"})
        anchor_ns = _shadow(anchor_module, {"SourceIndex": self._source_index, "anchor_excerpt": self._anchor_excerpt},
                            {"SourceIndex", "anchor_excerpt", "anchor_claims"})
        shadow_load, shadow_validate, shadow_anchor = (load_ns["load_site"], validate_ns["validate"],
                                                       anchor_ns["anchor_claims"])

        def load_site(root):
            # A folder of the root swapped for a link leaves its files' own stat as it was: start over.
            tree = tuple(_signature(Path(root) / sub) for sub in TREE)
            if tree != self._tree:
                self._stats.clear()
                self._reads.clear()
                self._tree = tree
            self._parsed_seen = set()
            self._stats_seen: set[tuple] = set()
            result = shadow_load(root)
            for path in set(self._parsed) - self._parsed_seen:
                del self._parsed[path]
            for cache in (self._stats, self._reads):  # files gone, or not read this time
                for key in set(cache) - self._stats_seen:
                    del cache[key]
            return result

        def validate(loaded):
            self._claims_seen = set()
            result = shadow_validate(loaded)
            for path in set(self._claims) - self._claims_seen:
                del self._claims[path]
            return result

        def anchor_claims(model):
            self._anchors_next = {}
            result = shadow_anchor(model)
            self._anchors = self._anchors_next
            live = {key[0] for key in self._anchors}
            self._indexes = {k: v for k, v in self._indexes.items() if v in live}
            # The lint runs after the anchors in pipeline.check: what it cached last time is kept for it.
            self._linted, self._linted_next = self._linted_next, {}
            return result

        pipeline_ns = _shadow(pipeline_module, {"load_site": load_site, "validate": validate,
                                                "anchor_claims": anchor_claims, "lint_claim_review": self._lint},
                              {"check", "load_site", "validate", "anchor_claims"})
        self._lint_original = getattr(pipeline_module, "lint_claim_review", None)
        return pipeline_ns["check"]

    # load: read a file again only when its stat says it may have changed

    def _stat_cached(self, path: Path, key: Any, kind: int, compute: Callable[[], Any]) -> Any:
        """`compute()`, or its last result while `path` is the same kind of entry, unchanged since."""
        signature = _signature(path)
        if signature is None or signature[0] != kind:  # links, missing files...: the original says what is wrong
            return compute()
        self._stats_seen.add(key)
        hit = self._stats.get(key)
        if hit is not None and hit[0] == signature:
            return hit[1]
        before = time.time_ns()
        result = compute()
        if result is not None and max(signature[-2:]) < before - RACY_NS:
            self._stats[key] = (signature, result)
        else:
            self._stats.pop(key, None)
        return result

    def _read(self, root: Path, file: Path, limit: int, problems: Problems):
        """load._read, skipped while the file's stat is the same.

        A file read within RACY_NS of its last change is read again next time, and compared:
        cheaply (load._read resolves the path, for links out of the root), since its stat, and
        that of the folders above (TREE), say it is the same regular file as before.
        """
        signature = _signature(file)
        key = ("read", str(file), limit)
        self._stats_seen.add(key)
        before = time.time_ns()
        if signature is not None and signature[0] == stat.S_IFREG:
            hit = self._reads.get(key)
            if hit is not None and hit[0] == signature:
                if not hit[2]:
                    return hit[1]
                try:
                    with open(file, "rb") as handle:
                        again = handle.read(limit + 1)
                except OSError:
                    again = None
                if again == hit[1]:
                    self._reads[key] = (signature, again, max(signature[-2:]) >= before - RACY_NS)
                    return again
        found = Problems()
        data = load_module._read(root, file, limit, found)
        _replay(problems, found.items)
        if data is not None and signature is not None and signature[0] == stat.S_IFREG:
            self._reads[key] = (signature, data, max(signature[-2:]) >= before - RACY_NS)
        else:
            self._reads.pop(key, None)
        return data

    def _listing(self, root: Path, folder: Path, pattern: str, problems: Problems):
        found = Problems()
        listing = self._stat_cached(folder, ("listing", str(folder), pattern), stat.S_IFDIR,
                                    lambda: load_module._listing(root, folder, pattern, found))
        _replay(problems, found.items)
        return list(listing)

    def _parse_yaml(self, path: str, text: str, problems: Problems):
        self._parsed_seen.add(path)
        hit = self._parsed.get(path)
        if hit is not None and hit[0] == text:
            _replay(problems, hit[2])
            return hit[1]
        found = Problems()
        doc = load_module.parse_yaml(path, text, found)
        self._parsed[path] = (text, doc, found.items)
        _replay(problems, found.items)
        return doc

    def _identical_seeds(self, load_seed: Callable) -> Callable:
        def cached(root: Path, file: Path, problems: Problems):
            seed = load_seed(root, file, problems)
            if seed is None:
                return None
            known = self._seeds.get(seed.path)
            if known is not None and known == seed:
                return known  # the same text object, so that comparisons further on stop at identity
            self._seeds[seed.path] = seed
            return seed
        return cached

    def _stat_cached_loader(self, what: str, load: Callable) -> Callable:
        """A loader of one file (load_yaml_file, load_seed) whose result is kept while the file's stat is."""
        def cached(root: Path, file: Path, problems: Problems, **options):
            def compute():
                found = Problems()
                return load(root, file, found, **options), found.items
            key = (what, str(file), *sorted(options.items())) if options else (what, str(file))
            result, items = self._stat_cached(file, key, stat.S_IFREG, compute)
            _replay(problems, items)
            return result
        return cached

    def _small_check(self, name: str, check: Callable, inputs: Callable) -> Callable:
        """Cache a check by the identity of what it reads (cached parses are the same objects)."""
        def cached(*args):
            problems = args[-1]
            key = tuple(id(x) for x in inputs(*args[:-1]))
            hit = self._small.get(name)
            if hit is not None and hit[0][0] == key:
                _replay(problems, hit[2])
                return hit[1]
            found = Problems()
            result = check(*args[:-1], found)
            # The inputs are kept alive with the entry, so that their ids stay theirs.
            self._small[name] = ((key, inputs(*args[:-1])), result, found.items)
            _replay(problems, found.items)
            return result
        return cached

    def _check_claim(self, doc, verdicts, sources, problems: Problems):
        # A claim is checked against the verdicts and the ids of the sources, nothing else of the site.
        if self._context[0] is not verdicts or self._context[1] is not sources:
            self._context = (verdicts, sources, (None if verdicts is None else tuple(verdicts), frozenset(sources)))
        context = self._context[2]
        self._claims_seen.add(doc.path)
        hit = self._claims.get(doc.path)
        if hit is not None and hit[0] is doc and hit[1] == context:
            _replay(problems, hit[3])
            return hit[2]
        found = Problems()
        claim = validate_module._check_claim(doc, verdicts, sources, found)
        self._claims[doc.path] = (doc, context, claim, found.items)
        _replay(problems, found.items)
        return claim

    def _lint(self, model, claim):
        # What the ClaimReview lint reads: the claim, the site, the verdict scale, the cited sources.
        if self._lint_model is not model:  # once per build: the same context object while it is equal
            context = (model.site, tuple(model.verdicts), model.sources)
            if context != self._lint_context:
                self._lint_context = context
            self._lint_model = model
        hit = self._linted.get(claim.path)
        if hit is not None and hit[0] is claim and hit[1] is self._lint_context:
            self._linted_next[claim.path] = hit
            return hit[2]
        found = self._lint_original(model, claim)
        self._linted_next[claim.path] = (claim, self._lint_context, found)
        return found

    def _source_index(self, source):
        key = (source.id, source.path, source.residue)
        index = self._indexes.get(key)
        if index is None or index.source.text != source.text:
            index = self._indexes[key] = anchor_module.SourceIndex(source)
        return index

    def _anchor_excerpt(self, claim, excerpt, index, problems: Problems):
        # Where a quote lands depends on the seed and the excerpt, never on the claim around it.
        key = (index, excerpt.quote, excerpt.prefix, excerpt.occurrence)  # an index is one seed text
        found = self._anchors.get(key)
        if found is None:
            found = self._anchors_next.get(key)
        if found is None:
            mine = Problems()
            found = anchor_module.anchor_excerpt(claim, excerpt, index, mine)
            _replay(problems, mine.items)
            if found is None or mine.items:
                return found
        self._anchors_next[key] = found
        return found

    # -- build ---------------------------------------------------------------------------------

    def check(self) -> Checked:
        """What `pipeline.check` returns for the root, from the caches where the input is the same."""
        return self._check(self.root, self.base_url)

    def build(self) -> Build:
        """Check the root and plan its output; the snapshot renders pages when they are asked for.

        If the incremental machinery fails, the build is redone in full, from empty caches. A
        failure of the full build too is the pipeline's (it propagates); when the incremental
        build fails twice in a row and the full one works, later builds stay full
        (`full_reason` says why).
        """
        self._edit_base = None
        if self.full_reason is not None:
            return self._full_build()
        try:
            result = self._incremental_build()
            self._failures = 0
            self._edit_base = result.snapshot
            return result
        except Exception as exc:
            self._reset_caches()
            self._env = None
            result = self._full_build()  # raises too when the fault is the pipeline's
            self._failures += 1
            if self._failures >= 2:
                self.full_reason = f"the incremental build failed ({type(exc).__name__}: {exc})"
            return result

    def edited_claim_pages(self, changed: Iterable[str | Path]) -> Snapshot | None:
        """The last good site with the pages of the edited claims made again, ahead of the build.

        For the usual save only: claim files of the last build, written again, still valid, every
        quote found. Their pages are then what the build will make, since a claim page is made
        from its claim and the sources it cites (its key in `_plan`); the build follows at once
        for the lists, feeds and source pages. None for any other change (a claim made, removed
        or broken, any other file), which the build alone handles.
        """
        base = self._edit_base
        if base is None or base.model is None:
            return None
        files = self._edited_claim_files(changed)
        if not files:
            return None
        model, problems = base.model, Problems()
        keys, pages, data, anchors = dict(base.keys), dict(base._pages), dict(base._data), dict(base.anchors)
        paths = []
        for file in files:
            doc = self._load_yaml_file(self.root, file, problems)
            claim = None if doc is None else self._check_claim(doc, model.verdicts, model.sources, problems)
            if claim is None or problems.errors:
                return None
            for excerpt in claim.quoted:
                index = self._source_index(model.sources[excerpt.source])
                found = self._anchor_excerpt(claim, excerpt, index, problems)
                if found is None or problems.errors:
                    return None
                anchors[(claim.id, excerpt.number)] = found
            page = claim_page(claim, model)
            keys[page.path], pages[page.path] = page.key, page
            data.pop(page.path, None)
            paths.append(page.path)
        snapshot = Snapshot(model, anchors, base.theme, base.env, base.assets, keys, pages, data, base.shared_key)
        try:
            for path in paths:
                snapshot.get(path)  # now, so that the page is there when the browser asks
        except Exception:
            return None  # the build reports what failed
        return snapshot

    def _edited_claim_files(self, changed: Iterable[str | Path]) -> list[Path] | None:
        """The claim files among `changed` when the change is only edits of claims of the last build."""
        claims_dir = self.root / "content" / "claims"
        assert self._edit_base is not None and self._edit_base.model is not None
        known = {claim.path for claim in self._edit_base.model.claims}
        files = []
        for path in sorted({Path(p) for p in changed}):
            planned = path.parent == claims_dir and f"content/claims/{path.name}" in known
            signature = _signature(path)
            if planned and signature is not None and signature[0] == stat.S_IFREG:
                files.append(path)
            elif planned or signature is not None or path.parent != claims_dir:
                return None  # a claim removed or made, or another kind of file
            # else an editor's temporary file next to the claims, gone again
        return files

    def _incremental_build(self) -> Build:
        checked = self.check()
        if not checked.ok:
            return Build(checked, None)
        assert checked.model is not None
        theme = Theme.for_root(self.root)
        templates_key, template_problems = self._templates(theme)
        if template_problems.errors:
            checked.problems.extend(template_problems)
            return Build(Checked(checked.problems), None)
        assets = static_files(theme, checked.model)
        plan = site_plan(checked.model, assets)
        assert self._env is not None
        return self._finish(checked, Snapshot(checked.model, checked.anchors, theme, self._env[1], assets,
                                              {p.path: p.key for p in plan.pages}, {p.path: p for p in plan.pages},
                                              {}, (plan.shared, templates_key)))

    def _full_build(self) -> Build:
        checked = pipeline_module.check(self.root, self.base_url)
        if not checked.ok:
            return Build(checked, None)
        files = pipeline_module.render(self.root, checked)
        data = {f.path: f.data for f in files}
        keys = {path: _digest(d) for path, d in data.items()}  # so the keys say when bytes are the same
        return self._finish(checked, Snapshot(checked.model, checked.anchors, Theme.for_root(self.root), None, None,
                                              keys, {}, data, None))

    def _finish(self, checked: Checked, snapshot: Snapshot) -> Build:
        """Carry over what the previous good build rendered from the same inputs."""
        previous = self.last_good
        dirty, reused = [], 0
        same_shared = previous is not None and previous.shared_key == snapshot.shared_key
        for path, key in snapshot.keys.items():
            if not same_shared or previous.keys.get(path) != key:  # type: ignore[union-attr]
                dirty.append(path)
            elif path not in snapshot._data:
                old = previous.rendered(path)
                if old is not None:
                    snapshot._data[path] = old
                    reused += 1
        removed = () if previous is None else tuple(sorted(set(previous.keys) - set(snapshot.keys)))
        self.last_good = snapshot
        return Build(checked, snapshot, tuple(sorted(dirty)), removed, reused)

    # -- templates ---------------------------------------------------------------------------

    def _templates(self, theme: Theme) -> tuple[Any, Problems]:
        """A key for the templates' text, and (in self._env) an environment with all of them compiled.

        Compiling every template when one changes reports a syntax error at once, and freezes the
        environment, so that an older snapshot keeps rendering with the templates it was built with.
        """
        files = []
        for folder in theme.template_dirs:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    files.append((path.relative_to(folder).as_posix(), str(folder), _digest(path.read_bytes())))
        key = (theme, tuple(files))
        problems = Problems()
        if self._env is not None and self._env[0] == key:
            return key, problems
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
        if not problems.errors:
            self._env = (key, env)
        return key, problems


def _signature(path: Path) -> tuple | None:
    """What lstat says of an entry: its kind, identity, size and times; None when it is not there."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (stat.S_IFMT(st.st_mode), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
