"""`signoff site`: the static site for people, with hostile registry strings escaped."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from signoff.attest.gpg import generate_key
from signoff.attest.model import Verdict
from signoff.registry.sign import subject_for_file, vouch
from tests.builder import RegistryBuilder
from tests.harness.cli import run_cli

HOSTILE_UID = "Mallory <img src=x onerror=alert(1)> \"quoted\" 'single' <mallory@example.org>"
HOSTILE_COMMENT = "</div><script>alert('comment')</script><a href=\"javascript:x\">click</a>"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.scripts += tag == "script"
        self.hrefs += [v or "" for k, v in attrs if k == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text())
    return page


def test_site_shows_who_attested_what_and_escapes_hostile_strings(
        builder: RegistryBuilder, tmp_path: Path) -> None:
    builder.certify("alice", "bob")
    mallory = generate_key(builder.home, HOSTILE_UID)
    builder.fprs["mallory"] = mallory
    builder.publish("mallory")
    wheel = builder.wheel("tinyhttp", "1.0")
    builder.approve("alice", wheel)
    vouch(builder.registry, builder.user, subject_for_file(wheel), verdict=Verdict.REJECTED,
          criteria=("safe-to-deploy",), comment=HOSTILE_COMMENT, key=mallory)
    builder.approve("bob", builder.wheel("tinyhttp", "2.0"))
    policy = builder.policy(["alice"], signers=1)
    out = tmp_path / "site"
    done = run_cli("site", str(out), "--policy", str(policy))
    assert done.returncode == 0, done.stderr
    index = parse(out / "index.html")
    assert index.scripts == 1  # the search, and nothing a registry string brought
    assert "p/tinyhttp.html" in index.hrefs
    project = parse(out / "p" / "tinyhttp.html")
    text = "".join(project.text)
    assert project.scripts == 0 and "img" not in project.tags
    assert HOSTILE_COMMENT in text and HOSTILE_UID in text
    assert "javascript:x" not in project.hrefs
    assert "path:" in text and "approved" in text and "rejected" in text
    assert "not counted: signer is not valid" in text or "not counted" in text
    bob = parse(out / "k" / f"{builder.key('bob')}.html")
    bob_text = "".join(bob.text)
    assert "certified by" in bob_text and "alice <alice@example.org>" in bob_text
    assert "tinyhttp 2" in bob_text
    mallory_page = parse(out / "k" / f"{mallory}.html")
    assert mallory_page.scripts == 0 and "img" not in mallory_page.tags
    again = run_cli("site", str(out), "--policy", str(policy))
    assert "0 written" in again.stdout and "0 removed" in again.stdout
