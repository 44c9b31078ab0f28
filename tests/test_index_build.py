"""`signoff index build` with real clients: pip and uv against the static files served by
http.server on loopback, as a static host would serve them."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pygit2

from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli
from tests.simple_upstream import serve_upstream, static_server
from tests.test_serve import pip_install, run_uv_index
from tests.vetted_scenario import build_scenario

HOSTILE = '"><script>alert(1)</script><a href=\'x'


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.anchors.append(dict(attrs))


def build(policy: Path, upstream: str, out: Path) -> str:
    done = run_cli("index", "build", str(out), "--policy", str(policy), "--upstream", upstream,
                   env={"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_static_index_installs_only_vetted_files(builder: RegistryBuilder, tmp_path: Path
                                                 ) -> None:
    scenario = build_scenario(builder)
    out = tmp_path / "index"
    with serve_upstream(scenario.upstream) as upstream:
        said = build(scenario.policy, upstream, out)
        assert "6 projects" in said
        doc = json.loads((out / "beta" / "index.json").read_text())
        assert [f["filename"] for f in doc["files"]] == ["beta-1.0-py3-none-any.whl"]
        assert doc["files"][0]["url"].startswith(upstream.removesuffix("simple/") + "files/")
        html = (out / "foobar" / "index.html").read_text()
        assert "foobar-2.0.1" not in html and "#sha256=" in html
        with static_server(out) as index:
            assert pip_install(tmp_path, index + "/", "alpha") == [
                "alpha-1.0.dist-info", "beta-1.0.dist-info"]
            assert pip_install(tmp_path, index + "/", "foobar==2.0.*") == ["foobar-2.0.dist-info"]
            (tmp_path / "requirements.in").write_text("envdep\n")
            compiled = run_uv_index(tmp_path, index + "/", "requirements.in")
            pins = sorted(re.findall(r"^([a-z0-9-]+)==(\S+)", compiled, re.MULTILINE))
            assert pins == [("beta", "1.0"), ("envdep", "1.0")]


def test_rebuild_rewrites_only_what_changed(builder: RegistryBuilder, tmp_path: Path) -> None:
    scenario = build_scenario(builder)
    out = tmp_path / "index"
    (out).mkdir()
    (out / "CNAME").write_text("mine\n")  # not the builder's: never touched
    with serve_upstream(scenario.upstream) as upstream:
        assert "14 written, 0 unchanged" in build(scenario.policy, upstream, out)
        assert "0 written, 14 unchanged, 0 removed" in build(scenario.policy, upstream, out)
        builder.reject("alice", scenario.path("foobar-2.0.tar.gz"))
        assert "2 written, 12 unchanged, 0 removed" in build(scenario.policy, upstream, out)
        assert "foobar-2.0.tar.gz" not in (out / "foobar" / "index.html").read_text()
        # every statement about delta withdrawn: its pages go, nothing else does
        builder.commit_raw({p: None for p in _paths_under(builder, "attestations/de/lt/delta")})
        assert "2 written, 10 unchanged, 2 removed" in build(scenario.policy, upstream, out)
    assert not (out / "delta").exists() and (out / "CNAME").read_text() == "mine\n"


def _paths_under(builder: RegistryBuilder, prefix: str) -> list[str]:
    repo = builder.registry.repo
    tree = builder.registry.head_commit().tree
    found = []
    pending: list[tuple[str, pygit2.Object]] = [(prefix, tree[prefix])]
    while pending:
        path, obj = pending.pop()
        if isinstance(obj, pygit2.Tree):
            pending += [(f"{path}/{e.name}", repo[e.id]) for e in obj]
        else:
            found.append(path)
    return found


def test_hostile_upstream_strings_come_out_escaped(builder: RegistryBuilder, tmp_path: Path
                                                  ) -> None:
    scenario = build_scenario(builder)
    scenario.upstream.find("beta-1.0-py3-none-any.whl").requires_python = HOSTILE
    scenario.upstream.find("beta-1.0-py3-none-any.whl").yanked = HOSTILE
    out = tmp_path / "index"
    with serve_upstream(scenario.upstream) as upstream:
        build(scenario.policy, upstream, out)
    parsed = _Anchors()
    parsed.feed((out / "beta" / "index.html").read_text())
    assert "script" not in parsed.tags and len(parsed.anchors) == 1
    assert parsed.anchors[0]["data-requires-python"] == HOSTILE
    assert parsed.anchors[0]["data-yanked"] == HOSTILE
