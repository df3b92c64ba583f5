"""Stage 1, load: read the site's files into plain data, keeping where every value stood.

Contributors' files are untrusted, so this stage refuses what is unsafe (oversized files,
alias bombs, deep nesting, links out of the root, undecodable seeds) before any other stage
sees it. YAML is composed into nodes with libyaml when it is there, then walked by hand: the
walk records the line and column of every key and value, refuses duplicate keys (PyYAML
would keep the last one silently) and counts what aliases expand to.
"""
from __future__ import annotations

import datetime
import errno
import functools
import hashlib
import os
import pickle
import re
import stat
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

import yaml

from . import inputs
from .errors import Problems, os_problem
from .memo import NO_MEMO, NoMemo

# libyaml's C parser is several times faster; the pure-Python one is the fallback (PyYAML built without libyaml).
_YamlLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Limits on untrusted input; SECURITY.md lists them.
MAX_YAML_BYTES = 1_000_000
MAX_SEED_BYTES = 5_000_000
MAX_PAGE_BYTES = 1_000_000
MAX_YAML_VALUES = 50_000  # nodes visited, aliases counted each time they are used
# seeds/sources.yaml lists every seed of the site, so it grows with the site: room for 100,000 seeds.
MAX_SOURCES_YAML_BYTES = 40_000_000
MAX_SOURCES_YAML_VALUES = 1_000_000
MAX_YAML_DEPTH = 40
MAX_CLAIM_FILES = 100_000

T = TypeVar("T")

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")  # \Z, not $: "iraq\n" is not a slug

Path_ = tuple  # a path into a YAML document: keys and list indexes

# Characters that XML 1.0 cannot carry or that a terminal acts on: C0 controls but tab, newline
# and carriage return; DEL and the C1 controls; surrogates (only a YAML escape can make one);
# the Unicode non-characters (U+FDD0-U+FDEF and the last two code points of every plane).
BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                           + "".join(f"{chr(plane * 0x10000 + 0xfffe)}{chr(plane * 0x10000 + 0xffff)}"
                                     for plane in range(17)) + "]")


def describe_character(char: str) -> str:
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'a control character' if ord(char) < 0xa0 else 'a non-character')})"


Unpacked = tuple[Any, dict[Path_, tuple[int, int]], dict[Path_, tuple[int, int]], dict[Path_, str]]


def pack(data: Any, values: dict[Path_, tuple[int, int]], keys: dict[Path_, tuple[int, int]],
         plain: dict[Path_, str]) -> bytes:
    """A file's data, where each of its values and keys stood, and the unquoted text of the values
    read as bool, null or number, pickled into one string of bytes. Every claim's are kept while a
    build runs and in the memo: a sixth of the objects' size (2.6 of 14.7 KB for a claim of the
    bench's corpus), and one object in the memo's pickle instead of about forty. What a file's
    data is read for, validating it, unpickles it (9 µs for a claim)."""
    return pickle.dumps((data, values, keys, plain), protocol=5)


@functools.lru_cache(maxsize=16)  # a file is looked at many times in a row while it is validated
def _unpack(packed: bytes) -> Unpacked:
    data, values, keys, plain = pickle.loads(packed)  # bytes this process made, or the memo held
    return _interned(data), values, keys, plain


_INTERNED_UP_TO = 32  # characters: the words many files repeat (a stance, a tag, a date, a source's id) are shorter


def _interned(value: Any) -> Any:
    """`value` with its short strings interned: a word that every claim repeats is one object in the
    claims made from them and in the memo's pickle, not one for each claim (140 thousand fewer
    objects at 10,000 claims, a third of the claims')."""
    if type(value) is str:
        return sys.intern(value) if len(value) <= _INTERNED_UP_TO else value
    if type(value) is dict:
        return {sys.intern(k) if type(k) is str else k: _interned(v) for k, v in value.items()}
    if type(value) is list:
        return [_interned(item) for item in value]
    return value


