"""The public API: the README's "Using signoff from Python" example runs as written."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import signoff
from signoff.trust.outcomes import Code
from tests.builder import REPO_ROOT, RegistryBuilder


def readme_example() -> str:
    """The Python block of the README section "Using signoff from Python"."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## Using signoff from Python", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None
    return found.group(1)


def test_the_readme_example_runs(builder: RegistryBuilder) -> None:
    vetted = builder.wheel("tinyhttp", "1.0")
    unvetted = builder.wheel("leftpad", "2.0")
    builder.approve("alice", vetted)
    builder.policy(roots=["alice"], signers=1)
    lines = [f"{f.name.split('-')[0]}=={f.name.split('-')[1]} "
             f"--hash=sha256:{hashlib.sha256(f.read_bytes()).hexdigest()}"
             for f in (vetted, unvetted)]
    (builder.tmp / "requirements.txt").write_text("\n".join(lines) + "\n")
    example = readme_example()
    assert len(example.strip().splitlines()) <= 12
    done = subprocess.run([sys.executable, "-c", example], cwd=builder.tmp,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "tinyhttp 1.0 []",
        "leftpad 2.0 ['no-attestations']",
        "fail",
    ]


def test_the_api_names_what_it_exports() -> None:
    assert set(signoff.__all__) <= set(dir(signoff))
    for name in ("load_policy", "gather_inputs", "open_registries", "check", "lock",
                 "explain_release", "version_statuses", "SignoffError", "Reason", "Code"):
        assert name in signoff.__all__


def test_the_readme_lists_every_outcome_code() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    table = readme.split("### Outcome codes", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", table, re.M))
    assert listed == {c.value for c in Code}
