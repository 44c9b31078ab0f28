"""Git trees: looking up a path, walking only what changed, and writing a tree with a few changes.

The one place registry code reads or builds trees. Lookups go one name at a time; walks between
two trees descend only where ids differ, which keeps a long history cheap; edits reuse every
untouched subtree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pygit2

from signoff.registry.objects import corrupt

# ---- lookups ---------------------------------------------------------------------------------


def child(tree: pygit2.Tree | None, name: str) -> pygit2.Object | None:
    """The entry `name` of `tree`, or None when absent."""
    if tree is None:
        return None
    try:
        return tree[name]
    except KeyError:
        return None


def subtree(tree: pygit2.Tree | None, name: str) -> pygit2.Tree | None:
    """The subtree `name` of `tree`, or None when absent or not a tree."""
    if tree is None or name not in tree:
        return None
    entry = tree[name]
    return entry if isinstance(entry, pygit2.Tree) else None


def lookup(repo: pygit2.Repository, tree: pygit2.Tree, path: str, label: str | Path
           ) -> pygit2.Object | None:
    """The object at a slash-separated `path` below `tree`, or None when the path is absent.

    One name at a time: libgit2's path lookup reports a missing subtree object as an absent path,
    which would hide a rejection instead of failing closed. A tree naming an object the
    repository lacks raises CorruptObject, naming `label` (the registry).
    """
    node: pygit2.Object = tree
    for name in path.split("/"):
        if not isinstance(node, pygit2.Tree) or name not in node:
            return None
        found = repo.get(node[name].id)
        if found is None:
            raise corrupt(label, str(node[name].id), f"missing, though a tree names it at {path}")
        node = found
    return node


# ---- pruned walks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeChange:
    """One non-tree entry that differs between two trees; subtrees are descended into."""

    path: str
    """Full path of the entry."""
    old: pygit2.Object | None
    """The entry before (with its id and filemode), or None when it was added."""
    new: pygit2.Object | None
    """The entry after, or None when it was removed."""


def tree_changes(old: pygit2.Tree | None, new: pygit2.Tree | None, prefix: str = "",
                 removals: bool = True) -> Iterator[TreeChange]:
    """Every added, removed or changed entry between two trees, descending only where ids differ.

    An entry whose id and mode are the same on both sides is skipped whole, however large the
    subtree behind it: that pruning is what keeps walking a long history cheap. A mode change
    with the same id (a file made executable) is a change. Without `removals`, entries only in
    `old` are not reported, which spares iterating `old` at all.
    """
    for entry in new if new is not None else ():
        name = str(entry.name)
        previous = child(old, name)
        # Same id: skip. Modes (an enum pygit2 builds per access) matter only for blobs.
        if previous is not None and previous.id == entry.id and (
                isinstance(entry, pygit2.Tree) or previous.filemode == entry.filemode):
            continue
        path = prefix + name
        was_tree, is_tree = isinstance(previous, pygit2.Tree), isinstance(entry, pygit2.Tree)
        if was_tree or is_tree:
            yield from tree_changes(previous if was_tree else None,  # type: ignore[arg-type]
                                    entry if is_tree else None,  # type: ignore[arg-type]
                                    path + "/", removals)
            if previous is not None and not was_tree and removals:
                yield TreeChange(path, previous, None)
            if not is_tree:
                yield TreeChange(path, None, entry)
        else:
            yield TreeChange(path, previous, entry)
    if not removals or old is None:
        return
    for previous in old:
        name = str(previous.name)
        if new is not None and name in new:
            continue
        if isinstance(previous, pygit2.Tree):
            yield from tree_changes(previous, None, prefix + name + "/")
        else:
            yield TreeChange(prefix + name, previous, None)



# ---- edits -----------------------------------------------------------------------------------

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