_NOTHING = pack(None, {}, {}, {})


@dataclass
class YamlDoc:
    """A parsed YAML file: plain data plus where each value and key stood (1-based), packed."""

    path: str
    packed: bytes = _NOTHING  # pack(data, values, keys, plain)

    @property
    def data(self) -> Any:
        """The file's data: read it once and keep it while it is used (each read may unpickle it)."""
        return _unpack(self.packed)[0]

    @property
    def plain(self) -> dict[Path_, str]:
        """The text of each unquoted value that was read as a bool, null or number."""
        return _unpack(self.packed)[3]

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The position of a value (or of its key), or of the nearest enclosing one known."""
        _data, values, keys, _plain = _unpack(self.packed)
        path = tuple(path)
        while True:
            table = keys if key else values
            if path in table:
                return table[path]
            if key and path in values:
                return values[path]
            if not path:
                return (1, 1)
            path = path[:-1]
            key = False


@dataclass
class Seed:
    """A source text, decoded, with its digest; the bytes are the evidence."""

    id: str
    path: str
    text: str
    sha256: str


@dataclass
class PageDoc:
    """A markdown page of content/pages with its front matter."""

    slug: str
    path: str
    meta: YamlDoc
    body: str
    body_line: int  # the line of the file where the body starts


@dataclass
class Loaded:
    """Everything read from a site root, before any check of its meaning."""

    root: Path
    site: YamlDoc | None
    verdicts: YamlDoc | None
    sources: YamlDoc | None
    claims: list[YamlDoc]
    pages: list[PageDoc]
    seeds: dict[str, Seed]
    events: YamlDoc | None = None  # content/events.yaml, which a site may leave out


class YamlLimits(NamedTuple):
    bytes: int
    values: int
    shorten: str  # the hint for a file over the limit of bytes


def yaml_limits(path: str) -> YamlLimits:
    """The most bytes and values the YAML file at `path` (from the root) may have."""
    if path == inputs.SOURCES_FILE:
        return YamlLimits(MAX_SOURCES_YAML_BYTES, MAX_SOURCES_YAML_VALUES,
                          "shorten the sources' entries: each needs its label, address and dates, a few lines")
    return YamlLimits(MAX_YAML_BYTES, MAX_YAML_VALUES, "shorten it: a claim or the site's settings take a few kilobytes")


class _Walk:
    """Turns a composed YAML node tree into plain data, recording positions as it goes."""

    def __init__(self, doc: YamlDoc, text: str, loader: Any, problems: Problems):
        self.doc = doc
        self.text = text
        self.loader = loader
        self.problems = problems
        self.count = 0
        self.max_values = yaml_limits(doc.path).values
        self.too_big = False
        self.values: dict[Path_, tuple[int, int]] = {}
        self.keys: dict[Path_, tuple[int, int]] = {}
        self.plain: dict[Path_, str] = {}

    def value(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > self.max_values or depth > MAX_YAML_DEPTH:
            if not self.too_big:
                self.too_big = True
                line, col = node.start_mark.line + 1, node.start_mark.column + 1
                what = (f"more than {self.max_values} values" if self.count > self.max_values
                        else f"nested more than {MAX_YAML_DEPTH} levels deep")
                self.problems.add(self.doc.path, line, col, f"the file has {what}",
                                  "aliases (*name) repeat what they point to; write the values out, and keep the file flat")
            return None
        self.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(cast(yaml.ScalarNode, node), path)  # the only other kind of node

    def mapping(self, node: yaml.MappingNode, path: Path_, depth: int) -> dict:
        out: dict = {}
        for key_node, value_node in node.value:
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.add(self.doc.path, line, col, "a key must be plain text",
                                  "write the key as a single word followed by a colon")
                continue
            key = key_node.value
            if not self.clean(key_node):
                continue
            if key == "<<":
                self.problems.add(self.doc.path, line, col, "merge keys (<<) are not supported",
                                  "write the keys out in full")
                continue
            if key in out:
                first = self.keys[path + (key,)]
                self.problems.add(self.doc.path, line, col, f"the key '{key}' is repeated (first at line {first[0]})",
                                  "keep one of them; YAML would silently drop the first")
                continue
            child = path + (key,)  # one tuple for the key's position and the value's
            self.keys[child] = (line, col)
            out[key] = self.value(value_node, child, depth + 1)
        return out

    def clean(self, node: yaml.ScalarNode) -> bool:
        """False, with an error at the character, when the text holds one that XML or a terminal cannot carry."""
        bad = BAD_CHARACTER.search(node.value)
        if not bad:
            return True
        # At the character itself when it is written as it is; at the value when an escape (\x1b) made it.
        raw = self.text.find(bad.group(), node.start_mark.index, node.end_mark.index)
        if raw == -1:
            line, col = node.start_mark.line + 1, node.start_mark.column + 1
        else:
            line = self.text.count("\n", 0, raw) + 1
            col = raw - (self.text.rfind("\n", 0, raw) + 1) + 1
        self.problems.add(self.doc.path, line, col, f"the text holds the invisible character {describe_character(bad.group())}",
                          "remove it: web pages, feeds and terminals cannot show it safely")
        return False

    def scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        if node.tag == _STR_TAG:  # already resolved while composing; constructing it gives node.value
            return node.value if self.clean(node) else ""
        try:
            value = self.loader.construct_object(node)
        except (ValueError, yaml.YAMLError):
            # A date that does not exist (2024-02-30) fails to construct: keep the text so that
            # validation can say what is wrong with it, at this position.
            return node.value
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if not node.style and not isinstance(value, str):  # plain (unquoted): None or "" by loader
            self.plain[path] = node.value
        if isinstance(value, float) and value != value:  # .nan is never meant
            return node.value
        return value


_STR_TAG = "tag:yaml.org,2002:str"
_DEEP_BLOCK = re.compile(rf"^[ \t?-]{{{MAX_YAML_DEPTH}}}", re.M)


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where nesting first passes the limit, or None.

    libyaml's composer recurses once per level and crashes the interpreter at a few
    hundred thousand levels, so depth is measured on the event stream (which is flat)
    before composing. Deep nesting needs that many brackets or that much indentation, so the
    event scan runs only for text that has either.
    """
    if text.count("[") + text.count("{") <= MAX_YAML_DEPTH and not _DEEP_BLOCK.search(text):
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_YamlLoader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH and event.start_mark is not None:  # the parser marks every event
                    return event.start_mark.line + 1, event.start_mark.column + 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None  # a syntax error: composing reports it with its position
    return None


