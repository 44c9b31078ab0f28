"""Pull-request validation: can the change from a base to a head be merged into a registry?

A pull request is judged by what merging it would do to the base as it is now: the merge of
head into the base tip is computed (a conflict refuses the pull request), and the change from
the base tip to that result is judged as one, found by a tree walk pruned by subtree id. So a
branch cut before the maintainers removed something, merged with the base and restoring it,
is seen restoring it. The rules:

- Only layout paths: statements, their signatures and key files; no stray files, symlinks,
  submodules or executable bits, nothing over its size cap. The registry's own files
  (registry.yaml, README.md, CONTRIBUTING.md, the workflow) are for maintainers.
- Every added or changed statement parses strictly, has its signature, verifies with the key
  its file name names (present in `keys/` at the head), and matches its path.
- An existing statement may change only by being replaced with a newer one (a later `date`),
  which the rules above make the same signer's. A replay of the signer's own older statement
  is refused by the date.
- Deleting an attestation or a key is refused unless removals are allowed (maintainers only).
  Re-adding a path that the base tip lacks but an earlier main-line (first-parent) commit of
  the base had is undoing a removal, and needs the same flag.
- A key file may be added; an existing one may only gain material (certifications, user IDs,
  subkeys, a revocation): every packet it had stays byte for byte, and every signature packet
  added verifies (registry/key_growth.py).
- A new statement whose filename is already attested under another sha256 is a hash conflict.

The core returns findings; the command line prints them (text, JSON or GitHub annotations).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pygit2

from signoff.attest.annotations import github_annotation
from signoff.attest.criteria import BUILTIN_CRITERIA, nearest_criterion
from signoff.attest.errors import AttestationError, InputError, RegistryError, SignoffError
from signoff.attest.gpg import (
    Keyring,
    SignatureCheck,
    gpg_binary,
    judge_key_status,
    kill_agent,
    new_home,
)
from signoff.attest.gpg_keys import packets
from signoff.attest.key_packets import read_key_files
from signoff.attest.limits import LIMITS
from signoff.attest.model import Attestation, load_attestation
from signoff.attest.names import (
    normalize_fingerprint,
    normalize_project,
    normalize_sha256,
    normalize_version,
    same_version,
)
from signoff.attest.signature_backend import SignatureBackend, backend_name, open_backend
from signoff.attest.strict_yaml import load_mapping
from signoff.registry.criteria import parse_declared_criteria
from signoff.registry.gittree import TreeChange, lookup, tree_changes
from signoff.registry.key_growth import lost_packets, refused_additions, unverified_additions
from signoff.registry.layout import (
    ATTESTATIONS_DIR,
    KEYS_DIR,
    REGISTRY_FILE,
    STATEMENT_SUFFIX,
    AttestationPath,
    key_path,
    parse_attestation_path,
    parse_key_path,
    statement_path,
    version_dir,
)
from signoff.registry.objects import reading_objects
from signoff.registry.templates import TEMPLATE_PATHS

REGISTRY_FILES = frozenset({REGISTRY_FILE, *TEMPLATE_PATHS})
"""The registry's own files: changed by maintainers, never by a vetter's pull request."""
_REGULAR = pygit2.enums.FileMode.BLOB
_EXECUTABLE = pygit2.enums.FileMode.BLOB_EXECUTABLE
_LINK = pygit2.enums.FileMode.LINK
_SUBMODULE = pygit2.enums.FileMode.COMMIT
_PUBLIC_KEY_ARMOR = b"-----BEGIN PGP PUBLIC KEY BLOCK-----"


@dataclass(frozen=True)
class Finding:
    """One reason the change cannot be merged."""

    path: str
    """The registry path at fault."""
    message: str
    """What is wrong and, where it helps, what to do."""
    line: int | None = None
    """Line in the file, when there is one."""
    severity: str = "error"
    """`error` stops the merge; `warning` is said and does not."""

    def text(self) -> str:
        """`PATH[:LINE]: message`, with `warning: ` before a warning."""
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{prefix}{where}: {self.message}"

    def github(self) -> str:
        """A GitHub Actions workflow annotation: `::error file=PATH::message` (or warning)."""
        return github_annotation(self.severity, self.message, self.path, self.line)


@dataclass(frozen=True)
class ValidationReport:
    """The verdict on one pull request."""

    base: str
    """The base commit given."""
    head: str
    """The head commit given."""
    merge_base: str
    """Where the change starts."""
    findings: tuple[Finding, ...]
    """Everything that stops the merge; empty when it can be merged."""
    statements: int
    """Added or changed statements checked."""
    keys: int
    """Added or changed key files checked."""
    warnings: tuple[Finding, ...] = ()
    """Worth fixing, but no reason to refuse the merge (undeclared criteria)."""

    @property
    def ok(self) -> bool:
        """True when the change can be merged."""
        return not self.findings

    def as_json(self) -> dict[str, object]:
        """The report as one JSON-ready document (for `--format json`)."""
        return {"ok": self.ok, "base": self.base, "head": self.head,
                "merge_base": self.merge_base, "statements": self.statements, "keys": self.keys,
                "findings": [{"path": f.path, "line": f.line, "message": f.message}
                             for f in self.findings],
                "warnings": [{"path": f.path, "line": f.line, "message": f.message}
                             for f in self.warnings]}


def validate(repo: pygit2.Repository, base: str, head: str, allow_removals: bool = False,
             allow_registry_files: bool = False, workers: int | None = None
             ) -> ValidationReport:
    """Judge what merging `head` would change in the tip of `base`."""
    with reading_objects(repo.path):
        base_commit = _resolve(repo, base)
        head_commit = _resolve(repo, head)
        merge_base = repo.merge_base(base_commit.id, head_commit.id)
        if merge_base is None:
            raise RegistryError(f"{base} and {head} share no history", file=repo.path,
                                hint="fetch the full history (fetch-depth: 0) and the base "
                                     "branch")
        run = _judge_merge(repo, base, base_commit, head_commit, allow_removals,
                           allow_registry_files, workers)
    findings = tuple(sorted(run.findings, key=lambda f: (f.path, f.line or 0, f.message)))
    return ValidationReport(str(base_commit.id), str(head_commit.id), str(merge_base), findings,
                            len(run.statements), len(run.keys), tuple(run.warnings))


def _judge_merge(repo: pygit2.Repository, base: str, base_commit: pygit2.Commit,
                 head_commit: pygit2.Commit, allow_removals: bool, allow_registry_files: bool,
                 workers: int | None) -> _Validation:
    merged = repo.merge_commits(base_commit, head_commit)
    if merged.conflicts is not None:
        run = _Validation(repo, base_commit.tree, base_commit.tree, allow_removals,
                          allow_registry_files)
        for path in sorted({e.path for trio in merged.conflicts for e in trio if e is not None}):
            run.fail(path, f"conflicts with {base}, which changed or removed it after this "
                           f"branch was cut; rebase onto {base} and keep its version")
        return run
    result = repo[merged.write_tree(repo)].peel(pygit2.Tree)
    run = _Validation(repo, base_commit.tree, result, allow_removals, allow_registry_files)
    run.classify(tree_changes(base_commit.tree, result))
    run.check_readditions(base, base_commit)
    run.check_keys()
    run.check_statements(workers)
    return run


def _resolve(repo: pygit2.Repository, rev: str) -> pygit2.Commit:
    try:
        return repo.revparse_single(rev).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError) as e:
        raise RegistryError(f"no such revision {rev!r}", file=repo.path,
                            hint="fetch it first; CI needs checkout with fetch-depth: 0") from e


class _Validation:
    """The state of one validation run: changed paths sorted by kind, and findings."""

    def __init__(self, repo: pygit2.Repository, start: pygit2.Tree, head: pygit2.Tree,
                 allow_removals: bool, allow_registry_files: bool) -> None:
        self.repo = repo
        self.start = start
        self.head = head
        self.allow_removals = allow_removals
        self.allow_registry_files = allow_registry_files
        self.findings: list[Finding] = []
        self.warnings: list[Finding] = []
        self._known_criteria: set[str] | None = None
        self.statements: dict[str, AttestationPath] = {}
        self.keys: dict[str, pygit2.Object] = {}
        self.bad_paths: set[str] = set()
        self.bad_keys: set[str] = set()
        self.added: set[str] = set()
        self._subjects: dict[tuple[str, str], dict[str, set[str]]] = {}

    def fail(self, path: str, message: str, line: int | None = None) -> None:
        self.findings.append(Finding(path, message, line))

    def warn(self, path: str, message: str, line: int | None = None) -> None:
        self.warnings.append(Finding(path, message, line, "warning"))

    def known_criteria(self) -> set[str]:
        """Built-in criteria and those registry.yaml declares in the merged result."""
        if self._known_criteria is None:
            self._known_criteria = set(BUILTIN_CRITERIA)
            entry = self._lookup(self.head, REGISTRY_FILE)
            if isinstance(entry, pygit2.Blob):
                try:
                    doc = load_mapping(entry.data, REGISTRY_FILE,
                                       max_bytes=LIMITS.registry_header_bytes,
                                       error=RegistryError)
                    self._known_criteria |= set(parse_declared_criteria(doc))
                except RegistryError as e:
                    self.fail(REGISTRY_FILE, e.message, e.line)
        return self._known_criteria

    def check_criteria(self, statement: str, att: Attestation) -> None:
        """Warn about criteria neither built in nor declared: likely typos, or names no
        policy reading this registry will recognise."""
        known = self.known_criteria()
        for name in att.criteria:
            if name not in known:
                nearest = nearest_criterion(name, known)
                self.warn(statement, f"criterion {name!r} is neither built in nor declared in "
                                     f"{REGISTRY_FILE}"
                                     + (f" (did you mean {nearest!r}?)" if nearest else ""))

    def _lookup(self, tree: pygit2.Tree, path: str) -> pygit2.Object | None:
        """The object at `path`; CorruptObject when the repository lacks one a tree names."""
        return lookup(self.repo, tree, path, self.repo.path)

    # -- which paths changed, and are they allowed -------------------------------------------

    def classify(self, changes: Iterable[TreeChange]) -> None:
        for change in changes:
            path, new = change.path, change.new
            if new is None:
                self._removed(path)
                continue
            if change.old is None:
                self.added.add(path)
            if not self._plain_file(path, new):
                self.bad_paths.add(path)
                continue
            if path in REGISTRY_FILES:
                self._registry_file(path, new)
                continue
            parsed = parse_attestation_path(path)
            if parsed is not None:
                cap = LIMITS.signature_bytes if parsed.is_signature else LIMITS.attestation_bytes
                if self._within(path, new, cap):
                    self.statements.setdefault(parsed.statement, parsed)
                else:
                    self.bad_paths.add(path)
                continue
            fpr = parse_key_path(path)
            if fpr is not None:
                if self._within(path, new, LIMITS.key_file_bytes):
                    self.keys[fpr] = new
                else:
                    self.bad_keys.add(fpr)
                continue
            self.fail(path, _stray_message(path))
            self.bad_paths.add(path)

    def _removed(self, path: str) -> None:
        top = path.split("/", 1)[0]
        if top in (ATTESTATIONS_DIR, KEYS_DIR) and not self.allow_removals:
            what = "a key" if top == KEYS_DIR else "an attestation"
            self.fail(path, f"removes {what}; removals are refused. A signer withdraws a "
                            "statement by replacing it (`signoff attest --withdraw`); "
                            "maintainers may pass --allow-removals")
        elif path in REGISTRY_FILES and not self.allow_registry_files:
            self.fail(path, "removes one of the registry's own files; only maintainers may "
                            "(--allow-registry-files)")

    def _plain_file(self, path: str, entry: pygit2.Object) -> bool:
        mode = entry.filemode
        if mode == _LINK:
            self.fail(path, "is a symbolic link; a registry holds regular files only")
        elif mode == _SUBMODULE:
            self.fail(path, "is a submodule; a registry holds regular files only")
        elif mode == _EXECUTABLE:
            self.fail(path, "has the executable bit; a registry holds plain files "
                            "(git update-index --chmod=-x)")
        elif mode != _REGULAR:
            self.fail(path, f"has file mode {int(mode):o}; a registry holds regular files only")
        else:
            return True
        return False

    def _within(self, path: str, entry: pygit2.Object, cap: int) -> bool:
        # From the object header: a hostile blob is never loaded to learn that it is too big.
        _kind, size = self.repo.odb.read_header(entry.id)
        if size > cap:
            self.fail(path, f"is {size} bytes, over the {cap}-byte cap for this kind of file")
            return False
        return True

    def _registry_file(self, path: str, entry: pygit2.Object) -> None:
        if not self.allow_registry_files:
            self.fail(path, "changes one of the registry's own files; a vetter's pull request "
                            "changes only attestations/ and keys/ (maintainers: "
                            "--allow-registry-files)")
        self._within(path, entry, LIMITS.registry_file_bytes)

    def check_readditions(self, base: str, tip: pygit2.Commit) -> None:
        """Paths added back that the base's main line once had: a removal being undone."""
        added = {path for path in self.added if path.split("/", 1)[0] in (ATTESTATIONS_DIR,
                                                                          KEYS_DIR)}
        if not added or self.allow_removals:
            return
        # Newest first along the first parents: the first commit holding a path is the last
        # one before the removal; its first-parent child removed it.
        # Only subtrees that differ from the newer commit's are read: an unchanged subtree
        # holds the same (absent) paths, so the walk costs the history's changes, not its size.
        remover = tip
        trie = _path_trie(added)
        for commit in _first_parents(tip):
            present = self._present(commit.tree, remover.tree, trie)
            if present:
                added.difference_update(present)
                trie = _path_trie(added)
            for path in sorted(present):
                self.fail(path, f"re-adds what {base} removed in commit "
                                f"{str(remover.id)[:12]}; undoing a removal is for "
                                "maintainers (--allow-removals)")
            if not added:
                return
            remover = commit

    def _present(self, tree: pygit2.Tree, newer: pygit2.Tree | None, trie: _Trie,
                 prefix: str = "") -> list[str]:
        """Paths of `trie` present in `tree` below subtrees that differ from `newer`'s."""
        found: list[str] = []
        for name, below in trie.items():
            if name not in tree:
                continue
            entry = tree[name]
            if newer is not None and name in newer and newer[name].id == entry.id:
                continue  # the same as in the newer commit, where the path was absent
            if below is None:
                found.append(prefix + name)
                continue
            obj = self._lookup(tree, name)
            before = self._lookup(newer, name) if newer is not None else None
            if isinstance(obj, pygit2.Tree):
                found += self._present(obj, before if isinstance(before, pygit2.Tree) else None,
                                       below, f"{prefix}{name}/")
        return found

    # -- key files ---------------------------------------------------------------------------

    def check_keys(self) -> None:
        if not self.keys:
            return
        home = new_home()
        try:
            for fpr, entry in sorted(self.keys.items()):
                path = key_path(fpr)
                new = _blob_data(entry)
                old_entry = self._lookup(self.start, path)
                old = old_entry.data if isinstance(old_entry, pygit2.Blob) else None
                problem = _key_problem(home, fpr, new, old, self._issuer_importer(home))
                if problem is not None:
                    self.fail(path, problem)
                    self.bad_keys.add(fpr)
        finally:
            kill_agent(home)
            shutil.rmtree(home, ignore_errors=True)

    def _issuer_importer(self, home: Path) -> Callable[[set[str]], None]:
        """Imports into `home` the key files at the head whose fingerprints end in the given
        long key ids: the keys that added signatures claim to be made by."""
        def import_issuers(key_ids: set[str]) -> None:
            tree = self._lookup(self.head, KEYS_DIR)
            if not isinstance(tree, pygit2.Tree):
                return
            blobs = [entry.data for entry in tree
                     if isinstance(entry, pygit2.Blob) and (fpr := parse_key_path(
                         f"{KEYS_DIR}/{entry.name}")) is not None and fpr[-16:] in key_ids
                     and entry.size <= LIMITS.key_file_bytes]
            if blobs:
                subprocess.run([gpg_binary(), "--homedir", str(home), "--batch", "--import"],
                               input=b"".join(blobs), capture_output=True, check=False)
        return import_issuers

    # -- statements --------------------------------------------------------------------------

    def check_statements(self, workers: int | None) -> None:
        pending: list[tuple[AttestationPath, bytes, bytes]] = []
        for statement, parsed in sorted(self.statements.items()):
            ready = self._statement(statement, parsed)
            if ready is not None:
                pending.append((parsed, *ready))
        if not pending:
            return
        ring = Keyring()
        try:
            usable = self._import_signers(ring, {p.fpr for p, _, _ in pending})
            jobs = [(p, data, sig) for p, data, sig in pending if p.fpr in usable]
            # The chosen verifier checks the cryptography; the key states come from gpg's
            # listing of the same keys, whichever verifier ran.
            verifier: SignatureBackend = ring if backend_name() == "gpg" else open_backend(
                {key_path(fpr): data for fpr, data in usable.items()})
            states, now = ring.key_states(), int(time.time())
            with ThreadPoolExecutor(max_workers=workers or min(4, os.cpu_count() or 1)) as pool:
                results = list(pool.map(lambda job: judge_key_status(
                    verifier.verify_signature(job[1], job[2]), states, now), jobs))
        finally:
            ring.close()
        for (parsed, _, _), check in zip(jobs, results, strict=True):
            self._signature(parsed, check)

    def _statement(self, statement: str, parsed: AttestationPath) -> tuple[bytes, bytes] | None:
        """Static checks of one statement; its bytes and signature when a verify is due."""
        signature = parsed.signature
        if statement in self.bad_paths or signature in self.bad_paths:
            return None
        entry = self._lookup(self.head, statement)
        if not isinstance(entry, pygit2.Blob):
            self.fail(signature, f"is a signature without its statement {statement}")
            return None
        sig_entry = self._lookup(self.head, signature)
        if not isinstance(sig_entry, pygit2.Blob):
            self.fail(statement, f"has no signature: add {parsed.fpr}.yaml.asc, the detached "
                                 "armored signature (signoff attest writes both)")
            return None
        data = entry.data
        try:
            att = load_attestation(data, statement)
        except AttestationError as e:
            self.fail(statement, e.message, e.line)
            return None
        if not self._matches_path(statement, parsed, att):
            return None
        self._replacement(statement, att, data)
        self._conflict(statement, parsed, att)
        self.check_criteria(statement, att)
        return data, sig_entry.data

    def _matches_path(self, statement: str, parsed: AttestationPath, att: Attestation) -> bool:
        s = att.subject
        if (s.project, s.sha256) != (parsed.project, parsed.sha256) or not same_version(
                s.version, parsed.version):
            self.fail(statement, f"its subject ({s.project} {s.version} sha256 {s.sha256}) does "
                                 "not match the path it sits at; it belongs at "
                                 f"{statement_path(s.project, s.version, s.sha256, att.signer)}")
            return False
        if att.signer != parsed.fpr:
            self.fail(statement, f"signer {att.signer} differs from the file name's "
                                 f"{parsed.fpr}")
            return False
        return True

    def _replacement(self, statement: str, att: Attestation, data: bytes) -> None:
        old_entry = self._lookup(self.start, statement)
        if not isinstance(old_entry, pygit2.Blob) or old_entry.data == data:
            return
        try:
            old = load_attestation(old_entry.data, statement)
        except AttestationError:
            return  # a broken old statement may be replaced by any valid one of its signer
        if att.date <= old.date:
            self.fail(statement, f"replaces an attestation dated {_iso(old)} with one dated "
                                 f"{_iso(att)}; a replacement must be newer")

    def _conflict(self, statement: str, parsed: AttestationPath, att: Attestation) -> None:
        others = self._filenames(parsed.project, parsed.version)
        clashing = sorted(sha for sha, names in others.items()
                          if sha != parsed.sha256 and att.subject.filename in names)
        if clashing:
            self.fail(statement, f"hash conflict: {att.subject.filename} is already attested "
                                 f"under sha256 {', '.join(clashing)}; everyone must get the "
                                 "same file")

    def _filenames(self, project: str, version: str) -> dict[str, set[str]]:
        """Filenames attested per sha256 for one release at the head (parsable statements)."""
        key = (project, version)
        if key not in self._subjects:
            found: dict[str, set[str]] = {}
            tree = self._lookup(self.head, version_dir(project, version))
            for sha_dir in tree if isinstance(tree, pygit2.Tree) else []:
                if not isinstance(sha_dir, pygit2.Tree):
                    continue
                for entry in sha_dir:
                    name = str(entry.name)
                    if (not isinstance(entry, pygit2.Blob) or not name.endswith(STATEMENT_SUFFIX)
                            or entry.size > LIMITS.attestation_bytes):
                        continue
                    try:
                        att = load_attestation(entry.data, name)
                    except AttestationError:
                        continue
                    found.setdefault(str(sha_dir.name), set()).add(att.subject.filename)
            self._subjects[key] = found
        return self._subjects[key]

    def _import_signers(self, ring: Keyring, fprs: set[str]) -> dict[str, bytes]:
        """The signers' key files that gpg imported, by fingerprint; the others are findings."""
        usable: dict[str, bytes] = {}
        found: dict[str, bytes] = {}
        for fpr in sorted(fprs):
            path = key_path(fpr)
            entry = self._lookup(self.head, path)
            if fpr in self.bad_keys:
                continue  # already reported
            if not isinstance(entry, pygit2.Blob):
                self.fail(path, f"is missing: attestations signed by {fpr} need its public key "
                                "(signoff registry add-key FPR)")
                continue
            try:
                read_key_files({path: entry.data})  # strict and in-process: no gpg yet
            except SignoffError as e:
                self.fail(path, e.message)
                continue
            found[fpr] = entry.data
        try:
            ring.import_keys({key_path(fpr): data for fpr, data in found.items()})  # one call
            return found
        except SignoffError:
            pass  # one key gpg refuses: import one by one to name it
        for fpr, data in found.items():
            try:
                ring.import_key(data, key_path(fpr))
            except SignoffError as e:
                self.fail(key_path(fpr), e.message)
                continue
            usable[fpr] = data
        return usable

    def _signature(self, parsed: AttestationPath, check: SignatureCheck) -> None:
        if not check.good:
            self.fail(parsed.signature, f"does not verify with {parsed.fpr}, the key its file "
                                        f"name names: {check.problem}")
        elif check.primary_fpr != parsed.fpr:
            self.fail(parsed.signature, f"is signed by {check.primary_fpr}, not by "
                                        f"{parsed.fpr} as its file name says")


