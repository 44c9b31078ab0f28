"""A registry checkout: reading attestations and keys at a commit, writing and committing them."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pygit2

from signoff.attest.criteria import DeclaredCriterion
from signoff.attest.errors import InputError, RegistryError
from signoff.attest.files import write_atomic
from signoff.attest.limits import LIMITS
from signoff.attest.names import canonical_version, normalize_project, same_version
from signoff.attest.strict_yaml import Document, load_mapping
from signoff.registry.commit_signing import CommitSigning, make_commit
from signoff.registry.criteria import parse_declared_criteria
from signoff.registry.gittree import lookup, tree_with
from signoff.registry.layout import (
    ATTESTATIONS_DIR,
    KEYS_DIR,
    REGISTRY_FILE,
    SIGNATURE_SUFFIX,
    STATEMENT_SUFFIX,
    file_dir,
    key_path,
    parse_key_path,
    project_dir,
    version_dir,
)
from signoff.registry.objects import guard_objects, reading_objects
from signoff.registry.partial import fetch_blobs, missing_blobs, promisor_remote
from signoff.registry.write_guard import Journal, exclusive_write

REGISTRY_SCHEMA = "registry/v1"
LAYOUT_VERSION = 1


@dataclass(frozen=True)
class StoredAttestation:
    """A statement and its signature as committed, with their blob ids for caching."""

    path: str
    """Path of the `.yaml` statement in the registry."""
    statement: bytes
    """Exact committed bytes of the statement."""
    signature: bytes | None
    """Exact committed bytes of `<path>.asc`, or None when it is missing."""
    statement_id: str
    """Blob id of the statement."""
    signature_id: str | None
    """Blob id of the signature."""
    name_fpr: str
    """The fingerprint the file name claims."""
    too_large: bool = False
    """The statement or signature is over its cap; neither was read."""


def _open_repository(path: Path) -> pygit2.Repository:
    """The git repository at `path`, with fail-closed object reads; RegistryError if none."""
    if not path.exists():
        raise RegistryError("registry not found: no such directory", file=path)
    try:
        repo = pygit2.Repository(str(path))
    except pygit2.GitError as e:
        raise RegistryError("not a git repository", file=path,
                            hint="create one with `signoff registry init PATH`") from e
    guard_objects(repo, path)
    return repo


class Registry:
    """A git repository laid out as a signoff registry."""

    def __init__(self, repo: pygit2.Repository, path: Path,
                 signing: CommitSigning | None = None) -> None:
        self.repo = repo
        self.path = path
        self.signing = signing or CommitSigning()
        """How the commits this registry object makes are signed (git's settings by default)."""
        self._pinned: pygit2.Commit | None = None
        self.promisor = promisor_remote(repo)
        """The remote a partial clone fetches missing blobs from; None for a full clone."""
        self.read_ref = "HEAD"
        """The ref read: `HEAD`, or the full name of the ref `open_at` resolved."""
        self._spellings_ok: set[tuple[str, str]] = set()
        """(project tree id, version) pairs already seen to have one spelling."""

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> Registry:
        """Open a registry checkout (or bare repository) at HEAD; RegistryError if it is not one.

        For writing: a vetter's commands work on the branch checked out.
        """
        registry = cls(_open_repository(path), path)
        if registry.repo.head_is_unborn:
            raise RegistryError("HEAD names a branch with no commits (an empty repository, or "
                                "a branch that does not exist)", file=path)
        registry._check_header()
        return registry

    @classmethod
    def open_at(cls, path: Path, ref: str | None) -> Registry:
        """Open a registry for reading at a named ref, whatever the checkout has checked out.

        `ref` is a branch, tag or full ref name; None reads the branch `main`, else HEAD.
        """
        registry = cls(_open_repository(path), path)
        repo = registry.repo
        try:
            if ref is None:
                reference = repo.references.get("refs/heads/main") or repo.head
            else:
                reference = repo.lookup_reference_dwim(ref)
            registry._pinned = reference.peel(pygit2.Commit)
            registry.read_ref = reference.resolve().name
        except (KeyError, ValueError, pygit2.GitError) as e:
            what = f"ref {ref!r}" if ref is not None else "branch main, nor HEAD,"
            raise RegistryError(f"the registry has no {what} naming a commit", file=path,
                                hint="name an existing branch with ref: in the policy") from e
        registry._check_header()
        return registry

    def _check_header(self) -> None:
        header = self.read_file(REGISTRY_FILE)
        if header is None:
            raise RegistryError(f"not a signoff registry: no {REGISTRY_FILE} committed at "
                                f"{self.head_commit().short_id}", file=self.path,
                                hint="create one with `signoff registry init PATH`")
        _check_header(header, f"{self.path}/{REGISTRY_FILE}")

    @classmethod
    def init(cls, path: Path, name: str, extra_files: Mapping[str, bytes] | None = None,
             signing: CommitSigning | None = None) -> Registry:
        """Create a new registry with one commit holding registry.yaml and `extra_files`."""
        if path.exists() and any(path.iterdir()):
            raise InputError("directory exists and is not empty", file=path)
        if not name or "\n" in name or len(name) > 200:
            raise InputError(f"registry name {name!r} must be one short line")
        repo = pygit2.init_repository(str(path), initial_head="main")
        guard_objects(repo, path)
        registry = cls(repo, path, signing)
        header = (f"signoff: {REGISTRY_SCHEMA}\nname: {_yaml_quote(name)}\n"
                  f"layout: {LAYOUT_VERSION}\n").encode()
        files = {REGISTRY_FILE: header, **(extra_files or {})}
        registry.commit_files(files, f"Initialise signoff registry {name}")
        return registry

    @property
    def git_dir(self) -> Path:
        """The repository's git directory, where signoff keeps its indexes and caches."""
        return Path(self.repo.path)

    @property
    def workdir(self) -> Path | None:
        """The work tree, or None for a bare repository."""
        return Path(self.repo.workdir) if self.repo.workdir else None

    # -- reading -------------------------------------------------------------------------------

    def head_commit(self) -> pygit2.Commit:
        """The commit read: the named ref's (`open_at`), else the one HEAD points at."""
        if self._pinned is not None:
            return self._pinned
        try:
            return self.repo.head.peel(pygit2.Commit)
        except (pygit2.GitError, KeyError) as e:
            raise RegistryError(f"cannot resolve HEAD: {e}", file=self.path) from e

    def resolve(self, rev: str) -> pygit2.Commit:
        """A commit from any revision string git accepts."""
        try:
            return self.repo.revparse_single(rev).peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError) as e:
            raise RegistryError(f"no such revision {rev!r}", file=self.path) from e

    def _commit(self, commit: pygit2.Commit | None) -> pygit2.Commit:
        return commit if commit is not None else self.head_commit()

    def _entry(self, path: str, commit: pygit2.Commit | None) -> pygit2.Object | None:
        with reading_objects(self.path):
            return lookup(self.repo, self._commit(commit).tree, path, self.path)

    def _fetch_missing(self, tree: pygit2.Tree, depth: int = 0) -> None:
        """In a partial clone, fetch the blobs below `tree` that are not here yet, at once."""
        if self.promisor is not None:
            fetch_blobs(self.repo, self.promisor, missing_blobs(self.repo, tree, depth),
                        self.path)

    def read_file(self, path: str, commit: pygit2.Commit | None = None) -> bytes | None:
        """Committed bytes of a regular file, or None when absent."""
        if self.promisor is not None and "/" not in path:
            self._fetch_missing(self._commit(commit).tree)
        obj = self._entry(path, commit)
        return obj.data if isinstance(obj, pygit2.Blob) else None

    def tree_id(self, path: str, commit: pygit2.Commit | None = None) -> str | None:
        """Id of the tree at `path`, or None."""
        obj = self._entry(path, commit)
        return str(obj.id) if isinstance(obj, pygit2.Tree) else None

    def declared_criteria(self, commit: pygit2.Commit | None = None
                          ) -> dict[str, DeclaredCriterion]:
        """The criteria registry.yaml declares, by name (none when it declares none)."""
        header = self.read_file(REGISTRY_FILE, commit)
        if header is None:
            return {}
        return parse_declared_criteria(_check_header(header, f"{self.path}/{REGISTRY_FILE}"))

    def keys_tree_id(self, commit: pygit2.Commit | None = None) -> str | None:
        """Id of the `keys/` tree: it changes exactly when the keyring does."""
        return self.tree_id(KEYS_DIR, commit)

    def keys_at(self, commit: pygit2.Commit | None = None) -> dict[str, bytes]:
        """Armored public key per fingerprint, from `keys/<FPR>.asc`."""
        tree = self._entry(KEYS_DIR, commit)
        keys: dict[str, bytes] = {}
        if not isinstance(tree, pygit2.Tree):
            return keys
        self._fetch_missing(tree)
        with reading_objects(self.path):
            return self._keys_in(tree)

    def _keys_in(self, tree: pygit2.Tree) -> dict[str, bytes]:
        keys: dict[str, bytes] = {}
        for entry in tree:
            fpr = parse_key_path(f"{KEYS_DIR}/{entry.name}")
            if fpr is None or not isinstance(entry, pygit2.Blob):
                continue  # validate refuses stray names; check only reads layout paths
            if entry.size > LIMITS.key_file_bytes:
                raise RegistryError(f"key file is {entry.size} bytes, over the "
                                    f"{LIMITS.key_file_bytes}-byte cap",
                                    file=f"{self.path}/{key_path(fpr)}")
            keys[fpr] = entry.data
        return keys

    def attestations_for(self, project: str, version: str, sha256: str,
                         commit: pygit2.Commit | None = None) -> list[StoredAttestation]:
        """Every statement about one file, with its signature, at `commit` (HEAD by default)."""
        directory = file_dir(project, version, sha256)
        self._one_spelling(project, version, commit)
        tree = self._entry(directory, commit)
        if not isinstance(tree, pygit2.Tree):
            return []
        self._fetch_missing(tree)
        with reading_objects(self.path):
            return _statements_in(tree, directory)

    def files_of_version(self, project: str, version: str,
                         commit: pygit2.Commit | None = None) -> dict[str, list[StoredAttestation]]:
        """Statements per sha256 for every attested file of one release."""
        directory = version_dir(project, version)
        self._one_spelling(project, version, commit)
        tree = self._entry(directory, commit)
        found: dict[str, list[StoredAttestation]] = {}
        if not isinstance(tree, pygit2.Tree):
            return found
        self._fetch_missing(tree, depth=1)
        with reading_objects(self.path):
            for entry in tree:
                if isinstance(entry, pygit2.Tree) and entry.name:
                    found[entry.name] = _statements_in(entry, f"{directory}/{entry.name}")
        return found

    def versions_of(self, project: str, commit: pygit2.Commit | None = None) -> list[str]:
        """Every version of a project with at least one attested file."""
        tree = self._entry(project_dir(project), commit)
        if not isinstance(tree, pygit2.Tree):
            return []
        names = [e.name for e in tree if isinstance(e, pygit2.Tree) and e.name]
        for name in names:
            self._one_spelling(project, name, commit)
        return names

    def _one_spelling(self, project: str, version: str, commit: pygit2.Commit | None) -> None:
        """RegistryError when the project's folder holds another spelling of `version`
        (`1.0` or `1.0.0` beside `1`): equal versions are one release, and a statement filed
        under another spelling (as signoff before 0.2 did) would be missed by a lookup of the
        canonical folder. Failing closed keeps a rejection from hiding behind a spelling."""
        tree = self._entry(project_dir(project), commit)
        if not isinstance(tree, pygit2.Tree) or (str(tree.id), version) in self._spellings_ok:
            return
        for entry in tree:
            name = str(entry.name)
            if same_version(name, version) and not is_canonical_version(name):
                canonical = canonical_version(name)
                raise RegistryError(
                    f"{project_dir(project)}/{name} is a non-canonical spelling of {project} "
                    f"{canonical}: equal versions are one release, filed only under "
                    f"{version_dir(project, canonical)}",
                    file=self.path,
                    hint=f"maintainers: git mv {project_dir(project)}/{name}/* "
                         f"{version_dir(project, canonical)}/ (the statements stay valid)")
        self._spellings_ok.add((str(tree.id), version))

    def projects(self, commit: pygit2.Commit | None = None) -> list[str]:
        """Every project with an attested release, sorted: the names whose sharded directory
        sits where the layout puts it (stray names are validate's business, not a listing's)."""
        root = self._entry(ATTESTATIONS_DIR, commit)
        found: list[str] = []
        if not isinstance(root, pygit2.Tree):
            return found
        pending: list[tuple[str, pygit2.Tree, int]] = [(ATTESTATIONS_DIR, root, 0)]
        while pending:
            path, tree, depth = pending.pop()
            for entry in tree:
                if not isinstance(entry, pygit2.Tree) or not entry.name:
                    continue
                here = f"{path}/{entry.name}"
                if project_dir(entry.name) == here and _is_normalised(entry.name):
                    found.append(entry.name)
                elif depth < 2:
                    pending.append((here, entry, depth + 1))
        return sorted(found)

    def is_dirty(self) -> bool:
        """True when the work tree has changes that are not committed."""
        if self.repo.is_bare:
            return False
        with reading_objects(self.path):
            return any(flags != pygit2.enums.FileStatus.IGNORED
                       for flags in self.repo.status().values())

    # -- writing -------------------------------------------------------------------------------

    def add_key(self, fpr: str, armored: bytes) -> pygit2.Oid | None:
        """Commit `keys/<FPR>.asc`; None when the committed key is already identical."""
        path = key_path(fpr)
        if self.read_file(path) == armored:
            return None
        verb = "Update" if self.read_file(path) is not None else "Add"
        return self.commit_files({path: armored}, f"{verb} key {fpr}")

    def commit_files(self, files: Mapping[str, bytes], message: str) -> pygit2.Oid:
        """Commit `files` on the current branch, all or nothing, and update the work tree.

        The commit object is built first and the branch moved last: if anything between fails,
        the files written to the work tree are put back and the branch is untouched. One writer
        at a time, and a killed writer's leftovers are cleared first (registry/write_guard.py).
        """
        with exclusive_write(self.repo, self.path) as journal:
            return self._commit_files(files, message, journal)

    def _commit_files(self, files: Mapping[str, bytes], message: str, journal: Journal
                      ) -> pygit2.Oid:
        repo = self.repo
        if repo.head_is_detached:
            raise RegistryError("HEAD is detached; check out a branch before writing",
                                file=self.path)
        branch = repo.references["HEAD"].target
        assert isinstance(branch, str)
        parent = None if repo.head_is_unborn else self.head_commit()
        blobs = {path: repo.create_blob(data) for path, data in files.items()}
        tree = tree_with(repo, parent.tree if parent else None, blobs)
        author = committer(repo)
        commit = make_commit(repo, author, author, message, tree, [parent.id] if parent else [],
                             self.signing)
        restore = _WorkTreeUpdate(self.workdir)
        journal.begin(files)
        try:
            try:
                restore.write(files)
            except OSError as e:
                raise RegistryError(f"cannot write into the work tree: {e.strerror}",
                                    file=e.filename or self.path,
                                    hint="is a file in the way of a folder?") from e
            if parent is None:
                repo.references.create(branch, commit)
            else:
                ref = repo.references[branch]
                if ref.target != parent.id:
                    raise RegistryError(f"{branch} moved while writing; try again", file=self.path)
                ref.set_target(commit, message.splitlines()[0])
        except BaseException:
            restore.undo()
            raise
        restore.stage(repo)
        return commit


