"""The policy file (`policy/v1`): which registries, whose keys, and what a file needs to pass."""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from signoff.attest.errors import PolicyError
from signoff.attest.files import read_bounded
from signoff.attest.limits import LIMITS
from signoff.attest.model import is_valid_criterion
from signoff.attest.names import normalize_fingerprint
from signoff.attest.strict_yaml import Document, KeyPath, load_mapping
from signoff.trust.policy.criteria import BUILTIN_CRITERIA, CriteriaGraph
from signoff.trust.policy.durations import parse_duration
from signoff.trust.policy.trust_settings import Ownertrust, TrustSettings, Validity

SCHEMA = "policy/v1"
DEFAULT_POLICY = Path("signoff-policy.yaml")
_TOP = {"signoff", "registries", "trust", "require", "rules", "criteria"}
_TRUST = {"roots", "introducers", "marginals-needed", "completes-needed", "max-depth",
          "min-validity", "min-key-age"}
_REQUIRE = {"criteria", "signers", "min-age"}
_REGISTRY = {"path", "url", "ref", "refresh", "max-staleness", "maintainers", "since",
             "criteria", "criteria-map"}
DEFAULT_REFRESH = 3600
"""Seconds after which a registry named by `url:` is fetched again (`refresh:`)."""


@dataclass(frozen=True)
class RegistrySource:
    """One registry the policy reads."""

    path: Path | None
    """A local repository, resolved against the policy file's folder (None with `url`)."""
    url: str | None = None
    """A git URL (or a local path) that signoff clones into its cache and keeps fresh."""
    ref: str | None = None
    """The ref read; None reads the branch `main` (else HEAD for a `path:` checkout)."""
    refresh: int = DEFAULT_REFRESH
    """Seconds after which a `url:` registry is fetched again."""
    max_staleness: int | None = None
    """Fail when a `url:` registry could not be fetched within this many seconds."""
    maintainers: tuple[str, ...] = ()
    """When set, every main-line commit after `since` must be signed by one of these keys."""
    since: str | None = None
    """The commit from which the maintainers rule applies."""
    import_criteria: bool = False
    """`criteria: import`: the criteria its registry.yaml declares join the policy's, with
    what they imply."""
    criteria_map: Mapping[str, str] = field(default_factory=dict)
    """`criteria-map: {theirs: ours}`: an attestation from this registry certifying `theirs`
    counts as certifying the policy's `ours`."""

    @property
    def label(self) -> str:
        """How reports name this registry: its URL or its path."""
        return self.url if self.url is not None else str(self.path)


@dataclass(frozen=True)
class Requirement:
    """What one release file needs in order to pass."""

    criteria: tuple[str, ...]
    """Every criterion an approval must imply."""
    signers: int
    """Distinct counted signers that must approve."""
    min_age: int = 0
    """Seconds an approval must have stood on the registry's main line."""


@dataclass(frozen=True)
class Rule:
    """An override of `require` for projects whose names match a pattern."""

    projects: tuple[str, ...]
    """Shell-style patterns over normalised project names."""
    require: Requirement
    """The requirement for matching projects."""
    index: int
    """Position in `rules`, for `rules[2]` in explanations."""