_Trie = dict[str, "_Trie | None"]


def _path_trie(paths: Iterable[str]) -> _Trie:
    """Slash-separated paths as nested dicts; a leaf is None."""
    trie: _Trie = {}
    for path in paths:
        node = trie
        *dirs, leaf = path.split("/")
        for name in dirs:
            child = node.setdefault(name, {})
            assert child is not None
            node = child
        node[leaf] = None
    return trie


def _first_parents(tip: pygit2.Commit) -> Iterator[pygit2.Commit]:
    """The commits before `tip` along its first parents, newest first."""
    commit = tip
    while commit.parents:
        commit = commit.parents[0]
        yield commit


def _blob_data(entry: pygit2.Object) -> bytes:
    assert isinstance(entry, pygit2.Blob)
    return entry.data


def _iso(att: Attestation) -> str:
    return att.date.strftime("%Y-%m-%dT%H:%M:%SZ")


def _stray_message(path: str) -> str:
    top = path.split("/", 1)[0]
    if top == ATTESTATIONS_DIR:
        expected = _expected_attestation_path(path)
        hint = (f" (expected {expected})" if expected and expected != path else
                " (names must be normalised: PEP 503 project, PEP 440 version, lower-case "
                "sha256, upper-case fingerprint)")
        return ("is not an attestation layout path: attestations/<shard>/<project>/<version>/"
                "<sha256>/<FPR>.yaml or .yaml.asc" + hint)
    if top == KEYS_DIR:
        return "is not a key path: keys/<FPR>.asc with the 40-hex upper-case fingerprint"
    return ("is not a registry path: a pull request may add only attestations/ statements, "
            "their signatures, and keys/")


