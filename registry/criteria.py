"""The criteria a registry declares in registry.yaml, so that vetters and policies can rely on
their names: each with a description and what it implies.

```yaml
criteria:
  crypto-reviewed:
    description: Every use of cryptography was read against the library's documentation.
    implies: [safe-to-run]
```
"""

from __future__ import annotations

from typing import Any

from signoff.attest.criteria import BUILTIN_CRITERIA, DeclaredCriterion
from signoff.attest.errors import RegistryError
from signoff.attest.model import is_valid_criterion
from signoff.attest.strict_yaml import Document

_FIELDS = {"description", "implies"}


def parse_declared_criteria(doc: Document) -> dict[str, DeclaredCriterion]:
    """The `criteria:` of a parsed registry.yaml; RegistryError naming the line otherwise."""
    value: Any = doc.data.get("criteria", {})

    def fail(message: str, *at: str | int) -> RegistryError:
        return RegistryError(message, file=doc.source,
                             line=doc.line_of(("criteria", *at)) if at else
                             doc.line_of("criteria"))

    if not isinstance(value, dict):
        raise fail("criteria must map each name to {description: ..., implies: [...]}")
    declared: dict[str, DeclaredCriterion] = {}
    for name, spec in value.items():
        if not isinstance(name, str) or not is_valid_criterion(name):
            raise fail(f"criterion name {name!r} must be lower-case, like safe-to-deploy",
                       str(name))
        if name in BUILTIN_CRITERIA:
            raise fail(f"criterion {name!r} is built in and cannot be declared again", name)
        if not isinstance(spec, dict) or set(spec) - _FIELDS:
            raise fail(f"criteria.{name} must be a mapping with description and implies", name)
        description = spec.get("description")
        if not isinstance(description, str) or not description.strip():
            raise fail(f"criteria.{name} needs a description: what a vetter certifies", name)
        implies = spec.get("implies", [])
        if isinstance(implies, str):
            implies = [implies]
        if not isinstance(implies, list) or not all(isinstance(i, str) for i in implies):
            raise fail(f"criteria.{name}.implies must be a list of criteria", name, "implies")
        declared[name] = DeclaredCriterion(name, description.strip(), tuple(implies))
    for criterion in declared.values():
        for i, target in enumerate(criterion.implies):
            if target not in declared and target not in BUILTIN_CRITERIA:
                raise fail(f"criteria.{criterion.name} implies {target!r}, which is neither "
                           "built in nor declared here", criterion.name, "implies", i)
    return declared
