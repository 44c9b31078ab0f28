"""The naive admin's loop that `bench_scale.py` compares signoff with: import every key once,
then for each file of the input list its attestation folder, `git show` each statement and its
signature, and run one `gpg --verify` per signature. No trust, no policy: only verification.

    python benchmarks/naive_loop.py REGISTRY.git FILES.tsv
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from signoff.attest.gpg import kill_agent, new_home
from signoff.registry.layout import file_dir


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)


def naive(repo: Path, files: list[tuple[str, str, str]]) -> tuple[int, int]:
    """(good, bad) signatures over every attestation of the files."""
    home = new_home()
    work = Path(tempfile.mkdtemp(prefix="so-naive-"))
    good = bad = 0
    try:
        keys = _git(repo, "ls-tree", "--name-only", "main:keys").stdout.decode().split()
        blobs = b"".join(_git(repo, "show", f"main:keys/{k}").stdout for k in keys)
        subprocess.run(["gpg", "--homedir", str(home), "--batch", "--import"], input=blobs,
                       capture_output=True, check=False)
        for project, version, sha in files:
            folder = file_dir(project, version, sha)
            names = _git(repo, "ls-tree", "--name-only", f"main:{folder}").stdout.decode()
            for name in names.split():
                if not name.endswith(".yaml"):
                    continue
                statement, signature = work / "s.yaml", work / "s.yaml.asc"
                statement.write_bytes(_git(repo, "show", f"main:{folder}/{name}").stdout)
                signature.write_bytes(_git(repo, "show", f"main:{folder}/{name}.asc").stdout)
                verified = subprocess.run(["gpg", "--homedir", str(home), "--batch", "--verify",
                                           str(signature), str(statement)],
                                          capture_output=True, check=False)
                good, bad = (good + 1, bad) if verified.returncode == 0 else (good, bad + 1)
    finally:
        kill_agent(home)
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return good, bad


def main() -> None:
    """Run the loop over the files listed in a tab-separated file."""
    repo, listing = Path(sys.argv[1]), Path(sys.argv[2])
    rows = [line.split("\t") for line in listing.read_text().splitlines() if line]
    good, bad = naive(repo, [(p, v, s) for p, v, s in rows])
    print(f"{good} good, {bad} bad")


if __name__ == "__main__":
    main()
