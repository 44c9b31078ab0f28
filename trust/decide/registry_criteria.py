"""Criteria as the policy reads them, registry by registry: imported declarations and maps.

Without `criteria: import` or `criteria-map` in a policy's registry entry, a registry's criteria
names are read literally: a name counts only when the policy defines it or it is built in. With
`criteria: import`, the criteria that registry.yaml declares join the policy's graph, with what
they imply (a registry's maintainers then decide what its names imply, so import only from a
registry you trust for that). With `criteria-map: {theirs: ours}`, an attestation from that
registry certifying `theirs` counts as certifying the policy's `ours` (cargo-vet's criteria-map).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from signoff.attest.errors import RegistryError
from signoff.registry.layout import REGISTRY_FILE
from signoff.registry.repo import Registry
from signoff.trust.policy.criteria import CriteriaGraph
from signoff.trust.policy.policy import Policy, RegistrySource


@dataclass(frozen=True)
class RegistryCriteria:
    """The policy's criteria graph with imports, and each registry's criteria map."""

    graph: CriteriaGraph
    """Built-in, policy-defined and imported criteria."""
    maps: Mapping[str, Mapping[str, str]]
    """Registry label -> their criterion -> the policy's."""

    def counts_as(self, registry: str, attested: Sequence[str]) -> tuple[str, ...]:
        """What criteria from `registry` mean under the policy (mapped names replaced)."""
        mapping = self.maps.get(registry, {})
        return tuple(dict.fromkeys(mapping.get(name, name) for name in attested))


def registry_criteria(policy: Policy,
                      opened: Sequence[tuple[str, RegistrySource, Registry]]) -> RegistryCriteria:
    """Combine the policy's criteria with each registry's imports and maps; RegistryError when
    an import would redefine a criterion the policy or another import defines otherwise."""
    implies = dict(policy.criteria.implies)
    origin = dict.fromkeys(implies, "the policy")
    maps: dict[str, Mapping[str, str]] = {}
    for label, source, registry in opened:
        if source.criteria_map:
            maps[label] = source.criteria_map
        if not source.import_criteria:
            continue
        for name, declared in registry.declared_criteria().items():
            if name in implies and set(implies[name]) != set(declared.implies):
                raise RegistryError(
                    f"criterion {name!r} is declared here implying "
                    f"{list(declared.implies)}, but {origin[name]} makes it imply "
                    f"{list(implies[name])}", file=f"{label}/{REGISTRY_FILE}",
                    hint="map this registry's criteria with criteria-map instead of import")
            implies.setdefault(name, declared.implies)
            origin.setdefault(name, f"{label}/{REGISTRY_FILE}")
    return RegistryCriteria(CriteriaGraph(implies), maps)