@dataclass(frozen=True)
class Policy:
    """A deploying organisation's policy."""

    source: Path
    """The policy file."""
    registries: tuple[RegistrySource, ...]
    """Registries whose attestations are read, in order."""
    trust: TrustSettings
    """Web-of-trust settings."""
    require: Requirement
    """The default requirement."""
    rules: tuple[Rule, ...] = ()
    """Overrides; the first match wins."""
    criteria: CriteriaGraph = field(default_factory=lambda: CriteriaGraph(BUILTIN_CRITERIA))
    """Built-in and policy-defined criteria."""
    key_lines: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    """Where the policy names each trusted key: fingerprint to (`trust.roots[0]`, line)."""

    def unknown_trusted_keys(self, known: Collection[str]) -> PolicyError | None:
        """The error for the first root or introducer that is in none of `known` (the
        registries' keys/), naming its policy line; None when every one is known."""
        for fpr in [*sorted(self.trust.roots), *sorted(self.trust.introducers)]:
            if fpr not in known:
                where, line = self.key_lines.get(fpr, ("trust", None))
                return PolicyError(
                    f"{where}: {fpr} is in no registry's keys/, so it can make no signer valid",
                    file=self.source, line=line,
                    hint="check the fingerprint, or add the key to a registry's keys/")
        return None

    def requirement_for(self, project: str) -> tuple[Requirement, str]:
        """The requirement for a project and the name of where it came from."""
        for rule in self.rules:
            if any(fnmatch.fnmatchcase(project, pattern) for pattern in rule.projects):
                return rule.require, f"rules[{rule.index}] ({', '.join(rule.projects)})"
        return self.require, "require"


