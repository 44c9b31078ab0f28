"""Adding entries to a policy's `exemptions:` list as text, leaving every other byte as it was.

A policy is a hand-written file with comments that a YAML dumper would drop, so the new entries
are written as text at the end of the list (or as a new list at the end of the file), and the
result is read back: it must validate, hold exactly the old entries and the new ones, and mean
the same policy otherwise. Anything this cannot do safely is refused, naming the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from signoff.attest.errors import PolicyError
from signoff.attest.files import read_bounded, write_atomic
from signoff.attest.limits import LIMITS
from signoff.attest.strict_yaml import compose_nodes
from signoff.trust.policy.exemptions import Exemption
from signoff.trust.policy.policy import Policy, parse_policy

# Only names like these go into a comment: a file name from a lock file is someone's text.
_SAFE_COMMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+!~-]{0,200}$")


@dataclass(frozen=True)
class NewExemption:
    """An entry to add: the files of one release that may be deployed before they are vetted."""

    project: str
    """Normalised project name."""
    version: str
    """Normalised version."""
    files: tuple[tuple[str, str | None], ...]
    """(sha256, file name) of each file covered; empty: every file of the version."""
    reason: str
    """Why, as the policy will say it."""
    until: date | None
    """When it ends, if ever."""

    def same_as(self, entry: Exemption) -> bool:
        """True when a validated policy entry says exactly this."""
        return (entry.project, entry.version, entry.sha256, entry.reason, entry.until) == (
            self.project, self.version, tuple(sha for sha, _ in self.files), self.reason,
            self.until)


def exemption_text(entries: Sequence[NewExemption], indent: int, item_indent: int) -> str:
    """The entries as block-list items: `-` at `indent`, keys at `item_indent`."""
    dash = " " * indent + "-" + " " * (item_indent - indent - 1)
    pad = " " * item_indent
    lines: list[str] = []
    for e in entries:
        # Quoted, always: YAML reads 1.10 as a number and `null` or `yes` as something else.
        lines.append(f"{dash}project: {json.dumps(e.project)}")
        lines.append(f"{pad}version: {json.dumps(e.version)}")
        if e.files:
            lines.append(f"{pad}sha256:")
            for sha, name in e.files:
                note = f"  # {name}" if name and _SAFE_COMMENT.match(name) else ""
                lines.append(f"{pad}  - {json.dumps(sha)}{note}")
        lines.append(f"{pad}reason: {json.dumps(e.reason)}")
        if e.until is not None:
            lines.append(f"{pad}until: {e.until.isoformat()}")
    return "".join(line + "\n" for line in lines)


def with_exemptions(text: str, entries: Sequence[NewExemption], source: str) -> str:
    """`text` with the entries added at the end of its `exemptions:` list (made if missing)."""
    try:
        root = compose_nodes(text)
    except yaml.YAMLError as e:
        raise PolicyError(f"cannot read the policy to edit it: {e}", file=source) from e
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise PolicyError("the policy is not a block mapping; add the exemptions by hand",
                          file=source)
    newline = "\r\n" if "\r\n" in text else "\n"
    found = [(k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)
             and k.value == "exemptions"]
    if not found:
        head = text if not text or text.endswith("\n") else text + newline
        block = "exemptions:\n" + exemption_text(entries, 2, 4)
        return head + block.replace("\n", newline)
    key, value = found[0]
    if isinstance(value, yaml.SequenceNode) and value.value and not value.flow_style:
        first = value.value[0]
        at = _end_of_line(text, _content_end(text, value.value[-1]))
        block = exemption_text(entries, value.start_mark.column, first.start_mark.column)
        return _insert(text, at, block, newline)
    empty_list = isinstance(value, yaml.SequenceNode) and not value.value
    empty = isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:null"
    start, end = value.start_mark.index, value.end_mark.index
    if not (empty_list or empty) or (start != end and value.start_mark.line != key.start_mark.line):
        raise PolicyError("exemptions is not a block list; write it as one (`- project: ...`) "
                          "for baseline to add to it", file=source, line=key.start_mark.line + 1)
    # `exemptions: []` or `exemptions: ~`: the empty value goes, the key and its comment stay.
    text = text[:start] + text[end:]
    block = exemption_text(entries, key.start_mark.column + 2, key.start_mark.column + 4)
    return _insert(text, _end_of_line(text, key.end_mark.index), block, newline)


def _content_end(text: str, node: Any) -> int:
    """Where the text of a block node's last value ends (after `]` for a flow list, before the
    blank lines a block scalar swallows unless it keeps them with `+`)."""
    if getattr(node, "flow_style", False):
        return int(node.end_mark.index)
    if not isinstance(node, yaml.ScalarNode):
        last = node.value[-1]
        return _content_end(text, last[1] if isinstance(node, yaml.MappingNode) else last)
    end = int(node.end_mark.index)
    header = text[node.start_mark.index:_end_of_line(text, node.start_mark.index)]
    if node.style in ("|", ">") and "+" not in header.split("#")[0]:
        # Back over the blank lines a clipped or stripped block scalar swallowed.
        while end > 1 and text[end - 1] == "\n":
            line_start = text.rfind("\n", 0, end - 1) + 1
            if text[line_start:end - 1].strip():
                break
            end = line_start
    return end


def _end_of_line(text: str, index: int) -> int:
    """The start of the line after `index` (a position at a line's start stays)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _insert(text: str, at: int, block: str, newline: str) -> str:
    before = text[:at]
    if before and not before.endswith("\n"):
        before += newline
    return before + block.replace("\n", newline) + text[at:]


def add_exemptions(path: Path, policy: Policy, entries: Sequence[NewExemption]) -> Policy:
    """Write the entries into the policy file at `path`, atomically, and return the policy it
    now holds. `policy` is what the caller decided with: a file that means anything else now
    (edited meanwhile) is refused."""
    source = str(path)
    original = read_bounded(path, "policy file", LIMITS.policy_bytes, PolicyError)
    if parse_policy(original, path) != policy:
        raise PolicyError("the policy file changed while baseline ran; run it again",
                          file=source)
    try:
        text = original.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PolicyError("not valid UTF-8", file=source) from e
    data = with_exemptions(text, entries, source).encode("utf-8")
    updated = parse_policy(data, path)
    kept = updated.exemptions[:len(policy.exemptions)]
    added = updated.exemptions[len(policy.exemptions):]
    if (replace(updated, exemptions=()) != replace(policy, exemptions=())
            or [_meaning(e) for e in kept] != [_meaning(e) for e in policy.exemptions]
            or len(added) != len(entries)
            or not all(n.same_as(e) for n, e in zip(entries, added, strict=True))):
        raise PolicyError("adding the exemptions as text would change the policy otherwise; "
                          "add these entries to exemptions: by hand:\n"
                          + exemption_text(entries, 2, 4), file=source)
    write_atomic(path, data)
    return updated


def _meaning(e: Exemption) -> tuple[object, ...]:
    return (e.project, e.version, e.sha256, e.reason, e.until)