def parse_yaml(path: str, text: str, problems: Problems) -> YamlDoc | None:
    """Parse one YAML document; report syntax errors with their position and a hint."""
    doc = YamlDoc(path)
    deep = _too_deep(text)
    if deep:
        problems.add(path, *deep, f"the file is nested more than {MAX_YAML_DEPTH} levels deep",
                     "keep the file flat: claims need only a few levels")
        return None
    loader = _YamlLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        _report_syntax(path, exc, text.splitlines(), problems)
        return None
    except yaml.YAMLError as exc:
        problems.add(path, 1, 1, f"not valid YAML: {exc}", "check the file's syntax")
        return None
    finally:
        loader.dispose()
    if node is None:
        return doc
    walk = _Walk(doc, text, loader, problems)
    before = len(problems.errors)
    doc.packed = pack(walk.value(node, (), 0), walk.values, walk.keys, walk.plain)
    if walk.too_big or len(problems.errors) > before:
        return None
    return doc


def _report_syntax(path: str, exc: yaml.MarkedYAMLError, lines: list[str], problems: Problems) -> None:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or "not valid YAML"
    hint = "check the indentation and the quoting around this spot"
    if "'\\t'" in problem or (0 < line <= len(lines) and "\t" in lines[line - 1][:col]):
        problem = "a tab character is used for indentation"
        hint = "YAML indents with spaces only; replace the tab with spaces"
    elif "found duplicate anchor" in problem or "found undefined alias" in problem:
        hint = "anchors (&name) and aliases (*name) must match; better, write the value out"
    elif "mapping values are not allowed" in problem:
        hint = "a colon followed by a space starts a key; put text that contains ': ' in double quotes"
    elif "could not find expected ':'" in problem:
        hint = "each line of a mapping needs 'key: value'; check the line above for a missing colon or quote"
    unclosed = _unclosed_quote(lines[:line])
    if unclosed:
        hint = f"line {unclosed} opens a quotation mark that is never closed; add the closing \""
    problems.add(path, line, col, f"YAML syntax error: {problem}", hint)


