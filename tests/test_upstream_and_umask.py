"""`sync --upstream` refuses a path with no repository before saving it; work-tree files get
the user's umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pygit2
import pytest

from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli


@pytest.mark.parametrize("where", ["missing", "empty-folder", "a-file"])
def test_sync_reports_no_repository_and_saves_nothing(builder: RegistryBuilder, tmp_path: Path,
                                                      where: str) -> None:
    fork = tmp_path / "fork"
    pygit2.clone_repository(str(builder.registry.path), str(fork))
    upstream = tmp_path / where
    if where == "empty-folder":
        upstream.mkdir()
    elif where == "a-file":
        upstream.write_text("not a repository\n")
    done = run_cli("registry", "sync", "--registry", str(fork), "--upstream", str(upstream),
                   "--state-dir", str(tmp_path / "state"))
    assert done.returncode == 2
    assert f"no repository at {upstream}" in done.stderr
    assert "upstream" not in {r.name for r in pygit2.Repository(str(fork)).remotes}


def test_a_wrong_path_does_not_replace_a_saved_upstream(builder: RegistryBuilder,
                                                        tmp_path: Path) -> None:
    fork = tmp_path / "fork"
    pygit2.clone_repository(str(builder.registry.path), str(fork))
    state = str(tmp_path / "state")
    good = run_cli("registry", "sync", "--registry", str(fork), "--upstream",
                   str(builder.registry.path), "--state-dir", state)
    assert good.returncode == 0, good.stderr
    bad = run_cli("registry", "sync", "--registry", str(fork), "--upstream",
                  str(tmp_path / "typo"), "--state-dir", state)
    assert bad.returncode == 2
    url = pygit2.Repository(str(fork)).remotes["upstream"].url
    assert url == str(builder.registry.path.resolve())


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_attest_writes_work_tree_files_with_the_umask(builder: RegistryBuilder, mask: int,
                                                      mode: int) -> None:
    builder.key("alice", publish=False)
    old = os.umask(mask)
    try:
        done = run_cli("attest", str(builder.wheel("tinyhttp", "1.0")), "--criteria",
                       "safe-to-run", "--key", "alice@example.org", "--registry",
                       str(builder.registry.path), env={"GNUPGHOME": str(builder.home)})
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    written = [*builder.registry.path.glob("attestations/**/*.yaml*"),
               *builder.registry.path.glob("keys/*.asc")]
    assert len(written) == 3
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {mode}
