"""`signoff serve` with real clients: pip, uv and httpx against the real command on loopback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.builder import RegistryBuilder
from tests.dists import tool_env, venv_tool
from tests.harness.cli import run_cli
from tests.simple_upstream import RunningServer, run_signoff_serve, serve_upstream
from tests.vetted_scenario import QUARANTINED, REJECTED, VETTED, Scenario, build_scenario

JSON = "application/vnd.pypi.simple.v1+json"


@pytest.fixture
def scenario(builder: RegistryBuilder) -> Scenario:
    """The standard vetted-index scenario, for a test that changes it."""
    return build_scenario(builder)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Scenario, RunningServer]]:
    """One scenario and one server for the tests that only read (or put back what they
    change): starting them costs seconds."""
    tmp = tmp_path_factory.mktemp("shared")
    b = RegistryBuilder(tmp)
    try:
        built = build_scenario(b)
        with serve_upstream(built.upstream) as upstream, run_signoff_serve(
                built.policy, upstream, tmp, ["--refresh", "1s"]) as server:
            yield built, server
    finally:
        b.close()


@pytest.fixture
def served(shared: tuple[Scenario, RunningServer]) -> RunningServer:
    """The shared server."""
    return shared[1]


@pytest.fixture
def vetted(shared: tuple[Scenario, RunningServer]) -> Scenario:
    """The shared server's scenario (read only)."""
    return shared[0]


def listed(server: RunningServer, project: str) -> list[str]:
    """File names the server's JSON project page lists."""
    response = httpx.get(f"{server.url}/simple/{project}/", headers={"Accept": JSON})
    assert response.status_code == 200, response.text
    return sorted(f["filename"] for f in response.json()["files"])


