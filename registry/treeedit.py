"""Building git trees by changing a few paths of an existing tree, reusing everything else."""

from __future__ import annotations

from collections.abc import Mapping

import pygit2

BLOB = pygit2.enums.FileMode.BLOB


def tree_with(repo: pygit2.Repository, base: pygit2.Tree | None,
              changes: Mapping[str, pygit2.Oid | None]) -> pygit2.Oid:
    """A tree equal to `base` with each path set to a blob id, or removed when None."""
    here: dict[str, pygit2.Oid | None] = {}
    below: dict[str, dict[str, pygit2.Oid | None]] = {}
    for path, oid in changes.items():
        head, _, rest = path.partition("/")
        if not head or head in (".", ".."):
            raise ValueError(f"bad path {path!r}")
        if rest:
            below.setdefault(head, {})[rest] = oid
        else:
            here[head] = oid
    builder = repo.TreeBuilder(base) if base is not None else repo.TreeBuilder()
    for name, oid in here.items():
        if oid is None:
            if base is not None and name in base:
                builder.remove(name)
        else:
            builder.insert(name, oid, BLOB)
    for name, sub in below.items():
        sub_base = None
        if base is not None and name in base:
            entry = base[name]
            if isinstance(entry, pygit2.Tree):
                sub_base = entry
        sub_oid = tree_with(repo, sub_base, sub)
        if len(repo.get(sub_oid)) == 0:  # type: ignore[arg-type]
            if base is not None and name in base:
                builder.remove(name)
        else:
            builder.insert(name, sub_oid, pygit2.enums.FileMode.TREE)
    return builder.write()
