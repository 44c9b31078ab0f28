"""The decision: open the registries, verify, judge each file against the policy."""