def _check_header(header: bytes, source: str) -> Document:
    """Refuse a registry whose layout this version of signoff does not know, or whose
    declared criteria are malformed; the parsed registry.yaml."""
    doc = load_mapping(header, source, max_bytes=LIMITS.registry_header_bytes, error=RegistryError)
    if doc.data.get("signoff") != REGISTRY_SCHEMA:
        raise RegistryError(f"expected `signoff: {REGISTRY_SCHEMA}`", file=source,
                            line=doc.line_of("signoff"))
    if doc.data.get("layout") != LAYOUT_VERSION:
        raise RegistryError(f"layout {doc.data.get('layout')!r} is not one this signoff reads "
                            f"(layout {LAYOUT_VERSION}); upgrade signoff",
                            file=source, line=doc.line_of("layout"))
    parse_declared_criteria(doc)
    return doc


def _statements_in(tree: pygit2.Tree, directory: str) -> list[StoredAttestation]:
    blobs = {e.name: e for e in tree if isinstance(e, pygit2.Blob) and e.name}
    found = []
    for name, blob in sorted(blobs.items()):
        if not name.endswith(STATEMENT_SUFFIX) or name.endswith(SIGNATURE_SUFFIX):
            continue
        sig = blobs.get(name + ".asc")
        if blob.size > LIMITS.attestation_bytes or (sig is not None
                                                 and sig.size > LIMITS.signature_bytes):
            # Hostile sizes are judged from the object header, never loaded into memory.
            found.append(StoredAttestation(
                path=f"{directory}/{name}", statement=b"", signature=None,
                statement_id=str(blob.id), signature_id=None,
                name_fpr=name[: -len(STATEMENT_SUFFIX)], too_large=True))
            continue
        found.append(StoredAttestation(
            path=f"{directory}/{name}", statement=blob.data,
            signature=sig.data if sig is not None else None,
            statement_id=str(blob.id), signature_id=str(sig.id) if sig is not None else None,
            name_fpr=name[: -len(STATEMENT_SUFFIX)]))
    return found