def _expected_attestation_path(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) < 5:
        return None
    name = parts[-1]
    suffix = ".yaml.asc" if name.endswith(".yaml.asc") else ".yaml" if name.endswith(
        ".yaml") else None
    if suffix is None:
        return None
    try:
        expected = statement_path(normalize_project(parts[-4]), normalize_version(parts[-3]),
                                  normalize_sha256(parts[-2]),
                                  normalize_fingerprint(name[: -len(suffix)]))
    except ValueError:
        return None
    return expected + (".asc" if suffix == ".yaml.asc" else "")


# -- key material ------------------------------------------------------------------------------


def _key_problem(home: Path, fpr: str, new: bytes, old: bytes | None,
                 import_issuers: Callable[[set[str]], None]) -> str | None:
    """Why a new or changed key file is refused, or None."""
    if b"PRIVATE KEY BLOCK" in new:
        return "holds a secret key; only public keys belong in keys/"
    if not new.lstrip().startswith(_PUBLIC_KEY_ARMOR):
        return ("is not an armored public key (it must start with "
                f"{_PUBLIC_KEY_ARMOR.decode()}; export with gpg --armor --export FPR)")
    try:
        after = _key_material(home, new)
    except InputError as e:
        return e.message
    if any(item[0] in ("sec", "ssb") for item in after):
        return "holds secret key material; only public keys belong in keys/"
    primaries = [item for item in after if item[0] == "pub"]
    if len(primaries) != 1:
        return f"holds {len(primaries)} primary keys; a key file holds exactly one"
    if primaries[0][1] != fpr:
        return f"holds key {primaries[0][1]}, not {fpr} as its file name says"
    try:
        if old is not None:
            packets(old)
    except ValueError:
        old = None  # the old file was unreadable; any valid key of the right name replaces it
    try:
        problems = (refused_additions(old, new)
                    + unverified_additions(home, old, new, import_issuers))
        lost = lost_packets(old, new) if old is not None else []
    except ValueError as e:
        return f"is not OpenPGP key material signoff can read: {e}"
    if lost:
        return (f"loses material it had: {'; '.join(lost[:5])}. Every packet of a key file "
                "must stay byte for byte; a key file may only gain certifications, user IDs, "
                "subkeys or a revocation")
    return problems[0] if problems else None


def _key_material(home: Path, armored: bytes) -> set[tuple[str, ...]]:
    """Everything a key file holds, as comparable items, read without importing it."""
    proc = subprocess.run([gpg_binary(), "--homedir", str(home), "--batch", "--with-colons",
                           "--show-keys", "--with-sig-list"], input=armored, capture_output=True,
                          check=False)
    if proc.returncode != 0 or not proc.stdout:
        raise InputError("is not an OpenPGP public key gpg can read")
    items: set[tuple[str, ...]] = set()
    context: tuple[str, ...] = ("primary",)
    last: str | None = None
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        f = line.split(":")
        kind = f[0]
        if kind == "fpr" and last in ("pub", "sub", "sec", "ssb") and len(f) > 9:
            item = (last, f[9])
            items.add(item)
            context = item if last in ("sub", "ssb") else ("primary",)
        elif kind in ("uid", "uat") and len(f) > 9:
            # Field 8 is the hash of the user ID packet; field 10 its text (empty for uat).
            context = (kind, f[7], f[9])
            items.add(context)
        elif kind in ("sig", "rev") and len(f) > 10:
            items.add((kind, *context, f[4], f[5], f[10]))
        last = kind
    return items
