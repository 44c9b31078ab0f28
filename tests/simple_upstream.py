"""A small upstream index on loopback for tests: PEP 691 JSON and PEP 503 HTML by the Accept
header, ETags, core metadata (PEP 658) for wheels, and files whose bytes a test can swap.

Also `run_signoff_serve`, which starts the real `signoff serve` command on a free loopback port
and stops it with SIGTERM, and `static_server`, an http.server over a folder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from packaging.utils import canonicalize_name

from signoff.attest.model import release_name_and_version


@dataclass
class UpstreamFile:
    """One file the upstream lists."""

    filename: str
    data: bytes
    """What the file URL serves (a test may swap it)."""
    listed_sha256: str
    """What the project page says its sha256 is."""
    listed_size: int
    """What the project page says its size is."""
    requires_python: str | None = None
    yanked: bool | str = False


@dataclass
class FakeUpstream:
    """Projects and files by normalised name; served by `serve_upstream`."""

    projects: dict[str, list[UpstreamFile]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    not_modified: int = 0
    """How many conditional requests were answered 304."""

    def add(self, path: Path, requires_python: str | None = None) -> UpstreamFile:
        """List a release file under its project."""
        data = path.read_bytes()
        name, _ = release_name_and_version(path.name)
        entry = UpstreamFile(path.name, data, hashlib.sha256(data).hexdigest(), len(data),
                             requires_python)
        self.projects.setdefault(str(canonicalize_name(name)), []).append(entry)
        return entry

    def find(self, filename: str) -> UpstreamFile:
        """The entry for a file name."""
        return next(f for files in self.projects.values() for f in files
                    if f.filename == filename)

    def swap(self, filename: str, data: bytes) -> None:
        """Serve other bytes for a file while the page keeps its old sha256."""
        self.find(filename).data = data

    def page(self, name: str, as_json: bool) -> bytes:
        """The project page."""
        files = self.projects[name]
        if as_json:
            doc = {"meta": {"api-version": "1.1"}, "name": name, "files": [{
                "filename": f.filename, "url": f"../../files/{f.filename}",
                "hashes": {"sha256": f.listed_sha256}, "requires-python": f.requires_python,
                "yanked": f.yanked, "size": f.listed_size,
                "core-metadata": ({"sha256": hashlib.sha256(_metadata(f)).hexdigest()}
                                  if f.filename.endswith(".whl") else False)}
                for f in files]}
            return json.dumps(doc).encode()
        links = []
        for f in files:
            attrs = f' data-requires-python="{html.escape(f.requires_python)}"' \
                if f.requires_python else ""
            if f.filename.endswith(".whl"):
                attrs += f' data-core-metadata="sha256={hashlib.sha256(_metadata(f)).hexdigest()}"'
            links.append(f'<a href="/files/{f.filename}#sha256={f.listed_sha256}"{attrs}>'
                         f"{html.escape(f.filename)}</a><br>")
        return ("<!DOCTYPE html><html><body>" + "\n".join(links) + "</body></html>").encode()


def _metadata(f: UpstreamFile) -> bytes:
    import io
    with zipfile.ZipFile(io.BytesIO(f.data)) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return zf.read(name)


class _Handler(BaseHTTPRequestHandler):
    upstream: FakeUpstream

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.upstream.requests.append(self.path)
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if len(parts) == 2 and parts[0] == "simple":
            self._page(parts[1])
        elif len(parts) == 2 and parts[0] == "files":
            self._file(parts[1])
        else:
            self._send(404, b"not found\n", "text/plain")

    def _page(self, name: str) -> None:
        if name not in self.upstream.projects:
            self._send(404, b"no such project\n", "text/plain")
            return
        as_json = "json" in (self.headers.get("Accept") or "")
        body = self.upstream.page(name, as_json)
        etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
        if self.headers.get("If-None-Match") == etag:
            self.upstream.not_modified += 1
            self._send(304, b"", None, {"ETag": etag})
            return
        kind = "application/vnd.pypi.simple.v1+json" if as_json else "text/html"
        self._send(200, body, kind, {"ETag": etag, "Cache-Control": "max-age=0"})

    def _file(self, filename: str) -> None:
        wanted = filename.removesuffix(".metadata")
        try:
            f = self.upstream.find(wanted)
        except StopIteration:
            self._send(404, b"no such file\n", "text/plain")
            return
        data = _metadata(f) if filename.endswith(".metadata") else f.data
        self._send(200, data, "application/octet-stream")

    def _send(self, status: int, body: bytes, kind: str | None,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


@contextlib.contextmanager
def _threaded(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def serve_upstream(upstream: FakeUpstream) -> Iterator[str]:
    """Serve the fake upstream on a loopback port; yields its `/simple/` URL."""
    handler = type("Handler", (_Handler,), {"upstream": upstream})
    with _threaded(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as base:
        yield base + "/simple/"


@contextlib.contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """Serve a folder as static files on a loopback port (as a static host would)."""
    handler = functools.partial(_QuietStatic, directory=str(folder))
    with _threaded(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as base:
        yield base


class _QuietStatic(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    """A `signoff serve` process."""

    url: str
    process: subprocess.Popen[str]
    log: Path

    def output(self) -> str:
        """What it has logged so far."""
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def run_signoff_serve(policy: Path, upstream: str, workdir: Path,
                      extra: Sequence[str] = ()) -> Iterator[RunningServer]:
    """Start the real `signoff serve` and wait until it answers; SIGTERM it afterwards."""
    port = free_port()
    log = workdir / f"serve-{port}.log"
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "signoff", "serve", "--policy", str(policy), "--upstream",
             upstream, "--port", str(port), "--state-dir", str(workdir / "serve-state"),
             *extra], stdout=out, stderr=subprocess.STDOUT, text=True, env=env)
    server = RunningServer(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"signoff serve exited {process.returncode}:\n"
                                     f"{server.output()}")
            try:
                httpx.get(server.url + "/healthz", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"signoff serve did not start:\n{server.output()}"
                                         ) from None
                time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