def is_canonical_version(name: str) -> bool:
    """True when a folder name is a version spelled canonically."""
    try:
        return canonical_version(name) == name
    except ValueError:
        return False


def _is_normalised(project: str) -> bool:
    try:
        return normalize_project(project) == project
    except ValueError:
        return False


def committer(repo: pygit2.Repository) -> pygit2.Signature:
    """git's configured identity, else GIT_COMMITTER_NAME/EMAIL, else `signoff`."""
    try:
        return repo.default_signature
    except (KeyError, pygit2.GitError):
        return pygit2.Signature(os.environ.get("GIT_COMMITTER_NAME", "signoff"),
                                os.environ.get("GIT_COMMITTER_EMAIL", "signoff@localhost"))


def _yaml_quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _WorkTreeUpdate:
    """Writes files into a work tree atomically and remembers how to put them back."""

    def __init__(self, workdir: Path | None) -> None:
        self.workdir = workdir
        self.previous: dict[Path, bytes | None] = {}
        self.made_dirs: list[Path] = []
        self.paths: list[str] = []

    def write(self, files: Mapping[str, bytes]) -> None:
        if self.workdir is None:
            return
        root = self.workdir.resolve()
        for path, data in files.items():
            target = self.workdir / path
            # A symlinked directory in the work tree must not redirect a write elsewhere.
            if not target.parent.resolve().is_relative_to(root) and target.parent.exists():
                raise RegistryError("refusing to write through a symlink", file=target)
            if target.is_symlink():
                raise RegistryError("refusing to overwrite a symlink", file=target)
            self.previous[target] = target.read_bytes() if target.exists() else None
            self._mkdirs(target.parent)
            write_atomic(target, data)
            self.paths.append(path)

    def _mkdirs(self, directory: Path) -> None:
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for d in reversed(missing):
            d.mkdir()
            self.made_dirs.append(d)

    def undo(self) -> None:
        for target, data in self.previous.items():
            with contextlib.suppress(OSError):
                if data is None:
                    target.unlink(missing_ok=True)
                else:
                    write_atomic(target, data)
        for d in reversed(self.made_dirs):
            with contextlib.suppress(OSError):
                d.rmdir()

    def stage(self, repo: pygit2.Repository) -> None:
        if self.workdir is None or not self.paths:
            return
        index = repo.index
        index.read()
        for path in self.paths:
            index.add(path)
        index.write()
