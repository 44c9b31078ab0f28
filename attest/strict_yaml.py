"""A YAML reader for signed statements and policies: plain data only, every error with a line.

Anchors and aliases are refused (a billion-laughs document is a few lines of them), as are
explicit tags, duplicate keys and documents past a size cap. What remains is the JSON data
model plus timestamps, and the line of every key path (nested keys and list items alike), so
that a schema error names the exact line of the wrong value.
"""

from __future__ import annotations

from typing import Any

import yaml

from signoff.attest.errors import InputError, SignoffError

# libyaml's parser when present: the pure-Python one costs about 2 ms per attestation.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The fast safe loader, refusing duplicate keys and non-string keys."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise _Refused(f"mapping keys must be strings, not {key!r}",
                               key_node.start_mark.line + 1)
            if key in seen:
                raise _Refused(f"duplicate key {key!r}", key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_checked_timestamp(self, node: Any) -> Any:
        """A timestamp, or a refusal at its line when it names no real date (2027-02-30)."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as e:
            raise _Refused(f"not a valid date or time: {node.value!r} ({e})",
                           node.start_mark.line + 1) from e


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp",
                              _StrictLoader.construct_checked_timestamp)


def _refuse_anchors_aliases_and_tags(text: str) -> None:
    """A first pass over parser events: anchors and aliases make billion-laughs documents."""
    for event in yaml.parse(text, Loader=_BaseLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("YAML aliases (*name) are not allowed", line)
        if getattr(event, "anchor", None) is not None:
            raise _Refused("YAML anchors (&name) are not allowed", line)
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise _Refused(f"explicit YAML tags ({tag}) are not allowed", line)


class _Refused(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


KeyPath = tuple[str | int, ...]
"""Where a value sits in a document: mapping keys and list indexes, from the top."""


def _record_lines(node: Any, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    """The line of every key path below `node`: a mapping entry's key line, a list item's line."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                child = (*path, key_node.value)
                lines[child] = key_node.start_mark.line + 1
                _record_lines(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            _record_lines(item, child, lines)


class Document:
    """A parsed YAML mapping with the line of every key path, for error messages."""

    def __init__(self, data: dict[str, Any], lines: dict[KeyPath, int], source: str) -> None:
        self.data = data
        self.lines = lines
        self.source = source

    def line_of(self, key: str | KeyPath) -> int | None:
        """Line of a top-level key or a key path; the nearest enclosing one when it is absent."""
        path: KeyPath = (key,) if isinstance(key, str) else key
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def error(self, message: str, key: str | KeyPath | None = None) -> InputError:
        """An InputError naming this document and the key's line."""
        return InputError(message, file=self.source,
                          line=self.line_of(key) if key is not None else None)


def compose_nodes(text: str) -> Any:
    """The node tree of a document already validated, with the position of every node, for
    editing it as text (libyaml's composer when present: character positions, as Python's)."""
    return yaml.compose(text, Loader=_BaseLoader)


def load_mapping(data: bytes, source: str, *, max_bytes: int,
                 error: type[SignoffError] = InputError) -> Document:
    """Parse `data` as one strict YAML mapping; every failure names `source` and the line."""
    if len(data) > max_bytes:
        raise error(f"file is {len(data)} bytes, over the {max_bytes}-byte cap", file=source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(f"not valid UTF-8 at byte {e.start}", file=source) from e
    if "\x00" in text:
        raise error("contains a NUL byte", file=source)
    loader = _StrictLoader(text)
    try:
        _refuse_anchors_aliases_and_tags(text)
        root = loader.get_single_node()
        if root is None:
            raise error("empty document; expected a mapping", file=source)
        if not isinstance(root, yaml.MappingNode):
            raise error("expected a mapping at the top level", file=source,
                        line=root.start_mark.line + 1)
        lines: dict[KeyPath, int] = {}
        _record_lines(root, (), lines)
        value = loader.construct_document(root)
    except _Refused as e:
        raise error(str(e), file=source, line=e.line) from e
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise error(f"malformed YAML: {e.problem or e.context}", file=source, line=line) from e
    except yaml.YAMLError as e:
        raise error(f"malformed YAML: {e}", file=source) from e
    except RecursionError as e:
        raise error("YAML nested too deeply", file=source) from e
    finally:
        loader.dispose()
    return Document(value, lines, source)
