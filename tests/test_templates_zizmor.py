"""The files `signoff registry init` writes: a hardened CI workflow (zizmor-clean) and guides."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pygit2
import yaml

from signoff.registry.signoff_source import parse_source
from signoff.registry.templates import INSTALL_MARK, TEMPLATE_PATHS, template_files
from tests.harness.cli import EXAMPLE_SIGNOFF_SOURCE, run_cli

EXAMPLE_SOURCE = parse_source(EXAMPLE_SIGNOFF_SOURCE)
WORKFLOW = ".github/workflows/validate.yml"


def zizmor() -> str:
    """The zizmor next to this Python, else on PATH; a missing zizmor fails the test."""
    beside = Path(sys.executable).parent / "zizmor"
    found = str(beside) if beside.exists() else shutil.which("zizmor")
    assert found, "zizmor is a test dependency: pip install zizmor"
    return found


def write_templates(root: Path) -> Path:
    for path, data in template_files(EXAMPLE_SOURCE).items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root / WORKFLOW


def test_workflow_passes_zizmor_offline_even_as_auditor(tmp_path: Path) -> None:
    workflow = write_templates(tmp_path)
    for persona in ("regular", "auditor"):
        proc = subprocess.run([zizmor(), "--offline", f"--persona={persona}", "--no-progress",
                               str(workflow)], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "No findings" in proc.stdout, proc.stdout


def test_zizmor_would_catch_an_inline_sha(tmp_path: Path) -> None:
    """The check above can fail: the classic template injection is reported."""
    workflow = write_templates(tmp_path)
    text = workflow.read_text().replace('--head "$HEAD_SHA"',
                                        "--head ${{ github.event.pull_request.head.ref }}")
    workflow.write_text(text)
    proc = subprocess.run([zizmor(), "--offline", "--no-progress", str(workflow)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and "template-injection" in proc.stdout


def _load(data: bytes) -> dict[Any, Any]:
    loaded = yaml.safe_load(data)
    assert isinstance(loaded, dict)
    return loaded


def test_workflow_shape() -> None:
    raw = template_files(EXAMPLE_SOURCE)[WORKFLOW]
    assert INSTALL_MARK not in raw
    flow = _load(raw)
    # PyYAML reads the key `on` as True (YAML 1.1).
    assert set(flow[True]) == {"pull_request"}
    assert flow["permissions"] == {}
    steps = flow["jobs"]["validate"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert re.fullmatch(r"actions/checkout@[0-9a-f]{40}", checkout["uses"])
    assert re.search(r"actions/checkout@[0-9a-f]{40}\s+# v\d", raw.decode())
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    validate = next(s for s in steps if "signoff registry validate" in s.get("run", ""))
    assert "${{" not in validate["run"]
    assert set(validate["env"]) == {"BASE_SHA", "HEAD_SHA"}
    assert '--base "$BASE_SHA" --head "$HEAD_SHA" --format github' in validate["run"]
    assert any("pip install" in s.get("run", "") for s in steps)


def test_guides_tell_a_vetter_what_to_do() -> None:
    files = template_files(EXAMPLE_SOURCE)
    assert set(files) == set(TEMPLATE_PATHS)
    guide = files["CONTRIBUTING.md"].decode()
    for needed in ("signoff attest", "pull request", "signoff registry validate", "--reject"):
        assert needed in guide
    assert "--allow-removals" in files["README.md"].decode()


def test_registry_init_commits_the_templates(tmp_path: Path) -> None:
    proc = run_cli("registry", "init", str(tmp_path / "reg"), "--name", "demo")
    assert proc.returncode == 0, proc.stderr
    repo = pygit2.Repository(str(tmp_path / "reg"))
    tree = repo.head.peel(pygit2.Commit).tree
    for path, data in template_files(EXAMPLE_SOURCE).items():
        blob = tree[path]
        assert isinstance(blob, pygit2.Blob) and blob.data == data
        assert (tmp_path / "reg" / path).read_bytes() == data
