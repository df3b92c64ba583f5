"""The build cache's pages: each page of the last good build, in a file named by the digest of its bytes.

A build from the cache writes only the pages it rendered; every other page is linked from here
into the new output folder (a hard link: no byte is copied or written, which at 10,000 claims
is most of the time an edit build would spend writing 600 MB again). Where the cache and the
output folder are on different file systems, the page is copied instead.

The memo (memo.py) keeps, for each page's key in the plan, the digest and size of its bytes
(`Ref`). A file is used only when it is there and its bytes have that digest: every file is
read and hashed before it is linked, so a file changed in place (by hand, or through a link
from a published site) or cut short is never published; its page is rendered again, and the
rendered file takes its place. Pages enter the store only after a good build (`keep`), linked
from the site that was published, and the files no page of that build uses are removed then.
The search index's files are kept here the same way (search.py).
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import NamedTuple

from .whole import replace_file, replacing

_DIGEST = 20  # bytes of blake2b


class Ref(NamedTuple):
    """What a page's bytes are: their digest (hex) and length."""

    digest: str
    size: int


def digest(data: bytes) -> bytes:
    """The digest that names a page's bytes in the store (the search index's shards are keyed by it too)."""
    return hashlib.blake2b(data, digest_size=_DIGEST).digest()


def ref(data: bytes) -> Ref:
    return Ref(digest(data).hex(), len(data))


def stored_digest(stored: str) -> bytes:
    """The digest of the bytes of a file named by it (a file of the store), from its name."""
    return bytes.fromhex(os.path.basename(stored))


def stored_ref(stored: str) -> Ref:
    """The Ref of a file named by the digest of its bytes."""
    return Ref(os.path.basename(stored), os.path.getsize(stored))


def put(folder: Path, data: bytes) -> str:
    """`data` in a file of `folder` named by its digest, written beside and renamed into place (two
    processes may put the same bytes at once); its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / digest(data).hex()
    replace_file(path, data)
    return str(path)


class PageStore:
    """The folder of pages, and what one build used of it and added to it."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.used: set[str] = set()  # digests of every page of this build
        self.rendered: dict[str, str] = {}  # digest -> output path, of the pages this build rendered

    def find(self, page: Ref) -> str | None:
        """The path of the stored file with these bytes, or None when there is none that is whole."""
        path = os.path.join(self.folder, page.digest)
        try:
            with open(path, "rb") as file:
                if os.fstat(file.fileno()).st_size != page.size:
                    return None
                found = hashlib.file_digest(file, lambda: hashlib.blake2b(digest_size=_DIGEST))
        except OSError:
            return None
        if found.hexdigest() != page.digest:
            return None
        self.used.add(page.digest)
        return path

    def add(self, page: Ref, output_path: str) -> None:
        """A page this build rendered, to keep once the build is good."""
        self.used.add(page.digest)
        self.rendered.setdefault(page.digest, output_path)

    def keep(self, out: Path) -> None:
        """After a good build into `out`: link its rendered pages into the store, and remove what no page
        of it uses. A page that cannot be kept only costs the next build its rendering."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for name, output_path in sorted(self.rendered.items()):
                target = self.folder / name
                try:
                    os.link(out / output_path, target)
                    continue
                except OSError:  # a damaged file of the same name, replaced; or another file system, copied
                    pass
                with replacing(target) as temporary:
                    place(str(out / output_path), str(temporary))
            for name in os.listdir(self.folder):
                if name not in self.used:
                    (self.folder / name).unlink(missing_ok=True)
        except OSError:
            pass


def place(stored: str, target: str) -> None:
    """Put the file `stored` at `target`: a hard link, or a copy where there can be none (another file
    system)."""
    try:
        os.link(stored, target)
    except OSError:
        shutil.copyfile(stored, target)