def online_env(tmp: Path) -> dict[str, str]:
    """pip and uv settings: no machine configuration, loopback only (no proxy)."""
    env = tool_env(tmp / "uv-cache")
    env.pop("UV_OFFLINE", None)
    env.update({"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    return env


def pip_install(tmp: Path, index: str, *requirements: str) -> list[str]:
    """Install with real pip into a throwaway target; the installed dist-info names."""
    target = tmp / f"target-{len(list(tmp.glob('target-*')))}"
    done = pip(tmp, "install", "--index-url", index, "--target", str(target), *requirements)
    assert done.returncode == 0, done.stdout + done.stderr
    return sorted(p.name for p in target.glob("*.dist-info"))


def pip(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Real pip with loopback-only settings."""
    return subprocess.run([sys.executable, "-m", "pip", *args], env=online_env(tmp), cwd=tmp,
                          capture_output=True, text=True, timeout=300, check=False)


def test_pages_list_only_vetted_files(served: RunningServer) -> None:
    assert listed(served, "alpha") == sorted(VETTED[:2])
    assert listed(served, "beta") == ["beta-1.0-py3-none-any.whl"]
    assert listed(served, "foobar") == ["foobar-2.0-py3-none-any.whl", "foobar-2.0.tar.gz"]
    assert listed(served, "gamma") == []
    assert listed(served, "delta") == []  # approved, but in quarantine


def test_json_page_keeps_hashes_metadata_and_requires_python(served: RunningServer,
                                                             vetted: Scenario) -> None:
    doc = httpx.get(f"{served.url}/simple/alpha/", headers={"Accept": JSON}).json()
    assert doc["meta"]["api-version"] == "1.1" and doc["versions"] == ["1.0"]
    wheel = next(f for f in doc["files"] if f["filename"].endswith(".whl"))
    local = vetted.dists.dists["alpha-1.0-py3-none-any.whl"]
    assert wheel["hashes"] == {"sha256": local.sha256}
    assert wheel["size"] == local.size
    assert wheel["requires-python"] == ">=3.8"
    assert wheel["core-metadata"]["sha256"]
    metadata = httpx.get(httpx.URL(f"{served.url}/simple/alpha/").join(wheel["url"] + ".metadata"))
    assert metadata.status_code == 200 and b"Requires-Dist: beta>=1.0" in metadata.content


def test_upstream_pages_are_revalidated_with_their_etag(served: RunningServer,
                                                        vetted: Scenario) -> None:
    listed(served, "zeta-pkg")
    before = vetted.upstream.not_modified
    assert listed(served, "zeta-pkg") == ["zeta_pkg-3.0-py3-none-any.whl"]
    assert vetted.upstream.not_modified == before + 1


def test_content_negotiation_and_redirects(served: RunningServer) -> None:
    page = f"{served.url}/simple/alpha/"
    html = httpx.get(page, headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "<a href=" in html.text
    assert httpx.get(page).headers["content-type"].startswith("text/html")
    versioned = httpx.get(page, headers={
        "Accept": f"{JSON};q=0.5, application/vnd.pypi.simple.v1+html;q=0.9"})
    assert versioned.headers["content-type"] == "application/vnd.pypi.simple.v1+html"
    assert httpx.get(page, headers={"Accept": f"text/html;q=0.1, {JSON}"}).headers[
        "content-type"] == JSON
    assert httpx.get(page, headers={"Accept": "image/png"}).status_code == 406
    assert "max-age" in html.headers["cache-control"] and html.headers["vary"] == "Accept"
    again = httpx.get(page, headers={"Accept": "text/html", "If-None-Match": html.headers["etag"]})
    assert again.status_code == 304
    moved = httpx.get(f"{served.url}/simple/Zeta_Pkg/")
    assert moved.status_code == 301 and moved.headers["location"] == "/simple/zeta-pkg/"
    root = httpx.get(f"{served.url}/simple/", headers={"Accept": JSON}).json()
    assert {p["name"] for p in root["projects"]} == {
        "alpha", "beta", "delta", "envdep", "foobar", "zeta-pkg"}


def test_pip_installs_only_vetted_files(served: RunningServer, tmp_path: Path) -> None:
    index = f"{served.url}/simple/"
    assert pip_install(tmp_path, index, "alpha") == ["alpha-1.0.dist-info", "beta-1.0.dist-info"]
    # 2.0.1 is upstream but not vetted: the resolver never sees it.
    assert pip_install(tmp_path, index, "foobar==2.0.*") == ["foobar-2.0.dist-info"]
    refused = pip(tmp_path, "install", "--index-url", index, "--target",
                  str(tmp_path / "nope"), "gamma")
    assert refused.returncode != 0 and "gamma" in refused.stderr


def test_uv_compiles_a_vetted_tree(served: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("envdep\nfoobar==2.0.*\n")
    compiled = run_uv_index(tmp_path, f"{served.url}/simple/", "requirements.in")
    pins = sorted(re.findall(r"^([a-z0-9-]+)==(\S+)", compiled, re.MULTILINE))
    assert pins == [("beta", "1.0"), ("envdep", "1.0"), ("foobar", "2.0")], compiled


def run_uv_index(tmp: Path, index: str, requirements: str) -> str:
    """`uv pip compile` against any index URL; its output."""
    done = subprocess.run([venv_tool("uv"), "pip", "compile", "--index-url", index,
                           "--generate-hashes", requirements], cwd=tmp, env=online_env(tmp),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_direct_download_of_an_unvetted_file_is_refused(served: RunningServer,
                                                        vetted: Scenario) -> None:
    rejected = vetted.dists.dists[REJECTED[0]]
    response = httpx.get(f"{served.url}/files/beta/{rejected.sha256}/{rejected.filename}")
    assert response.status_code == 403
    assert "rejected by" in response.text and response.headers["cache-control"] == "no-store"
    quarantined = vetted.dists.dists[QUARANTINED[0]]
    response = httpx.get(f"{served.url}/files/delta/{quarantined.sha256}/{quarantined.filename}")
    assert response.status_code == 403 and "policy needs 7 days" in response.text
    made_up = httpx.get(f"{served.url}/files/beta/{'0' * 64}/beta-1.0-py3-none-any.whl")
    assert made_up.status_code in (403, 404)


def test_vetted_download_streams_the_exact_bytes(served: RunningServer,
                                                 vetted: Scenario) -> None:
    wheel = vetted.dists.dists["beta-1.0-py3-none-any.whl"]
    response = httpx.get(f"{served.url}/files/beta/{wheel.sha256}/{wheel.filename}")
    assert response.status_code == 200 and response.content == wheel.path.read_bytes()


def test_swapped_bytes_are_cut_off(served: RunningServer, vetted: Scenario,
                                   tmp_path: Path) -> None:
    wheel = vetted.dists.dists["beta-1.0-py3-none-any.whl"]
    good = wheel.path.read_bytes()
    try:
        cut_off(served, vetted, tmp_path, good)
    finally:
        vetted.upstream.swap(wheel.filename, good)


def cut_off(served: RunningServer, vetted: Scenario, tmp_path: Path, good: bytes) -> None:
    """Swap beta 1.0's bytes upstream (same size, then longer): the download is cut off."""
    wheel = vetted.dists.dists["beta-1.0-py3-none-any.whl"]
    vetted.upstream.swap(wheel.filename, good[:-1] + bytes([good[-1] ^ 1]))
    url = f"{served.url}/files/beta/{wheel.sha256}/{wheel.filename}"
    received = b""
    with pytest.raises(httpx.HTTPError), httpx.stream("GET", url) as response:
        for chunk in response.iter_raw():
            received += chunk
    assert len(received) < len(good)
    vetted.upstream.swap(wheel.filename, good + b"trailing")
    with pytest.raises(httpx.HTTPError), httpx.stream("GET", url) as response:
        response.read()
    refused = pip(tmp_path, "install", "--index-url", f"{served.url}/simple/", "--target",
                  str(tmp_path / "t"), "beta")
    assert refused.returncode != 0
    assert "cut off beta-1.0-py3-none-any.whl" in served.output()


def test_a_rejection_hides_a_file_after_the_next_refresh(scenario: Scenario,
                                                         tmp_path: Path) -> None:
    with serve_upstream(scenario.upstream) as upstream, run_signoff_serve(
            scenario.policy, upstream, tmp_path, ["--refresh", "1s"]) as served:
        assert "foobar-2.0.tar.gz" in listed(served, "foobar")
        scenario.builder.reject("alice", scenario.path("foobar-2.0.tar.gz"))
        wait_until(lambda: "foobar-2.0.tar.gz" not in listed(served, "foobar"))
        human = httpx.get(f"{served.url}/project/foobar/")
        assert "foobar-2.0.tar.gz" in human.text and "rejected by" in human.text


def test_quarantine_ends_without_a_restart(builder: RegistryBuilder, tmp_path: Path) -> None:
    scenario = build_scenario(builder, quarantine="8s", approve_quarantined=False)
    with serve_upstream(scenario.upstream) as upstream, run_signoff_serve(
            scenario.policy, upstream, tmp_path, ["--refresh", "1s"]) as server:
        builder.approve("alice", scenario.path(QUARANTINED[0]))
        wait_until(lambda: "policy needs 8 seconds" in httpx.get(
            f"{server.url}/project/delta/").text)
        assert listed(server, "delta") == []
        wait_until(lambda: listed(server, "delta") == QUARANTINED, seconds=30)


def test_faults_fail_closed(scenario: Scenario, tmp_path: Path) -> None:
    with serve_upstream(scenario.upstream) as upstream:
        pass  # stopped: nothing listens there any more
    with run_signoff_serve(scenario.policy, upstream, tmp_path, ["--refresh", "1s"]) as server:
        down = httpx.get(f"{server.url}/simple/alpha/")
        assert down.status_code == 502 and "upstream index failed" in down.text
    with serve_upstream(scenario.upstream) as upstream, run_signoff_serve(
            scenario.policy, upstream, tmp_path, ["--refresh", "1s"]) as server:
        assert listed(server, "alpha")
        registry = scenario.builder.registry.path
        registry.rename(registry.with_name("moved-away"))
        wait_until(lambda: httpx.get(f"{server.url}/simple/alpha/").status_code == 503)
        gone = httpx.get(f"{server.url}/simple/alpha/")
        assert "fail closed" in gone.text and "registry not found" in gone.text
        assert httpx.get(f"{server.url}/healthz").status_code == 503
        assert httpx.get(f"{server.url}/simple/").status_code == 503


def test_sigterm_stops_cleanly(scenario: Scenario, tmp_path: Path) -> None:
    with serve_upstream(scenario.upstream) as upstream, run_signoff_serve(
            scenario.policy, upstream, tmp_path) as server:
        httpx.get(f"{server.url}/simple/alpha/")
        server.process.terminate()
        # uvicorn stops gracefully, then re-raises the signal so the exit status tells why.
        assert server.process.wait(timeout=15) in (0, -signal.SIGTERM)
    log = server.output()
    assert "Application shutdown complete" in log
    assert '"GET /simple/alpha/ HTTP/1.1" 200' in log
    assert "Finished server process" in log


def wait_until(condition: object, seconds: float = 15) -> None:
    """Poll a condition until it holds; fail after `seconds`."""
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never held")
        time.sleep(0.2)


def test_help_and_check_do_not_import_the_server_stack() -> None:
    code = ("import sys; from signoff.trust.cli.main import app; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'httpx', 'jinja2') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**os.environ})
    assert json.loads(done.stdout.replace("'", '"')) == []


def test_a_bad_policy_or_refresh_exits_2_before_serving(tmp_path: Path) -> None:
    missing = run_cli("serve", "--policy", str(tmp_path / "nope.yaml"), "--port", "1")
    assert missing.returncode == 2 and "policy file not found" in missing.stderr
    (tmp_path / "p.yaml").write_text("signoff: policy/v1\nregistries: [{path: r}]\n"
                                     f"trust: {{roots: [{'A' * 40}]}}\n")
    bad = run_cli("serve", "--policy", str(tmp_path / "p.yaml"), "--refresh", "soon")
    assert bad.returncode == 2 and "--refresh" in bad.stderr


def _serve_from_url(scenario: Scenario, entry: str) -> Path:
    """Point the scenario's policy at a bare upstream of its registry, with `entry` settings."""
    builder = scenario.builder
    bare = builder.tmp / "upstream.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(builder.registry.path), str(bare)],
                   check=True)
    scenario.policy.write_text(scenario.policy.read_text().replace(
        "  - path: registry\n", f"  - url: {bare.name}\n{entry}"))
    return bare


def _push(scenario: Scenario, bare: Path) -> None:
    subprocess.run(["git", "push", "-q", str(bare), "main:main"], check=True,
                   cwd=scenario.builder.registry.path)


def test_a_url_registry_is_refreshed_on_the_policys_interval(scenario: Scenario,
                                                             tmp_path: Path) -> None:
    bare = _serve_from_url(scenario, "    refresh: 1s\n")
    with serve_upstream(scenario.upstream) as upstream, run_signoff_serve(
            scenario.policy, upstream, tmp_path, ["--refresh", "1h"]) as served:
        assert "foobar-2.0.tar.gz" in listed(served, "foobar")
        scenario.builder.reject("alice", scenario.path("foobar-2.0.tar.gz"))
        _push(scenario, bare)  # only the upstream has it: the server must fetch to see it
        wait_until(lambda: "foobar-2.0.tar.gz" not in listed(served, "foobar"))


def test_a_registry_staler_than_max_staleness_serves_nothing(scenario: Scenario,
                                                              tmp_path: Path) -> None:
    bare = _serve_from_url(scenario, "    refresh: 1s\n    max-staleness: 3s\n")
    with serve_upstream(scenario.upstream) as upstream, run_signoff_serve(
            scenario.policy, upstream, tmp_path, ["--refresh", "1h"]) as served:
        assert listed(served, "alpha")
        bare.rename(bare.with_name("unreachable.git"))
        wait_until(lambda: httpx.get(f"{served.url}/simple/alpha/").status_code == 503)
        stale = httpx.get(f"{served.url}/simple/alpha/")
        assert "fail closed" in stale.text and "max-staleness" in stale.text
        assert httpx.get(f"{served.url}/healthz").status_code == 503
        assert "could not refresh" in served.output() or "max-staleness" in served.output()
