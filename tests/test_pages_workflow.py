"""`registry init --pages-root`: a hardened workflow publishing the site and a vetted index."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pygit2
import yaml

from signoff.registry.signoff_source import parse_source
from signoff.registry.templates import INSTALL_MARK, PAGES_TEMPLATE_PATHS, pages_template_files
from tests.builder import RegistryBuilder
from tests.harness.cli import EXAMPLE_SIGNOFF_SOURCE, run_cli
from tests.test_templates_zizmor import zizmor

EXAMPLE_SOURCE = parse_source(EXAMPLE_SIGNOFF_SOURCE)
WORKFLOW = ".github/workflows/pages.yml"


def test_pages_workflow_passes_zizmor_as_auditor(tmp_path: Path) -> None:
    for path, data in pages_template_files(["A" * 40], EXAMPLE_SOURCE).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    for persona in ("regular", "auditor"):
        proc = subprocess.run([zizmor(), "--offline", f"--persona={persona}", "--no-progress",
                               str(tmp_path / WORKFLOW)], capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 0 and "No findings" in proc.stdout, proc.stdout + proc.stderr


def test_pages_workflow_shape() -> None:
    raw = pages_template_files(["A" * 40], EXAMPLE_SOURCE)[WORKFLOW]
    assert INSTALL_MARK not in raw
    flow = yaml.safe_load(raw)
    assert flow[True] == {"push": {"branches": ["main"]}} and flow["permissions"] == {}
    assert flow["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert flow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    uses = re.findall(r"uses: (\S+)", raw.decode())
    assert uses and all(re.fullmatch(r"[\w/-]+@[0-9a-f]{40}", u) for u in uses)
    build = next(s for s in flow["jobs"]["build"]["steps"] if s.get("name") == "build")
    assert "${{" not in build["run"] and "signoff site public" in build["run"]
    assert "signoff index build public/simple" in build["run"]


def test_init_with_pages_commits_a_policy_the_site_can_use(builder: RegistryBuilder,
                                                           tmp_path: Path) -> None:
    alice = builder.key("alice")
    registry = tmp_path / "published"
    done = run_cli("registry", "init", str(registry), "--pages-root", alice.lower())
    assert done.returncode == 0, done.stderr
    tree = pygit2.Repository(str(registry)).head.peel(pygit2.Commit).tree
    for path in PAGES_TEMPLATE_PATHS:
        assert path in tree
    assert f"roots: [{alice}]" in (registry / "pages-policy.yaml").read_text()
    site = run_cli("site", str(tmp_path / "public"), "--policy",
                   str(registry / "pages-policy.yaml"))
    assert site.returncode == 0, site.stderr
    assert (tmp_path / "public" / "index.html").is_file()
    plain = run_cli("registry", "init", str(tmp_path / "plain"))
    assert plain.returncode == 0 and not (tmp_path / "plain" / WORKFLOW).exists()