def _unclosed_quote(lines: list[str]) -> int:
    """The last line before an error whose value opens a double quote it does not close, or 0."""
    for number in range(len(lines), 0, -1):
        value = lines[number - 1].split(": ", 1)[-1].lstrip("- ").rstrip()
        if value.startswith('"') and (len(value) == 1 or not value.endswith('"') or value.endswith('\\"')):
            return number
    return 0


def _read(root: Path, file: Path, limit: int, problems: Problems, shorten: str) -> bytes | None:
    """Read a file of the root, refusing links out of it, folders, other special files and
    oversized files (with the hint `shorten`), all from one open file's status before a byte is read."""
    rel = relpath(root, file)
    try:
        real = _resolved(file)
    except (OSError, RuntimeError):  # Python reports a link loop as RuntimeError
        problems.add(rel, 0, 0, "is a symbolic link that leads back to itself",
                     "replace the links with the real file")
        return None
    if not _inside(root, real):  # the file, or a folder above it, links out of the root
        problems.add(rel, 0, 0, "is a symbolic link to a place outside the site root",
                     "copy the file into the site instead of linking to it")
        return None
    try:
        # No link is followed past the check above, and a FIFO or device never blocks the open.
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        problems.add(rel, 0, 0, *_cannot_read(exc))
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        if info.st_size > limit and stat.S_ISREG(info.st_mode):
            problems.add(rel, 0, 0, f"is {info.st_size:,} bytes, over the limit of {limit:,}", shorten)
        else:
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            problems.add(rel, 0, 0, f"is {kind}, where a file was expected", "replace it with a file")
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)  # a file that grows while it is read stops at the limit
        except OSError as exc:
            problems.add(rel, 0, 0, *_cannot_read(exc))
            return None
    if len(data) > limit:
        problems.add(rel, 0, 0, f"is over the limit of {limit:,} bytes", shorten)
        return None
    return data


def _cannot_read(exc: OSError) -> tuple[str, str]:
    if exc.errno == errno.ELOOP:
        return "is a symbolic link that leads back to itself", "replace the links with the real file"
    _path, what, fix = os_problem(exc)
    return f"cannot be read: {what}", fix


def _resolved(file: Path) -> Path:
    """The file's real path; resolving its folder once per folder, not once per file."""
    if os.path.islink(file):
        return file.resolve()
    return _resolved_folder(str(file.parent)) / file.name


@functools.lru_cache(maxsize=256)
def _resolved_folder(folder: str) -> Path:
    return Path(folder).resolve()


def _inside(root: Path, target: Path) -> bool:
    try:
        target.relative_to(_resolved_folder(str(root)))
        return True
    except ValueError:
        return False


def relpath(root: Path, file: Path) -> str:
    """The file's path from the root, with forward slashes, as messages show it."""
    r, f = str(root), str(file)
    if os.sep == "/" and r != "/" and f.startswith(r) and f[len(r):len(r) + 1] == "/":
        return f[len(r) + 1:]  # the usual case, without pathlib's cost (it adds up over 10,000 files)
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()


