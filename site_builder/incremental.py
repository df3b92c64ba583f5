"""Incremental builds for `serve`: the same pipeline, redoing only what an edit touched.

A full build of 1,000 claims takes seconds; a preview has to answer a save in a blink. So
the builder keeps, between builds, everything that is a pure function of inputs it can
recognise again:

- load: the parsed YAML of each file, keyed by the file's path and a hash of its bytes
  (every file is still read on every build, so the cache never trusts a time stamp);
- validate: each claim's result, keyed by its file's hash, while the verdicts and the set
  of source ids it is checked against stay the same;
- anchor: each excerpt's anchor, keyed by (seed digest, residue lines, quote, prefix,
  occurrence); a seed's metadata can change without anything being re-anchored;
- render: each output page's bytes, keyed by the objects it is rendered from (a claim page
  by its claim and the sources it cites; a source page by the source and the excerpts that
  cite it; the index, feeds and claims.json by every claim...), plus one key for what every
  page shows (site, verdicts, menu pages, asset names, the templates' text). A template or
  static change re-renders everything.

Pages are rendered lazily: a build produces a `Snapshot` that knows every output path, the
bytes it could reuse, and how to render the rest, and renders a page the first time it is
asked for (or all of them, `files()`). A snapshot is immutable in what it renders from, so
whatever order pages are rendered in, the result equals a full build of the same input;
tests/test_serve.py checks that byte for byte after a sequence of edits.

This module mirrors the top-level loops of `load.load_site`, `validate.validate`,
`pipeline.check` and `render.render_site` (the per-file and per-page work is theirs,
called as is). When one of those loops changes, change its mirror here; the equivalence
test fails until the two agree.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from jinja2 import Environment, TemplateError, TemplateSyntaxError

from . import load as load_mod
from . import validate as validate_mod
from .anchor import Anchor, SourceIndex, anchor_excerpt
from .errors import Problem, Problems
from .load import Loaded, Seed, YamlDoc
from .model import Claim, Model, Source
from .pipeline import Checked
from .render import Assets, OutputFile, Renderer, Theme, make_environment, static_files

__all__ = ["Builder", "Build", "Snapshot"]


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()


def _replay(problems: Problems, items: list[Problem]) -> None:
    problems.items.extend(items)


# --- the snapshot: every output path, rendered now or on first use ----------------------------

@dataclass
class _Group:
    """Pages that one call of the renderer produces together (all tag pages, the feeds...)."""

    name: str
    render: Callable[[Renderer], list[OutputFile]]
    paths: tuple[str, ...]
    lock: threading.Lock = field(default_factory=threading.Lock)


class Snapshot:
    """The output of one successful build: paths, reusable bytes, and what renders the rest.

    Thread-safe: any number of request threads may ask for pages; each group of pages is
    rendered once, under its own lock, so a slow page never holds up another.
    """

    def __init__(self, model: Model, anchors: dict[tuple[str, int], Anchor], theme: Theme, env: Environment,
                 assets: Assets, keys: dict[str, Any], groups: dict[str, _Group], data: dict[str, bytes],
                 shared_key: Any):
        self.model = model
        self.anchors = anchors
        self.theme = theme
        self.env = env
        self.assets = assets
        self.keys = keys  # path -> what the page is rendered from
        self.shared_key = shared_key  # what every page is rendered from
        self._groups = groups  # path -> group
        self._data = data  # path -> bytes, for the pages rendered so far
        self._renderer: Renderer | None = None
        self._renderer_lock = threading.Lock()
        self.paths = tuple(sorted(keys))

    def __contains__(self, path: str) -> bool:
        return path in self.keys

    def renderer(self) -> Renderer:
        with self._renderer_lock:
            if self._renderer is None:
                self._renderer = Renderer(self.model, self.anchors, self.theme, env=self.env, assets=self.assets)
            return self._renderer

    def rendered(self, path: str) -> bytes | None:
        """The bytes of a page if they are already there, without rendering anything."""
        return self._data.get(path)

    def get(self, path: str) -> bytes | None:
        """The bytes of one output file (rendering its group if need be); None if there is no such file.

        Exceptions from the renderer (a template that fails at run time) propagate to the caller.
        """
        if path not in self.keys:
            return None
        data = self._data.get(path)
        if data is not None:
            return data
        group = self._groups[path]
        with group.lock:
            data = self._data.get(path)
            if data is None:
                self._render_group(group)
                data = self._data[path]
        return data

    def _render_group(self, group: _Group) -> None:
        files = group.render(self.renderer())
        produced = {f.path: f.data for f in files}
        if set(produced) != set(group.paths):
            raise RuntimeError(f"incremental build out of step with render.py: group {group.name} rendered "
                               f"{sorted(set(produced) ^ set(group.paths))} unexpectedly; update incremental.py")
        for path, data in produced.items():
            self._data.setdefault(path, data)

    def pending(self) -> list[str]:
        return [p for p in self.paths if p not in self._data]

    def files(self) -> list[OutputFile]:
        """Every output file, sorted by path, as `pipeline.render` returns them."""
        return [OutputFile(p, self.get(p)) for p in self.paths]  # type: ignore[arg-type]


@dataclass
class Build:
    """What one build found: the checked site, and the snapshot when it was good."""

    checked: Checked
    snapshot: Snapshot | None
    dirty: tuple[str, ...] = ()  # output paths that are new or changed since the previous good build
    removed: tuple[str, ...] = ()  # output paths that no longer exist
    reused: int = 0  # pages whose bytes were carried over

    @property
    def ok(self) -> bool:
        return self.snapshot is not None

    @property
    def changed(self) -> bool:
        return bool(self.dirty or self.removed)


# --- the builder -------------------------------------------------------------------------------

class Builder:
    """Builds a root again and again, reusing what did not change. Not thread-safe: one builder, one thread."""

    def __init__(self, root: Path, base_url: str | None = None):
        self.root = Path(root).resolve()
        self.base_url = base_url
        self._yaml: dict[str, tuple[bytes, YamlDoc | None, list[Problem]]] = {}  # rel -> (digest, doc, problems)
        self._digests: dict[str, bytes] = {}  # rel -> digest, for the docs of the current build
        self._seeds: dict[str, Seed] = {}  # rel -> seed, reused while its sha256 is the same
        self._validated: dict[tuple, Any] = {}  # small checks, keyed by everything they read
        self._claims_context: Any = None
        self._claims: dict[str, tuple[bytes, Claim | None, list[Problem]]] = {}  # rel -> (digest, claim, problems)
        self._tag_spellings: tuple[Any, list[Problem]] | None = None
        self._anchors: dict[tuple, Anchor] = {}
        self._indexes: dict[tuple, SourceIndex] = {}
        self._env: tuple[Any, Environment] | None = None  # (templates key, environment)
        self.last_good: Snapshot | None = None

    # -- the stages --------------------------------------------------------------------------

    def build(self) -> Build:
        """Check and plan the site; the snapshot renders pages on demand."""
        checked = self.check()
        if not checked.ok:
            return Build(checked, None)
        theme = Theme.for_root(self.root)
        templates_key, template_problems = self._templates(theme)
        if template_problems.errors:
            checked.problems.extend(template_problems)
            return Build(Checked(checked.problems), None)
        assert checked.model is not None
        assets = static_files(theme, checked.model)
        snapshot, dirty, removed, reused = self._plan(checked.model, checked.anchors, theme, assets, templates_key)
        self.last_good = snapshot
        return Build(checked, snapshot, dirty, removed, reused)

    def check(self) -> Checked:
        """What `pipeline.check` returns, from the caches where the input is unchanged."""
        loaded, problems = self._load()
        model, found = self._validate(loaded)
        problems.extend(found)
        if model is None or problems.errors:
            return Checked(problems)
        if self.base_url:
            model.site = replace(model.site, base_url=self.base_url.rstrip("/") + "/")
        anchors, found = self._anchor(model)
        problems.extend(found)
        if problems.errors:
            return Checked(problems)
        return Checked(problems, model, anchors)

    # load: mirrors load.load_site, with the parse of each YAML file cached by content

    def _load(self) -> tuple[Loaded, Problems]:
        problems = Problems()
        root = self.root
        content, seeds_dir = root / "content", root / "seeds"
        self._digests = {}
        seen: set[str] = set()
        if not content.is_dir():
            problems.add("content", 0, 0, f"there is no content/ folder in {root}",
                         "pass --root with a folder that holds content/ and seeds/")
        site = self._load_yaml(content / "site.yaml", problems, seen)
        verdicts = self._load_yaml(content / "verdicts.yaml", problems, seen)
        sources = self._load_yaml(seeds_dir / "sources.yaml", problems, seen)

        claim_files = load_mod._listing(root, content / "claims", "*", problems)
        if len(claim_files) > load_mod.MAX_CLAIM_FILES:
            problems.add("content/claims", 0, 0,
                         f"holds {len(claim_files):,} files, over the limit of {load_mod.MAX_CLAIM_FILES:,}",
                         "split the site")
            claim_files = claim_files[:load_mod.MAX_CLAIM_FILES]
        claims = []
        for file in claim_files:
            rel = load_mod.relpath(root, file)
            if file.name.startswith("."):
                continue
            if file.suffix == ".yml":
                problems.add(rel, 0, 0, "claim files end in .yaml", f"rename it to {file.stem}.yaml")
                continue
            if file.suffix != ".yaml":
                if not file.is_dir():
                    problems.add(rel, 0, 0, "is not a claim file",
                                 "claim files are named <id>.yaml; move other files elsewhere", severity="warning")
                    continue
            doc = self._load_yaml(file, problems, seen)
            if doc is not None:
                claims.append(doc)

        pages = []  # a few small files: not worth a cache
        for file in load_mod._listing(root, content / "pages", "*.md", problems):
            page = load_mod.load_page(root, file, problems)
            if page is not None:
                pages.append(page)

        seeds = {}
        for file in load_mod._listing(root, seeds_dir, "*.txt", problems):
            seed = load_mod.load_seed(root, file, problems)
            if seed is not None:
                known = self._seeds.get(seed.path)
                if known is not None and known.sha256 == seed.sha256 and known.id == seed.id:
                    seed = known  # the same text object: later comparisons stop at identity
                self._seeds[seed.path] = seed
                seeds[seed.id] = seed
        for rel in set(self._yaml) - seen:
            del self._yaml[rel]
        return Loaded(root, site, verdicts, sources, claims, pages, seeds), problems

    def _load_yaml(self, file: Path, problems: Problems, seen: set[str]) -> YamlDoc | None:
        """load.load_yaml_file, with the parse reused while the file's bytes are the same."""
        root = self.root
        rel = load_mod.relpath(root, file)
        if not file.exists() and not file.is_symlink():
            problems.add(rel, 0, 0, "is missing", f"create {rel}; see the README for what it holds")
            return None
        data = load_mod._read(root, file, load_mod.MAX_YAML_BYTES, problems)
        if data is None:
            return None
        digest = _digest(data)
        seen.add(rel)
        cached = self._yaml.get(rel)
        if cached is not None and cached[0] == digest:
            _, doc, items = cached
        else:
            found = Problems()
            text = load_mod._decode(rel, data, found)
            doc = None if text is None else load_mod.parse_yaml(rel, text.lstrip("\ufeff"), found)
            items = found.items
            self._yaml[rel] = (digest, doc, items)
        _replay(problems, items)
        if doc is not None:
            self._digests[rel] = digest
        return doc

    # validate: mirrors validate.validate, reusing each claim's result

    def _cached(self, name: str, key: Any, problems: Problems, compute: Callable[[Problems], Any]) -> Any:
        """Run a deterministic check once per distinct key; replay the problems it found."""
        cached = self._validated.get(name)
        if cached is not None and cached[0] == key:
            _replay(problems, cached[2])
            return cached[1]
        found = Problems()
        result = compute(found)
        self._validated[name] = (key, result, found.items)
        _replay(problems, found.items)
        return result

    def _doc_key(self, doc: YamlDoc | None) -> Any:
        return None if doc is None else (doc.path, self._digests.get(doc.path), id(doc))

    def _validate(self, loaded: Loaded) -> tuple[Model | None, Problems]:
        problems = Problems()
        site = self._cached("site", self._doc_key(loaded.site), problems,
                            lambda p: validate_mod._check_site(loaded.site, p))
        verdicts = self._cached("verdicts", self._doc_key(loaded.verdicts), problems,
                                lambda p: validate_mod._check_verdicts(loaded.verdicts, p))
        seeds_key = tuple((s.id, s.path, s.sha256, id(s)) for _, s in sorted(loaded.seeds.items()))
        sources = self._cached("sources", (self._doc_key(loaded.sources), seeds_key), problems,
                               lambda p: validate_mod._check_sources(loaded, p))

        # A claim is checked against the verdicts and the ids of the sources, nothing else.
        context = (None if verdicts is None else tuple(verdicts), frozenset(sources))
        if context != self._claims_context:
            self._claims.clear()
            self._claims_context = context
        claims = []
        current = set()
        for doc in loaded.claims:
            digest = self._digests[doc.path]
            current.add(doc.path)
            cached = self._claims.get(doc.path)
            if cached is not None and cached[0] == digest:
                _, claim, items = cached
            else:
                found = Problems()
                claim = validate_mod._check_claim(doc, verdicts, sources, found)
                items = found.items
                self._claims[doc.path] = (digest, claim, items)
            _replay(problems, items)
            if claim:
                claims.append(claim)
        for rel in set(self._claims) - current:
            del self._claims[rel]

        spell_key = tuple((c.path, c.tags, self._digests[c.path]) for c in claims)
        if self._tag_spellings is not None and self._tag_spellings[0] == spell_key:
            _replay(problems, self._tag_spellings[1])
        else:
            found = Problems()
            validate_mod._check_tag_spellings(claims, loaded, found)
            self._tag_spellings = (spell_key, found.items)
            _replay(problems, found.items)

        pages = [p for p in (validate_mod._check_page(page, problems) for page in loaded.pages) if p]
        if problems.errors or site is None or verdicts is None:
            return None, problems
        claims.sort(key=lambda c: c.id)
        claims.sort(key=lambda c: c.published, reverse=True)
        pages.sort(key=lambda p: (p.nav or 1000, p.slug))
        # Fresh containers: the model is handed out, and pipeline.check replaces model.site.
        return Model(site, list(verdicts), dict(sources), claims, pages), problems

    # anchor: mirrors anchor.anchor_claims, reusing each excerpt's anchor

    def _anchor(self, model: Model) -> tuple[dict[tuple[str, int], Anchor], Problems]:
        problems = Problems()
        anchors: dict[tuple[str, int], Anchor] = {}
        used: dict[tuple, Anchor] = {}
        for claim in model.claims:
            for excerpt in claim.evidence:
                source = model.sources[excerpt.source]
                source_key = (source.id, source.path, source.sha256, source.residue)
                key = (source_key, excerpt.quote, excerpt.prefix, excerpt.occurrence)
                found = self._anchors.get(key) or used.get(key)
                if found is None:
                    index = self._indexes.get(source_key)
                    if index is None:
                        index = self._indexes[source_key] = SourceIndex(source)
                    before = len(problems.items)
                    found = anchor_excerpt(claim, excerpt, index, problems)
                    if found is not None and len(problems.items) > before:  # never the case today
                        found = None
                if found is not None:
                    used[key] = found
                    anchors[(claim.id, excerpt.number)] = found
        self._anchors = used  # only what the current site needs
        live = {k[0] for k in used}
        self._indexes = {k: v for k, v in self._indexes.items() if k in live}
        return anchors, problems

    # -- templates ---------------------------------------------------------------------------

    def _templates(self, theme: Theme) -> tuple[Any, Problems]:
        """A key for the templates' text, and an environment with every template compiled.

        Compiling them all when they change reports a syntax error at once, and freezes the
        environment, so that an old snapshot still renders with the templates it was built with.
        """
        files = []
        for folder in theme.template_dirs:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    files.append((str(path), _digest(path.read_bytes())))
        key = (theme, tuple(files))
        problems = Problems()
        if self._env is not None and self._env[0] == key:
            return key, problems
        env = make_environment(theme)
        env.auto_reload = False
        env.cache = {}  # type: ignore[assignment]  # unbounded: every template stays compiled
        for name in env.list_templates():
            try:
                env.get_template(name)
            except TemplateSyntaxError as exc:
                path = exc.filename or name
                problems.add(_display_path(self.root, path), exc.lineno or 0, 0,
                             f"template syntax error: {exc.message}",
                             "fix the Jinja syntax at this line; the last good site is shown meanwhile")
            except TemplateError as exc:
                problems.add(_display_path(self.root, name), 0, 0, f"template error: {exc}",
                             "fix the template")
            except UnicodeDecodeError as exc:
                problems.add(_display_path(self.root, name), 0, 0, f"template is not UTF-8: {exc}",
                             "save the file as UTF-8")
        if problems.errors:
            return key, problems
        self._env = (key, env)
        return key, problems

    # -- render: which pages changed -----------------------------------------------------------

    def _plan(self, model: Model, anchors: dict[tuple[str, int], Anchor], theme: Theme, assets: Assets,
              templates_key: Any) -> tuple[Snapshot, tuple[str, ...], tuple[str, ...], int]:
        """Mirror render.render_site: every output path, the key it is rendered from, and its group."""
        assert self._env is not None
        env = self._env[1]
        claims = tuple(model.claims)
        sources = tuple(sorted(model.sources.items()))
        nav_pages = tuple(p for p in model.pages if p.nav)
        asset_names = tuple((name, f.path) for name, f in sorted(assets.files.items()))
        shared = (model.site, tuple(model.verdicts), nav_pages, asset_names, templates_key)

        keys: dict[str, Any] = {}
        groups: dict[str, _Group] = {}
        data: dict[str, bytes] = {}

        def add(group_name: str, render: Callable[[Renderer], list[OutputFile]], entries: list[tuple[str, Any]]):
            group = _Group(group_name, render, tuple(p for p, _ in entries))
            for path, key in entries:
                keys[path] = key
                groups[path] = group

        add("index", lambda r: [r.index()], [("index.html", ("index", claims))])
        for claim in claims:
            cited = tuple(model.sources[s] for s in sorted({e.source for e in claim.evidence}))
            add(f"claim {claim.id}", lambda r, c=claim: [r.claim(c)],
                [(f"claims/{claim.id}/index.html", ("claim", claim, cited))])

        cites: dict[str, list] = {s: [] for s in model.sources}
        for claim in claims:
            for excerpt in claim.evidence:
                cites[excerpt.source].append((claim, excerpt))
        for source_id, source in sources:
            add(f"source {source_id}", lambda r, s=source: [r.source(s)],
                [(f"sources/{source_id}/index.html", ("source", source, tuple(cites[source_id])))])
        source_counts = tuple((s, len({c.id for c, _ in cites[s]})) for s, _ in sources)
        add("sources", lambda r: [r.sources_index()], [("sources/index.html", ("sources", sources, source_counts))])

        by_verdict = {v.key: tuple(c for c in claims if c.verdict == v.key) for v in model.verdicts}
        verdict_counts = tuple((k, len(v)) for k, v in by_verdict.items())
        add("verdicts", lambda r: list(r.verdict_pages()),
            [("verdicts/index.html", ("verdicts", verdict_counts))]
            + [(f"verdicts/{v.key}/index.html", ("verdict", v, by_verdict[v.key])) for v in model.verdicts])

        tags = sorted({t for c in claims for t in c.tags})
        by_tag = {t: tuple(c for c in claims if t in c.tags) for t in tags}
        tag_counts = tuple((t, len(by_tag[t])) for t in tags)
        add("tags", lambda r: list(r.tag_pages()),
            [("tags/index.html", ("tags", tag_counts))]
            + [(f"tags/{t}/index.html", ("tag", t, by_tag[t])) for t in tags])

        add("pages", lambda r: list(r.content_pages()),
            [(f"{p.slug}/index.html", ("page", p)) for p in model.pages])
        add("404", lambda r: [r.not_found()], [("404.html", ("404",))])
        add("feeds", lambda r: list(r.feeds()),
            [("feed.xml", ("feed", claims)), ("claims.json", ("claims.json", claims, sources)),
             ("claim-reviews.json", ("claim-reviews", claims, sources)), ("robots.txt", ("robots",))])

        page_paths = tuple(sorted(keys))
        modified = tuple((c.id, c.last_modified) for c in claims)
        add("sitemap", lambda r: [r.sitemap([OutputFile(p, b"") for p in page_paths])],
            [("sitemap.xml", ("sitemap", page_paths, modified))])

        for f in assets.files.values():
            keys[f.path] = ("asset", _digest(f.data))
            data[f.path] = f.data

        # What can be carried over from the previous good build.
        previous = self.last_good
        dirty = []
        reused = 0
        for path, key in keys.items():
            old_key = None if previous is None else previous.keys.get(path)
            same = previous is not None and previous.shared_key == shared and old_key == key
            if not same:
                dirty.append(path)
                continue
            if path not in data:
                old = previous.rendered(path)  # type: ignore[union-attr]
                if old is not None:
                    data[path] = old
                    reused += 1
        removed = () if previous is None else tuple(sorted(set(previous.keys) - set(keys)))
        snapshot = Snapshot(model, anchors, theme, env, assets, keys, groups, data, shared)
        return snapshot, tuple(sorted(dirty)), removed, reused


def _display_path(root: Path, path: str) -> str:
    """A path relative to the root when it is inside it, else as it is (the built-in templates)."""
    p = Path(path)
    if not p.is_absolute():
        return path
    try:
        return p.resolve().relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()
