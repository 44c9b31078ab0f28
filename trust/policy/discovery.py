"""Where a command finds its policy when `--policy` is not given: `$SIGNOFF_POLICY`, else
`signoff-policy.yaml` in the current folder or the nearest parent, as git finds `.git`."""

from __future__ import annotations

from pathlib import Path

POLICY_FILE = "signoff-policy.yaml"
"""The policy's conventional file name."""
POLICY_ENV = "SIGNOFF_POLICY"
"""The environment variable that names a policy file."""


def find_policy(start: Path) -> Path | None:
    """The nearest `signoff-policy.yaml` in `start` or one of its parents; None if none."""
    folder = start.absolute()
    for candidate_folder in (folder, *folder.parents):
        candidate = candidate_folder / POLICY_FILE
        if candidate.is_file():
            return candidate
    return None