def _decode(rel: str, data: bytes, problems: Problems) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.add(rel, line, col, f"is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                     "save the file as UTF-8")
        return None
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        problems.add(rel, line, 0, "contains a NUL byte", "remove it; text files hold no NUL bytes")
        return None
    bad = BAD_CHARACTER.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        problems.add(rel, line, col, f"holds the invisible character {describe_character(bad.group())}",
                     "remove it: web pages, feeds and terminals cannot show it safely")
        return None
    return text


def _by_stat(memo: NoMemo, kind: str, path: Path, entry_type: int, compute: Callable[[Problems], T],
             problems: Problems, *key: Any) -> T:
    """`compute`'s result, kept in the memo while `path` is the same entry, settled and unchanged since.

    Anything else (a link, a missing file, a file changed within inputs.RACY_NS) is computed
    afresh, so that `compute` says what is wrong with it, or sees its latest bytes.
    """
    sig = inputs.signature(path)
    if sig is None or sig[0] != entry_type or not inputs.settled(sig):
        return compute(problems)
    return memo.get(kind, (str(path), sig, *key), compute, problems)


def load_yaml_file(root: Path, file: Path, problems: Problems, *, required: bool = True,
                   memo: NoMemo = NO_MEMO) -> YamlDoc | None:
    """One YAML file; the same YamlDoc object while the file is unchanged and the memo keeps it."""
    def load(found: Problems) -> YamlDoc | None:
        rel = relpath(root, file)
        if not file.exists() and not file.is_symlink():
            if required:
                found.add(rel, 0, 0, "is missing", f"create {rel}; see the README for what it holds")
            return None
        limits = yaml_limits(rel)
        data = _read(root, file, limits.bytes, found, limits.shorten)
        text = None if data is None else _decode(rel, data, found)
        if data is None or text is None:
            return None
        text = text.lstrip("\ufeff")
        # The same bytes parse to the same object, even when the file's stat changed. Keyed by their
        # digest, the text is not kept: a claim's YAML, 4 KB of the bench's, is twice its packed data.
        digest = hashlib.blake2b(data, digest_size=16).digest()
        return memo.get("yaml", (rel, digest), lambda again: parse_yaml(rel, text, again), found)
    return _by_stat(memo, "yaml file", file, stat.S_IFREG, load, problems, required)


def load_page(root: Path, file: Path, problems: Problems) -> PageDoc | None:
    """A markdown page whose front matter (between --- lines) is YAML."""
    rel = relpath(root, file)
    data = _read(root, file, MAX_PAGE_BYTES, problems, "split it into several pages")
    if data is None:
        return None
    text = _decode(rel, data, problems)
    if text is None:
        return None
    lines = text.lstrip("\ufeff").split("\n")
    if not lines or lines[0].strip() != "---" or "---" not in [l.strip() for l in lines[1:]]:
        problems.add(rel, 1, 1, "the page has no front matter",
                     "start the file with a '---' line, 'title: ...', and another '---' line")
        return None
    end = 1 + [l.strip() for l in lines[1:]].index("---")
    front = "\n".join(lines[1:end])
    meta = parse_yaml(rel, "\n" + front, problems)  # the newline keeps the file's line numbers
    if meta is None:
        return None
    return PageDoc(file.stem, rel, meta, "\n".join(lines[end + 1:]), end + 2)


def load_seed(root: Path, file: Path, problems: Problems, memo: NoMemo = NO_MEMO) -> Seed | None:
    """A seed; the same Seed object while its file is unchanged and the memo keeps it."""
    return _by_stat(memo, "seed", file, stat.S_IFREG, lambda found: _read_seed(root, file, found), problems)


def _read_seed(root: Path, file: Path, problems: Problems) -> Seed | None:
    rel = relpath(root, file)
    data = _read(root, file, MAX_SEED_BYTES, problems, "keep only the article's own text: a seed is one article")
    if data is None:
        return None
    text = _decode(rel, data, problems)
    if text is None:
        return None
    return Seed(file.stem, rel, text, hashlib.sha256(data).hexdigest())


def _listing(root: Path, folder: Path, pattern: str, problems: Problems, memo: NoMemo) -> list[Path]:
    return _by_stat(memo, "listing", folder, stat.S_IFDIR, lambda found: _list(root, folder, pattern, found),
                    problems, pattern)


def _list(root: Path, folder: Path, pattern: str, problems: Problems) -> list[Path]:
    try:
        real = folder.resolve()
    except (OSError, RuntimeError):  # a link loop
        problems.add(relpath(root, folder), 0, 0, "is a symbolic link that leads back to itself",
                     "make it a real folder of the site")
        return []
    if not _inside(root, real):
        problems.add(relpath(root, folder), 0, 0, "is a symbolic link to a place outside the site root",
                     "make it a real folder of the site")
        return []
    if not folder.is_dir():
        return []
    try:
        return sorted(folder.glob(pattern))
    except OSError as exc:
        _path, what, fix = os_problem(exc)
        problems.add(relpath(root, folder), 0, 0, f"cannot be read: {what}", fix)
        return []


def load_site(root: Path, memo: NoMemo = NO_MEMO) -> tuple[Loaded, Problems]:
    """Read every input of a site root; problems are collected, not raised.

    With a memo, a file whose stat is unchanged since the memo's last build is not read again
    (the caller drops the memo when a folder of inputs.READ_FOLDERS is swapped for another).
    """
    problems = Problems()
    root = Path(root)
    _resolved_folder.cache_clear()  # folders can be swapped for links between two builds of `serve`
    content = root / inputs.CONTENT
    if not content.is_dir():
        problems.add(inputs.CONTENT, 0, 0, f"there is no {inputs.CONTENT}/ folder in {root}",
                     f"pass --root with a folder that holds {inputs.CONTENT}/ and {inputs.SEEDS}/")
    site = load_yaml_file(root, root / inputs.SITE_FILE, problems, memo=memo)
    verdicts = load_yaml_file(root, root / inputs.VERDICTS_FILE, problems, memo=memo)
    sources = load_yaml_file(root, root / inputs.SOURCES_FILE, problems, memo=memo)
    events = load_yaml_file(root, root / inputs.EVENTS_FILE, problems, required=False, memo=memo)

    claim_files = _listing(root, root / inputs.CLAIMS_DIR, "*", problems, memo)
    if len(claim_files) > MAX_CLAIM_FILES:
        problems.add(inputs.CLAIMS_DIR, 0, 0, f"holds {len(claim_files):,} files, over the limit of {MAX_CLAIM_FILES:,}",
                     "split the site")
        claim_files = claim_files[:MAX_CLAIM_FILES]
    claims = []
    for file in claim_files:
        rel = relpath(root, file)
        if file.name.startswith("."):
            continue
        if file.suffix == ".yml":
            problems.add(rel, 0, 0, "claim files end in .yaml", f"rename it to {file.stem}.yaml")
            continue
        if file.suffix != ".yaml" and not file.is_dir():
            problems.add(rel, 0, 0, "is not a claim file", "claim files are named <id>.yaml; move other files elsewhere",
                         severity="warning")
            continue
        doc = load_yaml_file(root, file, problems, memo=memo)
        if doc is not None:
            claims.append(doc)

    pages = []
    for file in _listing(root, root / inputs.PAGES_DIR, "*.md", problems, memo):
        page = _by_stat(memo, "page", file, stat.S_IFREG, functools.partial(load_page, root, file), problems)
        if page is not None:
            pages.append(page)

    seeds = {}
    for file in _listing(root, root / inputs.SEEDS, "*.txt", problems, memo):
        seed = load_seed(root, file, problems, memo)
        if seed is not None:
            seeds[seed.id] = seed
    return Loaded(root, site, verdicts, sources, claims, pages, seeds, events), problems