def _valid_ref(ref: str) -> bool:
    """A ref name git would accept, without revision syntax (`~`, `^`, `:`, `..`, `@{`)."""
    return (0 < len(ref) <= 255 and not ref.startswith(("-", "/")) and not ref.endswith(
        ("/", ".lock", ".")) and ".." not in ref and "//" not in ref and "@{" not in ref
        and not any(c in ref for c in " ~^:?*[\\\x7f") and all(ord(c) >= 32 for c in ref))


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; PolicyError names the file and line."""
    if not path.exists():
        raise PolicyError("policy file not found", file=path,
                          hint="pass --policy FILE or set $SIGNOFF_POLICY, or create "
                               "signoff-policy.yaml here or in a parent folder")
    data = read_bounded(path, "policy file", LIMITS.policy_bytes, PolicyError)
    doc = load_mapping(data, str(path), max_bytes=LIMITS.policy_bytes, error=PolicyError)
    return _PolicyReader(doc, path).policy()


class _PolicyReader:
    def __init__(self, doc: Document, path: Path) -> None:
        self.doc = doc
        self.path = path

    def fail(self, message: str, key: str | KeyPath) -> PolicyError:
        """An error at the line of `key` (a top-level key or a key path)."""
        return PolicyError(message, file=self.doc.source, line=self.doc.line_of(key))

    def mapping(self, value: Any, where: str, allowed: set[str], key: KeyPath) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"{where} must be a mapping", key)
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(f"unknown key {unknown[0]!r} in {where}; known keys: "
                            f"{', '.join(sorted(allowed))}", (*key, unknown[0]))
        return value

    def policy(self) -> Policy:
        data = self.mapping(self.doc.data, "the policy", _TOP, ())
        if data.get("signoff") != SCHEMA:
            raise self.fail(f"first key must be `signoff: {SCHEMA}`",
                            "signoff" if "signoff" in data else next(iter(data), "signoff"))
        criteria = self.criteria(data.get("criteria", {}))
        require_data = self.mapping(data.get("require"), "require", _REQUIRE, ("require",))
        base = self.requirement(require_data, None, criteria, "require", ("require",))
        return Policy(
            source=self.path,
            registries=self.registries(data.get("registries"), criteria),
            trust=self.trust(data.get("trust")),
            require=base,
            rules=self.rules(data.get("rules", []), base, criteria),
            criteria=criteria,
            key_lines=self.key_lines(),
        )

    def key_lines(self) -> dict[str, tuple[str, int | None]]:
        """Where each root and introducer is named, once `trust()` has accepted them."""
        found: dict[str, tuple[str, int | None]] = {}
        trust = self.doc.data.get("trust") or {}
        for i, fpr in enumerate(trust.get("roots") or []):
            found.setdefault(normalize_fingerprint(fpr), (
                f"trust.roots[{i}]", self.doc.line_of(("trust", "roots", i))))
        for fpr in trust.get("introducers") or {}:
            found.setdefault(normalize_fingerprint(fpr), (
                f"trust.introducers.{fpr}", self.doc.line_of(("trust", "introducers", fpr))))
        return found

    def registries(self, value: Any, criteria: CriteriaGraph) -> tuple[RegistrySource, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail("registries must be a non-empty list of {path: ...}", "registries")
        found = []
        for i, item in enumerate(value):
            where = f"registries[{i}]"
            at: KeyPath = ("registries", i)
            entry = self.mapping(item, where, _REGISTRY, at)
            maintainers = tuple(self.fingerprints(entry.get("maintainers", []),
                                                  f"{where}.maintainers", (*at, "maintainers")))
            since = entry.get("since")
            if since is not None and not isinstance(since, str):
                raise self.fail(f"{where}.since must be a commit id", (*at, "since"))
            if (since is None) != (not maintainers):
                raise self.fail(f"{where}: maintainers and since go together: the rule covers "
                                "the main-line commits after since", at)
            imported = entry.get("criteria")
            if imported is not None and imported != "import":
                raise self.fail(f"{where}.criteria must be `import` (the criteria its "
                                "registry.yaml declares), or left out", (*at, "criteria"))
            location = self.registry_location(entry, where, at, maintainers, since)
            found.append(replace(location, import_criteria=imported == "import",
                                 criteria_map=self.criteria_map(entry.get("criteria-map", {}),
                                                                criteria, where, at)))
        return tuple(found)

    def criteria_map(self, value: Any, criteria: CriteriaGraph, where: str, at: KeyPath
                     ) -> dict[str, str]:
        key: KeyPath = (*at, "criteria-map")
        if not isinstance(value, dict):
            raise self.fail(f"{where}.criteria-map must map the registry's criteria to the "
                            "policy's", key)
        found = {}
        for theirs, ours in value.items():
            if not isinstance(theirs, str) or not is_valid_criterion(theirs):
                raise self.fail(f"{where}.criteria-map: {theirs!r} is not a criterion name",
                                (*key, str(theirs)))
            if not isinstance(ours, str) or not criteria.known(ours):
                raise self.fail(f"{where}.criteria-map.{theirs}: {ours!r} is neither built in "
                                "nor defined in the policy's criteria", (*key, theirs))
            found[theirs] = ours
        return found

    def registry_location(self, entry: dict[str, Any], where: str, at: KeyPath,
                          maintainers: tuple[str, ...], since: str | None) -> RegistrySource:
        """Where one registry is (`path:` or `url:`), which ref, and how fresh it must be."""
        raw_path, url = entry.get("path"), entry.get("url")
        if (raw_path is None) == (url is None):
            raise self.fail(f"{where} needs exactly one of path: (a local repository) or url: "
                            "(a git URL that signoff clones and keeps fresh)", at)
        path: Path | None = None
        if raw_path is not None:
            if not isinstance(raw_path, str) or not raw_path or "\x00" in raw_path:
                raise self.fail(f"{where}.path must be a path", (*at, "path"))
            path = (self.path.parent / raw_path).resolve()
            for key in ("refresh", "max-staleness"):
                if key in entry:
                    raise self.fail(f"{where}.{key} needs url:; signoff fetches only the "
                                    "registries it clones itself", (*at, key))
        else:
            if (not isinstance(url, str) or not url or len(url) > 2000
                    or any(c in url for c in "\x00\n\r") or url.startswith("-")):
                raise self.fail(f"{where}.url must be a git URL or path", (*at, "url"))
            if "://" not in url and not url.startswith("git@"):
                # A local upstream (a bare repository) is relative to the policy, like path:.
                url = str((self.path.parent / url).resolve())
        ref = entry.get("ref")
        if ref is not None and (not isinstance(ref, str) or not _valid_ref(ref)):
            raise self.fail(f"{where}.ref must be a branch, tag or full ref name like main or "
                            "refs/heads/main", (*at, "ref"))
        refresh = (self.duration(entry["refresh"], f"{where}.refresh", (*at, "refresh"))
                   if "refresh" in entry else DEFAULT_REFRESH)
        staleness = (self.duration(entry["max-staleness"], f"{where}.max-staleness",
                                   (*at, "max-staleness"))
                     if "max-staleness" in entry else None)
        if staleness is not None and staleness < refresh:
            raise self.fail(f"{where}.max-staleness must be at least refresh "
                            f"({refresh} s): a registry is only fetched that often",
                            (*at, "max-staleness"))
        return RegistrySource(path, url, ref, refresh, staleness, maintainers, since)

    def fingerprints(self, value: Any, where: str, key: KeyPath) -> list[str]:
        if not isinstance(value, list):
            raise self.fail(f"{where} must be a list of fingerprints", key)
        found = []
        for i, item in enumerate(value):
            try:
                found.append(normalize_fingerprint(item if isinstance(item, str) else ""))
            except ValueError:
                raise self.fail(f"{where}: {item!r} is not a 40-hex fingerprint",
                                (*key, i)) from None
        return found

    def trust(self, value: Any) -> TrustSettings:
        data = self.mapping(value, "trust", _TRUST, ("trust",))
        roots = self.fingerprints(data.get("roots", []), "trust.roots", ("trust", "roots"))
        if not roots:
            # Fail closed: with no root nobody is valid, which is never what was meant.
            raise self.fail("trust.roots must name at least one key", ("trust", "roots"))
        introducers_raw = data.get("introducers", {})
        if not isinstance(introducers_raw, dict):
            raise self.fail("trust.introducers must map fingerprints to full, marginal or never",
                            ("trust", "introducers"))
        introducers: dict[str, Ownertrust] = {}
        for fpr, level in introducers_raw.items():
            try:
                norm = normalize_fingerprint(fpr)
            except ValueError:
                raise self.fail(f"trust.introducers: {fpr!r} is not a fingerprint",
                                ("trust", "introducers", str(fpr))) from None
            if level not in ("full", "marginal", "never"):
                raise self.fail(f"trust.introducers.{fpr}: {level!r} must be full, marginal "
                                "or never", ("trust", "introducers", fpr))
            introducers[norm] = Ownertrust(level)
        min_validity = data.get("min-validity", "full")
        if min_validity not in ("ultimate", "full", "marginal"):
            raise self.fail("trust.min-validity must be ultimate, full or marginal",
                            ("trust", "min-validity"))
        return TrustSettings(
            roots=frozenset(roots),
            introducers=introducers,
            marginals_needed=self.count(data, "marginals-needed", 3, "trust", ("trust",)),
            completes_needed=self.count(data, "completes-needed", 1, "trust", ("trust",)),
            max_depth=self.count(data, "max-depth", 5, "trust", ("trust",)),
            min_validity=Validity(min_validity),
            min_key_age=self.duration(data.get("min-key-age", "0"), "trust.min-key-age",
                                      ("trust", "min-key-age")),
        )

    def count(self, data: dict[str, Any], name: str, default: int, label: str,
              at: KeyPath) -> int:
        value = data.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 255:
            raise self.fail(f"{label}.{name} must be a whole number from 1 to 255",
                            (*at, name))
        return value

    def duration(self, value: Any, where: str, key: KeyPath) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value == 0:
            return 0
        if not isinstance(value, str):
            raise self.fail(f"{where} must be a duration like 7d or 12h", key)
        try:
            return parse_duration(value)
        except ValueError as e:
            raise self.fail(f"{where}: {e}", key) from None

    def criteria(self, value: Any) -> CriteriaGraph:
        if not isinstance(value, dict):
            raise self.fail("criteria must map names to {implies: [...]}", "criteria")
        implies = dict(BUILTIN_CRITERIA)
        for name, spec in value.items():
            at: KeyPath = ("criteria", str(name))
            if not is_valid_criterion(name):
                raise self.fail(f"criterion name {name!r} must be lower-case, like "
                                "safe-to-deploy", at)
            if name in BUILTIN_CRITERIA:
                raise self.fail(f"criterion {name!r} is built in and cannot be redefined", at)
            spec = self.mapping(spec if spec is not None else {}, f"criteria.{name}",
                                {"implies", "description"}, at)
            targets = spec.get("implies", [])
            if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
                raise self.fail(f"criteria.{name}.implies must be a list of names",
                                (*at, "implies"))
            implies[name] = tuple(targets)
        for name, targets in implies.items():
            for i, target in enumerate(targets):
                if target not in implies:
                    raise self.fail(f"criteria.{name} implies unknown criterion {target!r}",
                                    ("criteria", name, "implies", i))
        loop = _implication_loop(implies)
        if loop:
            raise self.fail("criteria imply each other in a loop: " + " -> ".join(loop)
                            + " (a criterion that implies itself is a mistake)",
                            ("criteria", loop[0]))
        return CriteriaGraph(implies)

    def requirement(self, data: dict[str, Any], base: Requirement | None,
                    criteria: CriteriaGraph, key: str, at: KeyPath) -> Requirement:
        """`key` names the requirement in messages; `at` is its key path, for the line."""
        if "criteria" in data:
            raw = data["criteria"]
            names = [raw] if isinstance(raw, str) else raw
            if not isinstance(names, list) or not names or not all(
                    isinstance(n, str) for n in names):
                raise self.fail(f"{key}.criteria must be a criterion or a list of them",
                                (*at, "criteria"))
            for i, name in enumerate(names):
                if not criteria.known(name):
                    raise self.fail(f"{key}.criteria: unknown criterion {name!r}; known: "
                                    f"{', '.join(sorted(criteria.implies))}",
                                    (*at, "criteria", i))
            required = tuple(names)
        elif base is not None:
            required = base.criteria
        else:
            raise self.fail(f"{key}.criteria is required (e.g. safe-to-deploy)", at)
        if "signers" in data:
            signers = self.count(data, "signers", 1, key, at)
        elif base is not None:
            signers = base.signers
        else:
            raise self.fail(f"{key}.signers is required (e.g. 2)", at)
        min_age = (self.duration(data["min-age"], f"{key}.min-age", (*at, "min-age"))
                   if "min-age" in data
                   else base.min_age if base is not None else 0)
        return Requirement(required, signers, min_age)

    def rules(self, value: Any, base: Requirement, criteria: CriteriaGraph) -> tuple[Rule, ...]:
        if not isinstance(value, list):
            raise self.fail("rules must be a list", "rules")
        found = []
        for i, item in enumerate(value):
            where = f"rules[{i}]"
            at: KeyPath = ("rules", i)
            entry = self.mapping(item, where, {"projects", "require"}, at)
            patterns = entry.get("projects")
            if not isinstance(patterns, list) or not patterns or not all(
                    isinstance(p, str) and p for p in patterns):
                raise self.fail(f"{where}.projects must be a non-empty list of patterns",
                                (*at, "projects"))
            require = self.mapping(entry.get("require"), f"{where}.require", _REQUIRE,
                                   (*at, "require"))
            found.append(Rule(tuple(p.lower().replace("_", "-").replace(".", "-")
                                    for p in patterns),
                              self.requirement(require, base, criteria, "rules",
                                               (*at, "require")), i))
        return tuple(found)


def _implication_loop(implies: dict[str, tuple[str, ...]]) -> list[str]:
    """A loop `a -> b -> a` among the implications, or an empty list (iterative: no recursion)."""
    done: set[str] = set()
    for start in implies:
        if start in done:
            continue
        path = [start]
        pending = [iter(implies[start])]
        while pending:
            target = next(pending[-1], None)
            if target is None:
                done.add(path.pop())
                pending.pop()
            elif target in path:
                return [*path[path.index(target):], target]
            elif target not in done:
                path.append(target)
                pending.append(iter(implies[target]))
    return []
