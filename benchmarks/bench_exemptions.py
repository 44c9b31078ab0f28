"""What a long `exemptions:` list costs: reading it, matching files to it, and `baseline`'s
text edit (insert, then validate the whole policy again).

A baseline of a large deployment lists thousands of files, and every `check` reads the list.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signoff.trust.policy.edit import NewExemption, with_exemptions
from signoff.trust.policy.policy import parse_policy

ENTRIES = 3000
ADDED = 500
FILES = 3000
ROOT = "A" * 40


def entry(i: int) -> str:
    return (f"  - project: p{i}\n    version: '1.{i % 7}'\n    sha256:\n"
            f"      - \"{i:064x}\"  # p{i}-1.{i % 7}-py3-none-any.whl\n"
            f"    reason: baseline\n    until: 2099-01-01\n")


def main() -> None:
    """Time each step over a policy of ENTRIES exemptions."""
    text = (f"signoff: policy/v1\nregistries:\n  - path: registry\ntrust:\n  roots: [{ROOT}]\n"
            "require:\n  criteria: safe-to-deploy\n  signers: 2\n# the backlog\nexemptions:\n"
            + "".join(entry(i) for i in range(ENTRIES)))
    path = Path("signoff-policy.yaml")
    started = time.perf_counter()
    policy = parse_policy(text.encode(), path)
    parse_s = time.perf_counter() - started

    started = time.perf_counter()
    found = sum(1 for i in range(FILES)
                if policy.exemption_for(f"p{i}", f"1.{i % 7}", f"{i:064x}") is not None)
    match_s = time.perf_counter() - started
    assert found == FILES

    new = [NewExemption(f"n{i}", "2.0", ((f"{i:064x}", f"n{i}-2.0.tar.gz"),), "baseline", None)
           for i in range(ADDED)]
    started = time.perf_counter()
    edited = with_exemptions(text, new, str(path))
    updated = parse_policy(edited.encode(), path)
    edit_s = time.perf_counter() - started
    assert len(updated.exemptions) == ENTRIES + ADDED

    print(f"policy of {ENTRIES} exemptions ({len(text) // 1024} KiB): read and validated in "
          f"{parse_s * 1000:.0f} ms")
    print(f"{FILES} files matched against it in {match_s * 1000:.1f} ms "
          f"({match_s / FILES * 1e6:.1f} µs per file)")
    print(f"{ADDED} entries added as text and the policy validated again in "
          f"{edit_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
