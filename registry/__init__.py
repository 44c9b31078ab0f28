"""The git-backed store: layout, reading and writing attestations and keys, history, sync."""
