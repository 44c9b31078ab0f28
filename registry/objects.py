"""Reading a registry's git objects so that a corrupt or missing object fails closed, at once.

libgit2 1.9 (bundled with pygit2 1.21) never returns from reading a truncated loose object:
zlib answers Z_BUF_ERROR when its input runs out before the stream ends, and libgit2's
`git_zstream_get_output` treats that as "try again" with no new input, forever (libgit2 issue
7342, fixed upstream after 1.9.x). Packed objects fail with an error at once, and `git
cat-file` does too. So a registry's loose objects are read by `LooseObjects`, an object
database backend in Python, whose zlib reports a truncated stream; libgit2 still checks every
object's hash after any backend reads it. Packs stay with libgit2. The cost is one Python call
per loose object actually read (cached by libgit2 afterwards): it grows with what a command
reads, never with the size of the registry.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pygit2

from signoff.attest.errors import CorruptObject, RegistryError

_KINDS = {b"commit": pygit2.enums.ObjectType.COMMIT, b"tree": pygit2.enums.ObjectType.TREE,
          b"blob": pygit2.enums.ObjectType.BLOB, b"tag": pygit2.enums.ObjectType.TAG}
_NAMES = {int(kind): name for name, kind in _KINDS.items()}
_MAX_HEADER = 64
"""Longest loose-object header read ("blob 123\\0"): a hostile file is not inflated to find it."""
_CHUNK = 64 * 1024
# Above GIT_PACKED_PRIORITY (2) and GIT_LOOSE_PRIORITY (1): asked before libgit2's own reader.
# The repository's own folder ranks first, so that it, never an alternate, receives writes.
_PRIORITY = 4
_ALTERNATE_PRIORITY = 3


def corrupt(label: str | Path, oid: str, why: str) -> CorruptObject:
    """The error for one unreadable object, naming it and the registry."""
    return CorruptObject(f"git object {oid} is {why}; the registry is corrupt", file=label,
                         hint="run `git fsck` in the registry, then restore the object from "
                              "another clone or re-clone it")


class LooseObjects(pygit2.OdbBackend):
    """Reads (and writes) one objects directory's loose objects in Python, failing on damage."""

    def __init__(self, objects: Path, label: str | Path) -> None:
        super().__init__()
        self.objects = objects
        self.label = label
        self._root = str(objects) + os.sep  # plain strings: pathlib costs more than the read

    def _file(self, hexid: str) -> Path:
        return Path(self._name(hexid))

    def _name(self, hexid: str) -> str:
        return self._root + hexid[:2] + os.sep + hexid[2:]

    def _raw(self, hexid: str) -> bytes:
        try:
            with open(self._name(hexid), "rb") as f:
                return f.read()
        except (FileNotFoundError, NotADirectoryError):
            raise KeyError(hexid) from None  # not loose here: the next backend looks

    def read_cb(self, oid: pygit2.Oid) -> tuple[int, bytes]:
        """The object's kind and content, refusing any damaged stream."""
        hexid = str(oid)
        inflater = zlib.decompressobj()
        try:
            content = inflater.decompress(self._raw(hexid))
        except zlib.error as e:
            raise corrupt(self.label, hexid, f"damaged (zlib: {e})") from None
        if not inflater.eof:
            raise corrupt(self.label, hexid, "truncated (its compressed stream ends early)")
        if inflater.unused_data:
            raise corrupt(self.label, hexid, "followed by garbage after its compressed stream")
        kind, size, body = self._parse(hexid, content)
        if len(body) != size:
            raise corrupt(self.label, hexid, f"{len(body)} bytes where its header says {size}")
        return kind, body

    def read_header_cb(self, oid: pygit2.Oid) -> tuple[int, int]:
        """The object's kind and size, from the start of its stream only."""
        hexid = str(oid)
        inflater = zlib.decompressobj()
        try:
            start = inflater.decompress(self._raw(hexid)[:_CHUNK], _MAX_HEADER)
        except zlib.error as e:
            raise corrupt(self.label, hexid, f"damaged (zlib: {e})") from None
        kind, size, _ = self._parse(hexid, start)
        return kind, size

    def _parse(self, hexid: str, content: bytes) -> tuple[int, int, bytes]:
        header, nul, body = content.partition(b"\0")
        name, _, size = header.partition(b" ")
        if not nul or name not in _KINDS or not size.isdigit() or len(header) > _MAX_HEADER:
            raise corrupt(self.label, hexid, "not a git object (bad header)")
        return int(_KINDS[name]), int(size), body

    def read_prefix_cb(self, oid: pygit2.Oid) -> tuple[int, bytes, pygit2.Oid]:
        """A full id is read here; a short one is first checked here, then resolved by libgit2."""
        hexid = str(oid)
        if os.path.isfile(self._name(hexid)):
            return (*self.read_cb(oid), oid)
        # pygit2 hands over a short id padded with zeros: check every loose object it may name,
        # so that libgit2's own reader, which answers next, only meets sound objects.
        prefix = hexid.rstrip("0")
        folder = self.objects / prefix[:2]
        if len(prefix) >= 2 and folder.is_dir():
            for candidate in folder.iterdir():
                if candidate.name.startswith(prefix[2:]) and len(candidate.name) == 38:
                    self.read_cb(pygit2.Oid(hex=prefix[:2] + candidate.name))
        raise KeyError(hexid)

    def exists_cb(self, oid: pygit2.Oid) -> bool:
        """Left to libgit2's readers, which only look at file names."""
        return False

    def exists_prefix_cb(self, oid: pygit2.Oid) -> pygit2.Oid:
        """Left to libgit2's readers."""
        raise KeyError(str(oid))

    def refresh_cb(self) -> None:
        """Nothing is cached here."""

    def __iter__(self) -> Iterator[pygit2.Oid]:
        return iter(())  # libgit2's loose reader lists the same objects

    def write_cb(self, oid: pygit2.Oid, data: bytes, kind: int) -> None:
        """Write a loose object as git does: zlib over `kind size\\0data`, never in place."""
        target = self._file(str(oid))
        if target.exists():
            return
        target.parent.mkdir(exist_ok=True)
        packed = zlib.compress(_NAMES[kind] + b" %d\0" % len(data) + data)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix="tmp_obj_")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(packed)
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def guard_objects(repo: pygit2.Repository, label: str | Path) -> None:
    """Put `LooseObjects` in front of libgit2's loose reader, for the repository and its
    alternates."""
    objects = _common_dir(Path(repo.path)) / "objects"
    repo.odb.add_backend(LooseObjects(objects, label), _PRIORITY)
    with contextlib.suppress(OSError):
        for line in (objects / "info" / "alternates").read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                folder = (objects / line.strip()).resolve()
                repo.odb.add_backend(LooseObjects(folder, label), _ALTERNATE_PRIORITY)


def _common_dir(git_dir: Path) -> Path:
    """Where the objects live: a linked worktree's git directory names it in `commondir`."""
    try:
        named = (git_dir / "commondir").read_text().strip()
    except OSError:
        return git_dir
    return (git_dir / named).resolve()


@contextlib.contextmanager
def reading_objects(label: str | Path) -> Iterator[None]:
    """Turn libgit2's errors while reading objects into a RegistryError naming the registry."""
    try:
        yield
    except pygit2.GitError as e:  # NotFoundError included: a tree names a missing object
        raise RegistryError(f"cannot read the registry's git objects: {e}", file=label,
                            hint="run `git fsck` in the registry; restore or re-clone it"
                            ) from e
